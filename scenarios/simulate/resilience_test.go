package simulate_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/balancer"
	"github.com/scalesim/scalesim/topology/database"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/topology/queue"
	"github.com/scalesim/scalesim/units"
)

// callsOf is a service's figures of its calls with a timeout or retries.
func callsOf(r *simulate.Report, name string) engine.CallStats {
	return node(r, name).Detail.(*engine.PoolStats).Calls[0]
}

// flaky is an app calling a database that fails a share of its visits
// (a fault for the whole run), with the call's retries given.
func flaky(errors, retries string) string {
	return fmt.Sprintf(`name: flaky
workload: {rate: 200}
entry: app
nodes:
  app: {kind: service, workers: 64, service_time: {dist: exponential, mean: 2ms}, calls: [{to: db, retries: %s}]}
  db: {kind: service, workers: 64, service_time: {dist: exponential, mean: 2ms}}
faults: [{at: 0s, for: 1d, node: db, errors: %s}]
run: {warmup: 10s, duration: 1000s}
`, retries, errors)
}

// TestRetryArithmetic checks retries against independent failures: with
// each attempt failing with probability f and at most k attempts, a call
// succeeds with probability 1 − f^k and makes (1 − f^k) ÷ (1 − f)
// attempts on average.
func TestRetryArithmetic(t *testing.T) {
	const f, k = 0.5, 3
	reps := fidelity.Replicate(t, flaky("50%", "{max: 2, on: [error]}"), 6)
	fidelity.Check(t, "success rate 1 − f^k", reps, func(r *simulate.Report) float64 {
		return float64(r.Requests.Completed) / float64(r.Requests.Completed+r.Requests.Errors)
	}, 1-math.Pow(f, k), false)
	fidelity.Check(t, "attempts per call", reps, func(r *simulate.Report) float64 {
		return *callsOf(r, "app").Amplification
	}, queue.Deliveries(f, k), false)
}

// TestRetryThrottling checks the retry storm and its cure (Brooker,
// "Timeouts, retries and backoff with jitter"; gRPC's retry throttling):
// when every attempt fails, 3 retries make 4 attempts per call, while a
// token bucket of 10 stops retrying once half its tokens are spent, so
// the attempts per call stay within 5 retries of the calls.
func TestRetryThrottling(t *testing.T) {
	t.Parallel()
	storm := callsOf(runText(t, flaky("100%", "{max: 3}")), "app")
	// Calls made in the last second of the window have their retries
	// after it (the backoffs are at most 175 ms in all): at 200/s, up to
	// 200 calls × 3 retries.
	if d := float64(storm.Attempts - 4*storm.Calls); math.Abs(d) > 600 {
		t.Errorf("3 retries on a dead database: %d attempts for %d calls, want 4 each", storm.Attempts, storm.Calls)
	}
	throttled := callsOf(runText(t, flaky("100%", "{max: 3, token_bucket: {tokens: 10, ratio: 0.1}}")), "app")
	t.Logf("attempts per call: %g without throttling, %g with; %d retries refused", *storm.Amplification, *throttled.Amplification, throttled.Refused)
	if throttled.Retries > 5 || throttled.Refused == 0 {
		t.Errorf("with a token bucket of 10: %d retries, %d refused; want at most 5 retries (its upper half)", throttled.Retries, throttled.Refused)
	}
	// At a failure rate f a success adds 0.1 token and a failure takes
	// one, so once f > 0.1/1.1 the tokens drift down to the threshold and
	// a retry needs the tokens successes bring: at most ratio × successes,
	// an amplification below 1 + r = 1.1.
	for _, f := range []string{"50%", "90%"} {
		c := callsOf(runText(t, flaky(f, "{max: 3, token_bucket: {tokens: 10, ratio: 0.1}}")), "app")
		if *c.Amplification > 1.1 {
			t.Errorf("failure rate %s with a token bucket of ratio 0.1: %g attempts per call, more than 1.1", f, *c.Amplification)
		}
	}
}

// TestCallTimeoutAbandons checks a call's timeout: a database that takes
// 150 ms against a timeout of 100 ms fails every call after 100 ms, while
// the database still does all the work (the late replies are dropped).
func TestCallTimeoutAbandons(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: slow-db
workload: {rate: 50}
entry: app
nodes:
  app: {kind: service, workers: 64, service_time: {dist: constant, value: 1ms}, calls: [{to: db, timeout: 100ms}]}
  db: {kind: service, workers: 64, service_time: {dist: constant, value: 150ms}}
run: {warmup: 10s, duration: 600s}
`)
	if rep.Requests.Completed != 0 || rep.Requests.CallTimeouts < 29000 {
		t.Errorf("%d completed, %d call timeouts: want every call to time out", rep.Requests.Completed, rep.Requests.CallTimeouts)
	}
	// Every visit the window's calls started reaches the database; those
	// near the window's ends straddle it (within 2 s at 50/s).
	if d := node(rep, "db").Throughput*rep.Window - float64(rep.Requests.CallTimeouts); math.Abs(d) > 100 {
		t.Errorf("the database served %g visits for %d abandoned calls: it should do the work anyway", node(rep, "db").Throughput*rep.Window, rep.Requests.CallTimeouts)
	}
	// Calls are counted when made, failures 100 ms later: they differ by
	// the calls of the window's edges.
	if c := callsOf(rep, "app"); math.Abs(float64(c.FailedTimeout-c.Calls)) > 20 {
		t.Errorf("%d calls, %d failed by their timeout", c.Calls, c.FailedTimeout)
	}
}

// TestInstanceDownWithoutHealthChecks checks a fault that takes one of
// three instances down for 2 minutes behind a round-robin balancer
// without health checks: a third of the requests fail while it lasts, and
// none before or after.
func TestInstanceDownWithoutHealthChecks(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: one-down
workload: {rate: 300}
entry: lb
nodes:
  lb: {kind: load_balancer, targets: app}
  app: {kind: service, instances: 3, workers: 8, service_time: {dist: exponential, mean: 20ms}}
faults: [{at: 2m, for: 2m, node: app, instances: 1}]
run: {warmup: 30s, duration: 6m, sample: 30s}
`)
	// Round-robin sends every third request to the dead instance: a
	// third of the Poisson arrivals of the 120 s, within 5 standard
	// deviations of their count.
	want := 300.0 * 120 / 3
	if got := float64(rep.Requests.Errors); math.Abs(got-want) > 5*math.Sqrt(want) {
		t.Errorf("%g requests failed, want a third of the fault's arrivals, %g", got, want)
	}
	for _, smp := range rep.Series.Samples {
		during := smp.Start >= 120 && smp.Start+smp.Duration <= 240
		share := float64(smp.Errors) / float64(smp.Arrived)
		switch {
		case during && math.Abs(share-1.0/3) > 0.05:
			t.Errorf("window at %gs: %.3g of requests failed during the fault, want a third", smp.Start, share)
		case !during && (smp.Start+smp.Duration <= 120 || smp.Start >= 240) && smp.Errors != 0:
			t.Errorf("window at %gs: %d failures outside the fault", smp.Start, smp.Errors)
		}
	}
}

