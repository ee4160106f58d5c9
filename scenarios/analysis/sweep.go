package analysis

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/batch"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// SweepSpec says which points a sweep runs and how.
type SweepSpec struct {
	Axis     Axis
	From, To float64 // the range of a load axis; 0 picks a default around the scenario's own load
	Points   int     // grid points of the range, at least 2
	Linear   bool    // evenly spaced points instead of log-spaced
	// Values are the points of an axis that is not a load, in order, each
	// written as --set takes it (6, 5ms, db.r6g.large); on a load axis,
	// when given, the loads (counts such as 10k, increasing) instead of a
	// range.
	Values []string
	// Precision is the stop rule of each point (RunSpec.Precision); 0 runs
	// each point for the scenario's duration instead.
	Precision float64
	// MaxRequests caps the requests of each point; 0 keeps the scenario's.
	MaxRequests int64
	// Parallel is how many points run at once; 0 is one per CPU. It does
	// not change the result.
	Parallel int
	// Tolerance is how closely bisection brackets the breaking point, as
	// a ratio of the bracket's ends minus one: 0.01 stops within 1%.
	Tolerance float64
	// Analytic adds the analytic estimate (estimate.Scenario) to each point,
	// with the divergence from the simulation flagged.
	Analytic bool
	// Progress, when set, is told after each run how many have finished out
	// of how many are planned. It is called from one goroutine at a time.
	Progress func(done, total int)
}

// Sweep defaults.
const (
	DefaultSweepPoints      = 25
	DefaultSweepPrecision   = 0.02
	DefaultSweepMaxRequests = 500_000
	DefaultSweepTolerance   = 0.01
	// maxBisections bounds the refinement runs of a breaking point.
	maxBisections = 12
	// MaxSweepPoints bounds the points of a sweep.
	MaxSweepPoints = 1000
)

// SweepReport is the result of a sweep. Its JSON form is the output of
// `scalesim sweep --format json`.
type SweepReport struct {
	Scenario  string  `json:"scenario"`
	Axis      string  `json:"axis"` // users, rate, or the --set path varied
	Seed      uint64  `json:"seed"`
	Precision float64 `json:"precision,omitempty"`
	// Objectives are the scenario's SLOs in words, e.g. "p99 ≤ 200ms".
	Objectives []string `json:"objectives"`
	// SLO is the latency objectives as numbers, for plots.
	SLO    []LatencyObjective `json:"slo"`
	Points []SweepPoint       `json:"points"`
	// BreakingPoint is the largest load that meets the SLO with no node
	// saturated; nil when every load swept does, and along an axis that
	// is not a load.
	BreakingPoint *BreakingPoint `json:"breaking_point"`
	// Knee is where the p99 curve bends upwards; nil when it does not,
	// and along an axis that is not a load.
	Knee *Knee `json:"knee"`
	// Saturation lists the nodes that saturate within the range of a
	// load, in the order they do: what breaks first, then next.
	Saturation []NodeSaturation `json:"saturation"`
	// Cheapest is, along an axis that is not a load, the point that
	// passes at the lowest cost; absent when none passes, and on a load.
	Cheapest *Cheapest `json:"cheapest,omitempty"`
	// Refinements are the runs that bisected the breaking point's
	// bracket, in the order run: simulated points between the grid's, for
	// the figures (the hockey stick's bend lies among them). Not in the
	// JSON, whose points are the grid's.
	Refinements []SweepPoint `json:"-"`
	// Bends are the runs placed between the knee and the breaking point
	// where p99 changes most (see bend), for the figures; not in the JSON.
	Bends []SweepPoint `json:"-"`
}

// Cheapest is the point of a sweep along an axis that is not a load that
// meets the SLO, with no node saturated, at the lowest monthly cost (the
// first swept, of equal costs).
type Cheapest struct {
	Value      string  `json:"value"`
	MonthlyUSD float64 `json:"monthly_usd"`
	// Priced says every point that passes has prices; otherwise no point
	// is known to be cheaper than another, and Value is the first, in the
	// order swept, that passes.
	Priced bool `json:"priced"`
	// Passing is how many points pass.
	Passing int `json:"passing"`
}

