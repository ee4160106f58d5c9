package analysis

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/scenarios/batch"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// mmcSweepFile is an M/M/4 queue with μ = 10/s and a p99 objective.
const mmcSweepFile = `
name: mmc-sweep
workload: {rate: 10}
entry: station
nodes:
  station:
    kind: service
    workers: 4
    service_time: {dist: exponential, mean: 100ms}
slo: {p99: 800ms}
run: {seed: 7, warmup: 100s}
`

// mmcFrom, mmcTo and mmcPoints are mmcSweep's grid of rates.
const mmcFrom, mmcTo, mmcPoints = 2.0, 38.0, 12

// mmcSweep is the sweep of M/M/4 (mmcSweepFile) over 2 to 38 requests a
// second, to 2% precision, with the analytic estimate beside each point:
// made once for the two tests that read it (1.2 s of CPU), which do not
// change it.
var mmcSweep = sync.OnceValues(func() (*SweepReport, error) {
	j := batch.Job{Source: batch.Text("mmc.yaml", []byte(mmcSweepFile))}
	return Sweep(j, SweepSpec{Axis: AxisRate, From: mmcFrom, To: mmcTo, Points: mmcPoints, Precision: 0.02, MaxRequests: 500_000, Analytic: true})
})

// TestSweepMMcBreakingPoint sweeps M/M/4 and checks that latency rises with
// load and that the bisected breaking point is where Erlang C says the p99
// objective starts to fail, within one step of the grid.
func TestSweepMMcBreakingPoint(t *testing.T) {
	t.Parallel()
	const from, to, points = mmcFrom, mmcTo, mmcPoints
	sw, err := mmcSweep()
	if err != nil {
		t.Fatal(err)
	}
	// Monotonicity. Successive means may dip by no more than their 95% CIs
	// allow (4 SDs of the difference); p99 by the sampling error of an
	// exponential-tailed quantile, √(p/((1−p)n))/ln(1/(1−p)) relative
	// (the delta method), plus the histogram's 1% buckets.
	for i := 1; i < len(sw.Points); i++ {
		a, b := sw.Points[i-1], sw.Points[i]
		ha := (a.Latency.MeanCI95[1] - a.Latency.MeanCI95[0]) / 2 / 1.96
		hb := (b.Latency.MeanCI95[1] - b.Latency.MeanCI95[0]) / 2 / 1.96
		if tol := 4 * math.Hypot(ha, hb); b.Latency.Mean < a.Latency.Mean-tol {
			t.Errorf("mean fell from %g to %g between %g/s and %g/s (tolerance %g)", a.Latency.Mean, b.Latency.Mean, a.Rate, b.Rate, tol)
		}
		rel := func(n int64) float64 { return math.Sqrt(0.99/(0.01*float64(n))) / math.Log(100) }
		tol := 4*math.Hypot(rel(a.Requests.Completed), rel(b.Requests.Completed)) + 0.02
		if b.Latency.P99 < a.Latency.P99*(1-tol) {
			t.Errorf("p99 fell from %g to %g between %g/s and %g/s (tolerance %.3g relative)", a.Latency.P99, b.Latency.P99, a.Rate, b.Rate, tol)
		}
	}
	if first, last := sw.Points[0].Latency.P99, sw.Points[len(sw.Points)-1].Latency.P99; last < 3*first {
		t.Errorf("p99 rose only from %g to %g across the sweep", first, last)
	}

	// The load at which the exact M/M/4 p99 reaches the objective.
	p99 := func(lambda float64) float64 { return analytic.MMc{Lambda: lambda, Mu: 10, C: 4}.SojournQuantile(0.99) }
	lo, hi := from, 39.999
	for range 100 {
		if mid := (lo + hi) / 2; p99(mid) <= 0.8 {
			lo = mid
		} else {
			hi = mid
		}
	}
	want := lo
	bp := sw.BreakingPoint
	if bp == nil || bp.BelowRange {
		t.Fatalf("breaking point %+v, want one near %.3g/s", bp, want)
	}
	step := math.Log(to/from) / (points - 1)
	if d := math.Abs(math.Log(bp.OfferedRate / want)); d > step {
		t.Errorf("breaking point %.4g/s, Erlang C says %.4g/s: %.2f%% apart, more than a grid step (%.1f%%)", bp.OfferedRate, want, 100*d, 100*step)
	}
	if bp.Node != "station" || bp.Bisections == 0 || bp.FailsAt <= bp.OfferedRate {
		t.Errorf("breaking point %+v: want the station, bracketed by bisection", bp)
	}
	t.Logf("breaking point %.4g/s (fails at %.4g/s), Erlang C %.4g/s, grid step %.1f%%", bp.OfferedRate, bp.FailsAt, want, 100*step)

	// The figures draw the bend: at least bendRuns+2 simulated points
	// between the knee and the breaking point, from no more runs than the
	// grid and the bisection's budget.
	if sw.Knee == nil {
		t.Fatal("no knee")
	}
	between := 0
	for _, p := range slices.Concat(sw.Points, sw.Refinements, sw.Bends) {
		if p.Rate >= sw.Knee.at && p.Rate <= bp.FailsAt {
			between++
		}
	}
	if between < bendRuns+2 || len(sw.Bends) == 0 || bp.Bisections+len(sw.Bends) > maxBisections {
		t.Errorf("%d simulated points between the knee (%g/s) and the breaking point (%g/s): %d bisection runs, %d at the bend", between, sw.Knee.at, bp.FailsAt, bp.Bisections, len(sw.Bends))
	}
	for _, p := range sw.Bends {
		if !(p.Rate > sw.Knee.at && p.Rate < bp.FailsAt) {
			t.Errorf("a bend run at %g/s, outside (%g, %g)", p.Rate, sw.Knee.at, bp.FailsAt)
		}
	}
}

