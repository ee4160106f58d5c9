package simulate_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/explain"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology/engine"
)

// gathersOf are a service's parallel steps and fan-outs.
func gathersOf(r *simulate.Report, name string) []engine.GatherStats {
	return node(r, name).Detail.(*engine.PoolStats).Parallel
}

// TestFidelityParallelOrderStatistics checks a parallel step over n
// independent exponential calls of rate μ against the order statistics of
// exponentials (Rényi's representation: the k-th smallest of n has mean
// Σ_{i=n−k+1}^{n} 1/(iμ); David and Nagaraja, "Order Statistics", §5.3):
// waiting for all, H_n/μ (the tail at scale of waiting for the slowest);
// for any, 1/(nμ); for a quorum of k, the k-th order statistic. The callee
// has more workers than it is ever offered, so no call queues and each
// takes exactly its exponential service time; the request's latency is
// the step's. A fan-out of n keys to the same callee waits the same. The
// estimate gives the same closed forms.
func TestFidelityParallelOrderStatistics(t *testing.T) {
	const n, mean = 5, 0.010 // 1/μ
	members := "[shard, shard, shard, shard, shard]"
	for _, c := range []struct {
		name, calls string
		k           int
	}{
		{"all", fmt.Sprintf("{parallel: {calls: %s}}", members), n},
		{"any", fmt.Sprintf("{parallel: {wait: any, calls: %s}}", members), 1},
		{"quorum 3 of 5", fmt.Sprintf("{parallel: {wait: 3, calls: %s}}", members), 3},
		{"fan-out to 5 keys, all", "{to: shard, fan_out: {count: 5}}", n},
		{"fan-out to 5 keys, quorum 2", "{to: shard, fan_out: {count: 5, wait: 2}}", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			theory := 0.0
			for i := n - c.k + 1; i <= n; i++ {
				theory += mean / float64(i)
			}
			text := fmt.Sprintf(`name: parallel
workload: {rate: 200, keys: {dist: uniform, count: 1000}}
entry: app
nodes:
  app: {kind: service, workers: 1000, service_time: 0s, calls: [%s]}
  shard: {kind: service, workers: 1000, service_time: {dist: exponential, mean: 10ms}}
run: {warmup: 10s, duration: 500s}
`, c.calls)
			reps := fidelity.Replicate(t, text, 4)
			fidelity.Check(t, "mean latency", reps, fidelity.MeanLatency, theory, false)
			s, err := scenarios.Parse("parallel.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			est, err := estimate.Scenario(s)
			if err != nil {
				t.Fatal(err)
			}
			// The callee's Erlang C wait with 1000 workers at a load of 10
			// is below 1e-300: the estimate is the closed form.
			if est.Latency == nil || math.Abs(*est.Latency-theory) > 1e-12 {
				t.Errorf("estimate %v, want %.9g", est.Latency, theory)
			}
		})
	}
}

