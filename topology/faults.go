package topology

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Fault is one entry of a scenario's fault schedule: from At, for For
// seconds, a node (or a part of it) fails in the way its Effect says. With
// MTTF the fault instead strikes at random, after exponential times of
// mean MTTF, and lasts an exponential time of mean MTTR each time (its own
// random stream, so adding a fault leaves the others' draws unchanged).
type Fault struct {
	// At and For schedule the fault; Every, when positive, repeats it
	// that long after each start.
	At, For, Every float64
	MTTF           float64
	MTTR           float64
	Node           string
	// Region, instead of Node, strikes every node with workers placed in
	// the region (a region outage): a scheduled fault that takes them
	// down.
	Region string
	// struck are the nodes a region fault strikes, found by Validate.
	struck []string
	// Effect is what the fault does: a value of one of the registered
	// fault kinds (see FaultKind), such as Errors{Share: 0.1}. Nil takes
	// the whole node down (NodeDown).
	Effect FaultEffect
	// more are the further effects a fault entry of a file gave besides
	// Effect, which validation refuses: a fault does one thing.
	more []FaultEffect
}

// Strikes lists the nodes the fault strikes: its node, or those placed in
// its region (once the topology is validated).
func (f *Fault) Strikes() []string {
	if f.Region != "" {
		return f.struck
	}
	return []string{f.Node}
}

// Where names what the fault strikes: "app", or "region us-east-1".
func (f *Fault) Where() string {
	if f.Region != "" {
		return "region " + f.Region
	}
	return f.Node
}

// What is the fault's effect: Effect, or the whole node down without one
// (the effect RegisterWholeNode set: the engine's NodeDown).
func (f *Fault) What() FaultEffect {
	if f.Effect == nil {
		return wholeNode
	}
	return f.Effect
}

// wholeNode is the effect of a fault entry that gives none of the fault
// kinds' fields: the whole node down.
var wholeNode FaultEffect

// RegisterWholeNode sets the effect of a fault entry that gives none of
// the fault kinds' fields (the whole node down): the engine registers its
// own when the program starts. It panics if called twice.
func RegisterWholeNode(e FaultEffect) {
	if wholeNode != nil {
		panic("topology: the whole node's fault registered twice")
	}
	wholeNode = e
}

// TakesInstancesDown says the fault takes instances (or the whole node)
// down, rather than adding errors or latency or failing a database's
// primary, a replica or a cache node.
func (f *Fault) TakesInstancesDown() bool { return f.What().Kind().Down }

// FaultKind is one kind of fault, registered once: the field of a fault
// entry that gives it, how its value is read, and the nodes it strikes.
// Its effects (FaultEffect) check their own values and apply themselves.
// Adding a kind is a type that implements FaultEffect, its FaultKind, and
// a line in builtinFaults (or a call to RegisterFault).
type FaultKind struct {
	// Name is the field of a fault entry that gives it, e.g. errors: 10%
	// ("node" for NodeDown, which a fault without any of them is).
	Name string
	// Decode reads the field's value, recording problems on d; false if
	// it was refused. A value that does nothing (errors: 0%) is refused
	// where it is written, since a fault without any kind's field takes
	// the whole node down.
	Decode func(d *yamlfile.Decoder, n *yaml.Node) (FaultEffect, bool)
	// On, when not nil, is the only kind of node it strikes (a
	// database's primary).
	On *Kind
	// Part says it strikes a part of a node (a primary, a cache node)
	// rather than saying how the node fails: a fault that gives several
	// kinds lists the parts first.
	Part bool
	// Down says it takes instances down: a visit to a down instance fails
	// at once (a balancer without health checks keeps sending to it).
	Down bool
	// Param describes its field (its type and meaning; the name is
	// Name's) for the reference, the JSON Schema and completion; without
	// a Type, the field is described as any value.
	Param params.Param
}

// FaultEffect is what a fault does while it is in force: a value of a
// registered FaultKind, shared by the runs of a scenario (it holds no
// runtime state).
type FaultEffect interface {
	// Kind is the kind of fault it is.
	Kind() *FaultKind
	// Describe says what it does in a few words, e.g. "errors 10%".
	Describe() string

	// Check records what is wrong with its value alone under the
	// fault's path (e is faults.N), and says whether the value does
	// something.
	Check(e field.Errors) bool
}

// Striker is a FaultEffect as the engine applies it: every fault kind's
// effect implements it besides FaultEffect.
type Striker interface {
	FaultEffect
	// Strike applies it (on) or lifts it, through its fault's runtime
	// (Faulter.Component is the node it strikes).
	Strike(fl *Faulter, on bool, now sim.Time)
}