// TestSweepParallelIsSerial checks that the output does not depend on how
// many points run at once.
func TestSweepParallelIsSerial(t *testing.T) {
	s := textJob(t, "mmc.yaml", mmcSweepFile)
	maxRequests := int64(200_000)
	if raceDetector { // the detector needs the runs to overlap, not to be long
		maxRequests = 20_000
	}
	out := func(parallel int) []byte {
		sw, err := Sweep(s, SweepSpec{Axis: AxisRate, From: 5, To: 45, Points: 6, Precision: 0.05, MaxRequests: maxRequests, Parallel: parallel})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := sw.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if serial, parallel := out(1), out(4); !bytes.Equal(serial, parallel) {
		t.Fatal("a sweep of 4 points at once differs from a serial one")
	}
}

// TestSweepOutputSchemas checks the JSON and CSV forms of a sweep: the
// fields the issue names and one CSV row per point with parseable numbers.
func TestSweepOutputSchemas(t *testing.T) {
	sw, err := Sweep(builtinJob(t, "checkout-api"), SweepSpec{Axis: AxisRate, From: 100, To: 3000, Points: 5, Precision: 0.05, MaxRequests: 50_000})
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := sw.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"scenario", "axis", "points", "breaking_point", "knee", "saturation", "objectives"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON sweep has no %q", k)
		}
	}
	pts := doc["points"].([]any)
	if len(pts) != 5 {
		t.Fatalf("%d points, want 5", len(pts))
	}
	for _, k := range []string{"rate", "offered_rate", "ok", "latency", "nodes", "cost", "bottleneck", "slo", "precision", "throughput", "error_rate"} {
		if _, ok := pts[0].(map[string]any)[k]; !ok {
			t.Errorf("JSON sweep point has no %q", k)
		}
	}
	bp, ok := doc["breaking_point"].(map[string]any)
	if !ok {
		t.Fatal("checkout-api at 3000/s should break")
	}
	for _, k := range []string{"offered_rate", "fails_at", "node", "reason"} {
		if _, ok := bp[k]; !ok {
			t.Errorf("breaking point has no %q", k)
		}
	}

	var c bytes.Buffer
	if err := sw.WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := append(append([]string(nil), CSVHeader...), "util_lb", "load_lb", "util_app", "load_app", "util_db", "load_db")
	if !slices.Equal(rows[0], wantHeader) {
		t.Fatalf("CSV header %v, want %v", rows[0], wantHeader)
	}
	if len(rows) != 6 {
		t.Fatalf("%d CSV rows, want a header and 5 points", len(rows))
	}
	for _, row := range rows[1:] {
		for i, col := range wantHeader {
			switch col {
			case "bottleneck", "saturated", "mean_ci95_low", "mean_ci95_high":
				continue
			case "analytic_mean", "analytic_divergence", "analytic_flagged":
				if row[i] != "" {
					t.Errorf("%s = %q without --analytic", col, row[i])
				}
				continue
			case "slo_pass", "ok":
				if _, err := strconv.ParseBool(row[i]); err != nil {
					t.Errorf("%s = %q is not a boolean", col, row[i])
				}
				continue
			}
			if _, err := strconv.ParseFloat(row[i], 64); err != nil {
				t.Errorf("%s = %q is not a number", col, row[i])
			}
		}
	}
}

