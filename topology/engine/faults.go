package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// Striker is a FaultEffect as the engine applies it: every fault kind's
// effect implements it besides FaultEffect.
type Striker interface {
	topology.FaultEffect
	// Strike applies it (on) or lifts it, through its fault's runtime
	// (Faulter.Component is the node it strikes).
	Strike(fl *Faulter, on bool, now sim.Time)
}

// builtinFaults are the fault kinds scalesim ships, in the order a fault
// entry's fields are listed in messages.
var builtinFaults = []*topology.FaultKind{&instancesFault, &errorsFault, &slowFault, &latencyFault}

func init() {
	topology.RegisterWholeNode(NodeDown{})
	for _, k := range builtinFaults {
		topology.RegisterFault(k)
	}
}

// The kinds of faults that act on the node's stations, whatever its kind;
// those on a part of a node are with their node's kind (PrimaryDown and
// ReplicaDown in topology/database; a cache's cache_node in topology/cache).
var (
	// nodeFault is the kind of a fault that gives no other: not a field,
	// not registered.
	nodeFault      = topology.FaultKind{Name: "node", Down: true}
	instancesFault = topology.FaultKind{Name: "instances", Decode: decodeInstancesDown, Down: true,
		Param: params.Param{Type: params.Int, Unit: "instances", Doc: "instances taken down (without it, the whole node)"}}
	errorsFault = topology.FaultKind{Name: "errors", Decode: decodeErrors,
		Param: params.Param{Type: params.Share, Doc: "a share of visits fail"}}
	slowFault = topology.FaultKind{Name: "slow", Decode: decodeSlow,
		Param: params.Param{Type: params.Object, Doc: "service times multiplied", Fields: []params.Param{{Name: "factor", Type: params.Number, Required: true, Doc: "the multiple"}}}}
	latencyFault = topology.FaultKind{Name: "latency", Decode: decodeLatency,
		Param: params.Param{Type: params.Duration, Doc: "added to service times"}}
)

// NodeDown takes the whole node down: every instance of its stations (a
// cache's every node), each held down until the fault ends even if
// another fault had taken it down already.
type NodeDown struct{}

// Kind implements topology.FaultEffect.
func (NodeDown) Kind() *topology.FaultKind { return &nodeFault }

// Describe implements topology.FaultEffect.
func (NodeDown) Describe() string { return "down" }

// Check implements topology.FaultEffect.
func (NodeDown) Check(field.Errors) bool { return true }

// Strike implements Striker.
func (NodeDown) Strike(fl *Faulter, on bool, now sim.Time) { fl.down(0, on, now) }

// InstancesDown takes Count instances down: the first ones of each
// station that are up (a cache's first nodes). A visit to a down instance
// fails at once, work queued on it fails when it goes down, and work in
// service fails when its service time ends.
type InstancesDown struct{ Count int }

func decodeInstancesDown(d *yamlfile.Decoder, n *yaml.Node) (topology.FaultEffect, bool) {
	v, ok := d.Int(n, "fault instances", math.MinInt)
	if ok && v == 0 {
		d.Errorf(n, "a fault's instances must be 1 or more (leave instances out to take the whole node down)")
	}
	return InstancesDown{v}, ok && v != 0
}

// Kind implements topology.FaultEffect.
func (InstancesDown) Kind() *topology.FaultKind { return &instancesFault }

// Describe implements topology.FaultEffect.
func (x InstancesDown) Describe() string {
	return units.Plural(x.Count, "instance", "instances") + " down"
}

// Check implements topology.FaultEffect.
func (x InstancesDown) Check(e field.Errors) bool {
	if x.Count < 1 {
		e.Add("instances", "a fault's instances must be 1 or more")
		return false
	}
	return true
}

