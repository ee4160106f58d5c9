package engine_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// brownedOut is a scenario with the toy brownout fault of faulttoy_test.go:
// 100 requests/s to a service of constant 10 ms with workers to spare (no
// queueing: at most about 3 busy of 50), browned out from 60 s to 160 s of
// a window from 10 s to 210 s: a fifth of the visits fail, the rest take
// 30 ms.
const brownedOut = `name: browned-out
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, workers: 50, service_time: 10ms}
faults:
  - {at: 60s, for: 100s, node: app, brownout: {errors: 20%, slow: 3}}
run: {seed: 5, warmup: 10s, duration: 200s}
`

// TestToyFaultKindEndToEnd shows that a fault kind registered in a test
// file alone is read from a scenario file and applied in a run: its share
// of the visits fails, the others are slowed by its factor, and the report
// names it as the run's trigger.
func TestToyFaultKindEndToEnd(t *testing.T) {
	s, err := scenarios.Parse("browned-out.yaml", []byte(brownedOut))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := simulate.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	q := rep.Requests
	// Failures are the fault's arrivals (Poisson, mean 100/s × 100 s)
	// thinned to 20%: Poisson of mean 2000. Within 5 standard deviations.
	failWant := 100 * 100 * 0.2
	if math.Abs(float64(q.Errors)-failWant) > 5*math.Sqrt(failWant) {
		t.Errorf("%d requests failed, want about %g (±%.0f)", q.Errors, failWant, 5*math.Sqrt(failWant))
	}
	if q.Failed() != q.Errors {
		t.Errorf("%d requests failed, %d of them by a fault: only the fault fails requests", q.Failed(), q.Errors)
	}
	// Without queueing a request takes 10 ms, or 30 ms while the fault is
	// on: the mean over C completions, N of them slowed, is
	// 10 ms + 20 ms × N/C, so N = (mean − 10 ms) × C / 20 ms, which must be
	// the fault's 8000 spared arrivals (Poisson, within 5 standard
	// deviations); the slowest took 30 ms exactly.
	done := float64(q.Completed)
	slowed := (rep.Latency.Mean - 0.010) * done / 0.020
	if want := 100 * 100 * 0.8; math.Abs(slowed-want) > 5*math.Sqrt(want) {
		t.Errorf("mean latency %.6g s over %d requests: %.0f slowed, want about %g (±%.0f)", rep.Latency.Mean, q.Completed, slowed, want, 5*math.Sqrt(want))
	}
	if math.Abs(rep.Latency.Max-0.030) > 1e-9 {
		t.Errorf("max latency %v, want 30ms (10ms × 3)", rep.Latency.Max)
	}
	t.Logf("%d failed, %d completed (%.0f slowed), mean %.4g s, max %.4g s", q.Errors, q.Completed, slowed, rep.Latency.Mean, rep.Latency.Max)
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if want := "trigger     fault on app: brownout 20% ×3, 60s to 2.67m"; !strings.Contains(table.String(), want) {
		t.Errorf("the report lacks %q:\n%s", want, table.String())
	}
}

// TestToyFaultKindIsChecked shows the fault registry's decoding and
// checks apply to the toy kind: its own refusal at its field, and one
// thing per fault.
func TestToyFaultKindIsChecked(t *testing.T) {
	cases := []struct{ name, fault, want string }{
		{"its own check", "brownout: {errors: 20%, slow: 0.5}", `bad.yaml:7:47: a brownout's slow is a factor above 1`},
		// Its check's refusal of the missing slow is dropped: the field
		// refused may be it.
		{"its own decoding", "brownout: {errors: 20%, slw: 3}", `bad.yaml:7:61: unknown field "slw" in fault brownout (did you mean "slow"?)`},
		{"one thing", "errors: 5%, brownout: {errors: 20%, slow: 3}", "bad.yaml:7:49: a fault does one thing, but this one gives errors and brownout: give several faults, one for each"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(brownedOut, "brownout: {errors: 20%, slow: 3}", c.fault, 1)
			_, err := scenarios.Parse("bad.yaml", []byte(bad))
			if err == nil || err.Error() != c.want {
				t.Errorf("errors:\n%v\nwant:\n%s", err, c.want)
			}
		})
	}
}
