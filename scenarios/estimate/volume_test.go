package estimate_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/engine"
)

// volumeScenario is a database of one server reading 10G rows of 200 B by
// an index through a 12 GiB pool (db.r6g.large) from a gp3 volume of
// 3,000 IOPS, behind a service whose 16 workers are busier than the
// database's: at 2000/s the app, held 5.54 ms a visit (its 1 ms and the
// database's response), is 2000 × 5.54 ms ÷ 16 = 69% busy, the
// database's 32 workers 28.4%, and its volume 2000 × 1.23 ÷ 3000 = 82%.
const volumeScenario = `name: db2
workload: {rate: RATE, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, instances: 1, workers: 16, service_time: {dist: exponential, mean: 1ms}, calls: [{to: db}]}
  db:
    kind: database
    workers: 32
    service_time: 1ms
    instance: db.r6g.large
    data: {rows: ROWS, row_size: 200B, volume: {iops: 3000}}
    operations: {read: {index: true}}
run: {seed: 1, warmup: 5s, duration: 20s}
`

// estimateText estimates volumeScenario at rate with rows and writes its table.
func estimateText(t *testing.T, rate, rows string) (*estimate.Estimate, string) {
	t.Helper()
	_, est, table := estimated(t, "estimate.yaml", strings.NewReplacer("RATE", rate, "ROWS", rows).Replace(volumeScenario))
	return est, table
}

// TestEstimateVolumeStation checks that a database's volume counts as a
// station: its busy share is the busiest server's volume reads a second
// (indexed reads × pages a read missing the pool) ÷ IOPS, and the
// bottleneck is the database when its volume is busier than any node's
// workers. With 0 pages a read from the volume (10M rows of 200 B, 2 GiB,
// in a 12 GiB pool), the volume's time is not unbounded.
func TestEstimateVolumeStation(t *testing.T) {
	est, out := estimateText(t, "2000", "10G")
	db := est.Nodes[1]
	var misses float64
	for _, n := range est.Notes {
		if i := strings.Index(n, "; "); strings.HasPrefix(n, "db: the buffer pool") && i > 0 {
			if _, err := fmt.Sscan(n[i+2:], &misses); err != nil {
				t.Fatalf("note %q: %v", n, err)
			}
		}
	}
	if misses == 0 {
		t.Fatalf("no pages a read from the volume in the notes: %v", est.Notes)
	}
	// The note rounds to 3 digits: to half a unit of the last, 0.005/1.23.
	want := 2000 * misses / 3000
	if math.Abs(db.Volume/want-1) > 0.005/1.23 {
		t.Errorf("db volume %.4g busy, want 2000 × %.3g ÷ 3000 = %.4g", db.Volume, misses, want)
	}
	if est.Bottleneck != "db" {
		t.Errorf("bottleneck %q, want db (its volume %.3g busy, app %.3g)", est.Bottleneck, db.Volume, est.Nodes[0].Utilization)
	}
	if !strings.Contains(out, "volume      db: the busiest server's volume 8") {
		t.Errorf("the table does not give db's volume:\n%s", out)
	}
	_, out = estimateText(t, "10", "10M")
	if strings.Contains(out, "without bound") || !strings.Contains(out, "0 pages a read from the volume") {
		t.Errorf("with no page from the volume:\n%s", out)
	}
}

