package simulate_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/database"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// regionRTO is two regions behind a failover DNS (health checks every
// 10 s, 3 failures to take a region out, TTL 60 s): everyone is sent to
// us-east-1 while it is healthy. Each request calls the database, whose
// primary is in us-east-1 and its replica in eu-west-1 (80 ms round trip:
// a write reaches it 40 ms + a constant 10 ms apply after its commit),
// with the given failover time; us-east-1 goes down at 183 s for 5
// minutes.
func regionRTO(failover string, seed int) string {
	return fmt.Sprintf(`name: region-rto
regions: {rtt: [{between: [us-east-1, eu-west-1], rtt: 80ms}]}
workload: {rate: 400, regions: {us-east-1: 60%%, eu-west-1: 40%%}, mix: {read: 50%%, write: 50%%}, keys: {dist: uniform, count: 100000}, timeout: 2s}
entry: dns
nodes:
  dns: {kind: dns, policy: failover, targets: [lb-us, lb-eu], ttl: 60s, health_check: {interval: 10s, failure_threshold: 3}}
  lb-us: {kind: load_balancer, targets: app-us, region: us-east-1}
  app-us: {kind: service, region: us-east-1, instances: 4, workers: 64, service_time: {dist: exponential, mean: 5ms}, calls: [db]}
  lb-eu: {kind: load_balancer, targets: app-eu, region: eu-west-1}
  app-eu: {kind: service, region: eu-west-1, instances: 4, workers: 64, service_time: {dist: exponential, mean: 5ms}, calls: [db]}
  db: {kind: database, region: us-east-1, replicas: [{region: eu-west-1, count: 1}], workers: 64, service_time: {dist: exponential, mean: 2ms},
       replication_lag: {dist: constant, value: 10ms}, failover_time: %s}
faults: [{region: us-east-1, at: 183s, for: 5m}]
slo: {p99: 1s, error_rate: 1%%}
run: {seed: %d, warmup: 60s, duration: 9m, sample: 10s}
`, failover, seed)
}

// regionOutage is the recovery the report gives the outage of the run:
// on its trigger.
func regionOutage(t *testing.T, r *simulate.Report) *engine.Recovery {
	t.Helper()
	for _, tr := range r.Triggers {
		if tr.Region != "" && tr.Recovery != nil {
			return tr.Recovery
		}
	}
	t.Fatalf("no region outage with its recovery among the triggers %+v", r.Triggers)
	return nil
}

// TestRegionRTO checks the recovery time of a region's outage under DNS
// failover against what the model implies. The outage starts at t0 =
// 183 s; the health checks probe at every multiple of 10 s, so the third
// failed probe is at 210 s: detection D = 27 s (⌈t0/I⌉·I − t0 + (k−1)·I,
// with the interval I = 10 s and the threshold k = 3). From then on a
// client still holds the old answer with probability 1 − age/TTL, so
// requests reach the dead region until t0 + D + TTL = 270 s, at a rate
// falling linearly to 0: the last of them comes a gap G before, with
// P(G > x) = e^(−λx²/(2·TTL)) (λ = 400/s: every user is sent there), a
// Rayleigh law of σ² = TTL/λ, mean σ·√(π/2) = 0.49 s and standard
// deviation σ·√((4−π)/2) = 0.25 s. Meanwhile the database promotes its
// replica failover_time F after t0 (its clock starts at the failure, as
// Amazon RDS's 60–120 s include the detection), and until then every
// request, all of which call it, fails. So the last failed request is at
// t0 + max(D + TTL − G, F), not the sum D + TTL + F: the database does not
// wait for the DNS. The first fails within a round trip of t0, and a
// failure reaches its user at most 0.1 s after its request left (the
// last mile and the Atlantic, each way). Two regimes: F = 30 s (the DNS
// is the longer: RTO = 87 s − G) and F = 150 s (the promotion is: 150 s).
// Until the SLO holds again: the window of 10 s the last failure falls in
// is broken (at least a percent of its requests fail), the next one is
// not, so the SLO part is within a sample window above the RTO.
func TestRegionRTO(t *testing.T) {
	t.Parallel()
	const t0, d, ttl, lambda, window = 183.0, 27.0, 60.0, 400.0, 10.0
	sigma := math.Sqrt(ttl / lambda)
	gapMean, gapSD := sigma*math.Sqrt(math.Pi/2), sigma*math.Sqrt((4-math.Pi)/2)
	for _, c := range []struct {
		failover       string
		rto, tolerance float64
	}{
		{"30s", d + ttl - gapMean, 5*gapSD + 0.1},
		{"150s", 150, 0.1 + 5/lambda},
	} {
		t.Run(c.failover, func(t *testing.T) {
			t.Parallel()
			r := runText(t, regionRTO(c.failover, 1))
			rc := regionOutage(t, r)
			if rc.RTO == nil || rc.RTOSLO == nil || rc.FirstFailed == nil {
				t.Fatalf("outage %+v: want a recovery time", rc)
			}
			t.Logf("F = %s: RTO %.3f s (first failed %.3f s, last %.3f s, %d failed), SLO back after %.0f s; theory %.3f s ± %.3f",
				c.failover, *rc.RTO, *rc.FirstFailed, *rc.LastFailed, rc.FailedRequests, *rc.RTOSLO, c.rto, c.tolerance)
			if *rc.FirstFailed < t0 || *rc.FirstFailed > t0+0.1 {
				t.Errorf("first failed request at %v, want within 0.1 s of the outage's start %v", *rc.FirstFailed, t0)
			}
			if math.Abs(*rc.RTO-c.rto) > c.tolerance {
				t.Errorf("RTO %.3f s, want %.3f ± %.3f", *rc.RTO, c.rto, c.tolerance)
			}
			if last := *rc.LastFailed - t0; *rc.RTOSLO < last || *rc.RTOSLO > last+window {
				t.Errorf("SLO back %v s after the outage began, want within a window (%v s) after the last failure, %v s", *rc.RTOSLO, window, last)
			}
			if rc.LostWrites == nil || rc.RPO == nil {
				t.Errorf("outage's RPO unknown, though its failover ended: %+v", rc)
			}
		})
	}
}

