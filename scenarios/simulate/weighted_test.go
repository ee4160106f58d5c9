package simulate_test

import (
	"math"
	"testing"
)

// TestWeightedBalancer checks weighted round robin in runs: the targets'
// shares of the requests are their weights' (9:1) whatever their instance
// counts, when the heavier target autoscales, and when the lighter one is
// down behind a health check, the other then taking its part once the
// probes mark it out.
func TestWeightedBalancer(t *testing.T) {
	t.Parallel()
	const rate, window = 500.0, 120.0
	cases := []struct {
		name, v1, faults string
		// v2Down is the seconds of the window v2 is out of rotation.
		v2Down float64
	}{
		{"fixed", "instances: 3", "", 0},
		{"autoscaled", "autoscale: {min: 1, max: 8, metric: utilization, target: 40%, metric_window: 10s, interval: 5s, boot_time: 1s}", "", 0},
		// Down at 40 s for 40 s; the probes every 5 s mark it out after
		// 2 failures (at 45 + 1 s), in after 2 passes (at 85 s).
		{"health checked", "instances: 3", "faults: [{at: 40s, for: 40s, node: v2}]", 40},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := runText(t, `name: weighted
workload: {rate: 500}
entry: lb
nodes:
  lb: {kind: load_balancer, targets: [v1, v2], weights: {v1: 9, v2: 1}, health_check: {interval: 5s, timeout: 1s, unhealthy_after: 2, healthy_after: 2}}
  v1: {kind: service, `+tc.v1+`, workers: 4, service_time: {dist: constant, value: 5ms}}
  v2: {kind: service, instances: 1, workers: 4, service_time: {dist: constant, value: 5ms}}
`+tc.faults+`
run: {warmup: 0s, duration: 120s}
`)
			v1 := node(rep, "v1").Throughput * rep.Window
			v2 := node(rep, "v2").Throughput * rep.Window
			total, errs := float64(rep.Requests.Arrived), float64(rep.Requests.Errors)
			// v2 takes a tenth of the requests but while it is out of
			// rotation (from 46 s to 85 s); while it is down and not yet
			// out (40 to 46 s) its tenth fails.
			failing, out := 0.0, 0.0
			if tc.v2Down > 0 {
				failing, out = 6, 39
			}
			wantV2 := total / 10 * (window - failing - out) / window
			wantErrs := total / 10 * failing / window
			wantV1 := total - wantV2 - wantErrs
			tol := 2 + 4*4.0 // the visits in flight at the window's end, and a cycle's rounding
			if tc.v2Down > 0 {
				tol += rate / 10 * 5 // a probe interval's leeway at each edge
			}
			t.Logf("v1 %.0f (want %.0f), v2 %.0f (want %.0f), errors %.0f (want %.0f) of %.0f", v1, wantV1, v2, wantV2, errs, wantErrs, total)
			if math.Abs(v1-wantV1) > tol || math.Abs(v2-wantV2) > tol || math.Abs(errs-wantErrs) > tol {
				t.Errorf("v1 served %.0f, v2 %.0f, %.0f failed; want %.0f, %.0f and %.0f (± %.0f)", v1, v2, errs, wantV1, wantV2, wantErrs, tol)
			}
			if tc.name == "autoscaled" {
				if sc := node(rep, "v1").Scaling; sc == nil || sc.Max < 2 {
					t.Errorf("v1 did not scale out: %+v", sc)
				}
			}
		})
	}
}
