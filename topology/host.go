package topology

import (
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Host is one machine that nodes run on together (a scenario's hosts
// section; host: NAME on a node): the single-server stage of an
// architecture, an application and its database contending for one box's
// cores.
//
// The model: a visit to a node on a host first takes a worker of its node
// (the node's own queue, as without a host), then one of the host's cores
// for its service time; the cores are one first-come-first-served pool
// shared by the visits of every node on the host, and a visit that finds
// them all busy waits for one, still holding its worker. A blocking
// worker waiting on its calls holds no core (its thread is blocked on
// I/O). So two nodes on a host of c cores whose workers are not the limit
// are, for their work, one M/G/c station with their merged load; with
// exponential service times, an M/M/c, whose mean number in system (and
// so, by Little's law, mean time) is the same as that of c cores shared
// by processor sharing, the way an operating system time-slices them
// (both are the birth-death process of rate min(n, c)·μ in state n:
// M. Harchol-Balter, Performance Modeling and Design of Computer Systems,
// 2013, ch. 22). Every instance or server of a node on a host runs there
// (three instances are three processes on one machine). Nodes may have
// more workers in all than the host has cores: their visits then queue
// for the cores, which is the contention the host shows. Memory is
// reported with the host and not otherwise modelled.
type Host struct {
	Name string
	// Cores are the processor cores the visits of its nodes share: as
	// given, or its instance type's vCPUs.
	Cores int
	// Memory is its memory in bytes: as given, or its instance type's; 0
	// when neither gives it.
	Memory float64
	// Price is what the host costs: it is billed once, hourly, and the
	// nodes on it are not billed for their instances.
	Price Price
}

// MaxCores bounds the cores of a host.
const MaxCores = MaxWorkers

// hostFields are the fields of a host.
var hostFields = []string{"cores", "memory", "instance", "cost"}

// DecodeHosts reads a scenario's hosts section: a mapping of name to
// {cores, memory, instance, cost: {hourly}}. Problems with its form are
// recorded in d; Validate checks the hosts.
func DecodeHosts(d *yamlfile.Decoder, n *yaml.Node) []*Host {
	m, ok := d.Mapping(n, "hosts")
	if !ok {
		return nil
	}
	hosts := []*Host{}
	for _, name := range m.Keys() {
		h := &Host{Name: name}
		hosts = append(hosts, h)
		what := "host " + name
		body := m.Get(name)
		f, ok := d.Mapping(body, what, hostFields...)
		if !ok {
			continue
		}
		switch {
		case !f.Has("cores") && f.Has("instance"):
			// From the type's vCPUs, below, when the catalogue has it.
		case !f.Has("cores"):
			d.Errorf(body, "%s needs cores: the processor cores its nodes share, e.g. {cores: 4}, or an instance type from the catalogue", what)
		default:
			h.Cores, _ = d.Int(f.Get("cores"), what+" cores", math.MinInt)
		}
		if f.Has("memory") {
			h.Memory, _ = d.Bytes(f.Get("memory"), what+" memory")
		}
		if f.Has("instance") {
			if typ, ok := d.String(f.Get("instance")); ok {
				entry, known := Catalogue[typ]
				if !known {
					d.Errorf(f.Get("instance"), "%s: instance %q is not in the price catalogue%s; give cost: {hourly: ...} instead",
						what, typ, yamlfile.DidYouMean(typ, CatalogueNames()))
				}
				h.Price = entry
				h.Price.Instance = typ
				if in, ok := LookupInstance(typ); ok && !f.Has("cores") {
					h.Cores = in.VCPUs
				}
				if in, ok := LookupInstance(typ); ok && !f.Has("memory") {
					h.Memory = in.Memory
				}
			}
		}
		if f.Has("cost") {
			if c, ok := d.Mapping(f.Get("cost"), "cost of "+what, "hourly"); ok && c.Has("hourly") {
				h.Price.Hourly, _ = d.Float(c.Get("hourly"))
			}
		}
	}
	return hosts
}

// LookupHost returns the host called name, or nil.
func (t *Topology) LookupHost(name string) *Host {
	for _, h := range t.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// HostedOn lists the nodes on host h, in file order.
func (t *Topology) HostedOn(h *Host) []*Node {
	var out []*Node
	for _, n := range t.Nodes {
		if n.Host == h.Name {
			out = append(out, n)
		}
	}
	return out
}

// HostableKinds lists the kinds whose nodes can be placed on a host:
// those that serve with workers.
func HostableKinds() []string {
	var out []string
	for _, name := range Kinds() {
		if registry[name].Workers {
			out = append(out, name)
		}
	}
	return out
}

// validateHosts checks the hosts (a name, cores, a price, a node on each)
// and the nodes placed on them: a host that exists, a kind with workers,
// no autoscaler (a host's cores are fixed), and no price of their own for
// their instances (the host is billed for them).
func (t *Topology) validateHosts(e field.Errors) {
	names := make([]string, len(t.Hosts))
	for i, h := range t.Hosts {
		names[i] = h.Name
		he := e.In("hosts", h.Name)
		what := "host " + h.Name
		switch {
		case !field.ValidName(h.Name):
			he.AddAtKey("", "host name %q must be %s", h.Name, field.NameRule)
		case t.byName[h.Name] != nil || contains(t.declared, h.Name):
			he.AddAtKey("", "%s has the name of a node: give it a name of its own", what)
		}
		switch {
		case h.Cores < 1:
			he.Add("cores", "%s has %d cores: the nodes on it could run nothing; give it at least 1", what, h.Cores)
		case h.Cores > MaxCores:
			he.Add("cores", "%s cores is at most %d", what, MaxCores)
		}
		if !(h.Memory >= 0) || math.IsInf(h.Memory, 0) {
			he.Add("memory", "%s memory must be a size such as 16GB", what)
		}
		if h.Price.Hourly < 0 {
			he.In("cost").Add("hourly", "cost hourly must not be negative")
		}
		on := t.HostedOn(h)
		if len(on) == 0 {
			he.AddAtKey("", "nothing runs on %s: give a node host: %s, or remove it", what, h.Name)
		}
		for _, n := range on[min(1, len(on)):] {
			if where, first := t.placeOf(n), t.placeOf(on[0]); where != first {
				e.In("nodes", n.Name).AddAtKey("host", "node %s is on host %s with %s but is in %s while %s is in %s: the nodes on one machine are in one place",
					n.Name, h.Name, on[0].Name, orNowhere(where), on[0].Name, orNowhere(first))
			}
		}
	}
	for _, n := range t.Nodes {
		if n.Host == "" {
			continue
		}
		ne := e.In("nodes", n.Name)
		h := t.LookupHost(n.Host)
		switch {
		case h == nil && len(t.Hosts) == 0:
			ne.Add("host", "node %s: host %q is not a host: the scenario has no hosts section (e.g. hosts: {%s: {cores: 4}})", n.Name, n.Host, n.Host)
			continue
		case h == nil:
			ne.Add("host", "node %s: host %q is not a host%s", n.Name, n.Host, yamlfile.DidYouMean(n.Host, names))
			continue
		case !n.Kind().Workers:
			ne.Add("host", "node %s: a %s has no workers of its own to run on a host's cores; host goes on a node of kind %s",
				n.Name, n.Kind().Noun, strings.Join(HostableKinds(), ", "))
			continue
		}
		if a, _ := AutoscaleOf(n.Spec); a != nil {
			ne.Add("host", "node %s is on host %s, whose %s fixed: it cannot autoscale as well (remove autoscale, or host)", n.Name, h.Name, units.Plural(h.Cores, "core is", "cores are"))
		}
		if n.Price.Hourly > 0 {
			at := "cost"
			if n.Price.Instance != "" {
				at = "instance"
			}
			ne.AddAtKey(at, "node %s runs on host %s, which is billed for it: give the price on the host (hosts.%s.instance or cost)", n.Name, h.Name, h.Name)
		}
	}
}

// placeOf is where node n is: its region (or the regions' default) and
// zone, "" when nothing places it.
func (t *Topology) placeOf(n *Node) string {
	name := n.Region
	if name == "" && t.Regions != nil {
		name = t.Regions.Default
	}
	place := t.Regions.Region(name)
	if n.Zone != "" {
		place += " zone " + n.Zone
	}
	return place
}

// orNowhere is a place, or "no region" for none.
func orNowhere(place string) string {
	if place == "" {
		return "no region"
	}
	return place
}

// Monthly is the host's cost for a 730-hour month.
func (h *Host) Monthly() float64 { return float64(h.Price.Hourly * HoursPerMonth) }

// HostGroup is host h's cores as one M/G/c station of the estimate: the
// visits per second of every node on it, each taking a core for its own
// service time (that of its class), calls left out (see Host).
func (t *Topology) HostGroup(sv Solver, h *Host) StationGroup {
	var work Moments
	rate := 0.0
	for _, n := range t.HostedOn(h) {
		for c := range sv.Classes() {
			d := classWork(sv, n.Spec, c)
			if d == nil {
				continue
			}
			v := sv.Visits(c, n.Name)
			work.Add(v, Mean(d), SCV(d))
			rate += v
		}
	}
	return StationGroup{Count: 1, Workers: h.Cores, Rate: rate, Holding: work.Mean(), SCV: work.SCV()}
}

// classWork is the service time of a visit of class c to a node of spec,
// as the station draws it: a service's by class, a database's operation
// of the class (or its read or write); nil for a kind without work.
func classWork(sv Solver, spec Spec, c int) sim.Dist {
	class := sv.Classes()[c]
	switch s := spec.(type) {
	case ClassTimed:
		return s.ClassTime(class, sv.Writes(c))
	}
	if times := ServiceTimes(spec); len(times) > 0 {
		return times[0]
	}
	return nil
}

// ClassTimed is a spec whose visits' service time is that of an operation
// named by their class (a database's operations; a pool's work by class
// alone): ClassTime is the service time of a visit of class, a write or
// not (the plain write's or read's when the class has no operation of its
// own).
type ClassTimed interface {
	ClassTime(class string, write bool) sim.Dist
}

// HostOf returns the host node n is on, or nil.
func (t *Topology) HostOf(n *Node) *Host {
	if n.Host == "" {
		return nil
	}
	return t.LookupHost(n.Host)
}

// DescribeHost says in a few words what a host is: "4 cores, 16 GB".
func DescribeHost(cores int, memory float64) string {
	s := units.FormatCount(float64(cores)) + " cores"
	if cores == 1 {
		s = "1 core"
	}
	if memory > 0 {
		s += ", " + units.FormatBytes(memory)
	}
	return s
}
