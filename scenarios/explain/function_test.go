package explain_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestFunctionTimeoutsExplained runs a function whose own timeout (1 s)
// ends most invocations (exponential work of mean 2 s: e^(−1/2) ≈ 61%
// reach it). The requests it ends are its timeouts, not a fault's; and
// since they hold an instance at most 1 s (2(1 − e^(−1/2)) ≈ 0.79 s on
// average), 70 instances carry the 39 Erlangs the run offers without
// throttling (Erlang B ≈ 0), where the estimate, holding each invocation
// its full 2 s (100 Erlangs), has 32% throttled: the advice follows the
// run. With 30 instances the run throttles too (Erlang B at 39 Erlangs
// over 30 is 31%), and the advice stays.
func TestFunctionTimeoutsExplained(t *testing.T) {
	const text = `name: fn-timeout
workload: {rate: 50}
entry: api
nodes:
  api:
    kind: function
    memory: 1769
    timeout: 1s
    concurrency: %d
    init_duration: 100ms
    service_time: {dist: exponential, mean: 2s}
slo: {p99: 2s, error_rate: 1%%}
run: {seed: 1, warmup: 10s, duration: 120s}
`
	for _, c := range []struct {
		concurrency int
		want, not   []string
	}{
		{70, []string{"3591 reached a node's own timeout (visits ended: api 3626)", "api throttled 0% of its invocations in the run, where the estimate has 32%"},
			[]string{"(a fault)", "raise the concurrency limit"}},
		{30, []string{"reached a node's own timeout (visits ended: api ", "raise the concurrency limit"},
			[]string{"(a fault)"}},
	} {
		t.Run(fmt.Sprint(c.concurrency), func(t *testing.T) {
			_, out := explainText(t, fmt.Sprintf(text, c.concurrency))
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("the text does not say %q:\n%s", w, out)
				}
			}
			for _, n := range c.not {
				if strings.Contains(out, n) {
					t.Errorf("the text says %q:\n%s", n, out)
				}
			}
		})
	}
}