// LatencyObjective is one latency bound of the SLO.
type LatencyObjective struct {
	Statistic string  `json:"statistic"` // mean, p50, … p999
	Limit     float64 `json:"limit"`     // seconds
}

// SweepPoint is one point of a sweep: the axis value and the full run
// report.
type SweepPoint struct {
	Users float64 `json:"users,omitempty"` // the user count, on the users axis
	Rate  float64 `json:"rate,omitempty"`  // the arrival rate set, on the rate axis
	Value string  `json:"value,omitempty"` // the value set, on another axis
	// OK says the point meets the SLO and no node is saturated.
	OK bool `json:"ok"`
	// Incomplete says the run was cut short (by its event budget or
	// request cap) having broken nothing in the part it ran: neither OK
	// nor failing, it does not count for the breaking point.
	Incomplete bool `json:"incomplete,omitempty"`
	// CostPerUserUSD is the monthly cost per user (taken as monthly
	// active) on the users axis when nodes carry prices.
	CostPerUserUSD float64 `json:"cost_per_user_usd,omitempty"`
	// Analytic is the analytic estimate at this load, when asked for.
	Analytic *AnalyticPoint `json:"analytic,omitempty"`
	*simulate.Report
}

// AnalyticPoint sets the analytic estimate beside the simulated figures.
type AnalyticPoint struct {
	// Mean is the estimated mean latency; nil when the estimate finds a
	// station overloaded.
	Mean       *float64 `json:"mean"`
	Bottleneck string   `json:"bottleneck"`
	// Divergence is (simulated − estimated) ÷ estimated mean latency.
	Divergence float64 `json:"divergence"`
	// Flagged says the two disagree: by more than DivergenceFlag and more
	// than the simulation's confidence interval, or on whether the system
	// is overloaded.
	Flagged bool `json:"flagged"`
}

// DivergenceFlag is the relative difference between simulated and
// estimated mean latency beyond which a sweep flags a point.
const DivergenceFlag = 0.10

// BreakingPoint is where the architecture stops meeting its objectives.
type BreakingPoint struct {
	// Users and OfferedRate are the largest load found to meet the SLO;
	// both are 0 when even the lowest load swept fails.
	Users       float64 `json:"users,omitempty"`
	OfferedRate float64 `json:"offered_rate"`
	// FailsAt is the smallest load found to fail, in axis units; the
	// breaking point lies between the two.
	FailsAt float64 `json:"fails_at"`
	// Node is the bottleneck where it fails: what breaks first.
	Node   string `json:"node"`
	Reason string `json:"reason"`
	// BelowRange says even the lowest load swept fails.
	BelowRange bool `json:"below_range,omitempty"`
	// Bisections is how many extra runs refined the bracket.
	Bisections int `json:"bisections"`
}

// Knee is the point of the p99 curve of greatest bend, by the Kneedle
// method (Satopää et al., "Finding a 'Kneedle' in a Haystack", ICDCS
// workshops 2011): with log load and p99 both scaled to [0, 1], the point
// farthest below the chord from the first point to the last.
type Knee struct {
	Users       float64 `json:"users,omitempty"`
	OfferedRate float64 `json:"offered_rate"`
	P99         float64 `json:"p99"`
	at          float64 // its load on the sweep's axis
}

// NodeSaturation is the lowest swept load at which a node is saturated.
type NodeSaturation struct {
	Node        string  `json:"node"`
	At          float64 `json:"at"` // in axis units
	OfferedRate float64 `json:"offered_rate"`
}

