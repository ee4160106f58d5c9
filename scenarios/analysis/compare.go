package analysis

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/batch"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Comparison is two scenarios run under the same random numbers, over
// several seeds, with the difference of each figure (B − A) and a paired
// 95% confidence interval for it. Common random numbers make the pairs
// positively correlated, so a small difference can still be significant,
// and a scenario compared with itself shows exactly zero.
type Comparison struct {
	NameA  string  `json:"a"`
	NameB  string  `json:"b"`
	Seeds  int     `json:"seeds"`
	Deltas []Delta `json:"deltas"`
	// Unknown lists the figures that could not be compared, with why: a
	// latency when some run completed no request, say.
	Unknown []string         `json:"unknown"`
	ReportA *simulate.Report `json:"report_a"` // the run with the first seed
	ReportB *simulate.Report `json:"report_b"`
}

// Delta is one figure of both scenarios, averaged over the seeds.
type Delta struct {
	Metric string  `json:"metric"`
	Unit   string  `json:"unit"` // s, /s, share, USD
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	Diff   float64 `json:"diff"` // B − A
	// CI95 is the half-width of the paired 95% interval of Diff; 0 with a
	// single seed, where there is no interval.
	CI95 float64 `json:"ci95"`
	// Significant says the interval excludes zero by more than the
	// figures' rounding (1e-9 of their magnitude).
	Significant bool `json:"significant"`
}

// metric is a figure of a report, with its unit; get returns nil when the
// report could not measure it (unmeasured says why).
type metric struct {
	name, unit string
	get        func(*simulate.Report) *float64
}

// unmeasured says why a figure is missing from a report, for the figures
// that can miss for another reason than noneEnded.
var unmeasured = map[string]func(*simulate.Report) string{"cost per 1M requests": unpriced}

// noneEnded is why a run has no latency or error rate.
const noneEnded = "no request completed or ended"

// unpriced is why a run has no cost per million requests: nothing
// completed, or the scenario prices nothing (no instance types, no cost
// fields, no transfer).
func unpriced(r *simulate.Report) string {
	if r.Throughput > 0 {
		return "nothing is priced: the scenario gives no costs"
	}
	return "no request completed"
}

// latency reads one statistic of a report's latency, nil when no request
// completed.
func latency(stat string) func(*simulate.Report) *float64 {
	return func(r *simulate.Report) *float64 { return r.Latency.Get(stat) }
}

// compared are the figures a comparison reports, then per-node utilization.
var compared = []metric{
	{"offered rate", "/s", func(r *simulate.Report) *float64 { return &r.OfferedRate }},
	{"throughput", "/s", func(r *simulate.Report) *float64 { return &r.Throughput }},
	{"goodput", "/s", func(r *simulate.Report) *float64 { return &r.Goodput }},
	{"error rate", "share", func(r *simulate.Report) *float64 { return r.ErrorRate }},
	{"latency mean", "s", latency("mean")},
	{"latency p50", "s", latency("p50")},
	{"latency p95", "s", latency("p95")},
	{"latency p99", "s", latency("p99")},
	{"latency p99.9", "s", latency("p999")},
	{"cost per month", "USD", func(r *simulate.Report) *float64 { return &r.Cost.MonthlyUSD }},
	{"cost per 1M requests", "USD", func(r *simulate.Report) *float64 { return r.Cost.PerMillionRequestsUSD }},
}

// CompareSpec says how a comparison at one load is run.
type CompareSpec struct {
	// Seeds is how many paired runs: a's seed, +1, … (at least 1).
	Seeds int
	// Parallel is how many runs go at once; 0 is one per CPU. It does not
	// change the result.
	Parallel int
	// Progress, when set, is told after each run how many have finished
	// out of how many are planned (see batch.NewRunner).
	Progress func(done, total int)
}

