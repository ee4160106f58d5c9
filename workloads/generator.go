package workloads

import (
	"math"
	"math/rand/v2"
	"unsafe"

	"github.com/scalesim/scalesim/sim"
)

// Arrival is one request a Generator emits.
type Arrival struct {
	// Class indexes Spec.ClassNames.
	Class int
	// User identifies who sent the request: a closed-workload user, a
	// session, a user drawn uniformly from the users model's active users,
	// or -1 when the workload has no notion of users.
	User int32
	// Client is the closed-workload user or session waiting for the reply,
	// or -1 for an open arrival. A Sink given a client must call
	// Generator.Done(client) once that request has ended, whatever its
	// outcome.
	Client int32
	// Key is the key the request touches, or -1 when the workload has no
	// keys.
	Key int64
	// Region indexes Spec.Regions: where the user is; -1 when the users
	// are nowhere.
	Region int
}

// Sink receives the requests a Generator emits.
type Sink interface {
	// Arrive is called at the current simulated time for each request.
	Arrive(a Arrival)
}

// Generator emits the arrivals of a workload as events on a kernel.
//
// Each source of randomness has its own stream ("workload/arrivals",
// "workload/mix", "workload/think", "workload/sessions", "workload/keys",
// "workload/users"), so changing the mix does not change arrival times, for
// example.
type Generator struct {
	spec  *Spec
	k     *sim.Kernel
	sink  Sink
	shape *Shape
	end   sim.Time

	arrivals, mix, think, sessions *rand.Rand
	keyStream, userStream          *rand.Rand
	cumShares                      []float64
	regionStream                   *rand.Rand // nil without regions
	cumRegions                     []float64
	regionSalt                     uint64      // spreads known users over the regions
	keys                           *KeySampler // nil without keys
	activeUsers                    int64       // user ids drawn for open arrivals

	users    []*client // closed users, or session slots; pointers stay valid as it grows
	freeSlot []int32   // unused session slots
}

// ClientBytes is about what one closed user or session slot takes: its
// record and the pointer to it.
const ClientBytes = float64(unsafe.Sizeof(client{})) + 8

// Clients is the number of user and session records held: the closed
// population, or the most sessions open at once so far.
func (g *Generator) Clients() int { return len(g.users) }

// Bytes is about how much memory the session records take, with the room
// their slice has grown to. A closed population is fixed, and counted by
// Spec.Footprint.
func (g *Generator) Bytes() float64 {
	if g.spec.Model == Closed {
		return 0
	}
	return float64(float64(len(g.users))*ClientBytes) + float64(float64(cap(g.users)-len(g.users))*8)
}

// Footprint is about how many bytes the workload's generator holds from
// the start: a record per closed user.
func (s *Spec) Footprint() float64 {
	if s.Model == Closed {
		return float64(s.Population) * ClientBytes
	}
	return 0
}

// client is a closed-workload user or an open session.
type client struct {
	id   int32
	left int // requests the session still has to send
}

const (
	opArrival  = iota // an open request or session arrives
	opSendNext        // a user or session has finished thinking
)

// NewGenerator prepares the arrivals of spec on kernel k, drawing from
// streams derived from seed.
func NewGenerator(spec *Spec, k *sim.Kernel, seed uint64, sink Sink) *Generator {
	g := &Generator{
		spec: spec, k: k, sink: sink, shape: spec.Shape(),
		arrivals: sim.NewStream(seed, "workload/arrivals"),
		mix:      sim.NewStream(seed, "workload/mix"),
		think:    sim.NewStream(seed, "workload/think"),
		sessions: sim.NewStream(seed, "workload/sessions"),

		keyStream:  sim.NewStream(seed, "workload/keys"),
		userStream: sim.NewStream(seed, "workload/users"),
	}
	if spec.Keys != nil {
		g.keys = NewKeySampler(spec.Keys)
	}
	if spec.Model == Open && spec.Users != nil {
		g.activeUsers = min(spec.ActiveUsers(), math.MaxInt32)
	}
	acc := 0.0
	for _, c := range spec.Mix {
		acc += c.Share
		g.cumShares = append(g.cumShares, acc)
	}
	if len(spec.Regions) > 0 {
		g.regionStream = sim.NewStream(seed, "workload/regions")
		g.regionSalt = g.regionStream.Uint64()
		acc = 0
		for _, r := range spec.Regions {
			acc += r.Share
			g.cumRegions = append(g.cumRegions, acc)
		}
	}
	return g
}

