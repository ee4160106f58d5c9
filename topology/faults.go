package topology

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// Fault is one entry of a scenario's fault schedule: from At, for For
// seconds, a node (or some of its instances) fails in one way. With MTTF
// the fault instead strikes at random, after exponential times of mean
// MTTF, and lasts an exponential time of mean MTTR each time (its own
// random stream, so adding a fault leaves the others' draws unchanged).
type Fault struct {
	// At and For schedule the fault; Every, when positive, repeats it
	// that long after each start.
	At, For, Every float64
	MTTF           float64
	MTTR           float64
	Node           string
	// Instances, when positive, takes down that many instances (the
	// first ones), else the whole node: a visit to a down instance fails
	// at once, work queued on it fails when it goes down, and work in
	// service fails when its service time ends.
	Instances int
	// Errors, when positive, fails that share of the visits instead.
	Errors float64
	// Slow multiplies the service times; Latency adds to them (seconds).
	Slow, Latency float64
	// Primary takes down a database's primary (its first shard's): a
	// replica is promoted after the database's failover time. Replica,
	// when not nil, takes down that replica (0 is the first).
	Primary bool
	Replica *int
	// CacheNode, when not nil, takes down that node of a cache (0 is the
	// first), which loses its keys.
	CacheNode *int
}

// TakesInstancesDown says the fault takes instances (or the whole node)
// down, rather than adding errors or latency or failing a database's
// primary, a replica or a cache node.
func (f *Fault) TakesInstancesDown() bool {
	return f.Errors == 0 && f.Slow == 0 && f.Latency == 0 && !f.Primary && f.Replica == nil && f.CacheNode == nil
}

