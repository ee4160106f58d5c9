package simulate_test

import (
	"math"
	"testing"
)

// fallbackScenario is an app at 200 requests a second calling rec, which
// fails every visit from 30 s to 90 s, with a breaker that opens after
// half of 10 calls fail; the call's fallback is fallback (a static reply
// after 2 ms, or a call to another node).
func fallbackScenario(fallback, degraded string) string {
	return `name: fallback
workload: {rate: 200}
entry: app
nodes:
  app:
    kind: service
    workers: 50
    service_time: {dist: exponential, mean: 2ms}
    calls:
      - to: rec
        timeout: 100ms
        circuit_breaker: {failure_rate: 50%, window: 20, min_calls: 10, open_for: 5s, half_open: 3}
        fallback: ` + fallback + `
  rec: {kind: service, workers: 20, service_time: {dist: exponential, mean: 5ms}}
  popular: {kind: service, workers: 20, service_time: {dist: exponential, mean: 1ms}}
faults: [{at: 30s, for: 60s, node: rec, errors: 100%}]
slo: {p99: 100ms, error_rate: 1%` + degraded + `}
run: {warmup: 0s, duration: 120s, sample: 5s}
`
}

// TestFallbackKeepsGoodput checks fallbacks through a callee's outage: with
// the breaker open (and the calls that fail before it opens), every
// request still gets a reply, so goodput stays at the offered rate in
// every sample window of the outage and no request fails; the replies the
// fallback answered are counted apart, as good by default, as errors with
// degraded_counts_as: error (then the error rate is their share, and
// goodput the rest). A fallback to another node answers from it; a
// fallback that fails fails its request.
func TestFallbackKeepsGoodput(t *testing.T) {
	t.Parallel()
	const rate, from, to, timeout = 200.0, 30.0, 90.0, 0.1
	cases := []struct {
		name, fallback, degraded string
		asErrors                 bool
		popular                  bool // the fallback calls popular
	}{
		{"static reply", "{reply: 2ms}", "", false, false},
		{"to another node", "{to: popular}", "", false, true},
		{"counted as errors", "{reply: 2ms}", ", degraded_counts_as: error", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := runText(t, fallbackScenario(tc.fallback, tc.degraded))
			q := rep.Requests
			// Every request arriving in the outage, less those that
			// reached rec in the 20 ms before it, and those the half-open
			// breaker let through (each also answered by the fallback).
			t.Logf("%d arrived, %d completed, %d degraded, %d failed; goodput %.1f/s, error rate %.4f", q.Arrived, q.Completed, q.Degraded, q.Failed(), rep.Goodput, *rep.ErrorRate)
			if q.Failed() != 0 || q.Completed != q.Arrived-q.Unfinished {
				t.Errorf("%d requests failed; want every one answered", q.Failed())
			}
			// The outage's arrivals, within 4 Poisson standard deviations.
			want := rate * (to - from)
			if math.Abs(float64(q.Degraded)-want) > 4*math.Sqrt(want) {
				t.Errorf("%d degraded replies; want the outage's %.0f arrivals", q.Degraded, want)
			}
			for _, smp := range rep.Series.Samples {
				if smp.Start < from || smp.Start+smp.Duration > to {
					continue
				}
				// A window's replies are its arrivals but those straddling
				// its edges: at most rate × the slowest reply (a timeout).
				good := *smp.Goodput * smp.Duration
				if tc.asErrors {
					if good > rate*timeout {
						t.Errorf("window at %gs: goodput %.0f replies; degraded ones, counted as errors, are not goodput", smp.Start, good)
					}
					continue
				}
				if math.Abs(good-float64(smp.Arrived)) > rate*timeout {
					t.Errorf("window at %gs: goodput %.0f replies of %d arrivals", smp.Start, good, smp.Arrived)
				}
			}
			ended := float64(q.Completed + q.Failed())
			wantRate, wantGoodput := 0.0, float64(q.Completed)/rep.Window
			if tc.asErrors {
				wantRate, wantGoodput = float64(q.Degraded)/ended, float64(q.Completed-q.Degraded)/rep.Window
			}
			if math.Abs(*rep.ErrorRate-wantRate) > 1e-12 || math.Abs(rep.Goodput-wantGoodput) > 1e-9 {
				t.Errorf("error rate %.6f, goodput %.3f; want %.6f and %.3f", *rep.ErrorRate, rep.Goodput, wantRate, wantGoodput)
			}
			if rep.SLO.Pass == tc.asErrors {
				t.Errorf("SLO pass %t; want %t (%v)", rep.SLO.Pass, !tc.asErrors, rep.SLO.Violations)
			}
			if served := node(rep, "popular").Throughput * rep.Window; tc.popular != (served > 0) ||
				(tc.popular && math.Abs(served-float64(q.Degraded)) > 1) {
				t.Errorf("popular served %.0f calls; want the %d degraded ones with a fallback to it, none otherwise", served, q.Degraded)
			}
		})
	}
}

// TestFallbackFails checks that a fallback that fails fails its request:
// the fallback's node is down for the outage too. (The breaker stays open
// up to open_for after the outage: those calls fall back to the node, up
// again, and are degraded.)
func TestFallbackFails(t *testing.T) {
	t.Parallel()
	const rate, outage, openFor = 200.0, 60.0, 5.0
	rep := runText(t, fallbackScenario("{to: popular}", ""), "faults=[{at: 30s, for: 60s, node: rec, errors: 100%}, {at: 30s, for: 60s, node: popular, errors: 100%}]")
	q := rep.Requests
	t.Logf("%d arrived, %d degraded, %d failed", q.Arrived, q.Degraded, q.Errors)
	if want := rate * outage; math.Abs(float64(q.Errors)-want) > 4*math.Sqrt(want) || float64(q.Degraded) > rate*openFor {
		t.Errorf("%d requests failed, %d degraded; want the outage's %.0f failed, at most %.0f degraded", q.Errors, q.Degraded, want, rate*openFor)
	}
}