// TestKnee checks the Kneedle knee on a hockey-stick curve and that a flat
// one has none.
func TestKnee(t *testing.T) {
	mk := func(p99s ...float64) []SweepPoint {
		var pts []SweepPoint
		for i, v := range p99s {
			pts = append(pts, SweepPoint{Rate: float64(int(10) << i), Report: &simulate.Report{
				OfferedRate: float64(int(10) << i), Requests: simulate.RequestCounts{Completed: 1}, Latency: &simulate.Latency{P99: v}}})
		}
		return pts
	}
	spec := SweepSpec{Axis: AxisRate}
	// Scaled: x = 0, .2, .4, .6, .8, 1 and y = 0, 0, .01, .04, .2, 1, so
	// x − y peaks (0.6) at the fifth point, 160/s.
	if k := spec.knee(mk(1, 1, 1.05, 1.2, 2, 6)); k == nil || k.OfferedRate != 160 {
		t.Errorf("knee %+v, want at 160/s", k)
	}
	if k := spec.knee(mk(1, 1, 1, 1)); k != nil {
		t.Errorf("a flat curve has knee %+v", k)
	}
	// A hostile sweep's p99 of 122, 120 and 120 ms named a knee: noise.
	if k := spec.knee(mk(0.122, 0.120, 0.120)); k != nil {
		t.Errorf("a curve flat but for noise has knee %+v", k)
	}
}

// TestGrid checks log and linear spacing and the ends.
func TestGrid(t *testing.T) {
	g := Grid(100, 10e6, 6, false)
	for i, want := range []float64{100, 1e3, 1e4, 1e5, 1e6, 1e7} {
		if math.Abs(g[i]/want-1) > 1e-12 {
			t.Errorf("log grid %v", g)
		}
	}
	if l := Grid(0.5, 2.5, 3, true); !slices.Equal(l, []float64{0.5, 1.5, 2.5}) {
		t.Errorf("linear grid %v", l)
	}
	if w := wholeUsers([]float64{1, 1.2, 1.6, 2.4, 3}); !slices.Equal(w, []float64{1, 2, 3}) {
		t.Errorf("whole users %v", w)
	}
}

// TestSweepAnalytic checks that on M/M/4 the analytic estimate sits beside
// every point of mmcSweep's grid unflagged: it is exact there, so only
// noise separates them.
func TestSweepAnalytic(t *testing.T) {
	t.Parallel()
	sw, err := mmcSweep()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sw.Points {
		a := p.Analytic
		if a == nil || a.Mean == nil || a.Flagged {
			t.Fatalf("at %g/s: analytic %+v", p.Rate, a)
		}
		want := analytic.MMc{Lambda: p.Rate, Mu: 10, C: 4}.MeanSojourn()
		if math.Abs(*a.Mean/want-1) > 1e-9 {
			t.Errorf("at %g/s the estimate is %g, Erlang C %g", p.Rate, *a.Mean, want)
		}
		t.Logf("%g/s: simulated %.4g, estimated %.4g (%+.2f%%)", p.Rate, p.Latency.Mean, *a.Mean, 100*a.Divergence)
	}
}