// Fit implements topology.Fitter: the node has the instances, at most (an
// autoscaled node's most). More would take as many as it has, the whole
// node: refused, as a cache_node or a replica it does not have is.
func (x InstancesDown) Fit(e field.Errors, node *topology.Node) {
	ic, ok := node.Spec.(topology.InstanceCounted)
	if !ok {
		return
	}
	most, has, from := ic.FaultInstances()
	if most > 0 && x.Count > most {
		var given [][]string
		for _, f := range from {
			given = append(given, node.Path(f))
		}
		e.Given(given...).Add("instances", "fault instances %d: %s %s has %s (leave instances out to take the whole node down)", x.Count, node.Kind().Noun, node.Name, has)
	}
}

// Strike implements Striker.
func (x InstancesDown) Strike(fl *Faulter, on bool, now sim.Time) { fl.down(x.Count, on, now) }

// Errors fails a share of the visits, drawn from the station's stream of
// faults.
type Errors struct{ Share float64 }

func decodeErrors(d *yamlfile.Decoder, n *yaml.Node) (topology.FaultEffect, bool) {
	v, ok := d.Fraction(n, "fault errors")
	if ok && v == 0 {
		d.Errorf(n, "a fault's errors must be above 0%% (0%% fails nothing: leave the fault out)")
	}
	return Errors{v}, ok && v != 0
}

// Kind implements topology.FaultEffect.
func (Errors) Kind() *topology.FaultKind { return &errorsFault }

// Describe implements topology.FaultEffect.
func (x Errors) Describe() string { return "errors " + units.Percent(x.Share) }

// Check implements topology.FaultEffect.
func (x Errors) Check(e field.Errors) bool {
	switch {
	case x.Share == 0:
		e.Add("errors", "a fault's errors must be above 0%% (0%% fails nothing: leave the fault out)")
	case !(x.Share > 0 && x.Share <= 1):
		e.Add("errors", "a fault's errors are a share from 0 to 100%%")
	default:
		return true
	}
	return false
}

// Strike implements Striker.
func (Errors) Strike(fl *Faulter, on bool, _ sim.Time) { fl.modify(on) }

// compound implements stationEffect: a visit fails unless every fault in
// force spares it.
func (x Errors) compound(m *faultMods) { m.spared = float64(m.spared * (1 - x.Share)) }

// Slow multiplies the service times by Factor.
type Slow struct{ Factor float64 }

func decodeSlow(d *yamlfile.Decoder, n *yaml.Node) (topology.FaultEffect, bool) {
	s, ok := d.Mapping(n, "fault slow", "factor")
	if !ok {
		return nil, false
	}
	if !s.Has("factor") {
		d.Errorf(n, "slow needs factor: what service times are multiplied by, e.g. slow: {factor: 3}")
		return nil, false
	}
	v, ok := d.Positive(s.Get("factor"), "slow factor")
	return Slow{v}, ok
}

// Kind implements topology.FaultEffect.
func (Slow) Kind() *topology.FaultKind { return &slowFault }

// Describe implements topology.FaultEffect.
func (x Slow) Describe() string { return fmt.Sprintf("slow ×%.3g", x.Factor) }

// Check implements topology.FaultEffect.
func (x Slow) Check(e field.Errors) bool {
	if !(x.Factor > 0) || math.IsInf(x.Factor, 0) {
		e.Add("slow", "a fault's slow factor must be a positive number")
		return false
	}
	return true
}

// Strike implements Striker.
func (Slow) Strike(fl *Faulter, on bool, _ sim.Time) { fl.modify(on) }

// compound implements stationEffect: the factors in force multiply.
func (x Slow) compound(m *faultMods) { m.slow = float64(max(m.slow, 1) * x.Factor) }

// Latency adds Seconds to the service times.
type Latency struct{ Seconds float64 }

func decodeLatency(d *yamlfile.Decoder, n *yaml.Node) (topology.FaultEffect, bool) {
	v, ok := d.Duration(n, "fault latency")
	if ok && v == 0 {
		d.Errorf(n, "a fault's latency must be above 0 (0s adds nothing: leave the fault out)")
	}
	return Latency{v}, ok && v != 0
}

// Kind implements topology.FaultEffect.
func (Latency) Kind() *topology.FaultKind { return &latencyFault }