// TestRegionRPO checks the writes a region's outage loses: the replica
// promoted lacks the writes committed in the last L = 40 ms + 10 ms
// before the failure (constant), Poisson of mean λ_w·L with λ_w = 200
// writes/s, so 10 per outage; over 8 seeds, 80 within 4 standard
// deviations (√80). Their window, from the oldest's commit to the
// failure, is L − min(Exp(λ_w), L), of mean L − (1 − e^(−λ_w·L))/λ_w
// and standard deviation at most 1/λ_w. The outage's RPO is its
// failover's.
func TestRegionRPO(t *testing.T) {
	t.Parallel()
	const lambdaW, lag, seeds = 200.0, 0.05, 8
	lost, window := 0.0, 0.0
	for seed, r := range fidelity.Replicate(t, regionRTO("30s", 1), seeds) {
		rc := regionOutage(t, r)
		fo := databaseOf(r, "db").Failovers
		if len(fo) != 1 || fo[0].LostWrites == nil || rc.LostWrites == nil || *rc.LostWrites != *fo[0].LostWrites || *rc.RPO != *fo[0].RPO {
			t.Fatalf("seed %d: outage %+v, failovers %+v: want one failover, its RPO the outage's", seed+1, rc, fo)
		}
		lost += float64(*rc.LostWrites)
		window += *rc.RPO
	}
	want := seeds * lambdaW * lag
	if math.Abs(lost-want) > 4*math.Sqrt(want) {
		t.Errorf("%g writes lost over %d outages, want %g ± %.1f", lost, seeds, want, 4*math.Sqrt(want))
	}
	mean, wantWindow := window/seeds, lag-(1-math.Exp(-lambdaW*lag))/lambdaW
	if tol := 4 / lambdaW / math.Sqrt(seeds); math.Abs(mean-wantWindow) > tol {
		t.Errorf("mean RPO window %.4f s, want %.4f ± %.4f", mean, wantWindow, tol)
	}
	t.Logf("%g writes lost over %d outages (theory %g); mean window %s (theory %s)", lost, seeds, want,
		units.FormatDuration(mean), units.FormatDuration(wantWindow))
}

// oneRegion is a service and its database in us-east-1 alone, the users
// there too, with the database's replicas, failover time and faults as
// given: a region fault there leaves nowhere to go.
func oneRegion(replicas, faults string) string {
	return fmt.Sprintf(`name: one-region
workload: {rate: 200, regions: {us-east-1: 100%%}, mix: {read: 50%%, write: 50%%}, keys: {dist: uniform, count: 1000}, timeout: 2s}
entry: app
nodes:
  app: {kind: service, region: us-east-1, workers: 64, service_time: {dist: exponential, mean: 5ms}, calls: [db]}
  db: {kind: database, region: us-east-1, replicas: %s, workers: 64, service_time: {dist: exponential, mean: 2ms}, failover_time: 30s}
faults: [%s]
slo: {p99: 1s, error_rate: 1%%}
run: {seed: 3, warmup: 30s, duration: 5m, sample: 10s}
`, replicas, faults)
}

