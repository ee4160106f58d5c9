package simulate_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology/cache"
	"github.com/scalesim/scalesim/topology/cdn"
	"github.com/scalesim/scalesim/topology/database"
)

// The fidelity tests compare simulated figures with closed forms of
// queueing theory, by the rule of package internal/fidelity.

func node(r *simulate.Report, name string) simulate.NodeReport {
	for _, n := range r.Nodes {
		if n.Name == name {
			return n
		}
	}
	panic("no node " + name)
}

// cacheOf, databaseOf and cdnOf are the kind's own figures of a node.
func cacheOf(r *simulate.Report, name string) *cache.Stats {
	return node(r, name).Detail.(*cache.Stats)
}

func databaseOf(r *simulate.Report, name string) *database.Stats {
	return node(r, name).Detail.(*database.Stats)
}

func cdnOf(r *simulate.Report, name string) *cdn.CDNStats {
	return node(r, name).Detail.(*cdn.CDNStats)
}

// single returns a one-station scenario.
func single(rate float64, workers int, queue string, serviceTime string, duration string) string {
	return fmt.Sprintf(`name: station
workload: {rate: %g}
entry: s
nodes:
  s: {kind: service, workers: %d, %s service_time: %s}
run: {warmup: 200s, duration: %s}
`, rate, workers, queue, serviceTime, duration)
}

// TestFidelityMM1 checks M/M/1 mean and p99 sojourn at ρ = 0.5 and 0.9.
func TestFidelityMM1(t *testing.T) {
	for _, c := range []struct {
		rho      float64
		duration string
		reps     int
	}{
		{0.5, "4000s", 8},
		{0.9, "20000s", 10},
	} {
		t.Run(fmt.Sprintf("rho=%g", c.rho), func(t *testing.T) {
			q := analytic.MM1{Lambda: 100 * c.rho, Mu: 100}
			reps := fidelity.Replicate(t, single(q.Lambda, 1, "", "{dist: exponential, mean: 10ms}", c.duration), c.reps)
			fidelity.Check(t, "mean sojourn", reps, fidelity.MeanLatency, q.MeanSojourn(), false)
			fidelity.Check(t, "p99 sojourn", reps, fidelity.P99Latency, q.SojournQuantile(0.99), true)
			fidelity.Check(t, "utilization", reps, func(r *simulate.Report) float64 { return node(r, "s").Utilization }, q.Rho(), false)
		})
	}
}

// TestFidelityMMc checks the Erlang C wait of M/M/4 at ρ = 0.8.
func TestFidelityMMc(t *testing.T) {
	q := analytic.MMc{Lambda: 32, Mu: 10, C: 4}
	reps := fidelity.Replicate(t, single(q.Lambda, q.C, "", "{dist: exponential, mean: 100ms}", "20000s"), 8)
	fidelity.Check(t, "mean wait (Erlang C)", reps, func(r *simulate.Report) float64 { return node(r, "s").Wait.Mean }, q.MeanWait(), false)
	fidelity.Check(t, "p99 wait", reps, func(r *simulate.Report) float64 { return node(r, "s").Wait.P99 }, q.WaitQuantile(0.99), true)
	fidelity.Check(t, "mean sojourn", reps, fidelity.MeanLatency, q.MeanSojourn(), false)
	fidelity.Check(t, "mean queue length (Little)", reps, func(r *simulate.Report) float64 { return node(r, "s").QueueLength }, q.Lambda*q.MeanWait(), false)
}