// TestHealthChecksEndTheFailures checks an AWS-style health check: with
// one of three instances down from 120 s to 240 s, requests fail only
// until the balancer's probes find it (the next probe, then interval ×
// (unhealthy_after − 1), then the probe's timeout), and the instance gets
// requests again only after healthy_after good probes.
func TestHealthChecksEndTheFailures(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: health
workload: {rate: 300}
entry: lb
nodes:
  lb: {kind: load_balancer, targets: app, health_check: {interval: 10s, unhealthy_after: 2, healthy_after: 3, timeout: 2s}}
  app: {kind: service, instances: 3, workers: 8, service_time: {dist: exponential, mean: 20ms}}
faults: [{at: 2m, for: 2m, node: app, instances: 1}]
run: {warmup: 30s, duration: 6m}
`)
	// Probes run at multiples of 10 s, so the fault at 120 s is seen by
	// the probe at 120 s (failed at 122 s) and the one at 130 s (failed
	// at 132 s): 12 s of a third of 300/s, within 5 standard deviations
	// of the Poisson count.
	const interval, after, timeout, rate = 10.0, 2, 2.0, 300.0
	window := interval*(after-1) + timeout
	want := rate / 3 * window
	t.Logf("%d requests failed; detection in %gs: %g expected", rep.Requests.Errors, window, want)
	if got := float64(rep.Requests.Errors); math.Abs(got-want) > 5*math.Sqrt(want) {
		t.Errorf("%g requests failed, want a third of %gs of arrivals, %g", got, window, want)
	}
	hc := node(rep, "lb").Detail.(*balancer.Stats)
	if hc.MarkedUnhealthy != 1 || hc.MarkedHealthy != 1 || hc.UnhealthyEnd != 0 {
		t.Errorf("health checks: %+v; want the instance out once and back once", *hc)
	}
	// The JSON's events: out when the second failed probe times out (132
	// s), back at the third good probe after 240 s (probes at 240, 250,
	// 260 s: its first, at 240 s, may run before the fault lifts).
	if ev := hc.Events; len(ev) != 2 || ev[0] != (balancer.HealthEvent{Time: 132, Node: "app", Instance: ev[0].Instance}) ||
		!ev[1].Healthy || ev[1].Instance != ev[0].Instance || ev[1].Node != "app" || ev[1].Time < 260 || ev[1].Time > 270 {
		t.Errorf("health events %+v; want app's instance out at 132 s and back at 260-270 s", ev)
	}
}

// TestRateLimitBound checks a token bucket's guarantee: in any interval of
// t seconds at most rate × t + burst requests pass; here in every sample
// window and in the whole window, under three times the rate.
func TestRateLimitBound(t *testing.T) {
	t.Parallel()
	const rate, burst = 100.0, 20.0
	rep := runText(t, `name: limited
workload: {rate: 300}
entry: lb
nodes:
  lb: {kind: load_balancer, targets: app, rate_limit: {rate: 100, burst: 20}}
  app: {kind: service, instances: 2, workers: 8, service_time: {dist: exponential, mean: 10ms}}
run: {warmup: 10s, duration: 300s, sample: 5s}
`)
	passed := float64(node(rep, "lb").Throughput * rep.Window)
	if passed > rate*rep.Window+burst || passed < 0.99*rate*rep.Window {
		t.Errorf("%g requests passed in %gs: want at most %g and nearly all of them", passed, rep.Window, rate*rep.Window+burst)
	}
	if got, want := float64(rep.Requests.RateLimited), float64(rep.Requests.Arrived)-passed; math.Abs(got-want) > 20 {
		t.Errorf("%g rate limited, want the arrivals beyond the limit, %g", got, want)
	}
	for _, smp := range rep.Series.Samples {
		if through := float64(smp.Completed); through > rate*smp.Duration+burst+16 { // +16: replies of the window before
			t.Errorf("window at %gs: %g passed, more than rate × t + burst = %g", smp.Start, through, rate*smp.Duration+burst)
		}
	}
}

// TestSheddingBoundsLatency checks load shedding at twice a service's
// capacity: without it the queue grows and the run is stopped as
// overloaded; with shed_after: 100ms the requests it keeps wait at most
// about that, and it sheds about half.
func TestSheddingBoundsLatency(t *testing.T) {
	t.Parallel()
	scenario := func(shed string) string {
		return fmt.Sprintf(`name: shed
workload: {rate: 800}
entry: app
nodes:
  app: {kind: service, workers: 4, service_time: {dist: exponential, mean: 10ms}%s}
run: {warmup: 10s, duration: 300s}
`, shed)
	}
	if over := runText(t, scenario("")); over.StoppedEarly == "" {
		t.Fatal("twice the capacity without shedding was not stopped as overloaded")
	}
	rep := runText(t, scenario(", shed_after: 100ms"))
	share := float64(rep.Requests.Shed) / float64(rep.Requests.Arrived)
	t.Logf("shed %.3g of requests; p99 %gs", share, rep.Latency.P99)
	if rep.StoppedEarly != "" || math.Abs(share-0.5) > 0.05 {
		t.Errorf("with shedding: stopped %q, shed %.3g; want a full run shedding about half", rep.StoppedEarly, share)
	}
	// A request is kept while the queue promises at most 100 ms: up to
	// L = 100 ms × 4 workers ÷ 10 ms = 40 ahead of it, whose wait is
	// Erlang(L+1, 4/10 ms), mean 102 ms and standard deviation 16 ms; then
	// its own service, p99 ln(100) × 10 ms = 46 ms. The p99 stays within
	// the mean wait, 3 standard deviations and that.
	const L, c, mu = 40.0, 4.0, 100.0
	bound := (L+1)/(c*mu) + 3*math.Sqrt(L+1)/(c*mu) + math.Log(100)/mu
	if rep.Latency.P99 > bound {
		t.Errorf("p99 %gs with shed_after 100ms, more than %gs", rep.Latency.P99, bound)
	}
}

// TestCircuitBreaker checks resilience4j's state machine on a database
// that fails every visit for 2 minutes: the breaker opens after its
// window of 20 failed calls, refuses calls for open_for (10 s), lets 5
// through half-open, which fail, and opens again, about 12 times, so the
// database sees about 20 + 12 × 5 visits instead of 100 a second; once
// the fault is over the next half-open calls succeed and it closes.
func TestCircuitBreaker(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: breaker
workload: {rate: 100}
entry: app
nodes:
  app:
    kind: service
    workers: 32
    service_time: {dist: exponential, mean: 2ms}
    calls: [{to: db, circuit_breaker: {failure_rate: 50%, window: 20, min_calls: 20, open_for: 10s, half_open: 5}}]
  db: {kind: service, workers: 32, service_time: {dist: exponential, mean: 5ms}}
faults: [{at: 2m, for: 2m, node: db, errors: 100%}]
run: {warmup: 30s, duration: 6m}
`)
	c := callsOf(rep, "app")
	db := node(rep, "db")
	t.Logf("opened %d times, refused %d calls; the database failed %d visits; %s at the end", c.BreakerOpened, c.CircuitOpen, db.Errors, c.BreakerState)
	if c.BreakerOpened < 11 || c.BreakerOpened > 13 || c.BreakerState != "closed" {
		t.Errorf("the breaker opened %d times and is %s at the end; want about 120 s ÷ 10 s = 12, and closed", c.BreakerOpened, c.BreakerState)
	}
	if db.Errors > 20+13*5 {
		t.Errorf("the database failed %d visits: the breaker should have spared it all but about %d", db.Errors, 20+12*5)
	}
	if want := 100.0 * 120; math.Abs(float64(c.CircuitOpen+db.Errors)-want) > 5*math.Sqrt(want) {
		t.Errorf("%d calls refused and %d failed during the fault, want its %g calls", c.CircuitOpen, db.Errors, want)
	}
	if rep.Requests.CircuitOpen != c.CircuitOpen {
		t.Errorf("%d requests ended refused by the breaker, %d calls refused", rep.Requests.CircuitOpen, c.CircuitOpen)
	}
}

