package function_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/topology/function"
	"github.com/scalesim/scalesim/topology/topotest"
)

// TestInvocations runs a function by hand, at chosen times, and checks each
// invocation's end (cold starts, CPU scaled by memory), the throttle at
// the concurrency limit, the idle timeout, and the bill to the cent's
// millionth: 0.20 per million requests plus the GB-seconds, each
// invocation rounded up to the millisecond, INIT included.
func TestInvocations(t *testing.T) {
	for _, tc := range []struct {
		name        string
		provisioned int
		at          []float64 // submission times
		ends        []float64 // when each request ended
		cold        int64
		throttled   int64
		peak        int   // the most in flight at once
		billedMs    int64 // on-demand
		provMs      int64 // on provisioned instances
	}{
		// 100 ms of work at 512 MB takes 100 × 1769/512 = 345.5078125 ms
		// (billed 346); a cold start adds 250 ms (billed 596 in all).
		{name: "cold then warm", at: []float64{0, 1, 2},
			ends: []float64{0.5955078125, 1.3455078125, 2.3455078125}, cold: 1, peak: 1, billedMs: 596 + 346 + 346},
		// At 0.2 a third arrives while two run: throttled at once
		// (concurrency 2).
		{name: "throttled", at: []float64{0, 0.1, 0.2},
			ends: []float64{0.2, 0.5955078125, 0.6955078125}, cold: 2, throttled: 1, peak: 2, billedMs: 596 + 596},
		// Idle for the timeout (60 s) or more: reclaimed, cold again.
		{name: "idle timeout", at: []float64{0, 61, 120},
			ends: []float64{0.5955078125, 61.5955078125, 120.3455078125}, cold: 2, peak: 1, billedMs: 596 + 596 + 346},
		// A provisioned instance takes the first; the second, while it
		// is busy, starts an on-demand one cold.
		{name: "provisioned", provisioned: 1, at: []float64{0, 0.1},
			ends: []float64{0.3455078125, 0.6955078125}, cold: 1, peak: 2, billedMs: 596, provMs: 346},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net, k, obs := topotest.Build(t, "fn", fmt.Sprintf(`
  fn:
    kind: function
    memory: 512MB
    concurrency: 2
    provisioned: %d
    idle_timeout: 60s
    service_time: {dist: constant, value: 100ms}
`, tc.provisioned))
			var ends []float64
			obs.OnFinish = func(now sim.Time) { ends = append(ends, float64(now)) }
			for _, at := range tc.at {
				k.Run(sim.Time(at))
				net.Submit(0, -1, -1, -1)
			}
			const window = 200.0
			k.Run(window)
			if len(ends) != len(tc.ends) {
				t.Fatalf("%d requests ended, want %d", len(ends), len(tc.ends))
			}
			for i := range ends {
				if math.Abs(ends[i]-tc.ends[i]) > 1e-9 {
					t.Errorf("request %d ended at %.10g, want %.10g", i, ends[i], tc.ends[i])
				}
			}
			st := net.Stats(window, k.Now())[0]
			fs := st.Detail.(*function.FunctionStats)
			if fs.ColdStarts != tc.cold || fs.Throttled != tc.throttled || obs.ByOutcome[engine.RateLimited] != int(tc.throttled) || fs.ConcurrencyPeak != tc.peak {
				t.Errorf("%d cold starts, %d throttled (%d requests rate limited), peak %d; want %d, %d, %d", fs.ColdStarts, fs.Throttled,
					obs.ByOutcome[engine.RateLimited], fs.ConcurrencyPeak, tc.cold, tc.throttled, tc.peak)
			}
			// The bill, from Lambda's published prices written out.
			invocations := float64(len(tc.at)) - float64(tc.throttled)
			gbs := float64(tc.billedMs) * 0.5 / 1000
			provGBs := float64(tc.provMs) * 0.5 / 1000
			want := invocations*0.20/1e6 + gbs*0.0000166667 + provGBs*0.0000097222 + float64(tc.provisioned)*0.5*window*0.0000041667
			if fs.BilledGBSeconds != gbs || fs.ProvisionedBilledGBSeconds != provGBs || math.Abs(fs.WindowUSD-want) > 1e-12*want {
				t.Errorf("billed %g GB-s (%g provisioned), $%.10g; want %g, %g, $%.10g", fs.BilledGBSeconds, fs.ProvisionedBilledGBSeconds, fs.WindowUSD, gbs, provGBs, want)
			}
			month := topology.HoursPerMonth * 3600.0
			if got := st.Usage.Billed * month; math.Abs(got-want/window*month) > 1e-9*want/window*month {
				t.Errorf("monthly %g, want %g", got, want/window*month)
			}
		})
	}
}

