package analysis

import (
	"slices"
	"strings"

	"github.com/scalesim/scalesim/scenarios/simulate"
)

// healthy says a run met its SLO with no node saturated.
func healthy(rep *simulate.Report) bool {
	if !rep.SLO.Pass {
		return false
	}
	for _, n := range rep.Nodes {
		if n.Saturated {
			return false
		}
	}
	return true
}

// incomplete says a run was cut short having broken nothing in the part it
// ran (no objective, no saturated node): it gives no verdict either way.
func incomplete(rep *simulate.Report) bool {
	if rep.SLO.Incomplete == "" || len(rep.SLO.Violations) > 0 {
		return false
	}
	return !slices.ContainsFunc(rep.Nodes, func(n simulate.NodeReport) bool { return n.Saturated })
}

// failing says a run broke its objectives or saturated a node: neither
// healthy nor incomplete.
func failing(rep *simulate.Report) bool { return !healthy(rep) && !incomplete(rep) }

// failure says in words why a run is not healthy: the objectives it
// broke, then each node saturated with the report's reasons (a queue's
// growing backlog, a service's own demand), not an offered load that a
// queue does not have.
func failure(rep *simulate.Report) string {
	why := slices.Clone(rep.SLO.Violations)
	for _, n := range rep.Nodes {
		if n.Saturated {
			sat := n.Name + " saturated"
			if len(n.SaturatedBecause) > 0 {
				sat += " (" + strings.Join(n.SaturatedBecause, " and ") + ")"
			}
			why = append(why, sat)
		}
	}
	return strings.Join(why, "; ")
}