// storm is an app whose calls to a database time out after 100 ms and
// are retried up to 3 times (with the given throttling), at 500/s against
// a database of 800/s; 200 ms of added latency for 30 s makes every call
// time out, and the retries then offer the database up to 4 times the load.
func storm(throttle string) string {
	return fmt.Sprintf(`name: storm
workload: {rate: 500, timeout: 2s}
entry: app
nodes:
  app: {kind: service, instances: 4, workers: 256, service_time: {dist: exponential, mean: 1ms}, calls: [{to: db, timeout: 100ms, retries: {max: 3%s}}]}
  db: {kind: service, workers: 8, service_time: {dist: exponential, mean: 10ms}}
faults: [{at: 5m, for: 30s, node: db, latency: 200ms}]
slo: {p99: 200ms}
run: {warmup: 60s, duration: 11m}
`, throttle)
}

// TestMetastableRetryStorm checks the report of a metastable failure
// (Bronson et al., HotOS 2021): after the latency fault ends, the retries
// of calls that time out keep the database's queue longer than the
// timeout, so goodput never comes back, and the report says so and names
// the loop; with gRPC's retry throttling the same trigger passes.
func TestMetastableRetryStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("two 11-minute storms: full mode only")
	}
	t.Parallel()
	rep := runText(t, storm(""))
	if len(rep.Triggers) != 1 {
		t.Fatalf("%d triggers, want the fault", len(rep.Triggers))
	}
	tr := rep.Triggers[0]
	t.Logf("unthrottled: goodput %g before, %g after; %s", *tr.Before, *tr.After, tr.Loop)
	if !tr.Metastable || tr.RecoveredAfter != nil || !strings.Contains(tr.Loop, "retries from app") || rep.SLO.Pass {
		t.Errorf("a retry storm was not reported metastable: %+v, SLO pass %v", tr, rep.SLO.Pass)
	}
	if *tr.After > 0.1**tr.Before {
		t.Errorf("goodput %g after the fault, %g before: the storm should hold it down", *tr.After, *tr.Before)
	}
	throttled := runText(t, storm(", token_bucket: {tokens: 10, ratio: 0.1}"))
	tr = throttled.Triggers[0]
	t.Logf("throttled: recovered after %v", units.OrUnknown(tr.RecoveredAfter, units.FormatDuration))
	if tr.Metastable || tr.RecoveredAfter == nil || *tr.RecoveredAfter > simulate.RecoveryTime {
		t.Errorf("with retry throttling the system did not recover: %+v", tr)
	}
}