// Compare runs a and b with seeds a's seed, +1, … (spec.Seeds in all),
// both with the same seed each time, and reports the paired differences.
// Runs go in parallel; the result does not depend on it.
func Compare(a, b batch.Job, spec CompareSpec) (*Comparison, error) {
	seeds := spec.Seeds
	if seeds < 1 {
		return nil, scenarios.Invalid(fmt.Errorf("analysis: compare needs at least one seed, got %d", seeds))
	}
	scenA, err := a.Scenario()
	if err != nil {
		return nil, err
	}
	scenB, err := b.Scenario()
	if err != nil {
		return nil, err
	}
	var plan []batch.Job
	for i := range seeds {
		seed := scenA.Run.Seed + uint64(i)
		for _, j := range []batch.Job{a, b} {
			j.Seed = &seed
			plan = append(plan, j)
		}
	}
	outs, err := batch.NewRunner(spec.Parallel, spec.Progress).Run(plan)
	if err != nil {
		return nil, err
	}
	reports := make([]*simulate.Report, len(outs))
	for i, o := range outs {
		reports[i] = o.Report
	}
	cmp := &Comparison{NameA: label(scenA), NameB: label(scenB), Seeds: seeds, Unknown: []string{}, ReportA: reports[0], ReportB: reports[1]}
	metrics := append([]metric(nil), compared...)
	for _, name := range unionNodes(reports[0], reports[1]) {
		metrics = append(metrics, metric{"utilization " + name, "share", func(r *simulate.Report) *float64 {
			u := nodeUtilization(r, name)
			return &u
		}})
	}
metrics:
	for _, m := range metrics {
		d := Delta{Metric: m.name, Unit: m.unit}
		var diffs []float64
		var sa, sb sim.Summary
		magnitude := 0.0
		for i := 0; i < len(reports); i += 2 {
			va, vb := m.get(reports[i]), m.get(reports[i+1])
			if va == nil || vb == nil {
				r, why := reports[i], noneEnded
				if va != nil {
					r = reports[i+1]
				}
				if f := unmeasured[m.name]; f != nil {
					why = f(r)
				}
				cmp.Unknown = append(cmp.Unknown, fmt.Sprintf("%s: not measured with seed %d (%s)", m.name, r.Seed, why))
				continue metrics
			}
			sa.Add(*va)
			sb.Add(*vb)
			diffs = append(diffs, *vb-*va)
			magnitude = max(magnitude, math.Abs(*va), math.Abs(*vb))
		}
		d.A, d.B = sa.Mean(), sb.Mean()
		d.Diff, d.CI95 = MeanCI95Paired(diffs)
		d.Significant = seeds > 1 && significant(d.Diff, d.CI95, magnitude)
		cmp.Deltas = append(cmp.Deltas, d)
	}
	return cmp, nil
}

// rounding is the relative resolution of the figures compared: two runs
// that compute the same figure by sums in another order (a mean of equal
// latencies, say) differ by a few units in the last place of each term,
// which over the millions of terms of a long run stays far below 1e-9 of
// the figure.
const rounding = 1e-9

// significant says a paired difference diff with the half-width ci of its
// 95% interval is real: the interval excludes zero by more than the
// rounding of figures of the given magnitude (the largest compared). A
// difference within rounding is never real, even with an interval of ±0.
func significant(diff, ci, magnitude float64) bool {
	return math.Abs(diff) > ci+float64(rounding*magnitude)
}

// MeanCI95Paired is the mean of paired differences and the half-width of
// its t-based 95% interval; 0 for a single pair, and 0 when every
// difference is the same.
func MeanCI95Paired(diffs []float64) (mean, half float64) {
	mean, half = sim.MeanCI95(diffs)
	if len(diffs) < 2 {
		half = 0
	}
	return mean, half
}

// label names a scenario for a comparison: its name, and its overrides.
func label(s *scenarios.Scenario) string {
	if len(s.Overrides) == 0 {
		return s.Name
	}
	return s.Name + " (" + scenarios.PrintableOverrides(s.Overrides) + ")"
}

// unionNodes lists the nodes of a then those only in b.
func unionNodes(a, b *simulate.Report) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range []*simulate.Report{a, b} {
		for _, n := range r.Nodes {
			if !seen[n.Name] && n.Workers {
				seen[n.Name] = true
				names = append(names, n.Name)
			}
		}
	}
	return names
}

