package topology

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
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
	// fault kinds (see FaultKind), such as engine.Errors{Share: 0.1}. Nil takes
	// the whole node down (the engine's NodeDown).
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
// a line in the engine's builtinFaults (or a call to RegisterFault).
type FaultKind struct {
	// Name is the field of a fault entry that gives it, e.g. errors: 10%
	// ("node" for engine.NodeDown, which a fault without any of them is).
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

// Fitter is an effect that checks itself against the node it strikes
// (of its kind's On kind, when it has one): a replica the database has.
type Fitter interface {
	// Fit records, under the fault's path, what of the effect does not
	// fit node (a cache node it does not have).
	Fit(e field.Errors, node *Node)
}

// faultKinds are the registered fault kinds, in registration order: the
// engine's own (builtinFaults), then those of the node kinds' packages in
// the order Go initializes them (by import path: cache_node, then primary
// and replica), which is the order of the fields in messages and the
// reference.
var faultKinds []*FaultKind

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
			// checked with the placement (validateRegionFaults)
		case f.Node == "":
			fe.AddAtKey("", "a fault needs node: the node it strikes")
		case node == nil && !contains(t.declared, f.Node):
			fe.Add("node", "fault on %q, which is not a node%s", f.Node, t.unknownNode(f.Node))
		case node != nil && !node.Kind().Workers:
			fe.Given(node.Path("kind")).Add("node", "a fault strikes nodes with workers; %s is a %s", f.Node, node.Kind().Noun)
		}
		given := append([]FaultEffect{f.What()}, f.more...)
		if node != nil {
			// What does not fit rests on the entry's node field too (and
			// on the node's fields each check names): an override of one
			// is named with the refusal.
			fitNode(fe.Given([]string{"faults", strconv.Itoa(i), "node"}), f.Node, node, given)
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
// the node itself. Each refusal rests on the node's kind too (field.Errors'
// Given), so an override of it is named.
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
				e.Given(node.Path("kind")).AddAtKey("", "%s faults strike %ss; %s is a %s", andList(names), on.Noun, name, node.Kind().Noun)
			}
		default:
			if ft, ok := x.(Fitter); ok {
				ft.Fit(e.Given(node.Path("kind")), node)
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

// InstanceCounted is a spec whose nodes an instances fault may take down
// in part. FaultInstances is the most instances the fault can take down
// (of each of the node's stations, each losing as many: a database's
// primaries and replicas), an autoscaled node's most, and how to say it
// after "NODE has": "3 instances", "at most 6 instances, its autoscaler's
// max", "2 nodes", and the node's fields the count is read from (a refusal
// names an override of one). A fault on more is refused.
type InstanceCounted interface {
	FaultInstances() (most int, has string, from []string)
}

// FaultInstances implements InstanceCounted for a pool of instances (a
// service): its instances, or the most its autoscaler may run.
func (p *Pool) FaultInstances() (most int, has string, from []string) {
	return p.CountedInstances("instance", "instances")
}

// CountedInstances is the pool's FaultInstances with its instances called
// one and many (a worker group's consumers).
func (p *Pool) CountedInstances(one, many string) (most int, has string, from []string) {
	if a := p.Autoscale; a != nil {
		most, whose := a.MostInstances(), "its autoscaler's max"
		if most > a.Max {
			whose = "its autoscaler's scheduled max"
		}
		return most, "at most " + units.Plural(most, one, many) + ", " + whose, []string{"autoscale"}
	}
	return p.Instances, units.Plural(p.Instances, one, many), []string{"instances"}
}