// builtin runs a built-in scenario with the given overrides (without
// any, the run the golden reports read: builtinRun).
func builtin(t *testing.T, name string, sets ...string) *simulate.Report {
	t.Helper()
	if len(sets) == 0 {
		r, err := builtinRun(name)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	return mustRun(t)(scenarios.Builtin(name, sets...))
}

// TestRetryStormBuiltins checks the metastable system, the
// built-ins retry-storm and retry-storm-budget: a database at 70% load,
// calls with a 100 ms timeout and 3 retries, a 2× spike for 30 s. Without
// throttling goodput stays near 0 after the spike; with gRPC's token
// bucket, or a circuit breaker (which stops the calls while the database
// drains), it comes back within the recovery time. Envoy's budget of 20%
// keeps retries in flight to a fifth of all attempts in flight: each
// attempt of the storm lasts its timeout, so retries are at most a quarter
// of the calls (amplification ≤ 1.25, the floor of 3 retries in flight
// being below a fifth of the 56 attempts in flight at 560/s × 100 ms), the
// database drains, slowly, and goodput is back by the run's end.
func TestRetryStormBuiltins(t *testing.T) {
	if testing.Short() {
		t.Skip("four 15-minute storms: full mode only (the golden reports run both built-ins)")
	}
	t.Parallel()
	recovered := func(rep *simulate.Report) *simulate.Trigger {
		t.Helper()
		if len(rep.Triggers) != 1 {
			t.Fatalf("%d triggers, want the spike", len(rep.Triggers))
		}
		return &rep.Triggers[0]
	}
	storm := builtin(t, "retry-storm")
	tr := recovered(storm)
	t.Logf("retry-storm: goodput %g before, %g after; %s", *tr.Before, *tr.After, tr.Loop)
	if !tr.Metastable || !strings.Contains(tr.Loop, "retries from app") || storm.SLO.Pass || *tr.After > 0.1**tr.Before {
		t.Errorf("retry-storm was not reported metastable: %+v, SLO pass %v", tr, storm.SLO.Pass)
	}
	for _, c := range []struct{ name, set string }{
		{"retry-storm-budget", ""},
		{"retry-storm", "nodes.app.calls.0.circuit_breaker={failure_rate: 50%, window: 10s, min_calls: 20, open_for: 30s, half_open: 5}"},
	} {
		var sets []string
		if c.set != "" {
			sets = append(sets, c.set)
		}
		tr := recovered(builtin(t, c.name, sets...))
		t.Logf("%s %s: recovered after %s", c.name, c.set, units.OrUnknown(tr.RecoveredAfter, units.FormatDuration))
		if tr.Metastable || tr.RecoveredAfter == nil || *tr.RecoveredAfter > simulate.RecoveryTime {
			t.Errorf("%s %s did not recover: %+v", c.name, c.set, tr)
		}
	}
	envoy := builtin(t, "retry-storm", "nodes.app.calls.0.retries.budget=20%")
	amp := *callsOf(envoy, "app").Amplification
	last := envoy.Series.Samples[len(envoy.Series.Samples)-1]
	t.Logf("Envoy budget: amplification %.4g, goodput %g in the last window, %g before the spike", amp, goodput(last), *recovered(envoy).Before)
	if amp > 1.25 {
		t.Errorf("with Envoy's 20%% budget the calls made ×%.4g attempts, above 1.25", amp)
	}
	if goodput(last) < simulate.RecoveredShare**recovered(envoy).Before {
		t.Errorf("with Envoy's 20%% budget goodput %g at the end, %g before: it should drain", goodput(last), *recovered(envoy).Before)
	}
}

// goodput is a window's goodput.
func goodput(s simulate.Sample) float64 { return *s.Goodput }

// TestRandomFaults checks random faults against renewal theory: a node
// that fails after exponential times of mean MTTF and is repaired after
// exponential times of mean MTTR is down a share MTTR ÷ (MTTF + MTTR) of
// the time, so that share of Poisson requests fails. The spread is the
// renewal cycles' (about 1250 a replication), not the requests': 5 a
// second (500k a replication) take a tenth of the CPU of 50, with a
// binomial standard error of 0.06 points (0.25% relative) on a share of
// 25%; fidelity.Check's tolerance comes from the replications' spread.
func TestRandomFaults(t *testing.T) {
	const mttf, mttr = 60.0, 20.0
	reps := fidelity.Replicate(t, `name: random-faults
workload: {rate: 5}
entry: app
nodes:
  app: {kind: service, workers: 16, service_time: {dist: exponential, mean: 5ms}}
faults: [{mttf: 1m, mttr: 20s, node: app, errors: 100%}]
run: {warmup: 0s, duration: 100000s, sample: 10m}
`, 8)
	fidelity.Check(t, "share failed MTTR/(MTTF+MTTR)", reps, func(r *simulate.Report) float64 {
		return float64(r.Requests.Errors) / float64(r.Requests.Arrived)
	}, mttr/(mttf+mttr), false)
}

// failover is an app on a database with two replicas (replication lag 1 s)
// whose primary fails as the faults say.
func failover(faults, run string) string {
	return fmt.Sprintf(`name: failover
workload: {rate: 200, mix: {read: 0.8, write: 0.2}, keys: {dist: uniform, count: 10k}}
entry: app
nodes:
  app: {kind: service, workers: 64, service_time: {dist: exponential, mean: 2ms}, calls: [db]}
  db: {kind: database, replicas: 2, workers: 16, service_time: {dist: exponential, mean: 3ms}, replication_lag: 1s, failover_time: 30s}
faults: [%s]
run: {%s}
`, faults, run)
}

// TestFailover checks a primary's failure: writes fail until a replica is
// promoted failover_time later (RTO), reads go on on the replicas, and the
// writes the promoted replica had not applied are lost (RPO).
func TestFailover(t *testing.T) {
	t.Parallel()
	rep := runText(t, failover("{at: 2m, for: 5m, node: db, primary: true}", "warmup: 30s, duration: 10m"))
	fo := databaseOf(rep, "db").Failovers
	if len(fo) != 1 || fo[0].WritesUnavailable == nil || *fo[0].WritesUnavailable != 30 || !fo[0].Promoted {
		t.Fatalf("failovers %+v: want one, a replica promoted after 30 s", fo)
	}
	// Only writes fail, those of the 30 s: 200/s × 20% × 30 s.
	want := 200 * 0.2 * 30.0
	if got := float64(rep.Requests.Errors); math.Abs(got-want) > 5*math.Sqrt(want) {
		t.Errorf("%g requests failed, want the writes of the failover, %g", got, want)
	}
	if fo[0].LostWrites == nil || rep.Requests.LostWrites != *fo[0].LostWrites {
		t.Errorf("%v writes lost in the failover, %d counted lost in the requests", fo[0].LostWrites, rep.Requests.LostWrites)
	}
	// Every failed request is the failover's, nearly all writes the failed
	// primary refused: the first comes an Exp(40/s) after the failure, the
	// last as long before the promotion, so the RTO is 30 s less the two
	// (each above 0.125 s with probability e^-5). The scenario has no
	// objectives: there is no SLO to hold again.
	f := fo[0]
	// The reads queued or in service at the replica promoted fail as it
	// becomes the primary (its place among the replicas is the failed
	// server's): at most its 16 workers' and its queue's, a handful.
	if f.FailedRequests != rep.Requests.Errors || f.WritesFailed > f.FailedRequests || f.WritesFailed < f.FailedRequests-16 {
		t.Errorf("%d writes failed, %d requests failed in the failover, want the %d errors", f.WritesFailed, f.FailedRequests, rep.Requests.Errors)
	}
	if f.RTO == nil || *f.RTO > 30 || *f.RTO < 30-0.25 || f.RTOSLO != nil {
		t.Errorf("failover RTO %v, SLO back after %v: want 30 s less two Exp(40/s) gaps, and no SLO", units.OrUnknown(f.RTO, units.FormatDuration), units.OrUnknown(f.RTOSLO, units.FormatDuration))
	}
}

// TestFailoverTwice checks that a second failure of the primary fails
// over as the first did: the promoted server serves as the primary, and
// one that fails for less than failover_time comes back as the primary
// without a promotion, writes failing only meanwhile. (Once the server
// promoted by the first failover stayed counted down by its fault, so the
// second fault's end left the primary down for the rest of the run.)
func TestFailoverTwice(t *testing.T) {
	t.Parallel()
	rep := runText(t, failover("{at: 2m, for: 2m, node: db, primary: true}, {at: 6m, for: 10s, node: db, primary: true}", "warmup: 30s, duration: 10m"))
	fo := databaseOf(rep, "db").Failovers
	if len(fo) != 2 || fo[0].WritesUnavailable == nil || *fo[0].WritesUnavailable != 30 || !fo[0].Promoted || fo[1].WritesUnavailable == nil || *fo[1].WritesUnavailable != 10 || fo[1].Promoted {
		t.Fatalf("failovers %+v: want two, a promotion after 30 s, then the primary back after 10 s", fo)
	}
	want := 200 * 0.2 * 40.0 // the writes of the 30 s and the 10 s
	if got := float64(rep.Requests.Errors); math.Abs(got-want) > 5*math.Sqrt(want) {
		t.Errorf("%g requests failed, want the writes of the two failovers, %g", got, want)
	}
}

// TestPrimaryFaults checks what faults on a database's primary and its one
// replica cost (100 reads and 100 writes a second, a constant lag of
// 100 ms, failover_time 5 s). A failover loses writes only when it
// promotes a replica: those the replica had not applied (about λL = 10 at
// a failure, none if the primary is back first); each fault holds the
// server it struck until it ends, so overlapping faults on one server end
// with the last; a promotion needs a replica up, and one that comes up
// after the failover time is promoted at once, lacking what it missed while
// down. The counts are Poisson, within 5 standard deviations.
func TestPrimaryFaults(t *testing.T) {
	t.Parallel()
	type want struct {
		rto     float64
		outcome string
		lost    float64    // mean writes lost (0: none)
		rpo     [2]float64 // the RPO's range
	}
	const primary, replica = "node: db, primary: true", "node: db, replica: 0"
	for _, tc := range []struct {
		name, faults string
		failovers    []want
		// errors and fallback are the mean requests failed and reads sent
		// to the primary with no replica up.
		errors, fallback float64
	}{
		{"back before the failover time loses nothing", "{at: 30s, for: 1s, " + primary + "}",
			[]want{{1, database.FailoverPrimaryBack, 0, [2]float64{0, 0}}}, 100, 0},
		{"down past the failover time: a promotion", "{at: 30s, for: 10s, " + primary + "}",
			[]want{{5, database.FailoverPromoted, 10, [2]float64{0, 0.1}}}, 500, 500},
		{"two faults on the server, both over before the failover time", "{at: 30s, for: 2s, " + primary + "}, {at: 31s, for: 2s, " + primary + "}",
			[]want{{3, database.FailoverPrimaryBack, 0, [2]float64{0, 0}}}, 300, 0},
		// The failed server is held by both until 62 s, so the reads go to
		// the primary from the promotion at 35 s to 62 s.
		{"two faults on the server: it is back when the last ends", "{at: 30s, for: 20s, " + primary + "}, {at: 32s, for: 30s, " + primary + "}",
			[]want{{5, database.FailoverPromoted, 10, [2]float64{0, 0.1}}}, 500, 2700},
		// Finding 07: the second fault strikes the promoted server while
		// the first still holds the old one: everything fails until 50 s,
		// when the old server comes back and is promoted at once, lacking
		// the writes of 35 s to 40 s (RPO 5 s).
		{"a fault on the promoted primary while the old one is down", "{at: 30s, for: 20s, " + primary + "}, {at: 40s, for: 20s, " + primary + "}",
			[]want{{5, database.FailoverPromoted, 10, [2]float64{0, 0.1}}, {10, database.FailoverPromoted, 500, [2]float64{4.9, 5}}}, 500 + 2000, 2500},
		{"no replica up at the failover time, the primary back", "{at: 20s, for: 30s, " + replica + "}, {at: 30s, for: 10s, " + primary + "}",
			[]want{{10, database.FailoverNoReplica, 0, [2]float64{0, 0}}}, 2000, 3000},
		// The replica, down since 20 s, lacks the writes of 19.9 s to 30 s.
		{"a replica up after the failover time is promoted at once", "{at: 20s, for: 20s, " + replica + "}, {at: 30s, for: 30s, " + primary + "}",
			[]want{{10, database.FailoverPromoted, 1010, [2]float64{9.9, 10.1}}}, 2000, 4000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := runText(t, `name: primary-faults
workload: {rate: 200, mix: {read: 50%, write: 50%}, keys: {dist: uniform, count: 1000}}
entry: app
nodes:
  app: {kind: service, workers: 50, service_time: 1ms, calls: [db]}
  db: {kind: database, replicas: 1, failover_time: 5s, replication_lag: 100ms, workers: 4, service_time: {read: 5ms, write: 10ms}}
faults: [`+tc.faults+`]
run: {duration: 90s, warmup: 10s}
`)
			within := func(what string, got, mean float64) {
				t.Helper()
				if math.Abs(got-mean) > 5*math.Sqrt(mean) {
					t.Errorf("%s: %g, want %g ± %.3g", what, got, mean, 5*math.Sqrt(mean))
				}
			}
			db := databaseOf(rep, "db")
			if len(db.Failovers) != len(tc.failovers) {
				t.Fatalf("failovers %+v: want %d", db.Failovers, len(tc.failovers))
			}
			lost := int64(0)
			for i, w := range tc.failovers {
				f := db.Failovers[i]
				if f.WritesUnavailable == nil || *f.WritesUnavailable != w.rto || f.Outcome != w.outcome || f.Promoted != (w.outcome == database.FailoverPromoted) {
					t.Errorf("failover %d %+v (RTO %v): want RTO %g, %s", i, f, units.OrUnknown(f.WritesUnavailable, units.FormatDuration), w.rto, w.outcome)
				}
				within(fmt.Sprintf("failover %d writes lost", i), float64(*f.LostWrites), w.lost)
				if *f.RPO < w.rpo[0] || *f.RPO > w.rpo[1] {
					t.Errorf("failover %d RPO %g, want %g to %g", i, *f.RPO, w.rpo[0], w.rpo[1])
				}
				lost += *f.LostWrites
			}
			if rep.Requests.LostWrites != lost {
				t.Errorf("%d writes counted lost in the requests, %d in the failovers", rep.Requests.LostWrites, lost)
			}
			within("requests failed", float64(rep.Requests.Errors), tc.errors)
			within("reads sent to the primary with no replica up", float64(db.PrimaryFallbackReads), tc.fallback)
		})
	}
}

