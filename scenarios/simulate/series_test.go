package simulate_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// stepped is an M/M/10 service (capacity 1000/s) driven at 500/s, then
// 1500/s from 2m (overloaded), then 300/s from 4m: the queue built in the
// overload drains at 700/s.
const stepped = `name: stepped
workload:
  rate: 500
  shape:
    - step: {at: 2m, rate: 1500}
    - step: {at: 4m, rate: 300}
entry: app
nodes:
  app: {kind: service, workers: 10, service_time: {dist: exponential, mean: 10ms}, instance: m6i.large}
slo: {p99: 100ms}
run: {warmup: 30s, duration: 10m, seed: 7}
`

// TestSeriesAgreesWithReport checks that the windows after the warm-up add
// up to the whole-run report: arrivals exactly, completions but for those
// of requests that arrived in the warm-up (the report counts the requests
// that arrived in its window, a series window those that ended in it: at
// most the few in the system when the window began), and the time average
// of utilization and queue length to rounding.
func TestSeriesAgreesWithReport(t *testing.T) {
	t.Parallel()
	rep := sharedRun(t, stepped)
	sr := rep.Series
	if sr == nil || sr.Every != scenarios.DefaultSample || len(sr.Samples) != 63 {
		t.Fatalf("no series, or not 63 windows of 10s (the 30s warm-up and 10m)")
	}
	var arrived, completed, rejected int64
	var busy, queue, span float64
	for _, smp := range sr.Samples {
		if smp.Start < rep.Warmup {
			continue
		}
		arrived += smp.Arrived
		completed += smp.Completed
		rejected += smp.Rejected
		n := smp.Nodes[0]
		busy += n.Utilization * smp.Duration
		queue += n.QueueLength * smp.Duration
		span += smp.Duration
	}
	if stragglers := completed - rep.Requests.Completed; arrived != rep.Requests.Arrived || stragglers < 0 || stragglers > 50 || rejected != rep.Requests.Rejected {
		t.Errorf("windows sum to %d arrived, %d completed, %d rejected; the report says %d, %d, %d",
			arrived, completed, rejected, rep.Requests.Arrived, rep.Requests.Completed, rep.Requests.Rejected)
	}
	if span != rep.Window {
		t.Errorf("windows after the warm-up span %gs, the report's window %gs", span, rep.Window)
	}
	app := rep.Nodes[0]
	if got := busy / span; math.Abs(got-app.Utilization) > 1e-9 {
		t.Errorf("time-averaged utilization %g, the report's %g", got, app.Utilization)
	}
	if got := queue / span; math.Abs(got-app.QueueLength) > 1e-9*math.Max(1, app.QueueLength) {
		t.Errorf("time-averaged queue %g, the report's %g", got, app.QueueLength)
	}
	if c := sr.Samples[0].InstanceCostPerHour; c != 0.096 {
		t.Errorf("instance cost %g per hour, want one m6i.large, 0.096", c)
	}
}

// TestViolationTime checks the SLO violation time and the recovery after
// each change: the overload at 2m breaks the p99 until the queue it built
// has drained after the step down at 4m. The queue grows at about 500/s for
// 120 s and drains at about 700/s, so the recovery takes about 86 s (the
// first window that meets the p99 starts on a 10 s boundary after it).
func TestViolationTime(t *testing.T) {
	t.Parallel()
	rep := sharedRun(t, stepped)
	v := rep.Violations
	if v == nil || len(v.Recoveries) != 2 {
		t.Fatalf("violations %+v, want two recoveries", v)
	}
	up, down := v.Recoveries[0], v.Recoveries[1]
	if up.At != 120 || up.Change != "step" || up.After != nil {
		t.Errorf("after the step up: %+v, want not recovered before the next change", up)
	}
	if down.At != 240 || down.After == nil || *down.After < 60 || *down.After > 120 {
		t.Errorf("after the step down: %+v, want recovered after 60–120 s", down)
	}
	if v.Longest < 120 || v.Total < v.Longest || v.Total > 240 {
		t.Errorf("violated %gs in all, longest %gs; want the overload and the drain, 120–240 s", v.Total, v.Longest)
	}
	for _, smp := range rep.Series.Samples {
		if smp.Start >= 40 && smp.Start+smp.Duration <= 120 && smp.Violated {
			t.Errorf("window at %gs violated before the overload: %+v", smp.Start, smp)
		}
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if up.Outcome != simulate.RecoveryStillBroken || down.Outcome != simulate.RecoveryMetAgain {
		t.Errorf("outcomes %q and %q, want still broken, then met again", up.Outcome, down.Outcome)
	}
	for _, want := range []string{"step at 2m: objectives still broken at the next change or the end", "step at 4m: objectives met again ", "series      63 windows of 10s"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table report lacks %q:\n%s", want, table.String())
		}
	}
}