// TestFidelityMG1 checks the Pollaczek–Khinchine mean wait for deterministic
// (M/D/1), Erlang-4 and high-variance gamma service.
func TestFidelityMG1(t *testing.T) {
	for _, c := range []struct {
		name, dist string
		rho, scv   float64
		duration   string
	}{
		{"M/D/1", "{dist: constant, value: 10ms}", 0.5, 0, "3000s"},
		{"M/E4/1", "{dist: gamma, mean: 10ms, cv: 0.5}", 0.7, 0.25, "6000s"},
		{"M/G/1 cv=2", "{dist: gamma, mean: 10ms, cv: 2}", 0.7, 4, "30000s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			lambda := c.rho / 0.01
			reps := fidelity.Replicate(t, single(lambda, 1, "", c.dist, c.duration), 8)
			wq := analytic.MG1MeanWait(lambda, 0.01, c.scv)
			fidelity.Check(t, "mean wait (P-K)", reps, func(r *simulate.Report) float64 { return node(r, "s").Wait.Mean }, wq, false)
			fidelity.Check(t, "mean sojourn", reps, fidelity.MeanLatency, wq+0.01, false)
		})
	}
}

// TestFidelityMM1K checks the blocking probability of M/M/1/3 at ρ = 1.2:
// one worker and two waiting places.
func TestFidelityMM1K(t *testing.T) {
	reps := fidelity.Replicate(t, single(120, 1, "queue: 2,", "{dist: exponential, mean: 10ms}", "2000s"), 8)
	blocked := func(r *simulate.Report) float64 { return float64(r.Requests.Rejected) / float64(r.Requests.Arrived) }
	fidelity.Check(t, "blocking probability", reps, blocked, analytic.MM1KBlocking(120, 100, 3), false)
	fidelity.Check(t, "error rate", reps, func(r *simulate.Report) float64 { return *r.ErrorRate }, analytic.MM1KBlocking(120, 100, 3), false)
}

// TestFidelityBurkeSeries checks two event-loop stations in series (the
// first frees its worker before calling the second): by Burke's theorem the
// first's departures are Poisson, so each station is an M/M/1 and the mean
// sojourn is the sum (Burke, "The output of a queuing system", Operations
// Research 4(6), 1956; Jackson, "Networks of waiting lines", 1957).
func TestFidelityBurkeSeries(t *testing.T) {
	text := `name: series
workload: {rate: 60}
entry: a
nodes:
  a: {kind: service, blocking: false, service_time: {dist: exponential, mean: 10ms}, calls: [b]}
  b: {kind: service, service_time: {dist: exponential, mean: 8ms}}
run: {warmup: 200s, duration: 5000s}
`
	a, b := analytic.MM1{Lambda: 60, Mu: 100}, analytic.MM1{Lambda: 60, Mu: 125}
	reps := fidelity.Replicate(t, text, 8)
	fidelity.Check(t, "mean sojourn (sum of M/M/1)", reps, fidelity.MeanLatency, a.MeanSojourn()+b.MeanSojourn(), false)
	fidelity.Check(t, "wait at b (M/M/1)", reps, func(r *simulate.Report) float64 { return node(r, "b").Wait.Mean }, b.MeanSojourn()-0.008, false)
}

// TestFidelityRandomBalancer checks that a random balancer over k instances
// makes k independent M/M/c queues, each offered λ/k (Poisson splitting).
func TestFidelityRandomBalancer(t *testing.T) {
	text := `name: lb
workload: {rate: 64}
entry: lb
nodes:
  lb: {kind: load_balancer, algorithm: random, targets: app}
  app: {kind: service, instances: 4, workers: 2, service_time: {dist: exponential, mean: 100ms}}
run: {warmup: 200s, duration: 10000s}
`
	q := analytic.MMc{Lambda: 16, Mu: 10, C: 2}
	reps := fidelity.Replicate(t, text, 8)
	fidelity.Check(t, "mean sojourn (M/M/2 at λ/4)", reps, fidelity.MeanLatency, q.MeanSojourn(), false)
	fidelity.Check(t, "mean wait", reps, func(r *simulate.Report) float64 { return node(r, "app").Wait.Mean }, q.MeanWait(), false)
}

