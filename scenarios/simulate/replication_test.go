package simulate_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/database"
)

// placeOf is a database's figures in region.
func placeOf(t *testing.T, r *simulate.Report, db, region string) database.PlaceStats {
	t.Helper()
	for _, p := range databaseOf(r, db).Places {
		if p.Region == region {
			return p
		}
	}
	t.Fatalf("database %s has no figures in %s", db, region)
	return database.PlaceStats{}
}

// laplace is E[e^{−s·R}] for R the in-order lag of l: ∫₀^∞ s·e^{−s·x}·F(x)
// dx (R ≥ 0), by the trapezoid rule up to u, 40 of R's means past its
// tail, where F is 1 to within 1e-12, and e^{−s·u} beyond.
func laplace(l analytic.InOrderLag, s float64) float64 {
	const n = 40000
	upper := 40 * l.MeanLag()
	h := upper / n
	sum := float64(s*math.Exp(-s*upper)) * l.CDF(upper) / 2
	for i := 1; i < n; i++ {
		x := float64(i) * h
		sum += float64(s*math.Exp(-s*x)) * l.CDF(x)
	}
	return float64(sum*h) + math.Exp(-s*upper)
}

// TestFidelityCrossRegionReplica checks an asynchronous replica in another
// region than its primary: writes committed at Poisson rate λ (from a
// service in eu-west-1 to the primary in us-east-1, 80 ms round trip
// apart) reach the replica in eu-west-1 the one-way delay d = 40 ms plus
// an exponential apply time of mean m after their commit, in commit
// order, so the lag measured is W = d + R with R the resequencing delay
// of an M/M/∞ system (analytic.InOrderLag). A read of a key written at
// rate λk = λ/K is stale when the key's latest write is not applied yet:
// its age is exponential of rate λk, independent of that write's lag
// (which depends on earlier writes alone), so the stale share is
// ∫ λk·e^{−λk·a}·P(W > a) da = 1 − E[e^{−λk·W}] = 1 − e^{−λk·d}·E[e^{−λk·R}].
// Reads go to the replica nearest the reader, the one in its region.
func TestFidelityCrossRegionReplica(t *testing.T) {
	const lambda, m, d, keys = 50.0, 0.02, 0.04, 20.0
	text := fmt.Sprintf(`name: cross-region-replica
regions: {rtt: [{between: [us-east-1, eu-west-1], rtt: 80ms}]}
workload: {rate: %g, mix: {read: 80%%, write: 20%%}, keys: {dist: uniform, count: %g}}
entry: app
nodes:
  app: {kind: service, region: eu-west-1, workers: 10000, service_time: {dist: constant, value: 0}, calls: [db]}
  db: {kind: database, region: us-east-1, replicas: [{region: eu-west-1, count: 1}], workers: 10000,
       service_time: {dist: constant, value: 0}, replication_lag: {dist: exponential, mean: %gs}}
run: {warmup: 10s, duration: 200s}
`, lambda/0.2, keys, m)
	reps := fidelity.Replicate(t, text, 8)
	lag := analytic.InOrderLag{Lambda: lambda, Mean: m}
	eu := func(r *simulate.Report) database.PlaceStats { return placeOf(t, r, "db", "eu-west-1") }
	fidelity.Check(t, "lag to eu-west-1 d + R", reps, func(r *simulate.Report) float64 { return *eu(r).LagMean }, d+lag.MeanLag(), false)
	fidelity.Check(t, "lag p99", reps, func(r *simulate.Report) float64 { return *eu(r).LagP99 }, d+lag.Quantile(0.99), true)
	lk := lambda / keys
	fidelity.Check(t, "stale share 1 − E[e^{−λk·W}]", reps, func(r *simulate.Report) float64 { return *eu(r).StaleFraction }, 1-math.Exp(-lk*d)*laplace(lag, lk), false)
	for _, r := range reps {
		if db := databaseOf(r, "db"); db.PrimaryReads != 0 || eu(r).ReplicaReads != db.ReplicaReads {
			t.Errorf("%d reads on the primary, %d of %d on the replica in eu-west-1: want every read on the replica nearest the reader", db.PrimaryReads, eu(r).ReplicaReads, db.ReplicaReads)
		}
	}
}