// TestFidelityRPO checks the writes a failover loses against the
// replication lag: with a constant lag L, the promoted replica misses the
// writes of the last L seconds before the failure, Poisson with mean
// λ_w·L, and the oldest of them is L − E[min(Exp(λ_w), L)] old (the RPO);
// here over the random failures that promoted a replica (those repaired
// within the failover time lose nothing). The same 40 writes a second as
// failover's, with 10 reads a second rather than 160: reads play no part
// in what a failover loses, and took three quarters of the CPU.
func TestFidelityRPO(t *testing.T) {
	const lambdaW, L = 40.0, 1.0
	text := strings.Replace(failover("{mttf: 10m, mttr: 1m, node: db, primary: true}", "warmup: 0s, duration: 40000s"),
		"{rate: 200, mix: {read: 0.8, write: 0.2}", "{rate: 50, mix: {read: 0.2, write: 0.8}", 1)
	reps := fidelity.Replicate(t, text, 8)
	meanOf := func(r *simulate.Report, f func(database.Failover) float64) float64 {
		sum, n := 0.0, 0
		for _, x := range databaseOf(r, "db").Failovers {
			switch {
			case x.Promoted:
				sum += f(x)
				n++
			case x.LostWrites == nil: // under way at the end: the loss is not known
			case *x.LostWrites != 0 || *x.RPO != 0:
				t.Errorf("failover %+v: the primary back before a promotion loses no write", x)
			}
		}
		return sum / float64(n)
	}
	fidelity.Check(t, "writes lost per failover λ_w·L", reps, func(r *simulate.Report) float64 {
		return meanOf(r, func(f database.Failover) float64 { return float64(*f.LostWrites) })
	}, lambdaW*L, false)
	fidelity.Check(t, "RPO", reps, func(r *simulate.Report) float64 {
		return meanOf(r, func(f database.Failover) float64 { return *f.RPO })
	}, L-(1-math.Exp(-lambdaW*L))/lambdaW, false)
}

// sessionsOf is a service's local sessions.
func sessionsOf(r *simulate.Report, name string) *engine.SessionStats {
	return node(r, name).Detail.(*engine.PoolStats).Sessions
}

