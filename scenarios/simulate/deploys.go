package simulate

import (
	"fmt"
	"strings"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// deployTriggers are the run's deploys as triggers: from their start to
// when the last old instance left, or open (not over) when that was not
// by the run's end; those of s scheduled after the end, not reached.
func deployTriggers(s *scenarios.Scenario, rep *Report, end float64) []Trigger {
	var out []Trigger
	for _, p := range s.Topology.Deploys {
		if p.At >= end {
			out = append(out, Trigger{What: p.Describe(), Kind: TriggerDeploy, Node: p.Node, At: p.At, Until: p.At})
		}
	}
	for _, d := range rep.Deploys {
		tr := Trigger{What: d.What, Kind: TriggerDeploy, Node: d.Node, At: d.At, Until: end, open: true, BeganInWarmup: d.BeganInWarmup}
		switch {
		case d.Done != nil:
			tr.Until, tr.open = *d.Done, false
		case d.Superseded != nil:
			tr.Until, tr.open = *d.Superseded, false
		}
		out = append(out, tr)
	}
	return out
}

// writeDeploys writes what each deploy did to the fleet.
func writeDeploys(b *strings.Builder, ds []engine.DeployStats) {
	dur := func(v *float64) string { return units.OrUnknown(v, units.FormatDuration) }
	for i, d := range ds {
		label := "deploy"
		if i > 0 {
			label = ""
		}
		end := "done " + dur(d.Done)
		switch {
		case d.Superseded != nil:
			end = "superseded at " + dur(d.Superseded)
		case d.Done == nil:
			end = "not done when the run ended"
		}
		budget := ""
		if d.Strategy != topology.StrategyBlueGreen {
			budget = fmt.Sprintf(" (surge %d, unavailable %d)", d.MaxSurge, d.MaxUnavailable)
		}
		began := ""
		if d.BeganInWarmup {
			began = " (began in the warm-up)"
		}
		fmt.Fprintf(b, "%-11s %s at %s%s: all new at %s, %s; %s%s, %d booted, fewest taking work %d, most billed %d\n",
			label, d.Node, units.FormatDuration(d.At), began, dur(d.Switched), end, units.Plural(d.Instances, "instance", "instances"), budget, d.Booted, d.FewestTaking, d.MostBilled)
	}
}