// Describe implements topology.FaultEffect.
func (x Latency) Describe() string { return "latency +" + units.FormatDuration(x.Seconds) }

// Check implements topology.FaultEffect.
func (x Latency) Check(e field.Errors) bool {
	if !(x.Seconds > 0) || math.IsInf(x.Seconds, 0) {
		e.Add("latency", "a fault's latency must be a duration above 0")
		return false
	}
	return true
}

// Strike implements Striker.
func (Latency) Strike(fl *Faulter, on bool, _ sim.Time) { fl.modify(on) }

// compound implements stationEffect: the latencies in force add.
func (x Latency) compound(m *faultMods) { m.delay += x.Seconds }

// stationEffect is an effect that changes how a station serves while it
// is in force (errors, slowdowns, added latency): the effects in force on
// a station compound, each one's end lifting only its own part.
type stationEffect interface {
	compound(m *faultMods)
}

// faultMods are what the faults in force on a station do to its visits.
type faultMods struct {
	spared float64 // the share of visits no fault fails
	slow   float64 // service times multiplied by this, when positive
	delay  float64 // seconds added to service times
}

// Downer is a component whose instances go down in its own way (a cache's
// nodes lose their keys), rather than as its stations' instances do
// (Faulter.downStations): a fault that takes count instances down (0:
// all, the whole node) strikes through Down, on and then off.
type Downer interface {
	Down(fl *Faulter, count int, on bool, now sim.Time)
}

// Faulter is a fault's runtime: it applies and lifts it. A fault effect
// (Striker.Strike) reaches the node it strikes through it.
type Faulter struct {
	net  *Network
	f    *topology.Fault
	comp Component
	sts  []*Station
	rng  *rand.Rand // the random fault's times
	// downed are the instances it took down, per station, so that it
	// brings back those, whatever the fleet became meanwhile.
	downed [][]*instance
}

// Component is the runtime of the node the fault strikes.
func (fl *Faulter) Component() Component { return fl.comp }

// Fault is the fault it applies: one value per scheduled fault, which a
// kind that holds instances down for each fault keys them by.
func (fl *Faulter) Fault() *topology.Fault { return fl.f }

// DownStations takes count instances of each of the node's stations down
// (0: all), or brings back those it took: what a fault that takes
// instances down does to a node whose Downer leaves it to the stations.
func (fl *Faulter) DownStations(count int, on bool, now sim.Time) { fl.downStations(count, on, now) }

// Opcodes of a fault's events.
const (
	opFaultOn = iota
	opFaultOff
)

// scheduleFaults arms the topology's faults on the network.
func (n *Network) scheduleFaults(t *topology.Topology, byName map[string]Component) {
	for i := range t.Faults {
		f := &t.Faults[i]
		if f.Region != "" && f.MTTF == 0 {
			// Before the strikes of the same instant: see outage.
			o := &outage{net: n, f: f}
			n.outages = append(n.outages, o)
			n.k.At(sim.Time(f.At), o, opFaultOn, nil)
		}
		for _, node := range f.Strikes() {
			fl := &Faulter{net: n, f: f, comp: byName[node], sts: byName[node].Stations(),
				rng: sim.NewStream(n.opts.Seed, "fault/"+strconv.Itoa(i)+"/"+node)}
			fl.downed = make([][]*instance, len(fl.sts))
			for _, st := range fl.sts {
				if st.faultRng == nil {
					st.faultRng = sim.NewStream(n.opts.Seed, node+"/faults")
				}
			}
			if f.MTTF > 0 {
				n.k.After(sim.ExpVariate(fl.rng)*f.MTTF, fl, opFaultOn, nil)
			} else {
				n.k.At(sim.Time(f.At), fl, opFaultOn, nil)
			}
		}
	}
}