// TestRefused checks Lambda's ranges, each refused at its field.
func TestRefused(t *testing.T) {
	for _, tc := range []struct{ field, want string }{
		{"memory: 64", "memory is from 128 to 10240 MB"},
		{"memory: 10241", "memory is from 128 to 10240 MB"},
		{"memory: 1.5GB", "want a whole number of MB"},
		{"concurrency: 0", "concurrency 0 would throttle every invocation"},
		{"provisioned: 3000", "provisioned concurrency is from 0 to its concurrency (1000)"},
		{"init_duration: 3d", "init_duration is from 0 to 10s"},
		{"idle_timeout: 30d", "idle_timeout is from 0"},
		{"timeout: 1h", "timeout is above 0 and at most 15m"},
		{"cost: {hourly: 1}", "billed at Lambda's published rates"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			text := fmt.Sprintf("name: t\nworkload: {rate: 1}\nentry: fn\nnodes:\n  fn:\n    kind: function\n    service_time: {dist: constant, value: 10ms}\n    %s\n", tc.field)
			_, err := scenarios.Parse("t.yaml", []byte(text))
			if err == nil || !strings.Contains(err.Error(), "t.yaml:8:") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error at t.yaml:8 saying %q", err, tc.want)
			}
		})
	}
}

// TestColdStartShare checks the cold-start share under Poisson arrivals
// against the closed form at concurrency 1, where it is exact: after an
// invocation ends, the next arrival comes an exponential time later, so it
// finds the instance idle for T or more with probability e^(−λT). The
// throttled share is Erlang B with one server, whose holding time includes
// the INIT phase of the cold share.
func TestColdStartShare(t *testing.T) {
	const lambda, work, init, idle = 10.0, 0.010, 0.050, 0.1
	text := fmt.Sprintf(`
name: cold
workload: {rate: %g}
entry: fn
nodes:
  fn:
    kind: function
    memory: 1769
    concurrency: 1
    init_duration: %gs
    idle_timeout: %gs
    service_time: {dist: exponential, mean: %gs}
run: {seed: 1, warmup: 1s, duration: 1000s}
`, lambda, init, idle, work)
	reports := fidelity.Replicate(t, text, 10)
	cold := math.Exp(-lambda * idle)
	throttled := analytic.ErlangB(1, lambda*(work+init*cold))
	fidelity.Check(t, "cold-start share, c = 1", reports, func(r *simulate.Report) float64 { return *stats(r).ColdShare }, cold, false)
	fidelity.Check(t, "throttled share, c = 1", reports, func(r *simulate.Report) float64 { return *stats(r).ThrottledShare }, throttled, false)
	exp, _ := sim.NewExponential(work)
	est := (&function.Function{ServiceTime: exp, MemoryMB: 1769, Concurrency: 1,
		InitDuration: init, IdleTimeout: idle, Timeout: 3}).LossAt(lambda)
	if math.Abs(est.Cold-cold) > 1e-12 || math.Abs(est.Throttled-throttled) > 1e-9 {
		t.Errorf("the estimate gives cold %g, throttled %g; want %g, %g", est.Cold, est.Throttled, cold, throttled)
	}
}

