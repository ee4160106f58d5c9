package analysis

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/scenarios/simulate"
)

// vertical is a service whose workers come from its instance type: two
// per vCPU, each holding a visit for an exponential 10 ms.
const vertical = `
name: vertical
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, instance: c6i.xlarge, workers: {per_vcpu: 2}, service_time: {dist: exponential, mean: 10ms}}
run: {seed: 7, warmup: 5s, duration: 30s}
`

// TestVerticalScaling is the proof of vertical scaling: a service on
// c6i.2xlarge (8 vCPUs, 16 workers) against c6i.xlarge (4 vCPUs, 8
// workers) has twice the capacity, measured as throughput ÷ utilization
// (workers ÷ mean holding time) below saturation; its breaking point,
// found by the sweep's bisection along the rate, doubles; and its cost
// doubles exactly.
//
// The tolerance of the breaking points' ratio: each is the healthy end of
// a bracket narrower than the sweep's Tolerance (1%), so the ratio is off
// by at most that factor either way from the ratio of the loads where the
// verdict flips; the verdict flips where the measured own demand (the
// measured rate × the measured mean service time ÷ workers) reaches
// SaturationThreshold, and with n visits measured each estimate has a
// relative standard error of 1/√n (Poisson arrivals; exponential service
// times, whose coefficient of variation is 1), so a flip point's is
// √(2/n) and the ratio's √(2/n₁ + 2/n₂). The test allows four of those.
func TestVerticalScaling(t *testing.T) {
	type result struct {
		capacity, capacitySE, breaking, n, monthly float64
	}
	var res []result
	for _, typ := range []string{"c6i.xlarge", "c6i.2xlarge"} {
		base := textJob(t, "vertical", vertical, "nodes.app.instance="+typ)
		// Capacity below saturation, at 400 visits a second.
		below := base
		below.Rate = 400
		s, err := below.Scenario()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := simulate.Run(s)
		if err != nil {
			t.Fatal(err)
		}
		app := rep.Nodes[0]
		r := result{capacity: app.Throughput / app.Utilization, monthly: rep.Cost.MonthlyUSD}
		r.capacitySE = r.capacity / math.Sqrt(float64(rep.Requests.Completed))
		sw, err := Sweep(base, SweepSpec{Axis: AxisRate, From: 200, To: 3200, Points: 5, MaxRequests: 120_000})
		if err != nil {
			t.Fatal(err)
		}
		if sw.BreakingPoint == nil || sw.BreakingPoint.BelowRange {
			t.Fatalf("%s: no breaking point in 200..3200/s: %+v", typ, sw.BreakingPoint)
		}
		r.breaking = sw.BreakingPoint.OfferedRate
		r.n = r.breaking * 30 // visits over the window at the breaking point
		t.Logf("%s: capacity %.1f/s (± %.1f), breaking point %.1f/s after %d bisections, %.2f USD a month",
			typ, r.capacity, r.capacitySE, r.breaking, sw.BreakingPoint.Bisections, r.monthly)
		res = append(res, r)
	}
	small, big := res[0], res[1]
	if big.monthly != 2*small.monthly {
		t.Errorf("monthly cost %v on c6i.2xlarge, want exactly twice %v", big.monthly, small.monthly)
	}
	// Capacity: workers ÷ 10 ms, 800/s and 1,600/s.
	for i, want := range []float64{800, 1600} {
		if d := math.Abs(res[i].capacity - want); d > 4*res[i].capacitySE {
			t.Errorf("capacity %.1f/s, want %v within 4 standard errors (%.1f)", res[i].capacity, want, res[i].capacitySE)
		}
	}
	ratio := big.breaking / small.breaking
	tol := DefaultSweepTolerance + 4*math.Sqrt(2/small.n+2/big.n)
	if math.Abs(ratio-2) > 2*tol {
		t.Errorf("breaking point %.1f/s on c6i.2xlarge, %.1f/s on c6i.xlarge: ratio %.4f, want 2 within %.2f%%",
			big.breaking, small.breaking, ratio, tol*100)
	}
}