// Fitter is an effect that checks itself against the node it strikes
// (of its kind's On kind, when it has one): a replica the database has.
type Fitter interface {
	// Fit records, under the fault's path, what of the effect does not
	// fit node (a cache node it does not have).
	Fit(e field.Errors, node *Node)
}

// builtinFaults are the fault kinds scalesim ships, in the order a fault
// entry's fields are listed in messages.
var builtinFaults = []*FaultKind{&instancesFault, &errorsFault, &slowFault, &latencyFault}

// faultKinds are the registered fault kinds, in registration order: the
// engine's own (builtinFaults), then those of the node kinds' packages in
// the order Go initializes them (by import path: cache_node, then primary
// and replica), which is the order of the fields in messages and the
// reference.
var faultKinds []*FaultKind

func init() {
	RegisterWholeNode(NodeDown{})
	for _, k := range builtinFaults {
		RegisterFault(k)
	}
}

// RegisterFault adds a fault kind, so that a fault entry may give its
// field. It panics if the field is taken: kinds are registered when the
// program starts.
func RegisterFault(k *FaultKind) {
	if slices.Contains(scheduleFields, k.Name) || slices.ContainsFunc(faultKinds, func(o *FaultKind) bool { return o.Name == k.Name }) {
		panic(fmt.Sprintf("topology: fault kind %q registered twice (or named as a field of the schedule)", k.Name))
	}
	faultKinds = append(faultKinds, k)
}

// scheduleFields are the fields of a fault entry that say which node it
// strikes and when.
var scheduleFields = []string{"at", "for", "every", "mttf", "mttr", "node", "region"}

// faultFields are the fields of a fault entry: its schedule's, then each
// registered kind's.
func faultFields() []string {
	fields := slices.Clone(scheduleFields)
	for _, k := range faultKinds {
		fields = append(fields, k.Name)
	}
	return fields
}

// DecodeFaults reads a fault schedule: a list of {at, for, node,
// instances | errors | slow: {factor} | latency} or, for random faults,
// {mttf, mttr, node, ...}; each registered fault kind is a field.
func DecodeFaults(d *yamlfile.Decoder, n *yaml.Node) []Fault {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "faults must be a list, e.g. [{at: 5m, for: 2m, node: app, instances: 1}]")
		return nil
	}
	fields := faultFields()
	var out []Fault
	for _, item := range n.Content {
		m, ok := d.Mapping(item, "fault", fields...)
		if !ok {
			continue
		}
		var f Fault
		StringField(d, m, "node", &f.Node)
		StringField(d, m, "region", &f.Region)
		DurationField(d, m, "at", "fault", &f.At)
		DurationField(d, m, "for", "fault", &f.For)
		DurationField(d, m, "every", "fault", &f.Every)
		DurationField(d, m, "mttf", "fault", &f.MTTF)
		DurationField(d, m, "mttr", "fault", &f.MTTR)
		// What a fault does is read as given, each kind refusing a value
		// that does nothing where it is written: the part of a node it
		// strikes first, then how.
		var given []FaultEffect
		for _, part := range []bool{true, false} {
			for _, k := range faultKinds {
				if k.Part == part && m.Has(k.Name) {
					if x, ok := k.Decode(d, m.Get(k.Name)); ok {
						given = append(given, x)
					}
				}
			}
		}
		if len(given) > 0 {
			f.Effect, f.more = given[0], given[1:]
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
		case f.Region != "" && f.Node != "":
			fe.Add("region", "a fault strikes a node or a region, not both")
		case f.Region != "":
			// checked with the placement (validateRegionFault)
		case f.Node == "":
			fe.AddAtKey("", "a fault needs node: the node it strikes")
		case node == nil && !contains(t.declared, f.Node):
			fe.Add("node", "fault on %q, which is not a node%s", f.Node, t.unknownNode(f.Node))
		case node != nil && !node.Kind().Workers:
			fe.Add("node", "a fault strikes nodes with workers; %s is a %s", f.Node, node.Kind().Noun)
		}
		given := append([]FaultEffect{f.What()}, f.more...)
		if node != nil {
			fitNode(fe, f.Node, node, given)
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
		for _, v := range []float64{f.At, f.For, f.Every, f.MTTF, f.MTTR} {
			if !(v >= 0) || math.IsInf(v, 0) {
				fe.AddAtKey("", "a fault's times must be durations of 0 or more")
				break
			}
		}
		var does []string
		for _, x := range given {
			if x.Check(fe) {
				does = append(does, x.Kind().Name)
			}
		}
		if len(does) > 1 {
			// At the second of the things it does, in the order of given.
			fe.AddAtKey(does[1], "a fault does one thing, but this one gives %s and %s: give several faults, one for each",
				strings.Join(does[:len(does)-1], ", "), does[len(does)-1])
		}
	}
}