// DecodeFaults reads a fault schedule: a list of {at, for, node,
// instances | errors | slow: {factor} | latency} or, for random faults,
// {mttf, mttr, node, ...}.
func DecodeFaults(d *yamlfile.Decoder, n *yaml.Node) []Fault {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "faults must be a list, e.g. [{at: 5m, for: 2m, node: app, instances: 1}]")
		return nil
	}
	var out []Fault
	for _, item := range n.Content {
		m, ok := d.Mapping(item, "fault", "at", "for", "every", "mttf", "mttr", "node", "instances", "errors", "slow", "latency", "primary", "replica", "cache_node")
		if !ok {
			continue
		}
		var f Fault
		stringField(d, m, "node", &f.Node)
		durationField(d, m, "at", "fault", &f.At)
		durationField(d, m, "for", "fault", &f.For)
		durationField(d, m, "every", "fault", &f.Every)
		durationField(d, m, "mttf", "fault", &f.MTTF)
		durationField(d, m, "mttr", "fault", &f.MTTR)
		// What a fault does is read as given, and a zero refused where it
		// is written: a fault without any of these takes the whole node
		// down, so errors: 0% must not mean that.
		if m.Has("latency") {
			if v, ok := d.Duration(m.Get("latency"), "fault latency"); ok {
				if f.Latency = v; v == 0 {
					d.Errorf(m.Get("latency"), "a fault's latency must be above 0 (0s adds nothing: leave the fault out)")
				}
			}
		}
		if m.Has("instances") {
			if v, ok := d.Int(m.Get("instances"), "fault instances", math.MinInt); ok {
				if f.Instances = v; v == 0 {
					d.Errorf(m.Get("instances"), "a fault's instances must be 1 or more (leave instances out to take the whole node down)")
				}
			}
		}
		if m.Has("errors") {
			if v, ok := d.Fraction(m.Get("errors"), "fault errors"); ok {
				if f.Errors = v; v == 0 {
					d.Errorf(m.Get("errors"), "a fault's errors must be above 0%% (0%% fails nothing: leave the fault out)")
				}
			}
		}
		if m.Has("primary") {
			if v, ok := d.Bool(m.Get("primary")); ok {
				if f.Primary = v; !v {
					d.Errorf(m.Get("primary"), "primary: false strikes no primary: leave primary out (a fault without it takes the whole node down)")
				}
			}
		}
		if m.Has("replica") {
			if r, ok := d.Int(m.Get("replica"), "fault replica", 0); ok {
				f.Replica = &r
			}
		}
		if m.Has("cache_node") {
			if n, ok := d.Int(m.Get("cache_node"), "fault cache_node", 0); ok {
				f.CacheNode = &n
			}
		}
		if m.Has("slow") {
			if s, ok := d.Mapping(m.Get("slow"), "fault slow", "factor"); ok {
				if s.Has("factor") {
					f.Slow, _ = d.Positive(s.Get("factor"), "slow factor")
				} else {
					d.Errorf(m.Get("slow"), "slow needs factor: what service times are multiplied by, e.g. slow: {factor: 3}")
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// validateFaults records what is wrong with the fault schedule, under
// faults.N.
func (t *Topology) validateFaults(e field.Errors) {
	for i := range t.Faults {
		f := &t.Faults[i]
		fe := e.In("faults", strconv.Itoa(i))
		node := t.byName[f.Node]
		switch {
		case f.Node == "":
			fe.AddAtKey("", "a fault needs node: the node it strikes")
		case node == nil && !contains(t.declared, f.Node):
			fe.Add("node", "fault on %q, which is not a node%s", f.Node, yamlfile.DidYouMean(f.Node, t.names()))
		case node != nil && !node.Kind().Workers:
			fe.Add("node", "a fault strikes nodes with workers; %s is a %s", f.Node, node.Kind().Noun)
		}
		if f.CacheNode != nil && node != nil {
			if c, ok := node.Spec.(*Cache); !ok {
				fe.AddAtKey("", "cache_node faults strike caches; %s is a %s", f.Node, node.Kind().Noun)
			} else if *f.CacheNode >= c.Nodes {
				fe.Add("cache_node", "cache %s has %d nodes (numbered from 0)", f.Node, c.Nodes)
			}
		}
		if (f.Primary || f.Replica != nil) && node != nil {
			db, ok := node.Spec.(*Database)
			switch {
			case !ok:
				fe.AddAtKey("", "primary and replica faults strike databases; %s is a %s", f.Node, node.Kind().Noun)
			case f.Replica != nil && *f.Replica >= db.Replicas:
				fe.Add("replica", "database %s has %d replicas (numbered from 0)", f.Node, db.Replicas)
			}
		}
		random := f.MTTF > 0 || f.MTTR > 0
		switch {
		case random && (f.At != 0 || f.For != 0 || f.Every != 0):
			fe.AddAtKey("", "a fault is scheduled (at, for, every) or random (mttf, mttr), not both")
		case f.Every != 0 && !(f.Every > f.For):
			fe.Add("every", "a repeated fault's every must be longer than its for")
		case random && !(f.MTTF > 0 && f.MTTR > 0):
			fe.AddAtKey("", "a random fault needs mttf and mttr above 0")
		case !random && !(f.For > 0):
			fe.AddAtKey("", "a fault needs for: how long it lasts (or mttf and mttr for random faults)")
		}
		for _, v := range []float64{f.At, f.For, f.Every, f.MTTF, f.MTTR, f.Latency} {
			if !(v >= 0) || math.IsInf(v, 0) {
				fe.AddAtKey("", "a fault's times must be durations of 0 or more")
				break
			}
		}
		if does := f.does(); len(does) > 1 {
			// At the second of the things it does, in the order of does.
			fe.AddAtKey(does[1], "a fault does one thing, but this one gives %s and %s: give several faults, one for each",
				strings.Join(does[:len(does)-1], ", "), does[len(does)-1])
		}
		if f.Instances < 0 {
			fe.Add("instances", "a fault's instances must be 1 or more")
		}
		if !(f.Errors >= 0 && f.Errors <= 1) {
			fe.Add("errors", "a fault's errors are a share from 0 to 100%%")
		}
	}
}

// does lists the fields that say what the fault does, of those a fault
// gives one of (none: the whole node goes down): the part of a node it
// strikes first, then how.
func (f *Fault) does() []string {
	var out []string
	for _, d := range []struct {
		field string
		on    bool
	}{
		{"primary", f.Primary}, {"replica", f.Replica != nil}, {"cache_node", f.CacheNode != nil},
		{"instances", f.Instances > 0}, {"errors", f.Errors > 0}, {"slow", f.Slow > 0}, {"latency", f.Latency > 0},
	} {
		if d.on {
			out = append(out, d.field)
		}
	}
	return out
}

// faultHandler is a component that applies some faults itself (a
// database's primary or one replica), and says whether it did.
type faultHandler interface {
	handleFault(f *Fault, on bool, now sim.Time) bool
}

// faulter is a fault's runtime: it applies and lifts it.
type faulter struct {
	net  *Network
	f    *Fault
	comp component
	sts  []*station
	rng  *rand.Rand // the random fault's times
	// downed are the instances it took down, per station, so that it
	// brings back those, whatever the fleet became meanwhile.
	downed [][]*instance
}

// Opcodes of a fault's events.
const (
	opFaultOn = iota
	opFaultOff
)

// scheduleFaults arms the topology's faults on the network.
func (n *Network) scheduleFaults(t *Topology, byName map[string]component) {
	for i := range t.Faults {
		f := &t.Faults[i]
		fl := &faulter{net: n, f: f, comp: byName[f.Node], sts: byName[f.Node].stations(),
			rng: sim.NewStream(n.opts.Seed, "fault/"+strconv.Itoa(i)+"/"+f.Node)}
		fl.downed = make([][]*instance, len(fl.sts))
		for _, st := range fl.sts {
			if st.faultRng == nil {
				st.faultRng = sim.NewStream(n.opts.Seed, f.Node+"/faults")
			}
		}
		if f.MTTF > 0 {
			n.k.After(sim.ExpVariate(fl.rng)*f.MTTF, fl, opFaultOn, nil)
		} else {
			n.k.At(sim.Time(f.At), fl, opFaultOn, nil)
		}
	}
}

// Handle implements sim.Handler: the fault strikes or ends.
func (fl *faulter) Handle(now sim.Time, op int, _ any) {
	f := fl.f
	on := op == opFaultOn
	if h, ok := fl.comp.(faultHandler); !ok || !h.handleFault(f, on, now) {
		for i, st := range fl.sts {
			st.fault(f, on, now, &fl.downed[i])
		}
	}
	switch {
	case on && f.MTTF > 0:
		fl.net.k.After(sim.ExpVariate(fl.rng)*f.MTTR, fl, opFaultOff, nil)
	case on:
		fl.net.k.After(f.For, fl, opFaultOff, nil)
		if f.Every > 0 {
			fl.net.k.After(f.Every, fl, opFaultOn, nil)
		}
	case f.MTTF > 0:
		fl.net.k.After(sim.ExpVariate(fl.rng)*f.MTTF, fl, opFaultOn, nil)
	}
}

// fault applies f to the station (on) or lifts it. The instances it takes
// down are kept in downed, and those are what lifting it brings back.
func (st *station) fault(f *Fault, on bool, now sim.Time, downed *[]*instance) {
	switch {
	case f.Errors > 0 || f.Slow > 0 || f.Latency > 0:
		if on {
			st.effects = append(st.effects, f)
		} else if i := slices.Index(st.effects, f); i >= 0 {
			st.effects = slices.Delete(st.effects, i, i+1)
		}
		st.combineEffects()
	case on:
		// It takes down instances that are up, first to last (those
		// another fault holds down already are not taken twice), as many
		// as it says or all; the whole node when it names none.
		*downed = (*downed)[:0]
		for _, inst := range st.insts {
			if f.Instances > 0 && len(*downed) == f.Instances {
				break
			}
			if inst.down {
				if f.Instances == 0 {
					inst.heldDown++ // the whole node: this one too
					*downed = append(*downed, inst)
				}
				continue
			}
			inst.heldDown++
			inst.down = true
			inst.downs++
			*downed = append(*downed, inst)
			st.failQueued(inst)
			st.downChanged(inst, now)
		}
	default:
		for _, inst := range *downed {
			was := inst.down
			inst.heldDown = max(inst.heldDown-1, 0) // 0 already if a promotion brought it back
			if inst.down = inst.heldDown > 0; was && !inst.down {
				st.downChanged(inst, now)
			}
		}
		*downed = (*downed)[:0]
	}
	st.faulty = st.errRate > 0 || st.slow > 0 || st.delay > 0 || st.anyDown()
}

// combineEffects sets the station's error rate, slowdown and added
// latency from the faults in force on it: overlapping faults compound
// (a visit fails unless every fault spares it; factors multiply; latencies
// add), and each one's end lifts only its own part.
func (st *station) combineEffects() {
	spared, slow, delay := 1.0, 0.0, 0.0
	for _, f := range st.effects {
		spared = float64(spared * (1 - f.Errors))
		if f.Slow > 0 {
			slow = float64(max(slow, 1) * f.Slow)
		}
		delay += f.Latency
	}
	st.errRate, st.slow, st.delay = 1-spared, slow, delay
}

// anyDown says some instance of the station is down.
func (st *station) anyDown() bool {
	for _, inst := range st.insts {
		if inst.down {
			return true
		}
	}
	return false
}

// failQueued fails the jobs waiting at inst, which has gone down.
func (st *station) failQueued(inst *instance) {
	now := st.net.k.Now()
	for inst.queue.Len() > 0 {
		j := inst.queue.Pop()
		st.queued--
		st.setQueued(now)
		st.failNow(j)
	}
}

// failNow ends j's visit with a failure (a fault), its worker freed if it
// held one.
func (st *station) failNow(j *job) {
	st.turned[CauseFailed]++
	j.err = CauseFailed
	st.finish(j)
	st.net.reply(j)
}