// twoRegions is a database with its primary in us-east-1 and one replica
// in eu-west-1 (80 ms round trip apart, a constant apply time of 10 ms),
// written by a service in us-west-2 (at rate writes), replicating as
// mode says, with the given faults.
func twoRegions(mode string, writes float64, faults, run string) string {
	return fmt.Sprintf(`name: two-regions
regions: {rtt: [{between: [us-east-1, eu-west-1], rtt: 80ms}, {between: [us-west-2, us-east-1], rtt: 60ms}, {between: [us-west-2, eu-west-1], rtt: 140ms}]}
workload: {rate: %g, mix: {read: 50%%, write: 50%%}, keys: {dist: uniform, count: 1000}}
entry: app
nodes:
  app: {kind: service, region: us-west-2, workers: 10000, service_time: {dist: constant, value: 0}, calls: [db]}
  db: {kind: database, region: us-east-1, replicas: [{region: eu-west-1}], replication: %s, failover_time: 5s, workers: 10000,
       service_time: {dist: constant, value: 2ms}, replication_lag: 10ms}
faults: [%s]
run: {%s}
`, 2*writes, mode, faults, run)
}

// TestSyncReplication checks what a write waits for: with async nothing,
// with sync the farthest replica's apply and acknowledgement (the round
// trip to eu-west-1, 80 ms, plus the 10 ms apply), with semi_sync the
// nearest replica's receipt (the round trip alone). Every time is
// constant, so the difference is exact.
func TestSyncReplication(t *testing.T) {
	t.Parallel()
	writeMean := func(mode string) float64 {
		r := runText(t, twoRegions(mode, 20, "", "warmup: 1s, duration: 20s"))
		for _, c := range r.Classes {
			if c.Class == "write" {
				return c.Latency.Mean
			}
		}
		t.Fatal("no write class")
		return 0
	}
	async := writeMean("async")
	for _, c := range []struct {
		mode  string
		extra float64
	}{{"sync", 0.090}, {"semi_sync", 0.080}} {
		if got := writeMean(c.mode) - async; math.Abs(got-c.extra) > 1e-9 {
			t.Errorf("%s: writes take %.6f s more than async, want %.3f", c.mode, got, c.extra)
		}
	}
}

// TestRegionFailover checks a region's outage under the database's
// primary: the replica in the other region is promoted failover_time
// (5 s) later, the writes it had not applied are lost (async: those of
// the last W = 40 ms + 10 ms before the failure, Poisson of mean λ_w·W,
// their oldest W − E[min(Exp(λ_w), W)] old: the RPO), none with sync or
// semi_sync (the one replica acknowledged each write before its writer
// heard of it), and reads go on (on the primary, no replica being left,
// while the other region is down). The outages alternate between the two
// regions every 50 s, so each run fails over 12 times.
func TestRegionFailover(t *testing.T) {
	t.Parallel()
	const lambdaW, W = 100.0, 0.05
	faults := "{region: us-east-1, at: 30s, for: 20s, every: 100s}, {region: eu-west-1, at: 80s, for: 20s, every: 100s}"
	for _, mode := range []string{"async", "sync", "semi_sync"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			r := runText(t, twoRegions(mode, lambdaW, faults, "warmup: 20s, duration: 600s"))
			db := databaseOf(r, "db")
			if len(db.Failovers) != 12 {
				t.Fatalf("%d failovers, want 12", len(db.Failovers))
			}
			lost, rpo := 0.0, 0.0
			for i, f := range db.Failovers {
				want := []string{"us-east-1", "eu-west-1"}[i%2]
				if f.Region != want || !f.Promoted || f.WritesUnavailable == nil || math.Abs(*f.WritesUnavailable-5) > 1e-9 {
					t.Errorf("failover %d %+v: want region %s, a promotion after 5 s", i, f, want)
				}
				lost += float64(*f.LostWrites)
				rpo += *f.RPO
			}
			n := float64(len(db.Failovers))
			mean := lambdaW * W
			switch {
			case mode != "async" && lost != 0:
				t.Errorf("%g writes lost with %s replication, want none", lost, mode)
			case mode == "async" && math.Abs(lost-n*mean) > 4*math.Sqrt(n*mean):
				t.Errorf("%g writes lost in %g failovers, want λ_w·W = %g each, ± 4 SD of the Poisson sum", lost, n, mean)
			}
			if mode == "async" {
				// The RPO of each failover is W − the wait for the first
				// write of the window: its mean W − (1 − e^{−λW})/λ (at
				// most W), its standard deviation at most 1/λ.
				want := W - (1-math.Exp(-lambdaW*W))/lambdaW
				if got := rpo / n; math.Abs(got-want) > 4/lambdaW/math.Sqrt(n) {
					t.Errorf("mean RPO %.4f s, want %.4f", got, want)
				}
				t.Logf("%g writes lost in %g failovers (λ_w·W = %g each), mean RPO %.4f s (theory %.4f)", lost, n, mean, rpo/n, want)
			}
			if r.Requests.LostWrites != int64(lost) {
				t.Errorf("%d writes counted lost in the requests, %g in the failovers", r.Requests.LostWrites, lost)
			}
			// Only reads caught in a server as its region went down fail
			// (a handful); with no replica left the others go to the
			// primary, and without that fallback every read of the
			// failovers would fail (thousands).
			for _, c := range r.Classes {
				if c.Class == "read" && c.Failed > int64(n) {
					t.Errorf("%d reads failed: with no replica left they go to the primary", c.Failed)
				}
			}
		})
	}
}