// nodeUtilization is a node's utilization in r, 0 when r has no such node.
func nodeUtilization(r *simulate.Report, name string) float64 {
	for _, n := range r.Nodes {
		if n.Name == name {
			return n.Utilization
		}
	}
	return 0
}

// WriteJSON writes the comparison as indented JSON.
func (c *Comparison) WriteJSON(w io.Writer) error { return output.WriteJSON(w, c, "comparison") }

// WriteTable writes the comparison side by side with the differences.
func (c *Comparison) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "A           %s\nB           %s\n", c.NameA, c.NameB)
	fmt.Fprintf(&b, "runs        %d seed(s) from %d, A and B on the same random numbers each time\n\n", c.Seeds, c.ReportA.Seed)
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tA\tB\tB − A\t95% CI\t")
	for _, d := range c.Deltas {
		ci, mark := "-", ""
		if c.Seeds > 1 {
			ci = "±" + formatValue(d.CI95, d.Unit)
			if d.Significant {
				mark = "*"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\t%s\t%s\n", d.Metric, formatValue(d.A, d.Unit), formatValue(d.B, d.Unit),
			sign(d.Diff), formatValue(math.Abs(d.Diff), d.Unit), ci, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	for _, u := range c.Unknown {
		fmt.Fprintf(&b, "unknown     %s\n", u)
	}
	fmt.Fprintf(&b, "bottleneck  A: %s, B: %s\n", c.ReportA.Bottleneck, c.ReportB.Bottleneck)
	fmt.Fprintf(&b, "SLO         A: %s, B: %s\n", verdict(c.ReportA), verdict(c.ReportB))
	if slices.ContainsFunc(c.Deltas, func(d Delta) bool { return d.Significant }) {
		b.WriteString("* the paired 95% confidence interval excludes zero (by more than rounding): the difference is real\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// verdict is a side's verdict on its objectives for the comparison's
// table: "none set" when the scenario sets none (as a run's report says
// it: not a pass, which the numbers may contradict), pass, INCOMPLETE or
// FAIL with the objectives broken.
func verdict(r *simulate.Report) string {
	switch {
	case r.SLO.Verdict() == "none set":
		return "none set"
	case r.SLO.Pass:
		return "pass"
	case incomplete(r):
		return "INCOMPLETE (" + r.SLO.Incomplete + ")"
	}
	return "FAIL (" + strings.Join(r.SLO.Violations, "; ") + ")"
}

func sign(x float64) string {
	if x < 0 {
		return "−"
	}
	return "+"
}

// formatValue writes v in its unit.
func formatValue(v float64, unit string) string {
	switch unit {
	case "s":
		return units.FormatDuration(v)
	case "/s":
		return units.Rate(v)
	case "share":
		return units.Percent(v)
	case "USD":
		return units.USDDigits(v, 4)
	}
	return fmt.Sprintf("%.4g", v)
}

// SweepComparison is two sweeps over the same grid with the same seed, so
// the curves differ only by the architectures.
type SweepComparison struct {
	A *SweepReport `json:"a"`
	B *SweepReport `json:"b"`
	// Crossover is where the cheaper of the two changes along a load
	// axis; nil when it does not, or the points are not both priced.
	Crossover *Crossover `json:"cost_crossover,omitempty"`
}

// Crossover is the load at which the cheaper architecture changes: between
// two swept points, At by linear interpolation of the monthly costs'
// difference. Cheaper names the one cheaper above it ("A" or "B").
type Crossover struct {
	From    float64 `json:"from"`
	To      float64 `json:"to"`
	At      float64 `json:"at"`
	Cheaper string  `json:"cheaper_above"`
}

// crossover finds the first change of the cheaper of a and b along a load
// axis, between two points whose costs differ: a function's bill grows
// with the load, a fleet's by whole instances, so the two cross where
// servers become cheaper.
func crossover(a, b *SweepReport) *Crossover {
	axis := axisOf(a.Axis)
	if !axis.Load() || len(a.Points) != len(b.Points) {
		return nil
	}
	prev := -1
	var dPrev float64
	for i, pa := range a.Points {
		pb := b.Points[i]
		if pa.Report == nil || pb.Report == nil || pa.Cost.Priced == "" || pb.Cost.Priced == "" {
			return nil
		}
		d := pb.Cost.MonthlyUSD - pa.Cost.MonthlyUSD
		if d == 0 {
			continue
		}
		if prev >= 0 && (d > 0) != (dPrev > 0) {
			x0, x1 := axis.value(a.Points[prev]), axis.value(pa)
			c := &Crossover{From: x0, To: x1, At: x0 + (x1-x0)*dPrev/(dPrev-d), Cheaper: "A"}
			if d < 0 {
				c.Cheaper = "B"
			}
			return c
		}
		prev, dPrev = i, d
	}
	return nil
}

// CompareSweeps sweeps a and b over the same grid, b with a's seed, on one
// runner (one count of progress, spec.Progress, for both).
func CompareSweeps(a, b batch.Job, spec SweepSpec) (*SweepComparison, error) {
	scenA, err := a.Scenario()
	if err != nil {
		return nil, err
	}
	scenB, err := b.Scenario()
	if err != nil {
		return nil, err
	}
	seed := scenA.Run.Seed
	b.Seed = &seed
	if spec.From == 0 || spec.To == 0 {
		if spec, err = spec.withDefaults(scenA); err != nil {
			return nil, err
		}
	}
	runner := batch.NewRunner(spec.Parallel, spec.Progress)
	swa, err := sweep(a, spec, runner)
	if err != nil {
		return nil, err
	}
	swb, err := sweep(b, spec, runner)
	if err != nil {
		return nil, err
	}
	swa.Scenario, swb.Scenario = label(scenA), label(scenB)
	return &SweepComparison{A: swa, B: swb, Crossover: crossover(swa, swb)}, nil
}

// WriteJSON writes the comparison as indented JSON.
func (c *SweepComparison) WriteJSON(w io.Writer) error {
	return output.WriteJSON(w, c, "sweep comparison")
}

// WriteTable writes both curves side by side, point by point, and both
// breaking points.
func (c *SweepComparison) WriteTable(w io.Writer) error {
	var b strings.Builder
	dur := units.FormatDuration
	fmt.Fprintf(&b, "A           %s\nB           %s\n", c.A.Scenario, c.B.Scenario)
	fmt.Fprintf(&b, "runs        %d points each, seed %d for both (common random numbers)\n\n", len(c.A.Points), c.A.Seed)
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tP99 A\tP99 B\tB − A\t$/MONTH A\t$/MONTH B\tA\tB\n", strings.ToUpper(c.A.Axis))
	axis := axisOf(c.A.Axis)
	status := func(p SweepPoint) string {
		if p.OK {
			return "ok"
		}
		return "FAIL"
	}
	for i, pa := range c.A.Points {
		pb := c.B.Points[i]
		p99a, p99b := pa.Latency.Get("p99"), pb.Latency.Get("p99")
		diff := units.Unknown
		if p99a != nil && p99b != nil {
			d := *p99b - *p99a
			diff = sign(d) + dur(math.Abs(d))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\t%.0f\t%s\t%s\n", axis.cell(pa), units.OrUnknown(p99a, dur), units.OrUnknown(p99b, dur),
			diff, pa.Cost.MonthlyUSD, pb.Cost.MonthlyUSD, status(pa), status(pb))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if x := c.Crossover; x != nil {
		fmt.Fprintf(&b, "\ncost        %s is cheaper above about %s (between %s and %s, interpolated)\n", x.Cheaper,
			axis.label(x.At), axis.label(x.From), axis.label(x.To))
	}
	for _, s := range []struct {
		name string
		sw   *SweepReport
	}{{"A", c.A}, {"B", c.B}} {
		fmt.Fprintf(&b, "\n%s ", s.name)
		var v strings.Builder
		s.sw.writeVerdicts(&v)
		b.WriteString(strings.ReplaceAll(strings.TrimSuffix(v.String(), "\n"), "\n", "\n  "))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