// Sweep runs base at each point spec describes. Along a load it then
// refines the breaking point by bisection, and finds the knee and the
// order in which nodes saturate; along any other axis it finds the
// cheapest point that passes. Points run in parallel; the report is the
// same whatever the parallelism, since each point is its own simulation
// with the scenario's seed.
func Sweep(base batch.Job, spec SweepSpec) (*SweepReport, error) {
	return sweep(base, spec, batch.NewRunner(spec.Parallel, spec.Progress))
}

// sweep is Sweep on runner.
func sweep(base batch.Job, spec SweepSpec, runner *batch.Runner) (*SweepReport, error) {
	s, err := base.Scenario()
	if err != nil {
		return nil, err
	}
	spec, err = spec.withDefaults(s)
	if err != nil {
		return nil, err
	}
	points, err := spec.points(s)
	if err != nil {
		return nil, err
	}
	plan := make([]batch.Job, len(points))
	for i, p := range points {
		plan[i] = spec.job(base, p)
	}
	outs, err := runPlan(runner, plan, s.Name, spec.Axis)
	if err != nil {
		return nil, err
	}
	sw := &SweepReport{Scenario: s.Name, Axis: spec.Axis.String(), Seed: s.Run.Seed,
		Precision: spec.Precision, Objectives: s.SLO.Describe(), SLO: []LatencyObjective{}, Saturation: []NodeSaturation{}}
	for _, k := range scenarios.SLOStatistics {
		if v, ok := s.SLO.Latency[k]; ok {
			sw.SLO = append(sw.SLO, LatencyObjective{k, v})
		}
	}
	for i, out := range outs {
		p := spec.point(points[i], out.Report)
		if spec.Analytic {
			if p.Analytic, err = analyticPoint(out.Scenario, out.Report); err != nil {
				return nil, err
			}
		}
		sw.Points = append(sw.Points, p)
	}
	if !spec.Axis.Load() {
		sw.Cheapest = cheapest(sw.Points)
		return sw, nil
	}
	if sw.BreakingPoint, sw.Refinements, err = spec.breakingPoint(base, s, sw.Points, runner); err != nil {
		return nil, err
	}
	sw.Knee = spec.knee(sw.Points)
	if sw.Bends, err = spec.bend(base, s, sw, runner); err != nil {
		return nil, err
	}
	sw.Saturation = saturation(sw.Points, spec.Axis)
	return sw, nil
}

// runPlan runs a sweep's plan of jobs on runner; a job whose scenario
// cannot take its point is the caller's mistake, said of the scenario
// named name and, along a field, of the point (see pointError).
func runPlan(runner *batch.Runner, plan []batch.Job, name string, axis Axis) ([]batch.Outcome, error) {
	outs, err := runner.Run(plan)
	var load *batch.LoadError
	if errors.As(err, &load) {
		err := load.Err
		if !axis.Load() {
			sets := plan[load.Job].Sets
			err = pointError(sets[len(sets)-1], err)
		}
		return nil, scenarios.Invalid(fmt.Errorf("analysis: sweeping %s: %w", name, err))
	}
	return outs, err
}

// pointError is err, the refusal of a sweep's point assignment (PATH=VALUE,
// the last override of its job), naming the point as the user gave it,
// --vary PATH=VALUE, on each of its lines: an error the override itself
// caused is said of it instead of --set, one placed elsewhere (a field of
// the file the value is part of, or that the value makes wrong) is
// prefixed with it.
func pointError(assignment string, err error) error {
	vary := "--vary " + field.Printable(assignment)
	var list yamlfile.ErrorList
	if !errors.As(err, &list) {
		return fmt.Errorf("%s: %w", vary, err)
	}
	out := make(yamlfile.ErrorList, len(list))
	for i, e := range list {
		e.Msg = strings.ReplaceAll(e.Msg, "--set "+field.Printable(assignment), vary) // a message that names it: what it removed
		switch {
		case e.File == "--set "+field.Printable(assignment):
			e.File = vary
		default:
			// Said before it: out of the overrides the message names.
			e.Msg = strings.ReplaceAll(e.Msg, " (with "+vary+")", "")
			e.Msg = strings.ReplaceAll(e.Msg, "(with "+vary+", ", "(with ")
			e.Msg = strings.ReplaceAll(e.Msg, ", "+vary+")", ")")
			e.Msg = strings.ReplaceAll(e.Msg, ", "+vary+", ", ", ")
			e = yamlfile.Error{File: vary, Msg: e.Error()}
		}
		out[i] = e
	}
	return out
}