// TestActiveActiveConflicts checks the conflicts of an active-active
// database against the closed form derived at topology.activeActive: users
// in us-east-1 and eu-west-1 (half each) write one key through their
// region's service to their region's primary, each write reaching the
// other primary W = 40 ms + 10 ms later; with independent Poisson writers
// at λa = λb = λ, conflicts come at λa·λb·(W_ab + W_ba) = 2λ²W a second
// and lost updates at λa·(1 − e^{−λb·W}) + λb·(1 − e^{−λa·W}).
func TestActiveActiveConflicts(t *testing.T) {
	const lambda, W, seconds = 20.0, 0.05, 100.0
	text := fmt.Sprintf(`name: active-active
regions: {rtt: [{between: [us-east-1, eu-west-1], rtt: 80ms}]}
workload: {rate: %g, mix: {write: 100%%}, keys: {dist: uniform, count: 1}, regions: {us-east-1: 50%%, eu-west-1: 50%%}}
entry: dns
nodes:
  dns: {kind: dns, policy: latency, targets: [app-us, app-eu]}
  app-us: {kind: service, region: us-east-1, workers: 10000, service_time: {dist: constant, value: 0}, calls: [db]}
  app-eu: {kind: service, region: eu-west-1, workers: 10000, service_time: {dist: constant, value: 0}, calls: [db]}
  db: {kind: database, region: us-east-1, primaries: [us-east-1, eu-west-1], workers: 10000,
       service_time: {dist: constant, value: 0}, replication_lag: 10ms}
run: {warmup: 5s, duration: %gs}
`, 2*lambda, seconds)
	reps := fidelity.Replicate(t, text, 8)
	aa := func(r *simulate.Report) *database.ActiveActiveStats { return databaseOf(r, "db").ActiveActive }
	fidelity.Check(t, "conflicts/s 2λ²W", reps, func(r *simulate.Report) float64 { return float64(aa(r).Conflicts) / seconds }, 2*lambda*lambda*W, false)
	fidelity.Check(t, "lost updates/s", reps, func(r *simulate.Report) float64 { return float64(aa(r).LostUpdates) / seconds }, 2*lambda*(1-math.Exp(-lambda*W)), false)
	for _, r := range reps {
		us, eu := placeOf(t, r, "db", "us-east-1"), placeOf(t, r, "db", "eu-west-1")
		if us.Writes == 0 || eu.Writes == 0 || us.LagMean == nil || math.Abs(*us.LagMean-W) > 1e-9 {
			t.Errorf("writes %d in us-east-1, %d in eu-west-1, lag to us-east-1 %v: want writes in each, lag %g", us.Writes, eu.Writes, us.LagMean, W)
		}
	}
}

// TestConstantLagMeasuredExactly checks that a constant replication lag is
// measured as itself, on a replica and between active-active primaries:
// mean, p99 and max equal, to the bit. (The lag was measured as apply −
// commit, whose rounding put the p99 below the mean in a printed digit:
// 'mean 50.3ms, p99 50.2ms'.)
func TestConstantLagMeasuredExactly(t *testing.T) {
	for _, db := range []string{
		"replicas: [{region: eu-west-1, count: 1}]",
		"primaries: [us-east-1, eu-west-1]",
	} {
		r := runText(t, `name: constant-lag
workload: {rate: 200, regions: {us-east-1: 50%, eu-west-1: 50%}, mix: {read: 50%, write: 50%}, keys: {dist: uniform, count: 1000}}
entry: app
regions: {default: us-east-1}
nodes:
  app: {kind: service, workers: 100, service_time: {dist: constant, value: 1ms}, calls: [db]}
  db: {kind: database, `+db+`, workers: 100, service_time: {dist: constant, value: 1ms}, replication_lag: 10ms}
run: {seed: 9, warmup: 5s, duration: 60s}
`)
		s := databaseOf(r, "db")
		if s.ReplicationLagMean == nil || *s.ReplicationLagP99 != *s.ReplicationLagMean || *s.ReplicationLagMax != *s.ReplicationLagMean {
			t.Errorf("%s: lag mean %v, p99 %v, max %v: want one constant", db, ptrValue(s.ReplicationLagMean), ptrValue(s.ReplicationLagP99), ptrValue(s.ReplicationLagMax))
		}
	}
}

func ptrValue(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
