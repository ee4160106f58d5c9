package workloads

import (
	"math"
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
)

// Sink receives the requests a Generator emits.
type Sink interface {
	// Arrive is called at the current simulated time with the request's
	// class (an index into Spec.ClassNames) and user: a closed-workload user
	// or session number, or -1 for open arrivals. A Sink given a user must
	// call Generator.Done(user) once that request has ended, whatever its
	// outcome.
	Arrive(class int, user int32)
}

// Generator emits the arrivals of a workload as events on a kernel.
//
// Each source of randomness has its own stream ("workload/arrivals",
// "workload/mix", "workload/think", "workload/sessions"), so changing the mix
// does not change arrival times, for example.
type Generator struct {
	spec  *Spec
	k     *sim.Kernel
	sink  Sink
	shape *Shape
	end   sim.Time

	arrivals, mix, think, sessions *rand.Rand
	cumShares                      []float64

	users    []*client // closed users, or session slots; pointers stay valid as it grows
	freeSlot []int32   // unused session slots
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
	}
	acc := 0.0
	for _, c := range spec.Mix {
		acc += c.Share
		g.cumShares = append(g.cumShares, acc)
	}
	return g
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
		g.sink.Arrive(g.class(), -1)
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
	g.sink.Arrive(g.class(), c.id)
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
		g.k.After(g.arrivals.ExpFloat64()/g.spec.Rate, g, opArrival, nil)
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