// sessions is 2000 users behind a balancer over 4 instances of an app
// that keeps sessions as given, with the given faults.
func sessions(algorithm, sessions, faults string) string {
	return fmt.Sprintf(`name: sessions
workload: {closed: {users: 2000, think_time: {dist: exponential, mean: 5s}}}
entry: lb
nodes:
  lb: {kind: load_balancer, algorithm: %s, targets: app, health_check: {interval: 10s, unhealthy_after: 2, healthy_after: 3, timeout: 2s}}
  app: {kind: service, instances: 4, workers: 16, service_time: {dist: exponential, mean: 20ms}, sessions: %s}
  store: {kind: service, workers: 16, service_time: {dist: exponential, mean: 1ms}}
faults: [%s]
run: {warmup: 30s, duration: 10m}
`, algorithm, sessions, faults)
}

// TestSessions checks the stateless stage of the playbook: sessions kept
// on the instance need a sticky balancer (round-robin sends a user's next
// request to another of the 4 instances 3 times in 4, logging them out);
// sticky by user (ip_hash) keeps every session until an instance fails,
// when the users pinned to it lose theirs (once moved off, once moved
// back); a shared session store loses none, and reads it on every request.
func TestSessions(t *testing.T) {
	t.Parallel()
	rr := sessionsOf(runText(t, sessions("round_robin", "local", "")), "app")
	share := float64(rr.Lost) / float64(rr.Lost+rr.Kept)
	n := float64(rr.Lost + rr.Kept)
	if sd := math.Sqrt(0.75 * 0.25 / n); math.Abs(share-0.75) > 5*sd {
		t.Errorf("round-robin lost %.4g of sessions, want 3/4", share)
	}
	if sticky := sessionsOf(runText(t, sessions("ip_hash", "local", "")), "app"); sticky.Lost != 0 || sticky.Kept == 0 {
		t.Errorf("ip_hash lost %d sessions without a fault", sticky.Lost)
	}
	fault := "{at: 5m, for: 2m, node: app, instances: 1}"
	broken := sessionsOf(runText(t, sessions("ip_hash", "local", fault)), "app")
	t.Logf("ip_hash through an instance failure: %d sessions lost", broken.Lost)
	if broken.Lost == 0 || broken.Lost > 2*2000 {
		t.Errorf("ip_hash lost %d sessions through an instance failure; want some, at most two per user", broken.Lost)
	}
	stored := runText(t, sessions("round_robin", "{store: store}", fault))
	if s := node(stored, "app").Detail; s != nil {
		t.Errorf("a session store has local session figures: %+v", s)
	}
	if d := node(stored, "store").Throughput - node(stored, "app").Throughput; math.Abs(d) > 1 {
		t.Errorf("the store serves %g/s for the app's %g/s: it should be read on every request", node(stored, "store").Throughput, node(stored, "app").Throughput)
	}
}

// TestSessionsInCache checks sessions kept in a cache under each user's
// key. With room for every user none is lost. With room for half of them,
// LRU over users who each return at the same rate (uniform popularity)
// keeps a session with probability capacity ÷ users = 1/2, by Che's
// approximation (Che, Tung and Wang, IEEE JSAC 20(7), 2002: for uniform
// popularity N(1 − e^(−λt_C)) = C gives the hit ratio 1 − e^(−λt_C) =
// C/N). With the cache's one node down for a minute, every request of
// that minute finds no session, and each user once more after it (the
// node came back empty).
func TestSessionsInCache(t *testing.T) {
	t.Parallel()
	scenario := func(capacity, faults string) string {
		return fmt.Sprintf(`name: cache-sessions
workload: {closed: {users: 2000, think_time: {dist: exponential, mean: 5s}}}
entry: lb
nodes:
  lb: {kind: load_balancer, targets: app}
  app: {kind: service, instances: 4, workers: 16, service_time: {dist: exponential, mean: 10ms}, sessions: {store: sessions}}
  sessions: {kind: cache, capacity: %s}
faults: [%s]
run: {warmup: 60s, duration: 10m, sample: 10s}
`, capacity, faults)
	}
	roomy := sessionsOf(runText(t, scenario("10k", "")), "app")
	if roomy.Lost != 0 || roomy.Kept == 0 || roomy.Store != "sessions" {
		t.Errorf("room for every session: %+v, want none lost", roomy)
	}
	half := sessionsOf(runText(t, scenario("1000", "")), "app")
	n := float64(half.Kept + half.Lost)
	share := float64(half.Lost) / n
	t.Logf("room for half the users: %.4f of requests lost their session", share)
	// The binomial spread is 0.001 over ~240k requests; the rest is how
	// far closed-loop returns are from the independent reference model.
	if math.Abs(share-0.5) > 0.02 {
		t.Errorf("LRU with room for half the users lost %.4f of sessions, want 1/2", share)
	}
	down := runText(t, scenario("10k", "{at: 3m, for: 1m, node: sessions, cache_node: 0}"))
	lost := sessionsOf(down, "app").Lost
	var during float64
	for _, smp := range down.Series.Samples {
		if smp.Start >= 180 && smp.Start < 240 {
			during += float64(smp.Arrived)
		}
	}
	want := during + 2000
	t.Logf("cache down a minute: %d lost, %g expected", lost, want)
	if math.Abs(float64(lost)-want) > 5*math.Sqrt(want) {
		t.Errorf("%d sessions lost with the cache down a minute, want every request of that minute and each user once after, %g", lost, want)
	}
}