// region is where the user who sends a request is: a known user is always
// in the same region (a hash of the id places it, spread by the shares),
// an anonymous one is drawn from the workload's region stream; -1 without
// regions.
func (g *Generator) region(user int32) int {
	if g.regionStream == nil {
		return -1
	}
	var u float64
	if user >= 0 {
		// SplitMix64's finaliser (Steele, Lea and Flood, "Fast splittable
		// pseudorandom number generators", OOPSLA 2014) of the salted id,
		// its top 53 bits as a uniform in [0, 1).
		z := uint64(user) + g.regionSalt
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		u = float64(z>>11) / (1 << 53)
	} else {
		u = g.regionStream.Float64()
	}
	for i, c := range g.cumRegions {
		if u < c {
			return i
		}
	}
	return len(g.cumRegions) - 1
}

// Start schedules the first arrivals. No request is sent at or after end.
func (g *Generator) Start(end sim.Time) {
	g.end = end
	switch g.spec.Model {
	case Open, Sessions:
		g.scheduleArrival()
	case Closed:
		g.users = make([]*client, g.spec.Population)
		for i := range g.users {
			g.users[i] = &client{id: int32(i)}
			// Users start at a random point of their think time, so they do
			// not all send at once.
			g.k.After(g.spec.Think.Sample(g.think), g, opSendNext, g.users[i])
		}
	}
}

// Handle implements sim.Handler.
func (g *Generator) Handle(now sim.Time, op int, data any) {
	if now >= g.end {
		return
	}
	switch op {
	case opArrival:
		g.scheduleArrival()
		if g.spec.Model == Sessions {
			c := g.newSession()
			g.send(c)
			return
		}
		user := int32(-1)
		if g.activeUsers > 0 {
			user = int32(g.userStream.Int64N(g.activeUsers))
		}
		g.emit(user, -1)
	case opSendNext:
		g.send(data.(*client))
	}
}

// Done tells the generator that user's request has ended: the user thinks,
// then sends again (closed), or the session goes on or ends (sessions).
func (g *Generator) Done(user int32) {
	c := g.users[user]
	if g.spec.Model == Sessions && c.left == 0 {
		g.freeSlot = append(g.freeSlot, user)
		return
	}
	g.k.After(g.spec.Think.Sample(g.think), g, opSendNext, c)
}

func (g *Generator) send(c *client) {
	if g.spec.Model == Sessions {
		c.left--
	}
	g.emit(c.id, c.id)
}

func (g *Generator) emit(user, client int32) {
	a := Arrival{Class: g.class(), User: user, Client: client, Key: -1, Region: g.region(user)}
	if g.keys != nil {
		a.Key = g.keys.Sample(g.keyStream)
	}
	g.sink.Arrive(a)
}

// newSession takes a free session slot and draws its length: the Requests
// distribution rounded to the nearest whole number, at least 1.
func (g *Generator) newSession() *client {
	var id int32
	if n := len(g.freeSlot); n > 0 {
		id = g.freeSlot[n-1]
		g.freeSlot = g.freeSlot[:n-1]
	} else {
		id = int32(len(g.users))
		g.users = append(g.users, &client{id: id})
	}
	c := g.users[id]
	c.left = max(1, int(math.Round(g.spec.Requests.Sample(g.sessions))))
	return c
}

// scheduleArrival schedules the next open arrival: an exponential gap at
// the constant rate, or the next point of the shaped process.
func (g *Generator) scheduleArrival() {
	now := g.k.Now()
	if g.shape == nil {
		g.k.After(sim.ExpVariate(g.arrivals)/g.spec.Rate, g, opArrival, nil)
		return
	}
	next := g.shape.Next(now, g.arrivals)
	if next < g.end {
		g.k.At(next, g, opArrival, nil)
	}
}

// class draws a request class from the mix.
func (g *Generator) class() int {
	if len(g.cumShares) <= 1 {
		return 0
	}
	u := g.mix.Float64()
	for i, c := range g.cumShares {
		if u < c {
			return i
		}
	}
	return len(g.cumShares) - 1
}