// TestSeriesBounded checks that a long run asked for short windows is
// sampled over longer ones, at most MaxSamples, and says so.
func TestSeriesBounded(t *testing.T) {
	rep := runText(t, stepped, "run.sample=100ms", "run.duration=20m", "workload.rate=50", "workload.shape.0.step.rate=50", "workload.shape.1.step.rate=50")
	sr := rep.Series
	if sr.Asked != 0.1 || len(sr.Samples) > simulate.MaxSamples || sr.Every != 1.3 {
		t.Fatalf("asked %g, every %g, %d windows; want 100ms asked, 1.3s windows, at most %d", sr.Asked, sr.Every, len(sr.Samples), simulate.MaxSamples)
	}
}

// TestSeriesCSV checks the long form: a header, then time, node, metric,
// value rows with a row per known figure.
func TestSeriesCSV(t *testing.T) {
	rep := runText(t, stepped, "run.duration=30s")
	var b bytes.Buffer
	if err := rep.Series.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "time,node,metric,value" {
		t.Fatalf("header %v", rows[0])
	}
	// Six windows, each with 13 system rows and 8 for the app.
	if len(rows) != 1+6*(13+8) {
		t.Fatalf("%d rows, want %d", len(rows), 1+6*(13+8))
	}
	if got := strings.Join(rows[1+13], ","); got != "0,app,instances,1" {
		t.Errorf("first node row %q", got)
	}
}

// TestSteadyRunsHaveNoSeries checks that a run at a constant rate has no
// series unless it asks for one.
func TestSteadyRunsHaveNoSeries(t *testing.T) {
	const steady = "name: s\nworkload: {rate: 100}\nentry: app\nnodes:\n  app: {kind: service, service_time: 1ms}\nrun: {duration: 1m}\n"
	if rep := runText(t, steady); rep.Series != nil || rep.Violations != nil {
		t.Errorf("a steady run has a series: %+v", rep.Series)
	}
	if rep := runText(t, steady, "run.sample=30s"); rep.Series == nil || len(rep.Series.Samples) != 3 {
		t.Errorf("run.sample=30s: %+v, want three windows", rep.Series)
	}
}

// TestSeriesBoundedByNodes checks that with many nodes the windows are
// fewer, so that windows × nodes stay within MaxNodeSamples.
func TestSeriesBoundedByNodes(t *testing.T) {
	t.Parallel()
	rep := runText(t, manyServices(2000, "", "{duration: 1h, sample: 1s}"))
	sr := rep.Series
	if n := len(sr.Samples); n > simulate.MaxNodeSamples/2000 || sr.Asked != 1 || n*len(sr.Samples[0].Nodes) > simulate.MaxNodeSamples {
		t.Errorf("%d windows of %d nodes (every %gs, asked %gs): want at most %d node figures", n, len(sr.Samples[0].Nodes), sr.Every, sr.Asked, simulate.MaxNodeSamples)
	}
}

// manyServices is a scenario of n idle services but the entry s0, each
// with the extra fields given (", autoscale: {...}"), and the run settings.
func manyServices(n int, fields, run string) string {
	var b strings.Builder
	b.WriteString("name: many\nworkload: {rate: 10}\nentry: s0\nnodes:\n")
	for i := range n {
		fmt.Fprintf(&b, "  s%d: {kind: service, service_time: 1ms%s}\n", i, fields)
	}
	b.WriteString("run: " + run + "\n")
	return b.String()
}

// TestViolatedInWarmupOverlap checks that the SLO violation time counts
// the part after the warm-up of a sample window that straddles it: a
// fault fails every request from 5 s to 9 s, right after the 5 s warm-up,
// inside the first 10 s window [0 s, 10 s). The run's error rate fails its
// objective, and the violation time must say 5 s (the window's part after
// the warm-up), not 0 s beside the failure.
func TestViolatedInWarmupOverlap(t *testing.T) {
	r := runText(t, `name: viol
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, workers: 4, service_time: {dist: exponential, mean: 10ms}}
faults: [{node: app, at: 5s, for: 4s, errors: 100%}]
slo: {error_rate: 1%}
run: {seed: 1, warmup: 5s, duration: 60s, sample: 10s}
`)
	if r.SLO.Pass || r.Violations == nil || r.Violations.Total != 5 || r.Violations.Longest != 5 {
		t.Fatalf("SLO pass %v, violations %+v; want a failure and 5 s violated", r.SLO.Pass, r.Violations)
	}
}