// withDefaults fills in what the caller left zero and checks the rest.
func (spec SweepSpec) withDefaults(s *scenarios.Scenario) (SweepSpec, error) {
	if spec.Axis == (Axis{}) {
		spec.Axis = AxisUsers
	}
	if spec.Points == 0 {
		spec.Points = DefaultSweepPoints
	}
	n := spec.Points
	if spec.Values != nil {
		n = len(spec.Values)
	}
	if n < 2 || n > MaxSweepPoints {
		return spec, scenarios.Invalid(fmt.Errorf("analysis: a sweep needs 2 to %d points, got %d", MaxSweepPoints, n))
	}
	if spec.MaxRequests == 0 {
		spec.MaxRequests = s.Run.MaxRequests
	}
	if spec.Parallel <= 0 {
		spec.Parallel = runtime.NumCPU()
	}
	if spec.Tolerance <= 0 {
		spec.Tolerance = DefaultSweepTolerance
	}
	if !spec.Axis.Load() && spec.Values == nil {
		return spec, scenarios.Invalid(fmt.Errorf("analysis: a sweep of %s needs its values: a list, or a range with a step", spec.Axis))
	}
	if spec.Values != nil {
		return spec, nil
	}
	if spec.From == 0 || spec.To == 0 {
		base, err := spec.Axis.around(s)
		if err != nil {
			return spec, err
		}
		if spec.From == 0 {
			spec.From = base / 100
		}
		if spec.To == 0 {
			spec.To = base * 10
		}
	}
	if !(spec.From > 0) || !(spec.To > spec.From) || math.IsInf(spec.To, 0) {
		return spec, scenarios.Invalid(fmt.Errorf("analysis: a sweep range must run from a positive value up to a larger one, got %g..%g", spec.From, spec.To))
	}
	return spec, nil
}

// points are the sweep's points before their runs: the values of its
// axis, or the loads of its grid (whole users of a closed population).
func (spec SweepSpec) points(s *scenarios.Scenario) ([]SweepPoint, error) {
	var points []SweepPoint
	if !spec.Axis.Load() {
		for _, v := range spec.Values {
			points = append(points, SweepPoint{Value: v})
		}
		return points, nil
	}
	grid := Grid(spec.From, spec.To, spec.Points, spec.Linear)
	if spec.Values != nil {
		grid = make([]float64, len(spec.Values))
		for i, v := range spec.Values {
			x, err := units.ParseCount(v)
			if err != nil || !(x > 0) || math.IsInf(x, 0) || (i > 0 && !(x > grid[i-1])) {
				return nil, scenarios.Invalid(fmt.Errorf("analysis: the loads of a sweep are positive counts, each larger than the one before, got %s after %s", v, strings.Join(spec.Values[:i], ", ")))
			}
			grid[i] = x
		}
	}
	if spec.Axis.whole(s) {
		grid = wholeUsers(grid)
	}
	for _, v := range grid {
		points = append(points, spec.Axis.at(v))
	}
	return points, nil
}

// Grid is n values from from to to, log-spaced unless linear.
func Grid(from, to float64, n int, linear bool) []float64 {
	g := make([]float64, n)
	for i := range g {
		f := float64(i) / float64(n-1)
		if linear {
			g[i] = from + float64(f*(to-from))
		} else {
			g[i] = from * sim.Pow(to/from, f)
		}
	}
	g[n-1] = to
	return g
}

