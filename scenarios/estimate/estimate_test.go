package estimate_test

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// TestEstimateProductForm checks the analytic estimate on product-form
// networks: it must equal the closed form exactly, and agree with the
// simulation within the replications' confidence interval.
func TestEstimateProductForm(t *testing.T) {
	mva, err := analytic.MVA([]float64{0.030, 0.045}, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, text string
		want       float64 // closed-form mean response time
		bottleneck string
	}{
		{"M/M/4", `name: mmc
workload: {rate: 30}
entry: s
nodes:
  s: {kind: service, workers: 4, service_time: {dist: exponential, mean: 100ms}}
run: {warmup: 200s, duration: 3000s}
`, analytic.MMc{Lambda: 30, Mu: 10, C: 4}.MeanSojourn(), "s"},
		{"Jackson series behind a random balancer", `name: series
workload: {rate: 120}
entry: lb
nodes:
  lb: {kind: load_balancer, algorithm: random, targets: app}
  app: {kind: service, instances: 2, workers: 2, blocking: false, service_time: {dist: exponential, mean: 25ms}, calls: [db]}
  db: {kind: database, workers: 2, service_time: {dist: exponential, mean: 12ms}}
run: {warmup: 200s, duration: 3000s}
`, analytic.MMc{Lambda: 60, Mu: 40, C: 2}.MeanSojourn() + analytic.MMc{Lambda: 120, Mu: 1 / 0.012, C: 2}.MeanSojourn(), "app"},
		{"closed, MVA", `name: closed
workload:
  closed: {users: 10, think_time: {dist: exponential, mean: 1s}}
entry: app
nodes:
  app: {kind: service, blocking: false, service_time: {dist: exponential, mean: 30ms}, calls: [db]}
  db: {kind: service, service_time: {dist: exponential, mean: 45ms}}
run: {warmup: 200s, duration: 4000s}
`, mva.Response, "db"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := scenarios.Parse("estimate.yaml", []byte(c.text))
			if err != nil {
				t.Fatal(err)
			}
			est, err := estimate.Scenario(s)
			if err != nil {
				t.Fatal(err)
			}
			if est.Latency == nil || math.Abs(*est.Latency/c.want-1) > 1e-9 {
				t.Fatalf("estimate %v, closed form %g", est.Latency, c.want)
			}
			if est.Bottleneck != c.bottleneck || len(est.Notes) != 0 {
				t.Errorf("bottleneck %q (want %q), notes %v (want none: the case is exact)", est.Bottleneck, c.bottleneck, est.Notes)
			}
			reps := fidelity.Replicate(t, c.text, 6)
			fidelity.Check(t, "simulated mean latency against the estimate", reps, fidelity.MeanLatency, *est.Latency, false)
			for i, n := range est.Nodes {
				if n.Workers > 0 {
					fidelity.Check(t, n.Name+" utilization", reps, func(r *simulate.Report) float64 { return r.Nodes[i].Utilization }, n.Utilization, false)
				}
			}
		})
	}
}

// TestEstimateCacheAndSaturation checks the estimate's traffic equations
// with a cache (database reads = misses, Che's hit ratio) and that an
// overloaded station is reported without a latency.
func TestEstimateCacheAndSaturation(t *testing.T) {
	s, err := scenarios.Builtin("read-heavy")
	if err != nil {
		t.Fatal(err)
	}
	est, err := estimate.Scenario(s)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]estimate.NodeEstimate{}
	for _, n := range est.Nodes {
		byName[n.Name] = n
	}
	cache, db := byName["cache"], byName["db"]
	if cache.HitRatio == nil || *cache.HitRatio <= 0 || *cache.HitRatio >= 1 {
		t.Fatalf("cache hit ratio %v", cache.HitRatio)
	}
	// The app reads through the cache; reads that miss and every write
	// reach the database.
	if db.ArrivalRate >= byName["app"].ArrivalRate {
		t.Errorf("the database sees %g/s, no less than the app's %g/s despite the cache", db.ArrivalRate, byName["app"].ArrivalRate)
	}
	over, err := scenarios.Builtin("three-tier", "workload.users=20M")
	if err != nil {
		t.Fatal(err)
	}
	if est, err = estimate.Scenario(over); err != nil || !est.Saturated || est.Latency != nil || est.Bottleneck != "app" {
		t.Fatalf("three-tier at 20M users: %+v, %v; want saturated at the app with no latency", est, err)
	}
}
