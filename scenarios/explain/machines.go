package explain

import (
	"fmt"
	"math"
	"slices"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// sizingTarget is the utilization explain sizes a node for when it says how
// big a machine or how many it needs: at most 70% busy, leaving room for a
// burst above the measured load and for losing an instance. It is this
// program's planning choice, said in the advice, not a measured figure.
const sizingTarget = 0.7

// oversubscribed is how many workers per vCPU a node may have before
// explain looks at how many of them were busy at once: two (a vCPU is a
// hyperthread already, so more than two runnable threads per vCPU only
// wait their turn).
const oversubscribed = 2

// typeSizedCaller is a spec whose workers per instance its type may give
// and whose nodes make calls: a service's.
type typeSizedCaller interface {
	topology.TypeSized
	topology.CallMaker
}

// machines says what the nodes' instance types tell about their limits:
// a node whose workers far outnumber its type's vCPUs, more of them busy at
// once than it has vCPUs, for work that may be CPU; and, for each node over sizingTarget busy whose workers come from
// its type (least headroom first), the size that would carry its load, whether that is cheaper than more
// instances, and the family's largest type as the hard limit of scaling
// up. Nil when no node has a type from the catalogue.
func (ex *Explanation) machines(s *scenarios.Scenario) []string {
	var out []string
	t := s.Topology
	for _, l := range ex.Limits {
		n := t.Lookup(l.Node)
		in, ok := t.InstanceOf(n)
		// A node that may call others (a service), and calls none: its
		// workers' time is its own work.
		svc, caller := n.Spec.(typeSizedCaller)
		if !ok || !caller || n.PerVCPU > 0 || n.Host != "" || len(topology.CallsOf(n.Spec)) > 0 || *svc.WorkersPerInstance() <= oversubscribed*in.VCPUs {
			continue
		}
		workers := *svc.WorkersPerInstance()
		// The workers busy at once per instance, on average: more than its
		// vCPUs only when the run counted on them.
		if busy := l.Utilization * float64(workers); busy > float64(in.VCPUs) {
			out = append(out, fmt.Sprintf("%s runs %s per instance on %s, which has %s, and calls nothing, so its time is its own work; "+
				"%s of them were busy at once on average. If that work is CPU, they take turns on %s and the run counts on more than the machine has: "+
				"give it workers: {per_vcpu: 1}; keep %d if its time is waiting (I/O).",
				n.Name, units.Plural(workers, "worker", "workers"), in.Name, units.Plural(in.VCPUs, "vCPU", "vCPUs"), units.Count(busy), units.Plural(in.VCPUs, "vCPU", "vCPUs"), workers))
		}
	}
	for _, l := range ex.Limits {
		if advice := ex.sizing(t, l); advice != "" {
			out = append(out, advice)
		}
	}
	return out
}

// sizing says, for limit l when its node takes its workers from its type
// (workers: {per_vcpu: N}) and is over sizingTarget busy (by the run, or
// by the estimate when nodes before it hold its load back), the size of its
// family that carries its offered load at sizingTarget, against as many
// more instances of its type as would (for a service or cache, whose
// instances share the load), at catalogue prices; and the family's largest
// type as the hard limit when no size carries it. "" otherwise.
func (ex *Explanation) sizing(t *topology.Topology, l NodeLimit) string {
	n := t.Lookup(l.Node)
	in, ok := t.InstanceOf(n)
	if !ok || n.PerVCPU == 0 || n.Host != "" || l.Offered == nil || l.Capacity == nil || *l.Capacity <= 0 {
		return ""
	}
	if a, _ := topology.AutoscaleOf(n.Spec); a != nil {
		return "" // its instances follow the load already
	}
	load := *l.Offered / *l.Capacity
	// A node behind a saturated one sees only what gets through it: the
	// estimate's offered load (its arrival rate by the traffic equations
	// × its holding time ÷ its workers) is what it would be offered.
	if i := slices.Index(t.Names(), n.Name); i >= 0 && i < len(ex.Estimate.Nodes) {
		if ne := ex.Estimate.Nodes[i]; ne.Holding > 0 && !math.IsInf(ne.Holding, 0) && ne.Stations*ne.Workers > 0 {
			load = max(load, float64(ne.ArrivalRate*ne.Holding)/float64(ne.Stations*ne.Workers))
		}
	}
	if load <= sizingTarget {
		return ""
	}
	count := n.Units()
	// The vCPUs that carry the offered load at the target: capacity grows
	// with the vCPUs, the workers being per vCPU.
	need := float64(count*in.VCPUs) * load / sizingTarget
	monthly := func(k int, typ topology.Instance) float64 {
		return float64(float64(k)*typ.Hourly) * topology.HoursPerMonth
	}
	family := topology.FamilyOf(in)
	largest := family[len(family)-1]
	var up *topology.Instance
	for i := range family {
		if float64(count*family[i].VCPUs) >= need {
			up = &family[i]
			break
		}
	}
	what := fmt.Sprintf("%s is %s busy by its offered load on %d × %s (%s each, workers %d per vCPU); at most %.0f%% busy it needs %s",
		n.Name, units.Percent(load), count, in.Name, units.Plural(in.VCPUs, "vCPU", "vCPUs"), n.PerVCPU, sizingTarget*100, vCPUs(math.Ceil(need)))
	if n.Kind().ScalesUp {
		// A database's servers are not interchangeable: its writes go to
		// the primary of their shard, which only a bigger server speeds.
		if up == nil {
			return fmt.Sprintf("%s. The largest %s, %s (%d vCPUs), is the hard limit of scaling up: beyond it, split its data (shards) or move its reads to replicas and a cache.",
				what, in.Family, largest.Name, largest.VCPUs)
		}
		return fmt.Sprintf("%s: %s (%d vCPUs, $%.0f a month for %d) carries it; the largest %s, %s (%d vCPUs), is the hard limit of scaling up, beyond which shard.",
			what, up.Name, up.VCPUs, monthly(count, *up), count, in.Family, largest.Name, largest.VCPUs)
	}
	outK := int(math.Ceil(need / float64(in.VCPUs)))
	out := fmt.Sprintf("%d × %s ($%.0f a month)", outK, in.Name, monthly(outK, in))
	if up == nil {
		return fmt.Sprintf("%s. The largest %s, %s (%d vCPUs), is the hard limit of scaling up and is not enough: scale out, to %s.",
			what, in.Family, largest.Name, largest.VCPUs, out)
	}
	upS := fmt.Sprintf("%d × %s ($%.0f a month)", count, up.Name, monthly(count, *up))
	switch cu, co := monthly(count, *up), monthly(outK, in); {
	case cu < co:
		return fmt.Sprintf("%s: the next size up is cheaper than scaling out for the same capacity, %s against %s; the largest %s, %s (%d vCPUs), is the hard limit of scaling up.",
			what, upS, out, in.Family, largest.Name, largest.VCPUs)
	case cu == co:
		return fmt.Sprintf("%s: scaling up to %s costs the same as scaling out to %s (its family is priced by the vCPU); scaling out keeps more instances to lose one of, and the largest %s, %s (%d vCPUs), is the hard limit of scaling up.",
			what, upS, out, in.Family, largest.Name, largest.VCPUs)
	default:
		return fmt.Sprintf("%s: scaling out to %s is cheaper than up to %s (more instances fit the load more closely); the largest %s, %s (%d vCPUs), is the hard limit of scaling up.",
			what, out, upS, in.Family, largest.Name, largest.VCPUs)
	}
}

// vCPUs says a whole count of vCPUs, "1 vCPU" in the singular.
func vCPUs(n float64) string {
	if n == 1 {
		return "1 vCPU"
	}
	return units.FormatCount(n) + " vCPUs"
}