// wholeUsers rounds a grid to whole users, dropping repeats.
func wholeUsers(g []float64) []float64 {
	out := g[:0]
	for _, v := range g {
		v = math.Max(1, math.Round(v))
		if len(out) == 0 || v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// job is base run at point p, to the sweep's precision and cap.
func (spec SweepSpec) job(base batch.Job, p SweepPoint) batch.Job {
	precision := spec.Precision
	base.Precision, base.MaxRequests = &precision, spec.MaxRequests
	return spec.Axis.apply(base, p)
}

// point is p with its run's report and verdict.
func (spec SweepSpec) point(p SweepPoint, rep *simulate.Report) SweepPoint {
	p.Report, p.OK, p.Incomplete = rep, healthy(rep), incomplete(rep)
	if spec.Axis == AxisUsers && rep.Cost.Priced != "" {
		p.CostPerUserUSD = rep.Cost.MonthlyUSD / p.Users
	}
	return p
}

// cheapest is the point that passes at the lowest monthly cost, the first
// of equal costs; where some point that passes has no price, the first
// that passes. Nil when none passes.
func cheapest(points []SweepPoint) *Cheapest {
	var pass []SweepPoint
	for _, p := range points {
		if p.OK {
			pass = append(pass, p)
		}
	}
	if len(pass) == 0 {
		return nil
	}
	best := pass[0]
	priced := !slices.ContainsFunc(pass, func(p SweepPoint) bool { return p.Cost.Priced == "" })
	for _, p := range pass {
		if priced && p.Cost.MonthlyUSD < best.Cost.MonthlyUSD {
			best = p
		}
	}
	return &Cheapest{Value: best.Value, MonthlyUSD: best.Cost.MonthlyUSD, Priced: priced, Passing: len(pass)}
}

// analyticPoint estimates s and compares the estimate with its run.
func analyticPoint(s *scenarios.Scenario, rep *simulate.Report) (*AnalyticPoint, error) {
	est, err := estimate.Scenario(s)
	if err != nil {
		return nil, err
	}
	a := &AnalyticPoint{Mean: est.Latency, Bottleneck: est.Bottleneck}
	// Consumers the estimate finds behind (its Backlog) leave the request
	// path's latency as it is: the two agree on them.
	overloaded := rep.StoppedEarly != "" || (rep.ErrorRate != nil && *rep.ErrorRate > 0.01) ||
		slices.ContainsFunc(rep.Nodes, func(n simulate.NodeReport) bool { return n.Saturated && !slices.Contains(est.Backlog, n.Name) })
	if est.Latency == nil || overloaded || rep.Latency == nil {
		// Nothing to set side by side: they agree only if both find the
		// system overloaded (a run that completed nothing counts as such).
		a.Flagged = (est.Latency == nil) != (overloaded || rep.Latency == nil)
		return a, nil
	}
	if *est.Latency <= 0 {
		a.Flagged = rep.Latency.Mean > 0 // nothing to divide by: they agree only on zero
		return a, nil
	}
	a.Divergence = rep.Latency.Mean / *est.Latency - 1
	ci := 0.0
	if c := rep.Latency.MeanCI95; c != nil {
		ci = (c[1] - c[0]) / 2 / *est.Latency
	}
	a.Flagged = math.Abs(a.Divergence) > max(DivergenceFlag, ci)
	return a, nil
}

// breakingPoint brackets the first failing load of the grid with the last
// healthy one below it, then bisects the bracket (in log space unless the
// grid is linear) until its ends are within the tolerance. It returns the
// bisection's runs too, in the order run.
func (spec SweepSpec) breakingPoint(base batch.Job, s *scenarios.Scenario, points []SweepPoint, runner *batch.Runner) (*BreakingPoint, []SweepPoint, error) {
	f := slices.IndexFunc(points, func(p SweepPoint) bool { return failing(p.Report) })
	if f < 0 {
		return nil, nil, nil
	}
	fail := points[f]
	bp := &BreakingPoint{FailsAt: spec.Axis.value(fail), Node: fail.Bottleneck, Reason: failure(fail.Report)}
	below := -1 // the last healthy point below it (incomplete ones do not count)
	for i := range f {
		if points[i].OK {
			below = i
		}
	}
	if below < 0 {
		bp.BelowRange = true
		return bp, nil, nil
	}
	ok := points[below]
	lo, hi := spec.Axis.value(ok), bp.FailsAt
	steps := 0
	for r := hi / lo; r > 1+spec.Tolerance && steps < maxBisections; r = math.Sqrt(r) {
		steps++
	}
	runner.Expect(steps)
	var runs []SweepPoint
	for step := range steps {
		mid := math.Sqrt(lo * hi)
		if spec.Linear {
			mid = (lo + hi) / 2
		}
		if spec.Axis.whole(s) {
			mid = math.Round(mid)
			if mid <= lo || mid >= hi {
				runner.Skip(1)
				continue
			}
		}
		outs, err := runPlan(runner, []batch.Job{spec.job(base, spec.Axis.at(mid))}, s.Name, spec.Axis)
		if err != nil {
			return nil, nil, err
		}
		rep := outs[0].Report
		bp.Bisections++
		p := spec.point(spec.Axis.at(mid), rep)
		runs = append(runs, p)
		if p.Incomplete {
			// Cut short, it says neither: not a breaking point. The
			// bracket stays between the loads known healthy and known
			// failing, and bisection stops there.
			runner.Skip(steps - step - 1)
			break
		}
		if p.OK {
			lo, ok = mid, p
		} else {
			hi, fail = mid, p
		}
	}
	bp.FailsAt, bp.Node, bp.Reason = hi, fail.Bottleneck, failure(fail.Report)
	bp.OfferedRate = ok.OfferedRate
	if spec.Axis == AxisUsers {
		bp.Users = lo
	}
	return bp, runs, nil
}

// minKneeRise is how much the highest p99 of a sweep must exceed its
// lowest for the curve to bend at all: by a fifth.
const minKneeRise = 1.2

// knee finds the Kneedle knee of p99 against log load over the points that
// ran to the end of their window; nil when there are fewer than three or
// the curve does not bend upwards (its p99 rises by less than a fifth).
func (spec SweepSpec) knee(points []SweepPoint) *Knee {
	var xs, ys []float64
	var idx []int
	for i, p := range points {
		if p.StoppedEarly != "" || p.Requests.Completed == 0 {
			continue
		}
		x := spec.Axis.value(p)
		if !spec.Linear {
			x = sim.Log(x)
		}
		xs, ys, idx = append(xs, x), append(ys, p.Latency.P99), append(idx, i)
	}
	if len(xs) < 3 {
		return nil
	}
	x0, x1 := xs[0], xs[len(xs)-1]
	y0, y1 := slices.Min(ys), slices.Max(ys)
	// A p99 that moves by less than minKneeRise over the sweep is flat:
	// scaled to [0, 1], its noise would make a knee of nothing.
	if y1 < float64(y0*minKneeRise) || x1 <= x0 {
		return nil
	}
	best, bestDiff := -1, 0.0
	for i := range xs {
		d := (xs[i]-x0)/(x1-x0) - (ys[i]-y0)/(y1-y0)
		if d > bestDiff {
			best, bestDiff = i, d
		}
	}
	if best < 0 {
		return nil
	}
	p := points[idx[best]]
	return &Knee{Users: p.Users, OfferedRate: p.OfferedRate, P99: p.Latency.P99, at: spec.Axis.value(p)}
}

// saturation lists, for each node saturated somewhere in the sweep, the
// lowest load at which it is, lowest first.
func saturation(points []SweepPoint, axis Axis) []NodeSaturation {
	out := []NodeSaturation{}
	seen := map[string]bool{}
	for _, p := range points {
		for _, n := range p.Nodes {
			if n.Saturated && !seen[n.Name] {
				seen[n.Name] = true
				out = append(out, NodeSaturation{Node: n.Name, At: axis.value(p), OfferedRate: p.OfferedRate})
			}
		}
	}
	return out
}
