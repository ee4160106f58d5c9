package simulate_test

import (
	"strings"
	"testing"
)

// TestBottleneckSaturated checks that the bottleneck is a node the run
// found saturated when there is one: a fleet's copy in eu-west-1 calls a
// database in us-east-1 across the Atlantic, its 16 workers held waiting
// on the way (113% offered, 6% of its own) while the database is 24% busy.
// The database has the most own demand, but what fails is the copy's
// workers; a saturated node that calls another saturated node is held
// waiting on that one, which is then the bottleneck.
func TestBottleneckSaturated(t *testing.T) {
	cases := []struct {
		name, db, want string
	}{
		{"a copy held waiting on the distance", "workers: 8, service_time: {dist: exponential, mean: 5ms}", "app@eu-west-1"},
		{"a saturated database", "workers: 1, service_time: {dist: exponential, mean: 3ms}", "db"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runText(t, `name: bn
workload: {rate: 400, regions: {us-east-1: 50%, eu-west-1: 50%}}
entry: dns
nodes:
  dns: {kind: dns, policy: latency, targets: [app]}
  app:
    kind: service
    regions: [us-east-1, eu-west-1]
    workers: 16
    service_time: {dist: exponential, mean: 5ms}
    calls: [db]
  db: {kind: service, region: us-east-1, `+c.db+`}
run: {seed: 1, warmup: 10s, duration: 30s}
`)
			if r.Bottleneck != c.want || !node(r, c.want).Saturated {
				t.Fatalf("bottleneck %q (saturated %v); want %s, saturated", r.Bottleneck, node(r, r.Bottleneck).Saturated, c.want)
			}
		})
	}
}

// TestLongVisitsCountedAtTheEnd runs a database whose 32 workers take visits
// of 30 s, all busy from the start, behind a service that is stopped for
// overload or runs to the end of its window. The visits carried into the
// window end in it, and those that replace them are still in service when
// the run ends: the window's arrivals (32) times the mean holding time
// (30 s) read 83.6% over a 35.9 s window and 96.8% over 31 s, 'ok', while
// every worker was busy throughout (found by a hostile review). The work
// the window saw of visits carried into it, and the holding so far of
// those still in service at its end, are a lower bound on its load: the
// whole window here, so at least 100%, and the database is the bottleneck.
func TestLongVisitsCountedAtTheEnd(t *testing.T) {
	for _, duration := range []string{"20s", "31s", "60s"} {
		t.Run(duration, func(t *testing.T) {
			r := runText(t, `name: long-visits
workload: {rate: 200}
entry: app
nodes:
  app: {kind: service, instances: 1, workers: 64, service_time: {dist: exponential, mean: 1ms}, calls: [{to: db}]}
  db: {kind: database, workers: 32, service_time: {dist: constant, value: 30s}}
run: {seed: 1, warmup: 5s, duration: `+duration+`}
`)
			db := node(r, "db")
			if db.OwnLoad < 1-1e-9 || db.OfferedLoad < 1-1e-9 || !db.Saturated || r.Bottleneck != "db" {
				t.Fatalf("db own %.4g, offered %.4g, saturated %v, bottleneck %q after a %.3gs window (%s); want db at 100%% or more, saturated, the bottleneck",
					db.OwnLoad, db.OfferedLoad, db.Saturated, r.Bottleneck, r.Window, r.StoppedEarly)
			}
			t.Logf("window %.3gs: db own %.4g, offered %.4g", r.Window, db.OwnLoad, db.OfferedLoad)
		})
	}
}

// TestVolumeSaturated runs a database whose workers are many (100k) but
// whose volume is not: 200 indexed reads a second, each taking the 3
// pages of its path from a volume of 300 IOPS (a pool of 2 pages holds
// none of a path of 3), which serves 100 reads a second. Its workers are
// 21% busy, each waiting on the volume's queue: it read 'ok', and no node
// was saturated, while the volume was 100% busy and its reads waited 48 s
// (found by a hostile review). A node whose volume is as busy as a
// saturated node's workers is saturated, and the bottleneck. The run went
// to the end of its window, with a CI on its mean: the reads waiting at
// the volume were not counted as waiting.
func TestVolumeSaturated(t *testing.T) {
	r := runText(t, volumeOver(200, "{warmup: 5s, duration: 60s}"))
	db := node(r, "db")
	if !db.Saturated || r.Bottleneck != "db" || !strings.Contains(strings.Join(db.SaturatedBecause, "; "), "its volume is 100% busy") {
		t.Fatalf("db saturated %v (%q), bottleneck %q; want db saturated by its volume, the bottleneck", db.Saturated, db.SaturatedBecause, r.Bottleneck)
	}
	// The reads waiting at the volume are visits waiting: the overload
	// test sees them grow, and names db, where they wait.
	if !strings.Contains(r.StoppedEarly, "overloaded") || r.Window > 50 || !strings.Contains(db.SaturatedBecause[0], "the run stopped for overload") {
		t.Errorf("stopped %q after %.0fs of window, db %q; want overloaded within 50 s, at db", r.StoppedEarly, r.Window, db.SaturatedBecause)
	}
}