// TestFidelityFanOutOnWrite checks a fan-out on write whose follower
// counts are a bounded Pareto (1 to 1000, α = 1.2), rounded without bias:
// the timeline writes per post are the count's mean, within the
// replications' tolerance, and each run's p99 of keys per post is the
// rounded count's 99th percentile: the least m with P(N ≤ m) ≥ 0.99,
// where P(N ≤ m) = ∫_m^{m+1} F(x) dx for N = ⌊X⌋ + Bernoulli(X − ⌊X⌋),
// or a value whose boundaries are within four standard errors of 0.99
// (the empirical quantile's own spread: √(0.99·0.01/n)).
func TestFidelityFanOutOnWrite(t *testing.T) {
	text := `name: fan-out-on-write
workload: {rate: 100, keys: {dist: zipf, s: 0.9, count: 100k}}
entry: posts
nodes:
  posts: {kind: service, workers: 100, service_time: 1ms, calls: [{to: timelines, op: set, fan_out: {count: {dist: pareto, min: 1, max: 1000, alpha: 1.2}}}]}
  timelines: {kind: cache, capacity: 100k, nodes: 4, workers: 64, service_time: {dist: exponential, mean: 100us}}
run: {warmup: 10s, duration: 1000s}
`
	followers, err := sim.NewParetoRange(1, 1000, 1.2)
	if err != nil {
		t.Fatal(err)
	}
	reps := fidelity.Replicate(t, text, 6)
	posts := func(r *simulate.Report) float64 { return float64(gathersOf(r, "posts")[0].Runs) }
	fidelity.Check(t, "timeline writes per post", reps, func(r *simulate.Report) float64 {
		return float64(cacheOf(r, "timelines").Sets) / posts(r)
	}, followers.Mean(), false)
	fidelity.Check(t, "keys per post (mean)", reps, func(r *simulate.Report) float64 { return *gathersOf(r, "posts")[0].KeysMean }, followers.Mean(), false)
	// The rounded count's distribution function at m, by the trapezoid
	// rule over [m, m+1] (F is smooth there; 1000 panels).
	cdf := func(x float64) float64 {
		return (1 - math.Pow(1/x, 1.2)) / (1 - math.Pow(1.0/1000, 1.2))
	}
	atMost := func(m int) float64 {
		const panels = 1000
		s := (cdf(float64(m)) + cdf(float64(m+1))) / 2
		for i := 1; i < panels; i++ {
			s += cdf(float64(m) + float64(i)/panels)
		}
		return s / panels
	}
	p99 := 1
	for atMost(p99) < 0.99 {
		p99++
	}
	for _, r := range reps {
		g := gathersOf(r, "posts")[0]
		se := math.Sqrt(0.99 * 0.01 / float64(g.Runs))
		got := int(*g.KeysP99)
		// The empirical 99th percentile is m when the share of the draws
		// at most m reaches 0.99 and the share at most m − 1 does not:
		// each share is within 4 SE of its probability.
		ok := got >= 1 && atMost(got) >= 0.99-4*se && (got == 1 || atMost(got-1) <= 0.99+4*se)
		t.Logf("seed %d: p99 of keys per post %d, theory %d (P(N ≤ %d) = %.5f, SE %.5f); max %g", r.Seed, got, p99, p99, atMost(p99), se, *g.KeysMax)
		if !ok {
			t.Errorf("seed %d: p99 of keys per post %d, want %d", r.Seed, got, p99)
		}
		if *g.KeysMax > 1000 {
			t.Errorf("seed %d: a post fanned out to %g keys, above the count's bound 1000", r.Seed, *g.KeysMax)
		}
	}
}

// TestExplainParallel checks that the estimate and explain take parallel
// steps and fan-outs (with batches, a random count, a quorum, cancel and
// a member's policies), and say what they approximate.
func TestExplainParallel(t *testing.T) {
	s, err := scenarios.Parse("timeline.yaml", []byte(`name: timeline
workload: {rate: 200, mix: {read: 80%, write: 20%}, keys: {dist: zipf, s: 0.9, count: 1M}}
entry: api
nodes:
  api: {kind: service, workers: 64, service_time: 1ms, calls: [
    {to: timelines, op: set, classes: [write], fan_out: {count: {dist: pareto, min: 1, max: 10k, alpha: 1.2}, batch: 100}},
    {parallel: {wait: 2, cancel: true, calls: [a, b, {to: c, timeout: 50ms, retries: {max: 1}}]}, classes: [read]}]}
  timelines: {kind: cache, capacity: 100k, service_time: {dist: exponential, mean: 100us}}
  a: {kind: service, workers: 32, service_time: {dist: exponential, mean: 5ms}}
  b: {kind: service, workers: 32, service_time: {dist: exponential, mean: 5ms}}
  c: {kind: service, workers: 32, service_time: {dist: exponential, mean: 8ms}}
run: {duration: 20s, warmup: 2s}
`))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := explain.Scenario(s)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := ex.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"api's parallel calls: the time until 2 of 3 answer taken as the 2nd order statistic",
		"api's fan-out to timelines: its time averaged over 4096 counts",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("explain says nothing of %q:\n%s", want, b.String())
		}
	}
}