// TestRecoveryHostile checks that the recovery objectives stay honest at
// the edges: an RTO and an RPO are given only for a service that came
// back, null (never 0) when writes never came back or the objectives were
// still broken at the run's end; a region fault on the only region, a
// failover with no replica, a DNS TTL of 0 or of two days, overlapping
// faults.
func TestRecoveryHostile(t *testing.T) {
	t.Parallel()
	type want struct {
		rto      [2]float64 // the outage's (or the failover's) RTO within, or null for {-1, -1}
		lost     int64      // -1: null
		failover string     // the failover's outcome, "" for none (a database without replicas placed by region is down as a whole)
	}
	null := [2]float64{-1, -1}
	for _, c := range []struct {
		name, text string
		outage     bool // the region's outage is judged, else the failover
		want       want
	}{
		// Every request fails while the only region is down, 60 s.
		{"only region, back", oneRegion("0", "{region: us-east-1, at: 60s, for: 60s}"), true, want{[2]float64{59, 60.1}, 0, ""}},
		{"only region, down to the end", oneRegion("0", "{region: us-east-1, at: 60s, for: 1h}"), true, want{null, -1, ""}},
		{"no replica, primary down to the end", oneRegion("0", "{node: db, primary: true, at: 60s, for: 1h}"), false, want{null, -1, database.FailoverUnderWay}},
		{"no replica, primary back", oneRegion("0", "{node: db, primary: true, at: 60s, for: 40s}"), false, want{[2]float64{39, 40}, 0, database.FailoverNoReplica}},
		// A TTL of 0: clients follow the DNS at once, after the
		// detection (27 s); the promotion (30 s) is the longer.
		{"ttl 0", regionRTO("30s", 1), true, want{[2]float64{29.7, 30.2}, -2, database.FailoverPromoted}},
		// A TTL of two days: the clients stay on the dead region until
		// it is back, 5 minutes later (the database had failed over to
		// eu-west-1 after 30 s).
		{"ttl of days", regionRTO("30s", 1), true, want{[2]float64{299.5, 300.2}, -2, database.FailoverPromoted}},
		{"ttl of days, down to the end", regionRTO("30s", 1), true, want{null, -2, database.FailoverPromoted}},
		// The primary fails at 100 s and is replaced at 130 s; the
		// region's outage at 150 s strikes the old primary's server,
		// already down: it causes no failover, and loses nothing.
		{"overlapping", oneRegion("[{region: eu-west-1, count: 1}]", "{node: db, primary: true, at: 100s, for: 5m}, {region: us-east-1, at: 150s, for: 60s}"), true, want{[2]float64{0, 60}, 0, database.FailoverPromoted}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var sets []string
			switch c.name {
			case "ttl 0":
				sets = []string{"nodes.dns.ttl=0s"}
			case "ttl of days":
				sets = []string{"nodes.dns.ttl=48h"}
			case "ttl of days, down to the end":
				sets = []string{"nodes.dns.ttl=48h", "faults.0.for=1h"}
			case "overlapping":
				sets = []string{"regions={rtt: [{between: [us-east-1, eu-west-1], rtt: 80ms}]}"}
			}
			r := runText(t, c.text, sets...)
			fo := databaseOf(r, "db").Failovers
			if c.want.failover == "" && len(fo) > 0 || c.want.failover != "" && (len(fo) != 1 || fo[0].Outcome != c.want.failover) {
				t.Fatalf("failovers %+v: want %q", fo, c.want.failover)
			}
			var rc *engine.Recovery
			if len(fo) > 0 {
				rc = &fo[0].Recovery
			}
			if c.outage {
				rc = regionOutage(t, r)
			}
			t.Logf("%s", rc.Text())
			switch {
			case c.want.rto == null && rc.RTO != nil:
				t.Errorf("RTO %v: want null, the service not back by the end", *rc.RTO)
			case c.want.rto == null:
			case rc.RTO == nil || *rc.RTO < c.want.rto[0] || *rc.RTO > c.want.rto[1]:
				t.Errorf("RTO %v: want %v to %v s", units.OrUnknown(rc.RTO, units.FormatDuration), c.want.rto[0], c.want.rto[1])
			}
			switch {
			case c.want.lost == -2: // known, any
				if rc.LostWrites == nil || rc.RPO == nil {
					t.Errorf("RPO unknown, though writes came back")
				}
			case c.want.lost == -1 && (rc.LostWrites != nil || rc.RPO != nil):
				t.Errorf("RPO %v writes: want null, writes never back", *rc.LostWrites)
			case c.want.lost >= 0 && (rc.LostWrites == nil || *rc.LostWrites != c.want.lost || rc.RPO == nil):
				t.Errorf("RPO %v writes: want %d", units.OrUnknown(rc.RPO, units.FormatDuration), c.want.lost)
			}
		})
	}
}

