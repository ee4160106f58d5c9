package analysis

import (
	"cmp"
	"math"
	"slices"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/batch"
)

// bendRuns is how many runs a sweep of load places where its curve bends,
// after its grid and its bisection: with the knee and the breaking point,
// at least bendRuns+2 simulated points lie between the two. They come out
// of the bisection's budget (maxBisections runs for both), so a sweep never
// runs more than its grid and maxBisections more.
const bendRuns = 4

// bend runs the points that draw the curve's bend: between the knee and the
// breaking point, each in the gap between simulated neighbours (grid and
// bisection runs alike) whose p99 differs most, splitting it evenly as the
// sweep's grid is spaced (Grid: geometric, or arithmetic on a linear
// sweep). A gap once split counts as
// two of half its change, so the runs spread over the steepest stretch
// rather than all falling into one gap. None without a knee below the
// breaking point, or when the bisection used the budget.
//
// The runs are chosen before any of them runs, so they run in parallel and
// the result does not depend on the parallelism.
func (spec SweepSpec) bend(base batch.Job, s *scenarios.Scenario, sw *SweepReport, runner *batch.Runner) ([]SweepPoint, error) {
	bp, knee := sw.BreakingPoint, sw.Knee
	if bp == nil || bp.BelowRange || knee == nil {
		return nil, nil
	}
	lo, hi := knee.at, bp.FailsAt
	budget := min(bendRuns, maxBisections-bp.Bisections)
	if !(lo < hi) || budget <= 0 {
		return nil, nil
	}
	type gap struct {
		a, b   float64 // loads at its ends
		change float64 // how much p99 changes across it, shared among its parts
		parts  int     // how many parts the runs placed in it cut it into
	}
	var known []SweepPoint
	for _, p := range slices.Concat(sw.Points, sw.Refinements) {
		if v := spec.Axis.value(p); v >= lo && v <= hi && p.Requests.Completed > 0 {
			known = append(known, p)
		}
	}
	slices.SortStableFunc(known, func(a, b SweepPoint) int { return cmp.Compare(spec.Axis.value(a), spec.Axis.value(b)) })
	var gaps []gap
	for i := 1; i < len(known); i++ {
		a, b := spec.Axis.value(known[i-1]), spec.Axis.value(known[i])
		if b > a {
			gaps = append(gaps, gap{a, b, math.Abs(known[i].Latency.P99 - known[i-1].Latency.P99), 1})
		}
	}
	for range budget {
		best := -1
		for i, g := range gaps {
			if best < 0 || g.change/float64(g.parts+1) > gaps[best].change/float64(gaps[best].parts+1) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		gaps[best].parts++
	}
	var loads []float64
	for _, g := range gaps {
		for _, v := range Grid(g.a, g.b, g.parts+1, spec.Linear)[1:g.parts] {
			if spec.Axis.whole(s) {
				v = math.Round(v)
			}
			if v > g.a && v < g.b && (len(loads) == 0 || v > loads[len(loads)-1]) {
				loads = append(loads, v)
			}
		}
	}
	if len(loads) == 0 {
		return nil, nil
	}
	plan := make([]batch.Job, len(loads))
	for i, v := range loads {
		plan[i] = spec.job(base, spec.Axis.at(v))
	}
	outs, err := runPlan(runner, plan, s.Name, spec.Axis)
	if err != nil {
		return nil, err
	}
	runs := make([]SweepPoint, len(outs))
	for i, out := range outs {
		runs[i] = spec.point(spec.Axis.at(loads[i]), out.Report)
	}
	return runs, nil
}
