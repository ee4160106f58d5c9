package explain_test

import (
	"strings"
	"testing"
)

// TestExplainTurnedAwayFirst checks that explain ranks first the node the
// run found saturated by what it turned away: work, a queue of one place
// at 39% of its capacity, turns away 6.3% of its arrivals, and the report
// names it the bottleneck; app, 75% busy and saturated by nothing, has
// less headroom by its load (1.32× against 2.6×), and explain named it
// first: the two disagreed on what saturates first. A node already
// saturated in the run saturates before one that is not, and explain says
// what it turned away, not that it is offered more than it can take.
func TestExplainTurnedAwayFirst(t *testing.T) {
	ex, out := explainText(t, `name: turned-away
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, workers: 4, service_time: {dist: exponential, mean: 25ms}, calls: [work]}
  work: {kind: service, workers: 1, queue: 1, service_time: {dist: exponential, mean: 4ms}}
run: {seed: 1, warmup: 1s, duration: 10s}
`)
	if ex.Report.Bottleneck != "work" || ex.Limits[0].Node != "work" || !strings.Contains(out, "What saturates first: work (service).") {
		t.Fatalf("the run's bottleneck %q, explain's first %q; want work for both:\n%s", ex.Report.Bottleneck, ex.Limits[0].Node, out)
	}
	for _, want := range []string{
		"saturated now: it turned away 6.31% of its arrivals (63 rejected by a full queue)",
		// Saturated by its queue limit alone, it holds no queue that
		// grows: Little's law applies.
		"Little's law, L = λW     92.7/s × 49.9ms = 4.62 requests that complete in the system",
		"the run found work saturated (it turned away 6.31% of its arrivals (63 rejected by a full queue)) where the estimate has it",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
	if bad := "needs a steady state"; strings.Contains(out, bad) {
		t.Errorf("want no %q in:\n%s", bad, out)
	}
}