// TestColdStartShareMany checks the cold-start share with many instances
// against the estimate's sum over the busy count k of π_k times the chance
// of no passage from k to k+1 within the idle timeout, exact for
// exponential holding times (and INIT 0, so that a cold start does not
// hold its instance longer): 50/s of 100 ms, 5 Erlangs, T = 2 s.
func TestColdStartShareMany(t *testing.T) {
	text := `
name: cold-many
workload: {rate: 50}
entry: fn
nodes:
  fn:
    kind: function
    memory: 1769
    init_duration: 0s
    idle_timeout: 2s
    service_time: {dist: exponential, mean: 100ms}
run: {seed: 1, warmup: 10s, duration: 3000s}
`
	reports := fidelity.Replicate(t, text, 10)
	exp, _ := sim.NewExponential(0.1)
	est := (&function.Function{ServiceTime: exp, MemoryMB: 1769, Concurrency: 1000, IdleTimeout: 2, Timeout: 3}).LossAt(50)
	if !est.Exact {
		t.Fatal("the estimate took the exponential approximation")
	}
	fidelity.Check(t, "cold-start share, 5 E, T = 2s", reports, func(r *simulate.Report) float64 { return *stats(r).ColdShare }, est.Cold, false)
}

// TestThrottledShare checks throttling against Erlang B with c = the
// concurrency limit: 10 instances offered 8 Erlangs (80/s of 100 ms,
// exponential; Erlang B is insensitive to the distribution). INIT 0 keeps
// the holding time that of the work alone.
func TestThrottledShare(t *testing.T) {
	text := `
name: erlang-b
workload: {rate: 80}
entry: fn
nodes:
  fn:
    kind: function
    memory: 2048
    concurrency: 10
    init_duration: 0s
    service_time: {dist: exponential, mean: 100ms}
run: {seed: 1, warmup: 5s, duration: 600s}
`
	reports := fidelity.Replicate(t, text, 10)
	b := analytic.ErlangB(10, 8)
	fidelity.Check(t, "throttled share, c = 10, 8 E", reports, func(r *simulate.Report) float64 { return *stats(r).ThrottledShare }, b, false)
	fidelity.Check(t, "mean concurrency, c = 10, 8 E", reports, func(r *simulate.Report) float64 { return stats(r).ConcurrencyMean }, 8*(1-b), false)
}

// stats is the function node's figures in a report.
func stats(r *simulate.Report) *function.FunctionStats {
	for _, n := range r.Nodes {
		if fs, ok := n.Detail.(*function.FunctionStats); ok {
			return fs
		}
	}
	panic("no function in the report")
}

// TestTimeoutOutcome checks that an invocation its timeout ends fails its
// request as the node's own timeout, not as a fault: 2 s of work against
// a 1 s timeout ends at 1 s (after a 250 ms INIT), counted in the
// function's timed out and in its node's TimedOut.
func TestTimeoutOutcome(t *testing.T) {
	net, k, obs := topotest.Build(t, "fn", `
  fn:
    kind: function
    memory: 1769
    timeout: 1s
    service_time: {dist: constant, value: 2s}
`)
	var ends []float64
	obs.OnFinish = func(now sim.Time) { ends = append(ends, float64(now)) }
	net.Submit(0, -1, -1, -1)
	k.Run(10)
	st := net.Stats(10, k.Now())[0]
	fs := st.Detail.(*function.FunctionStats)
	if obs.ByOutcome[engine.NodeTimedOut] != 1 || obs.ByOutcome[engine.Failed] != 0 || fs.TimedOut != 1 || st.TimedOut != 1 ||
		len(ends) != 1 || math.Abs(ends[0]-1.25) > 1e-9 {
		t.Fatalf("outcomes %v, %d timed out (node %d), ended at %v; want one node timeout at 1.25 s", obs.ByOutcome, fs.TimedOut, st.TimedOut, ends)
	}
}