// TestTimelineBreachDate checks that three-tier's growth timeline breaches
// its SLO at the first weekly sample past the app's capacity, 4 × 8
// workers ÷ 18 ms = 1778 req/s, which its users model reaches at 5.12M
// users; the sample before it must be healthy.
func TestTimelineBreachDate(t *testing.T) {
	if testing.Short() {
		t.Skip("a weekly timeline of 79 steady-state runs; runs without -short")
	}
	job := builtinJob(t, "three-tier")
	tl, err := Timeline(job, TimelineSpec{Precision: 0.05, MaxRequests: 200_000})
	if err != nil {
		t.Fatal(err)
	}
	s, err := job.Scenario()
	if err != nil {
		t.Fatal(err)
	}
	capacityUsers := 32 / 0.018 / s.Workload.Users.PeakRate() * s.Workload.Users.Users
	b := tl.SLOBreach
	if b == nil {
		t.Fatal("no scenarios.SLO breach, though the growth passes the app's capacity")
	}
	i := slices.IndexFunc(tl.Samples, func(x TimelineSample) bool { return x.At == b.At })
	prev := tl.Samples[i-1]
	// Within 2% of capacity, p99 may already pass 150 ms: that is the SLO,
	// not saturation.
	if !prev.OK || prev.Users > capacityUsers || b.Users < 0.9*capacityUsers {
		t.Errorf("breach at %s (%g users), previous sample %g users ok=%v; the app saturates at %g users", b.Date, b.Users, prev.Users, prev.OK, capacityUsers)
	}
	if len(tl.Saturates) == 0 || tl.Saturates[0].Node != "app" {
		t.Errorf("saturates %+v, want the app first", tl.Saturates)
	}
	if len(tl.Samples) != 79 { // weekly over 18 months: 0, 1, … 78 weeks
		t.Errorf("%d samples", len(tl.Samples))
	}
}

// TestSweepIncompletePoints checks that a sweep point cut short by its
// event budget, having broken nothing, is marked INCOMPLETE and does not
// count as the breaking point: the sweep of a shaped workload whose busier
// points are cut reports no breaking point rather than a false one.
func TestSweepIncompletePoints(t *testing.T) {
	s := textJob(t, "sw.yaml", `name: sw-cut
workload: {rate: 10, shape: [{spike: {at: 1m, for: 1m, factor: 2}}]}
entry: app
nodes:
  app: {kind: service, workers: 100, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 1s}
run: {warmup: 0s, duration: 10m, max_events: 100k}
`)
	sw, err := Sweep(s, SweepSpec{Axis: AxisRate, From: 10, To: 1000, Points: 3})
	if err != nil {
		t.Fatal(err)
	}
	if p := sw.Points[0]; !p.OK || p.Incomplete {
		t.Errorf("10/s: ok %v, incomplete %v; want a whole, healthy run", p.OK, p.Incomplete)
	}
	for _, p := range sw.Points[1:] {
		if p.OK || !p.Incomplete {
			t.Errorf("%g/s: ok %v, incomplete %v; want cut short: incomplete", p.Rate, p.OK, p.Incomplete)
		}
	}
	if sw.BreakingPoint != nil {
		t.Errorf("breaking point %+v from runs cut short", sw.BreakingPoint)
	}
	var b bytes.Buffer
	if err := sw.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "INCOMPLETE") {
		t.Errorf("table:\n%s", b.String())
	}
}

// TestSweepPointsCutByEvents checks that steady-state points their event
// budget cut before their precision are "ok (imprecise)", as at the
// request cap, not OVERLOADED: nothing is overloaded at 2.5% busy.
func TestSweepPointsCutByEvents(t *testing.T) {
	s := textJob(t, "sw.yaml", `name: s2
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, workers: 4, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 100ms}
run: {duration: 120s, warmup: 10s, max_events: 20k}
`)
	sw, err := Sweep(s, SweepSpec{Axis: AxisRate, From: 10, To: 40, Points: 2, Precision: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := sw.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, p := range sw.Points {
		if !p.OK || p.CouldNotGoOn || p.Precision == nil || p.Precision.Met {
			t.Errorf("%g/s: ok %v, could not go on %v, precision %+v; want ok and imprecise", p.Rate, p.OK, p.CouldNotGoOn, p.Precision)
		}
	}
	if strings.Contains(b.String(), "OVERLOADED") || strings.Count(b.String(), "ok (imprecise)") != 2 {
		t.Errorf("table:\n%s", b.String())
	}
}