// TestPowerOfTwoBeatsRandom checks that power-of-two-choices cuts the mean
// latency of 8 single-worker instances at ρ = 0.9 well below random
// assignment (M/M/1 at ρ = 0.9, 100 ms), by more than both confidence
// intervals together (Mitzenmacher 2001).
func TestPowerOfTwoBeatsRandom(t *testing.T) {
	text := func(algo string) string {
		return `name: p2c
workload: {rate: 720}
entry: lb
nodes:
  lb: {kind: load_balancer, algorithm: ` + algo + `, targets: app}
  app: {kind: service, instances: 8, service_time: {dist: exponential, mean: 10ms}}
run: {warmup: 100s, duration: 2000s}
`
	}
	stat := func(reps []*simulate.Report) (float64, float64) {
		xs := make([]float64, len(reps))
		for i, r := range reps {
			xs[i] = r.Latency.Mean
		}
		return sim.MeanCI95(xs)
	}
	rm, rh := stat(fidelity.Replicate(t, text("random"), 6))
	pm, ph := stat(fidelity.Replicate(t, text("power_of_two"), 6))
	t.Logf("random %.4gs ± %.2g, power_of_two %.4gs ± %.2g", rm, rh, pm, ph)
	if !(pm+ph < rm-rh) {
		t.Fatalf("power_of_two (%.4g ± %.2g) does not beat random (%.4g ± %.2g)", pm, ph, rm, rh)
	}
	// Random assignment itself is the M/M/1 at ρ = 0.9.
	if want := (analytic.MM1{Lambda: 90, Mu: 100}).MeanSojourn(); math.Abs(rm-want) > rh+0.02*want {
		t.Errorf("random balancer mean %.4g, want M/M/1 %.4g", rm, want)
	}
}

// TestFidelityClosedMVA checks a closed workload against exact Mean Value
// Analysis: users think (exponential, 1 s) then send a request through two
// single-worker event-loop stations.
func TestFidelityClosedMVA(t *testing.T) {
	for _, users := range []int{5, 20} {
		t.Run(fmt.Sprintf("users=%d", users), func(t *testing.T) {
			text := fmt.Sprintf(`name: closed
workload:
  closed: {users: %d, think_time: {dist: exponential, mean: 1s}}
entry: app
nodes:
  app: {kind: service, blocking: false, service_time: {dist: exponential, mean: 30ms}, calls: [db]}
  db: {kind: service, service_time: {dist: exponential, mean: 45ms}}
run: {warmup: 200s, duration: 6000s}
`, users)
			want, err := analytic.MVA([]float64{0.030, 0.045}, 1, users)
			if err != nil {
				t.Fatal(err)
			}
			reps := fidelity.Replicate(t, text, 8)
			fidelity.Check(t, "throughput (MVA)", reps, func(r *simulate.Report) float64 { return r.Throughput }, want.Throughput, false)
			fidelity.Check(t, "response time (MVA)", reps, fidelity.MeanLatency, want.Response, false)
		})
	}
}

// TestBatchMeansIntervalCoversTheory checks the report's own 95% interval
// for the mean (batch means, one run) against M/M/1 theory over 40 seeds:
// it should cover the true mean about 95% of the time. With 40 runs the
// binomial standard error is 3.4 points; the test allows coverage down to
// 80%, about four of them.
func TestBatchMeansIntervalCoversTheory(t *testing.T) {
	want := analytic.MM1{Lambda: 70, Mu: 100}.MeanSojourn()
	reps := fidelity.Replicate(t, single(70, 1, "", "{dist: exponential, mean: 10ms}", "3000s"), 40)
	covered := 0
	for _, r := range reps {
		if ci := r.Latency.MeanCI95; ci != nil && ci[0] <= want && want <= ci[1] {
			covered++
		}
	}
	t.Logf("the batch-means interval covered the true mean in %d of %d runs", covered, len(reps))
	if covered < 32 {
		t.Fatalf("coverage %d/40 is too low for a 95%% interval", covered)
	}
}