// fitNode records, under the fault's path e, the effects given that do not
// fit node: once for each kind of node they strike that it is not
// ("primary and replica faults strike databases"), else what each says of
// the node itself.
func fitNode(e field.Errors, name string, node *Node, given []FaultEffect) {
	var refused []*Kind
	for _, x := range given {
		on := x.Kind().On
		switch {
		case on != nil && on != node.Kind():
			if !slices.Contains(refused, on) {
				refused = append(refused, on)
				var names []string
				for _, k := range faultKinds {
					if k.On == on {
						names = append(names, k.Name)
					}
				}
				e.AddAtKey("", "%s faults strike %ss; %s is a %s", andList(names), on.Noun, name, node.Kind().Noun)
			}
		default:
			if ft, ok := x.(Fitter); ok {
				ft.Fit(e, node)
			}
		}
	}
}

// andList joins words as a sentence does: "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// The kinds of faults that act on the node's stations, whatever its kind;
// those on a part of a node are with their node's kind (PrimaryDown and
// ReplicaDown in topology/database; a cache's cache_node in topology/cache).
var (
	// nodeFault is the kind of a fault that gives no other: not a field,
	// not registered.
	nodeFault      = FaultKind{Name: "node", Down: true}
	instancesFault = FaultKind{Name: "instances", Decode: decodeInstancesDown, Down: true,
		Param: params.Param{Type: params.Int, Unit: "instances", Doc: "instances taken down (without it, the whole node)"}}
	errorsFault = FaultKind{Name: "errors", Decode: decodeErrors,
		Param: params.Param{Type: params.Share, Doc: "a share of visits fail"}}
	slowFault = FaultKind{Name: "slow", Decode: decodeSlow,
		Param: params.Param{Type: params.Object, Doc: "service times multiplied", Fields: []params.Param{{Name: "factor", Type: params.Number, Required: true, Doc: "the multiple"}}}}
	latencyFault = FaultKind{Name: "latency", Decode: decodeLatency,
		Param: params.Param{Type: params.Duration, Doc: "added to service times"}}
)

// NodeDown takes the whole node down: every instance of its stations (a
// cache's every node), each held down until the fault ends even if
// another fault had taken it down already.
type NodeDown struct{}

// Kind implements FaultEffect.
func (NodeDown) Kind() *FaultKind { return &nodeFault }

// Describe implements FaultEffect.
func (NodeDown) Describe() string { return "down" }

func (NodeDown) Check(field.Errors) bool { return true }

func (NodeDown) Strike(fl *Faulter, on bool, now sim.Time) { fl.down(0, on, now) }

// InstancesDown takes Count instances down: the first ones of each
// station that are up (a cache's first nodes). A visit to a down instance
// fails at once, work queued on it fails when it goes down, and work in
// service fails when its service time ends.
type InstancesDown struct{ Count int }

func decodeInstancesDown(d *yamlfile.Decoder, n *yaml.Node) (FaultEffect, bool) {
	v, ok := d.Int(n, "fault instances", math.MinInt)
	if ok && v == 0 {
		d.Errorf(n, "a fault's instances must be 1 or more (leave instances out to take the whole node down)")
	}
	return InstancesDown{v}, ok && v != 0
}

// Kind implements FaultEffect.
func (InstancesDown) Kind() *FaultKind { return &instancesFault }

// Describe implements FaultEffect.
func (x InstancesDown) Describe() string {
	return units.Plural(x.Count, "instance", "instances") + " down"
}

func (x InstancesDown) Check(e field.Errors) bool {
	if x.Count < 1 {
		e.Add("instances", "a fault's instances must be 1 or more")
		return false
	}
	return true
}

// Fit implements Fitter: the node has the instances, at most (an
// autoscaled node's most). More would take as many as it has, the whole
// node: refused, as a cache_node or a replica it does not have is.
func (x InstancesDown) Fit(e field.Errors, node *Node) {
	ic, ok := node.Spec.(InstanceCounted)
	if !ok {
		return
	}
	if most, has := ic.FaultInstances(); most > 0 && x.Count > most {
		e.Add("instances", "fault instances %d: %s %s has %s (leave instances out to take the whole node down)", x.Count, node.Kind().Noun, node.Name, has)
	}
}