// TestCacheNodeDown checks a cache node's failure: its keys are lost and
// while it is down its gets are misses (cache-aside falls back to the
// database), so the database's reads surge by that node's share of the
// gets, and stay above their level before until the node has refilled.
// The run ends at 420 s, a window after the last one read (360–390 s):
// those windows are the same as a longer run's.
func TestCacheNodeDown(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: cache-node
workload: {rate: 2000, keys: {dist: zipf, s: 1, count: 100k}}
entry: app
nodes:
  app: {kind: service, workers: 1000, service_time: {dist: exponential, mean: 1ms}, calls: [{to: cache, op: get, on_miss: [db]}]}
  cache: {kind: cache, nodes: 4, capacity: 20k}
  db: {kind: database, workers: 64, service_time: {dist: exponential, mean: 2ms}}
faults: [{at: 5m, for: 1m, node: cache, cache_node: 0}]
run: {warmup: 60s, duration: 6m, sample: 30s}
`)
	dbRate := func(from float64) float64 {
		for _, smp := range rep.Series.Samples {
			if smp.Start == from {
				for _, n := range smp.Nodes {
					if n.Name == "db" {
						return n.Throughput
					}
				}
			}
		}
		t.Fatalf("no window at %gs", from)
		return 0
	}
	before, during, after := dbRate(270), dbRate(300), dbRate(360)
	t.Logf("database reads: %.0f/s before, %.0f/s during, %.0f/s just after", before, during, after)
	// Each of 4 nodes holds a ring share of the keys; even the smallest
	// is more than a tenth of the gets.
	if during < before+0.1*2000 {
		t.Errorf("database reads %.0f/s during the fault, %.0f/s before: want the down node's gets on top", during, before)
	}
	if after <= before {
		t.Errorf("database reads %.0f/s after the fault, %.0f/s before: the emptied node should still miss more", after, before)
	}
	if c := cacheOf(rep, "cache"); c.Failures != 1 {
		t.Errorf("%d cache node failures, want 1", c.Failures)
	}
}

// TestHedging checks hedged requests ("The tail at scale"): a backend that
// answers in 5–15 ms 95% of the time and in about a second otherwise has a
// p99 near a second. A second attempt after 50 ms, sent for the 5% that
// are slow, makes a call slow only when both attempts are (0.25%), so the
// p99 falls to about 50 ms plus a fast answer. A hedge after the p90 of
// past attempts (5 + 10 × 0.9/0.95 = 14.5 ms) hedges the slowest 10% and
// does the same.
func TestHedging(t *testing.T) {
	t.Parallel()
	scenario := func(hedge string) string {
		return fmt.Sprintf(`name: hedge
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, workers: 400, service_time: {dist: constant, value: 1ms}, calls: [{to: backend%s}]}
  backend: {kind: service, workers: 400, service_time: {dist: empirical, quantiles: {0: 5ms, 0.95: 15ms, 0.9501: 900ms, 1: 1.1s}}}
run: {warmup: 60s, duration: 1200s}
`, hedge)
	}
	plain := runText(t, scenario(""))
	for _, c := range []struct {
		after        string
		delay, share float64
	}{{"50ms", 0.05, 0.05}, {"p90", 0.005 + 0.010*0.9/0.95, 0.10}} {
		rep := runText(t, scenario(", hedge: {after: "+c.after+"}"))
		calls := callsOf(rep, "app")
		share := float64(calls.Hedges) / float64(calls.Calls)
		t.Logf("hedge after %s: p99 %gs (unhedged %gs); %.3g of calls hedged", c.after, rep.Latency.P99, plain.Latency.P99, share)
		// Hedged calls take the delay, then a fast answer (at most 15 ms,
		// and 1 ms at the app), within the histogram's 1%.
		if bound := (c.delay + 0.015 + 0.001) * 1.01; plain.Latency.P99 < 0.9 || rep.Latency.P99 > bound {
			t.Errorf("hedge after %s: p99 %gs, unhedged %gs: want at most %gs", c.after, rep.Latency.P99, plain.Latency.P99, bound)
		}
		if sd := math.Sqrt(c.share * (1 - c.share) / float64(calls.Calls)); math.Abs(share-c.share) > 5*sd+0.005 {
			t.Errorf("hedge after %s: %.4g of calls hedged, want %g", c.after, share, c.share)
		}
	}
}

// TestRepeatedFault checks a fault repeated with every: 10 s of errors
// every 2 minutes from 1m, three times in 7 minutes, each a trigger.
func TestRepeatedFault(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: every
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, workers: 8, service_time: {dist: exponential, mean: 10ms}}
faults: [{at: 1m, for: 10s, every: 2m, node: app, errors: 100%}]
run: {warmup: 0s, duration: 7m}
`)
	want := 3 * 10 * 100.0
	if got := float64(rep.Requests.Errors); math.Abs(got-want) > 5*math.Sqrt(want) {
		t.Errorf("%g requests failed, want those of three 10 s faults, %g", got, want)
	}
	if len(rep.Triggers) != 3 || rep.Triggers[2].At != 300 {
		t.Errorf("triggers %+v: want three, at 60 s, 180 s and 300 s", rep.Triggers)
	}
}

// TestOverlappingFaults checks that faults on one node compound and each
// ends only its own part: 50% errors from 1m to 3m and 50% from 2m to 4m
// fail half, then 1 − ½·½ = 3/4, then half of the visits, a minute each.
func TestOverlappingFaults(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: overlap
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, workers: 8, service_time: {dist: exponential, mean: 10ms}}
faults: [{at: 1m, for: 2m, node: app, errors: 50%}, {at: 2m, for: 2m, node: app, errors: 50%}]
run: {warmup: 0s, duration: 5m, sample: 60s}
`)
	for i, want := range []float64{0, 0.5, 0.75, 0.5, 0} {
		smp := rep.Series.Samples[i]
		n := float64(smp.Arrived)
		got := float64(smp.Errors) / n
		if sd := math.Sqrt(want * (1 - want) / n); math.Abs(got-want) > 5*sd+2/n {
			t.Errorf("minute %d: %.4f of requests failed, want %g", i, got, want)
		}
	}
}

// TestOverlappingInstanceFaults checks that instance faults on one node
// take different instances and each brings back only its own: of 4
// instances behind round robin, one down from 1m to 3m and one more from
// 2m to 4m fail a quarter, then half, then a quarter of the requests, a
// minute each; a whole-node fault over them fails all, and its end leaves
// the instance a longer fault still holds down.
func TestOverlappingInstanceFaults(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: overlap
workload: {rate: 200}
entry: lb
nodes:
  lb: {kind: load_balancer, targets: app}
  app: {kind: service, instances: 4, workers: 8, service_time: {dist: exponential, mean: 10ms}}
faults:
  - {at: 1m, for: 2m, node: app, instances: 1}
  - {at: 2m, for: 2m, node: app, instances: 1}
  - {at: 5m, for: 2m, node: app, instances: 1}
  - {at: 5m, for: 1m, node: app}
run: {warmup: 0s, duration: 7m, sample: 60s}
`)
	for i, want := range []float64{0, 0.25, 0.5, 0.25, 0, 1, 0.25} {
		smp := rep.Series.Samples[i]
		n := float64(smp.Arrived)
		got := float64(smp.Errors) / n
		if sd := math.Sqrt(want * (1 - want) / n); math.Abs(got-want) > 5*sd+2/n {
			t.Errorf("minute %d: %.4f of requests failed, want %g", i, got, want)
		}
	}
}

// TestScaleRepinsSessions checks that a scale event re-pins users: ip_hash
// keeps every session while 4 instances stay, and when a schedule adds 2
// more the users whose ring arcs the new instances take (about a third)
// land on them and are logged out once.
func TestScaleRepinsSessions(t *testing.T) {
	t.Parallel()
	text := sessions("ip_hash", "local", "")
	text = strings.Replace(text, "sessions: local}", `sessions: local,
    autoscale: {min: 4, max: 4, target: 60%, boot_time: 10s, schedule: [{at: 5m, min: 6, max: 6}]}}`, 1)
	rep := runText(t, text)
	s := sessionsOf(rep, "app")
	t.Logf("%d sessions lost when 4 instances became 6", s.Lost)
	// 2000 users, 2/6 of them re-pinned, each logged out once, within the
	// ring's spread (64 points per instance: about 1/8 of a share each way).
	if want := 2000 * 2.0 / 6; math.Abs(float64(s.Lost)-want) > want/2 {
		t.Errorf("%d sessions lost when 4 instances became 6, want about %g", s.Lost, want)
	}
}