// TestEstimateClosedVolume checks that mean value analysis counts a
// database's volume as a queueing station, as the open estimate does. Each
// indexed read of 1M rows of 100 B takes the 3 pages of its B-tree path
// from a volume of 300 IOPS (a pool of 2 pages holds none of a path of 3:
// LRU misses every page, in the run as in the estimate), so the volume
// serves at most 100 reads a second. 100 users who think 200 ms between
// requests would send about 490 a second: the estimate left the volume
// out of MVA (a read's time on it was taken at no queue) and found that
// (found by a hostile review). With 10 users the volume is about 45% busy.
// The run's figures are counts of reads whose pages the volume served one
// at a time (exponential service): the relative standard error of the
// database's throughput and of the volume's busy share is about 1/√pages,
// and the estimate must be within 4 of them; its mean latency, unsaturated,
// within twice the half-width of the run's 95% CI (4 standard errors).
func TestEstimateClosedVolume(t *testing.T) {
	for _, users := range []int{100, 10} {
		t.Run(fmt.Sprint(users), func(t *testing.T) {
			text := fmt.Sprintf(`name: closed-volume
workload: {closed: {users: %d, think_time: {dist: exponential, mean: 200ms}}, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, instances: 1, workers: 256, service_time: {dist: exponential, mean: 1ms}, calls: [{to: db}]}
  db:
    kind: database
    workers: 32
    service_time: 1ms
    data: {rows: 1M, row_size: 100B, buffer_pool: 32KiB, volume: {iops: 300}}
    operations: {read: {index: true}}
run: {seed: 1, warmup: 5s, duration: 30s}
`, users)
			s, err := scenarios.Parse("closed.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			est, err := estimate.Scenario(s)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := simulate.Run(s)
			if err != nil {
				t.Fatal(err)
			}
			vb, ok := rep.Nodes[1].Detail.(engine.VolumeBusy)
			if !ok {
				t.Fatalf("db's detail %T gives no volume", rep.Nodes[1].Detail)
			}
			busy, _ := vb.VolumeBusy()
			tol := 4 / math.Sqrt(busy*300*rep.Window)
			db, run := est.Nodes[1], rep.Nodes[1].Throughput
			t.Logf("throughput: estimate %.4g, run %.4g; volume busy: estimate %.4g, run %.4g; tolerance %.3g", est.Throughput, run, db.Volume, busy, tol)
			if math.Abs(est.Throughput/run-1) > tol {
				t.Errorf("throughput: estimate %.4g, run %.4g: more than %.3g apart", est.Throughput, run, tol)
			}
			if math.Abs(db.Volume/busy-1) > tol {
				t.Errorf("volume busy: estimate %.4g, run %.4g: more than %.3g apart", db.Volume, busy, tol)
			}
			if users == 100 && est.Bottleneck != "db" {
				t.Errorf("bottleneck %q, want db", est.Bottleneck)
			}
			if l := rep.Latency; users == 10 {
				if est.Latency == nil || l.MeanCI95 == nil {
					t.Fatalf("mean latency: estimate %v, run's CI %v", est.Latency, l.MeanCI95)
				}
				if math.Abs(*est.Latency-l.Mean) > l.MeanCI95[1]-l.MeanCI95[0] {
					t.Errorf("mean latency: estimate %.4g, run %.4g (95%% CI %.4g)", *est.Latency, l.Mean, *l.MeanCI95)
				}
			}
		})
	}
}

// TestEstimateVolumeOverloadedBottleneck checks that a database whose
// volume is offered more than it serves is the bottleneck, not the
// service calling it, which is as busy without bound (both utilizations
// +Inf: the first in the file was named): scans of 22.5 MiB at 2 a second
// from a volume of 1 MiB/s (4500%), and indexed reads of 3 pages at 200 a
// second from 300 IOPS (200%). The table says what the volume is offered
// of, its throughput or its IOPS.
func TestEstimateVolumeOverloadedBottleneck(t *testing.T) {
	const over = `name: over
workload: {rate: RATE, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, workers: 1000, service_time: 1ms, calls: [{to: db}]}
  db: {kind: database, workers: 1000, service_time: 1ms, data: DATA, operations: {read: {index: INDEX}}}
`
	for _, c := range []struct{ name, rate, data, index, said string }{
		{"scans", "2", "{rows: 2M, row_size: 16B, buffer_pool: 8MiB, volume: {throughput: 1MiB/s}}", "false", "offered 4500% of its throughput"},
		{"pages", "200", "{rows: 1M, row_size: 100B, buffer_pool: 32KiB, volume: {iops: 300}}", "true", "offered 200% of its IOPS"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, est, out := estimated(t, "over.yaml", strings.NewReplacer("RATE", c.rate, "DATA", c.data, "INDEX", c.index).Replace(over))
			if est.Bottleneck != "db" || !strings.Contains(out, c.said) {
				t.Errorf("bottleneck %q, want db, whose volume is %s:\n%s", est.Bottleneck, c.said, out)
			}
		})
	}
}