// Handle implements sim.Handler: the fault strikes or ends.
func (fl *Faulter) Handle(now sim.Time, op int, _ any) {
	f := fl.f
	on := op == opFaultOn
	eff, ok := f.What().(Striker)
	if !ok {
		panic(fmt.Sprintf("engine: the %s fault's effect (%T) does not implement Striker", f.What().Kind().Name, f.What()))
	}
	eff.Strike(fl, on, now)
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

// modify puts the fault's effect, a stationEffect, in force on the node's
// stations (on) or lifts it.
func (fl *Faulter) modify(on bool) {
	for _, st := range fl.sts {
		if on {
			st.effects = append(st.effects, fl.f)
		} else if i := slices.Index(st.effects, fl.f); i >= 0 {
			st.effects = slices.Delete(st.effects, i, i+1)
		}
		st.combineEffects()
		st.setFaulty()
	}
}

// down takes count instances of the node down (0: all, the whole node)
// or brings back those it took: as the node's kind does it (Downer), or
// as its stations do, telling the node when they are back (Restarted).
func (fl *Faulter) down(count int, on bool, now sim.Time) {
	if d, ok := fl.comp.(Downer); ok {
		d.Down(fl, count, on, now)
		return
	}
	fl.downStations(count, on, now)
	if r, ok := fl.comp.(Restarted); ok && !on {
		r.Restarted(now)
	}
}

// downStations takes count instances of each of the node's stations down
// (0: all), or brings back those it took.
func (fl *Faulter) downStations(count int, on bool, now sim.Time) {
	for i, st := range fl.sts {
		st.takeDown(count, on, now, &fl.downed[i])
	}
}

// takeDown takes count of the station's instances down (0: all, the whole
// node), or brings them back (on false). The instances it takes down are
// kept in downed, and those are what bringing them back brings back.
func (st *Station) takeDown(count int, on bool, now sim.Time, downed *[]*instance) {
	if on {
		// It takes down instances that are up, first to last (those
		// another fault holds down already are not taken twice), as many
		// as it says or all; the whole node when it names none.
		*downed = (*downed)[:0]
		for _, inst := range st.insts {
			if count > 0 && len(*downed) == count {
				break
			}
			if inst.down {
				if count == 0 {
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
	} else {
		for _, inst := range *downed {
			was := inst.down
			inst.heldDown = max(inst.heldDown-1, 0) // 0 already if a promotion brought it back
			if inst.down = inst.heldDown > 0; was && !inst.down {
				st.downChanged(inst, now)
			}
		}
		*downed = (*downed)[:0]
	}
	st.setFaulty()
}

// setFaulty sets faulty: some fault is in force on the station.
func (st *Station) setFaulty() {
	st.faulty = st.errRate > 0 || st.slow > 0 || st.delay > 0 || st.anyDown()
}

// combineEffects sets the station's error rate, slowdown and added
// latency from the faults in force on it: overlapping faults compound
// (a visit fails unless every fault spares it; factors multiply; latencies
// add), and each one's end lifts only its own part.
func (st *Station) combineEffects() {
	m := faultMods{spared: 1}
	for _, f := range st.effects {
		f.What().(stationEffect).compound(&m)
	}
	st.errRate, st.slow, st.delay = 1-m.spared, m.slow, m.delay
}

// anyDown says some instance of the station is down.
func (st *Station) anyDown() bool {
	for _, inst := range st.insts {
		if inst.down {
			return true
		}
	}
	return false
}

// failQueued fails the jobs waiting at inst, which has gone down.
func (st *Station) failQueued(inst *instance) {
	now := st.net.k.Now()
	for inst.queue.Len() > 0 {
		j := inst.queue.Pop()
		st.queued--
		st.setQueued(now)
		st.failNow(j)
	}
}

// DownFailer is a station's owner told of each visit its station fails
// because the instance that queued or served it went down (a database
// counts the writes its failed primary fails).
type DownFailer interface {
	FailedDown(j *Job)
}

// failNow ends j's visit with a failure (a fault), its worker freed if it
// held one; an owner that is a DownFailer is told.
func (st *Station) failNow(j *Job) {
	if df, ok := st.owner.(DownFailer); ok {
		df.FailedDown(j)
	}
	st.turned[CauseFailed]++
	j.err = CauseFailed
	st.finish(j)
	st.net.reply(j)
}
