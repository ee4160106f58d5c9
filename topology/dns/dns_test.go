package dns_test

import (
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/dns"
)

// twoRegions is a DNS in front of two regional fleets, with 60% of the
// users in us-east-1 and 40% in eu-west-1; each fleet has room to spare.
const twoRegions = `name: two-regions
workload: {rate: 200, regions: {us-east-1: 60%, eu-west-1: 40%}}
entry: dns
nodes:
  dns: {kind: dns, policy: latency, targets: [lb-us, lb-eu], ttl: 60s, health_check: {interval: 10s, failure_threshold: 3}}
  lb-us: {kind: load_balancer, targets: app-us, region: us-east-1}
  lb-eu: {kind: load_balancer, targets: app-eu, region: eu-west-1}
  app-us: {kind: service, instances: 2, workers: 8, service_time: {dist: exponential, mean: 20ms}, region: us-east-1}
  app-eu: {kind: service, instances: 2, workers: 8, service_time: {dist: exponential, mean: 20ms}, region: eu-west-1}
slo: {p99: 300ms}
run: {seed: 1, warmup: 60s, duration: 25m, sample: 10s}
`

func run(t *testing.T, text string, sets ...string) *simulate.Report {
	t.Helper()
	s, err := scenarios.Parse("t.yaml", []byte(text), sets...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := simulate.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func stats(t *testing.T, rep *simulate.Report) *dns.Stats {
	t.Helper()
	for _, n := range rep.Nodes {
		if s, ok := n.Detail.(*dns.Stats); ok {
			return s
		}
	}
	t.Fatal("no dns node in the report")
	return nil
}

// within checks that got of n trials is p's share within four binomial
// standard errors.
func within(t *testing.T, what string, got, n int64, p float64) {
	t.Helper()
	share, se := float64(got)/float64(n), math.Sqrt(p*(1-p)/float64(n))
	if math.Abs(share-p) > 4*se {
		t.Errorf("%s: %.4f of %d, want %.4f ± %.4f (4 SE)", what, share, n, p, 4*se)
	}
}

// TestLatencyRouting checks that each user region goes to its nearest
// region: lb-us gets the us-east-1 users' share, and each region's users
// pay the last mile alone (their region serves them).
func TestLatencyRouting(t *testing.T) {
	rep := run(t, twoRegions)
	st := stats(t, rep)
	within(t, "lb-us share", st.Sent[0], st.Sent[0]+st.Sent[1], 0.6)
	for _, r := range rep.Regions {
		if r.Latency == nil || r.Latency.Mean > 0.045 {
			t.Errorf("%s users: mean %v, want about 40 ms (20 ms last mile, 20 ms service)", r.Region, r.Latency)
		}
	}
	if len(st.Switches) != 0 {
		t.Errorf("answers changed without a fault: %v", st.Switches)
	}
}

// TestWeightedRouting checks that weights split the users within binomial
// tolerance, whatever their regions.
func TestWeightedRouting(t *testing.T) {
	rep := run(t, strings.Replace(twoRegions, "policy: latency,", "policy: weighted, weights: {lb-us: 7, lb-eu: 3},", 1))
	st := stats(t, rep)
	within(t, "lb-us share", st.Sent[0], st.Sent[0]+st.Sent[1], 0.7)
	t.Logf("lb-us %d, lb-eu %d", st.Sent[0], st.Sent[1])
}

// TestRegionFailover takes us-east-1 down from 300 s to 900 s. The health
// checks at 300, 310 and 320 s fail, so from 320 s the us-east-1 users are
// answered with lb-eu; the clients holding the old answer fall linearly
// from all to none over the 60 s TTL. The us-east-1 users' requests fail
// for the 20 s of detection and, on average, half the TTL: 120/s × (20 s
// + 30 s) = 6000 (Poisson tolerance); the last fails by 380 s (the RTO is
// detection + TTL: 80 s), within a sample window.
func TestRegionFailover(t *testing.T) {
	rep := run(t, strings.Replace(twoRegions, "slo:", "faults: [{region: us-east-1, at: 5m, for: 10m}]\nslo:", 1))
	st := stats(t, rep)
	if len(st.Switches) != 2 || st.Switches[0].At != 320 || st.Switches[0].To != "lb-eu" || st.Switches[1].To != "lb-us" {
		t.Fatalf("switches %+v, want us-east-1 users to lb-eu at 320 s and back after the fault", st.Switches)
	}
	failed := rep.Requests.Errors
	const want = 120 * (20 + 30)
	if d := math.Abs(float64(failed) - want); d > 4*math.Sqrt(want) {
		t.Errorf("%d requests failed, want %d ± %.0f (4 Poisson SD)", failed, want, 4*math.Sqrt(want))
	}
	t.Logf("%d requests failed (expected %d); switches %+v", failed, want, st.Switches)
	last := 0.0
	for _, smp := range rep.Series.Samples {
		if smp.Errors > 0 {
			last = smp.Start + smp.Duration
		}
	}
	if last < 380 || last > 380+10 {
		t.Errorf("the last failure's window ends at %v s, want 380 s (fault at 300 s + 20 s detection + 60 s TTL) within a 10 s window", last)
	}
	for _, r := range rep.Regions {
		if r.Region == "eu-west-1" && r.Failed != 0 {
			t.Errorf("eu-west-1 users saw %d failures, want none", r.Failed)
		}
	}
}

// TestDNSRefusals checks that wrong DNS settings are refused at their
// field.
func TestDNSRefusals(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{"policy: latency,", "policy: nearest,", `unknown dns dns policy "nearest"`},
		{"policy: latency,", "policy: weighted,", "with policy weighted needs weights"},
		{"policy: latency,", "policy: geo, geo: {eu-west-1: lb-eu, default: lb-ux},", `sends default to lb-ux, which is not one of its targets`},
		{"ttl: 60s", "ttl: 30d", "ttl must be from 0 to a week"},
		{"policy: latency, targets: [lb-us, lb-eu]", "policy: failover, targets: [lb-us]", "needs two targets or more"},
		{"{kind: dns,", "{kind: dns, region: us-east-1,", "a dns is in no region"},
		{"slo:", "faults: [{region: us-west-2, at: 1m, for: 1m}]\nslo:", "no node with workers is placed in us-west-2"},
		{"slo:", "faults: [{region: us-east-1, at: 1m, for: 1m, errors: 10%}]\nslo:", "a region fault takes every node there down; it gives no errors"},
		{"slo:", "faults: [{region: us-east-1, node: app-us, at: 1m, for: 1m}]\nslo:", "a fault strikes a node or a region, not both"},
	} {
		text := strings.Replace(twoRegions, c.old, c.new, 1)
		if text == twoRegions {
			t.Fatalf("%q is not in the scenario", c.old)
		}
		_, err := scenarios.Parse("t.yaml", []byte(text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error containing %q, got %v", c.new, c.want, err)
		}
	}
}