// TestActiveActiveRPO checks that a region outage striking an active-active
// primary loses the writes it had not yet sent to the other: those
// committed within the replication lag before the failure, L = the one-way
// delay (80.5 ms / 2) plus the constant apply time (10 ms), so λ_w·L an
// outage for Poisson writes at λ_w, within four Poisson standard errors of
// the total; each outage's RPO window, from the oldest lost write to the
// failure, has the mean L − (1 − e^(−λ_w·L))/λ_w (the last arrival before
// the lag's start is gone: the oldest of a Poisson count in L).
func TestActiveActiveRPO(t *testing.T) {
	t.Parallel()
	const text = `name: aa-rpo
workload: {rate: 200, regions: {us-east-1: 100%}, mix: {write: 100%}, keys: {dist: uniform, count: 100000}}
entry: app
nodes:
  app: {kind: service, region: us-east-1, workers: 64, service_time: {dist: constant, value: 1ms}, calls: [db]}
  db: {kind: database, region: us-east-1, primaries: [us-east-1, eu-west-1], workers: 64, service_time: {dist: constant, value: 1ms},
       replication_lag: {dist: constant, value: 10ms}}
faults: [{region: us-east-1, at: 20s, for: 2s, every: 10s}]
run: {seed: 3, warmup: 5s, duration: 400s, sample: 1s}
`
	const lambdaW, lag = 200.0, 0.0805/2 + 0.010
	r := runText(t, text)
	lost, window, outages := 0.0, 0.0, 0
	for _, tr := range r.Triggers {
		if tr.Region == "" || tr.Recovery == nil || tr.Recovery.LostWrites == nil {
			continue
		}
		outages++
		lost += float64(*tr.Recovery.LostWrites)
		window += *tr.Recovery.RPO
	}
	if outages < 30 {
		t.Fatalf("%d outages with their RPO among the triggers %+v: want 39", outages, r.Triggers)
	}
	if float64(r.Requests.LostWrites) != lost {
		t.Errorf("the report's lost writes %d, the outages' %g", r.Requests.LostWrites, lost)
	}
	want := float64(outages) * lambdaW * lag
	if math.Abs(lost-want) > 4*math.Sqrt(want) {
		t.Errorf("%g writes lost over %d outages, want %.1f ± %.1f", lost, outages, want, 4*math.Sqrt(want))
	}
	mean, wantWindow := window/float64(outages), lag-(1-math.Exp(-lambdaW*lag))/lambdaW
	if tol := 4 / lambdaW / math.Sqrt(float64(outages)); math.Abs(mean-wantWindow) > tol {
		t.Errorf("mean RPO window %.4f s, want %.4f ± %.4f", mean, wantWindow, tol)
	}
	t.Logf("%g writes lost over %d outages (theory %.1f ± %.1f); mean window %s (theory %s)", lost, outages, want, 4*math.Sqrt(want),
		units.FormatDuration(mean), units.FormatDuration(wantWindow))
}

// TestActiveActiveRegionBackKeepsFaults checks that an errors fault on an
// active-active database outlasts a region outage of one of its
// primaries: when the us-east-1 primary came back, its station's fault
// flag was set from "any instance down" alone, so the errors fault in
// force stopped failing visits (found by a hostile review). The app and
// its users are in eu-west-1, so its calls go to the eu-west-1 primary,
// which the outage spares: after the warm-up every visit there fails with
// probability p = 30%, so the failed share of n visits is within four
// binomial standard errors, 4·√(p(1 − p)/n), of p, before and after the
// outage ends at 20 s.
func TestActiveActiveRegionBackKeepsFaults(t *testing.T) {
	t.Parallel()
	const text = `name: aa-errors
workload: {rate: 200, regions: {eu-west-1: 100%}, mix: {read: 50%, write: 50%}, keys: {dist: uniform, count: 100000}}
entry: app
nodes:
  app: {kind: service, region: eu-west-1, workers: 64, service_time: {dist: constant, value: 1ms}, calls: [db]}
  db: {kind: database, region: us-east-1, primaries: [us-east-1, eu-west-1], workers: 64, service_time: {dist: constant, value: 1ms}}
faults:
  - {node: db, at: 0s, for: 1h, errors: 30%}
  - {region: us-east-1, at: 10s, for: 10s}
run: {seed: 5, warmup: 5s, duration: 60s}
`
	const p = 0.30
	r := runText(t, text)
	var db *simulate.NodeReport
	for i := range r.Nodes {
		if r.Nodes[i].Name == "db" {
			db = &r.Nodes[i]
		}
	}
	if db == nil {
		t.Fatal("no db in the report")
	}
	n := float64(db.Arrived())
	got := float64(db.Errors) / n
	if tol := 4 * math.Sqrt(p*(1-p)/n); math.Abs(got-p) > tol {
		t.Errorf("db failed %.4f of its %g visits, want %.2f ± %.4f", got, n, p, tol)
	}
}