// TestRetryBudgetZero checks that an explicit zero means zero: a retry
// budget of 0% still allows Envoy's min_retry_concurrency (3) retries in
// flight, exactly as a budget of 0.0001% does, and none with
// min_retry_concurrency 0; without a budget every failed attempt is
// retried. Every attempt times out (100 ms of work, a 20 ms timeout), so
// attempts stay in flight long enough for the budget to bind.
func TestRetryBudgetZero(t *testing.T) {
	retries := func(policy string) (calls, retried, refused int64) {
		t.Helper()
		rep := runText(t, `name: budget
workload: {rate: 200}
entry: app
nodes:
  app: {kind: service, workers: 256, service_time: 1ms, calls: [{to: db, timeout: 20ms, retries: {max: 3, backoff: {base: 1ms}`+policy+`}}]}
  db: {kind: service, workers: 1000, service_time: 100ms}
run: {warmup: 1s, duration: 20s}
`)
		c := node(rep, "app").Detail.(*engine.PoolStats).Calls[0]
		return c.Calls, c.Retries, c.Refused
	}
	calls, all, _ := retries("")
	// Calls whose attempts straddle the window's edges (200/s × at most
	// 4 attempts of 20 ms and backoffs) shift the count by at most 3 × 20.
	if all < 3*calls-60 || all > 3*calls+60 {
		t.Fatalf("without a budget: %d retries of %d calls, want 3 each (±60 at the window's edges)", all, calls)
	}
	_, zero, refused := retries(", budget: 0%")
	_, tiny, _ := retries(", budget: 0.0001%")
	_, none, _ := retries(", budget: 0%, min_retry_concurrency: 0")
	if zero != tiny || zero == 0 || zero >= all || refused == 0 || none != 0 {
		t.Fatalf("retries: budget 0%% %d (%d refused), 0.0001%% %d, 0%% with min_retry_concurrency 0 %d, none %d; want 0%% = 0.0001%%, between 0 and %d, and none",
			zero, refused, tiny, none, all, all)
	}
	t.Logf("%d calls: retries %d without a budget, %d at 0%% (%d refused), %d with no concurrency floor", calls, all, zero, refused, none)
}

// TestFailoverAtWindowStart checks that a failover beginning exactly at
// the warm-up's end is the window's, as its trigger and its failed
// requests are: the report lists it, and every request failed in the
// window is its own. (Hostile review: a primary fault at 1s with a 1s
// warm-up was left out of the failovers, the database's ResetStats at the
// same instant clearing it, while its trigger and its failed requests
// were counted.) A repeat of a fault (every) lands after the window's
// start at its instant, as the first strike now does.
func TestFailoverAtWindowStart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, faults, run string }{
		{"at the warm-up's end", "{at: 30s, for: 1m, node: db, primary: true}", "warmup: 30s, duration: 2m"},
		{"at 0 without a warm-up", "{at: 0s, for: 1m, node: db, primary: true}", "warmup: 0s, duration: 2m"},
		{"a repeat at the warm-up's end", "{at: 10s, for: 5s, every: 20s, node: db, primary: true}", "warmup: 30s, duration: 15s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := runText(t, failover(tc.faults, tc.run))
			fo := databaseOf(rep, "db").Failovers
			if len(fo) != 1 || fo[0].At != rep.Warmup {
				t.Fatalf("failovers %+v: want one, at the warm-up's end (%gs)", fo, rep.Warmup)
			}
			if fo[0].FailedRequests != rep.Requests.Errors || rep.Requests.Errors == 0 {
				t.Errorf("%d requests failed in the failover, %d in the window: want the same, above 0", fo[0].FailedRequests, rep.Requests.Errors)
			}
			if !slices.ContainsFunc(rep.Triggers, func(tr simulate.Trigger) bool { return tr.At == rep.Warmup }) {
				t.Errorf("triggers %+v: want one at the warm-up's end", rep.Triggers)
			}
		})
	}
}

// TestEpisodeRequestsAreTheWindows checks that an episode of failure
// beginning at the window's start counts the failed requests the report
// counts, those that arrived in the window: a region outage at the
// warm-up's end, its database failing over from us-east-1 to eu-west-1
// while requests from the app in eu-west-1 cross the Atlantic (about 3
// in flight at 40/s). (Attack on the fix above: the failover counted 24
// failed requests, the report 21; the 3 had arrived in the warm-up.)
func TestEpisodeRequestsAreTheWindows(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: region-failover-at-warmup
workload: {rate: 40, mix: {read: 50%, write: 50%}}
entry: app
nodes:
  app: {kind: service, region: eu-west-1, service_time: 1ms, calls: [db]}
  db: {kind: database, region: us-east-1, replicas: [{region: eu-west-1, count: 1}], service_time: 1ms, failover_time: 2s}
faults: [{region: us-east-1, at: 1s, for: 5s}]
run: {duration: 10s, warmup: 1s, sample: 1s}
`)
	fo := databaseOf(rep, "db").Failovers
	if len(fo) != 1 || fo[0].At != rep.Warmup {
		t.Fatalf("failovers %+v: want one, at the warm-up's end", fo)
	}
	if fo[0].FailedRequests != rep.Requests.Errors || fo[0].WritesFailed > fo[0].FailedRequests {
		t.Errorf("the failover counts %d failed requests (%d for want of writes), the window %d: want the window's", fo[0].FailedRequests, fo[0].WritesFailed, rep.Requests.Errors)
	}
	for _, tr := range rep.Triggers {
		if tr.Recovery != nil && tr.Recovery.FailedRequests != rep.Requests.Errors {
			t.Errorf("the outage counts %d failed requests, the window %d: want the window's", tr.Recovery.FailedRequests, rep.Requests.Errors)
		}
	}
}

// TestFaultAtRunEndNotReached checks the window's other end: it is
// [warm-up's end, end), so a primary fault striking exactly at the run's
// end is not reached, as its trigger says, and starts no failover.
// (Attack on the fixes above: the report listed a failover 'under way at
// the end' beside a trigger 'not reached'.)
func TestFaultAtRunEndNotReached(t *testing.T) {
	t.Parallel()
	rep := runText(t, failover("{at: 1m, for: 1m, node: db, primary: true}", "warmup: 30s, duration: 30s"))
	if fo := databaseOf(rep, "db").Failovers; len(fo) != 0 {
		t.Errorf("failovers %+v: want none, the fault strikes at the run's end", fo)
	}
	if len(rep.Triggers) != 1 || rep.Triggers[0].Outcome != simulate.OutcomeNotReached {
		t.Errorf("triggers %+v: want one, not reached", rep.Triggers)
	}
}
