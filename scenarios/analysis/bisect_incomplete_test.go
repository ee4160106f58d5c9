package analysis

import "testing"

// TestBisectionStopsAtIncomplete checks that a bisection run cut short
// (here by the event budget) is not taken for a breaking point: the
// bracket stays between loads known healthy and known failing, so the
// failing end has a reason, and bisection stops there.
func TestBisectionStopsAtIncomplete(t *testing.T) {
	s := textJob(t, "cut.yaml", `name: bisect-cut
workload: {rate: 10}
entry: app
nodes:
  app: {kind: service, workers: 1, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 1s}
run: {warmup: 0s, duration: 10m, max_events: 30k}
`)
	sw, err := Sweep(s, SweepSpec{Axis: AxisRate, From: 10, To: 1000, Points: 2})
	if err != nil {
		t.Fatal(err)
	}
	bp := sw.BreakingPoint
	if bp == nil || bp.BelowRange {
		t.Fatalf("breaking point %+v", bp)
	}
	cut := 0
	for i, p := range sw.Refinements {
		if p.Incomplete {
			cut++
			if i != len(sw.Refinements)-1 {
				t.Errorf("bisection went on after the run at %g/s was cut short", p.Rate)
			}
			if p.Rate == bp.FailsAt {
				t.Errorf("the breaking point fails at %g/s, a run cut short", p.Rate)
			}
		}
	}
	if cut == 0 {
		t.Fatalf("no bisection run was cut short: %d runs; the test needs one", len(sw.Refinements))
	}
	if bp.Reason == "" {
		t.Errorf("breaking point %+v: no reason for the failing end", bp)
	}
}