func (x InstancesDown) Strike(fl *Faulter, on bool, now sim.Time) { fl.down(x.Count, on, now) }

// InstanceCounted is a spec whose nodes an instances fault may take down
// in part. FaultInstances is the most instances the fault can take down
// (of each of the node's stations, each losing as many: a database's
// primaries and replicas), an autoscaled node's most, and how to say it
// after "NODE has": "3 instances", "at most 6 instances, its autoscaler's
// max", "2 nodes". A fault on more is refused.
type InstanceCounted interface {
	FaultInstances() (most int, has string)
}

// FaultInstances implements InstanceCounted for a pool of instances (a
// service): its instances, or the most its autoscaler may run.
func (p *Pool) FaultInstances() (most int, has string) {
	return p.CountedInstances("instance", "instances")
}

// CountedInstances is the pool's FaultInstances with its instances called
// one and many (a worker group's consumers).
func (p *Pool) CountedInstances(one, many string) (most int, has string) {
	if a := p.Autoscale; a != nil {
		most, whose := a.MostInstances(), "its autoscaler's max"
		if most > a.Max {
			whose = "its autoscaler's scheduled max"
		}
		return most, "at most " + units.Plural(most, one, many) + ", " + whose
	}
	return p.Instances, units.Plural(p.Instances, one, many)
}

// Errors fails a share of the visits, drawn from the station's stream of
// faults.
type Errors struct{ Share float64 }

func decodeErrors(d *yamlfile.Decoder, n *yaml.Node) (FaultEffect, bool) {
	v, ok := d.Fraction(n, "fault errors")
	if ok && v == 0 {
		d.Errorf(n, "a fault's errors must be above 0%% (0%% fails nothing: leave the fault out)")
	}
	return Errors{v}, ok && v != 0
}

// Kind implements FaultEffect.
func (Errors) Kind() *FaultKind { return &errorsFault }

// Describe implements FaultEffect.
func (x Errors) Describe() string { return "errors " + units.Percent(x.Share) }

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

func (Errors) Strike(fl *Faulter, on bool, _ sim.Time) { fl.modify(on) }

// compound implements stationEffect: a visit fails unless every fault in
// force spares it.
func (x Errors) compound(m *faultMods) { m.spared = float64(m.spared * (1 - x.Share)) }

// Slow multiplies the service times by Factor.
type Slow struct{ Factor float64 }

func decodeSlow(d *yamlfile.Decoder, n *yaml.Node) (FaultEffect, bool) {
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

// Kind implements FaultEffect.
func (Slow) Kind() *FaultKind { return &slowFault }

// Describe implements FaultEffect.
func (x Slow) Describe() string { return fmt.Sprintf("slow ×%.3g", x.Factor) }

func (x Slow) Check(e field.Errors) bool {
	if !(x.Factor > 0) || math.IsInf(x.Factor, 0) {
		e.Add("slow", "a fault's slow factor must be a positive number")
		return false
	}
	return true
}

func (Slow) Strike(fl *Faulter, on bool, _ sim.Time) { fl.modify(on) }

// compound implements stationEffect: the factors in force multiply.
func (x Slow) compound(m *faultMods) { m.slow = float64(max(m.slow, 1) * x.Factor) }

// Latency adds Seconds to the service times.
type Latency struct{ Seconds float64 }

func decodeLatency(d *yamlfile.Decoder, n *yaml.Node) (FaultEffect, bool) {
	v, ok := d.Duration(n, "fault latency")
	if ok && v == 0 {
		d.Errorf(n, "a fault's latency must be above 0 (0s adds nothing: leave the fault out)")
	}
	return Latency{v}, ok && v != 0
}

// Kind implements FaultEffect.
func (Latency) Kind() *FaultKind { return &latencyFault }

// Describe implements FaultEffect.
func (x Latency) Describe() string { return "latency +" + units.FormatDuration(x.Seconds) }

func (x Latency) Check(e field.Errors) bool {
	if !(x.Seconds > 0) || math.IsInf(x.Seconds, 0) {
		e.Add("latency", "a fault's latency must be a duration above 0")
		return false
	}
	return true
}

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
	f    *Fault
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
func (fl *Faulter) Fault() *Fault { return fl.f }

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
func (n *Network) scheduleFaults(t *Topology, byName map[string]Component) {
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
		panic(fmt.Sprintf("topology: the %s fault's effect (%T) does not implement Striker", f.What().Kind().Name, f.What()))
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
