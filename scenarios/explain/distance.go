package explain

import (
	"fmt"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/units"
)

// distanceAdvice names the users that wait most on distance, when the
// workload places its users and the run shows one region's users waiting
// much longer than the nearest region's (by more than a third of their
// latency and 10 ms): serve them from nearer, a placement rather than more
// capacity. "" otherwise, and when a node placed in that region saturated
// in the run: its users then wait in its queues, not on distance.
func (ex *Explanation) distanceAdvice(s *scenarios.Scenario) string {
	regions := ex.Report.Regions
	near := -1
	for i, r := range regions {
		if r.Latency != nil && (near < 0 || r.Latency.Mean < regions[near].Latency.Mean) {
			near = i
		}
	}
	if near < 0 {
		return ""
	}
	far, excess := -1, 0.0
	for i, r := range regions {
		if r.Latency == nil || i == near {
			continue
		}
		if d := r.Latency.Mean - regions[near].Latency.Mean; d > excess {
			far, excess = i, d
		}
	}
	if far < 0 || excess < 0.010 || excess < regions[far].Latency.Mean/3 {
		return ""
	}
	r := regions[far]
	for _, n := range ex.Report.Nodes {
		if node := s.Topology.Lookup(n.Name); n.Saturated && node != nil && node.Region == r.Region {
			return ""
		}
	}
	return fmt.Sprintf(" Users in %s (%s of them) wait %s more on average than those in %s (%s against %s): distance, not capacity. "+
		"Serve them from nearer: a CDN for what can be cached, a fleet in or near %s (regions: on the node) behind a dns with latency routing, and read replicas there for their reads.",
		r.Region, units.Percent(r.Share), units.FormatDuration(excess), regions[near].Region,
		units.FormatDuration(r.Latency.Mean), units.FormatDuration(regions[near].Latency.Mean), r.Region)
}
