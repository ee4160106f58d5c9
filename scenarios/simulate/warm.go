package simulate

import (
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/workloads"
)

// popularity is what the warm caches and CDNs of s start from
// (engine.Network.Warm): the workload's key popularity, grouped as the
// estimate groups it, and the visit rates the estimate finds at its nodes
// (for an open workload, at its rate; for a closed one, at the throughput
// mean value analysis gives). It is nil when no node starts warm, or the
// workload has no keys.
func popularity(s *scenarios.Scenario) (*engine.Popularity, error) {
	warm := false
	for _, n := range s.Topology.Nodes {
		if w, ok := n.Spec.(engine.Warmed); ok && w.StartsWarm() {
			warm = true
		}
	}
	if !warm || s.Workload.Keys == nil {
		return nil, nil
	}
	m, err := estimate.NewModel(s)
	if err != nil {
		return nil, err
	}
	probs, counts, _ := m.Keys()
	keys := workloads.NewKeySampler(s.Workload.Keys)
	perRequest := 1.0 // visits are per second for an open workload
	if s.Workload.Model == workloads.Closed {
		est, err := m.Solve()
		if err != nil {
			return nil, err
		}
		perRequest = est.Throughput
	}
	rate := func(node string, classes []bool) float64 {
		sum := 0.0
		for c := range m.Classes() {
			if classes == nil || classes[c] {
				sum += m.Visits(c, node)
			}
		}
		return float64(sum * perRequest)
	}
	return &engine.Popularity{Probs: probs, Counts: counts, Key: keys.Key, Rate: rate}, nil
}