// TestColdStartShareProvisioned checks the cold-start share with
// provisioned concurrency where it has a closed form: an invocation takes
// a free provisioned instance first, so the p provisioned instances are a
// loss system of their own (Erlang B, insensitive to the work's
// distribution), and with an idle timeout of 0 every invocation beyond
// them, and only those, starts cold: the share of those served is
// B(p, λ·work) whatever the INIT phase (the concurrency, 1000, throttles
// none). 100/s of 100 ms over 10 provisioned: B(10, 10) ≈ 21.5%, where the
// busy count's Poisson tail, which the estimate took before, gave 97%.
func TestColdStartShareProvisioned(t *testing.T) {
	text := `
name: cold-provisioned
workload: {rate: 100}
entry: fn
nodes:
  fn:
    kind: function
    memory: 1769
    provisioned: 10
    init_duration: 1s
    idle_timeout: 0s
    service_time: {dist: exponential, mean: 100ms}
run: {seed: 1, warmup: 10s, duration: 600s}
`
	exp, _ := sim.NewExponential(0.1)
	est := (&function.Function{ServiceTime: exp, MemoryMB: 1769, Concurrency: 1000, Provisioned: 10, InitDuration: 1, Timeout: 3}).LossAt(100)
	want := analytic.ErlangB(10, 10)
	if math.Abs(est.Cold-want) > 1e-9 {
		t.Errorf("the estimate's cold-start share is %g; want B(10, 10) = %g", est.Cold, want)
	}
	reports := fidelity.Replicate(t, text, 10)
	fidelity.Check(t, "cold-start share, p = 10, T = 0", reports, func(r *simulate.Report) float64 { return *stats(r).ColdShare }, want, false)
}

// TestColdStartShareProvisionedIdle checks the cold-start share with
// provisioned concurrency and an idle timeout against the chain of both
// busy counts (overflowCold), exact for exponential holding times (and
// INIT 0, so that a cold start does not hold its instance longer): 10/s
// of 300 ms over 2 provisioned (B(2, 3) = 52.9% go beyond them), T = 1 s;
// 20/s of 200 ms over 5 (B(5, 4) = 19.9%), T = 5 s. Taking those beyond as
// Poisson gave 8.73% and 0.685%: they come in bursts, while the
// provisioned are all busy.
func TestColdStartShareProvisionedIdle(t *testing.T) {
	for _, c := range []struct {
		rate, work, idle float64
		provisioned      int
		duration         string
	}{
		{10, 0.3, 1, 2, "20000s"},
		{20, 0.2, 5, 5, "30000s"},
	} {
		t.Run(fmt.Sprintf("p=%d, T=%gs", c.provisioned, c.idle), func(t *testing.T) {
			text := fmt.Sprintf(`
name: cold-provisioned-idle
workload: {rate: %g}
entry: fn
nodes:
  fn:
    kind: function
    memory: 1769
    provisioned: %d
    init_duration: 0s
    idle_timeout: %gs
    service_time: {dist: exponential, mean: %gs}
run: {seed: 1, warmup: 10s, duration: %s}
`, c.rate, c.provisioned, c.idle, c.work, c.duration)
			exp, _ := sim.NewExponential(c.work)
			est := (&function.Function{ServiceTime: exp, MemoryMB: 1769, Concurrency: 1000, Provisioned: c.provisioned, IdleTimeout: c.idle, Timeout: 3}).LossAt(c.rate)
			if est.Overflow {
				t.Fatal("the estimate took the Poisson overflow")
			}
			reports := fidelity.Replicate(t, text, 10)
			fidelity.Check(t, fmt.Sprintf("cold-start share, p = %d", c.provisioned), reports, func(r *simulate.Report) float64 { return *stats(r).ColdShare }, est.Cold, false)
		})
	}
}
