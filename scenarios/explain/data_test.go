package explain_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestExplainData checks explain's advice on a database's data: an index
// for reads that scan (1M rows of 200 B at 100 ns a row: 100 ms a scan;
// with an index, a B-tree of fan-out ⌊16384/200⌋ = 81 and 4 levels, 4 µs,
// each write 10 µs more and the storage 1M × 32 B = 30.5 MiB), and a
// larger instance or a cache when the indexed reads' pages outgrow the
// buffer pool (a root and 123 leaves in a pool of two pages: 50.4% from
// memory, 122/123 of a page a read from a volume of 1,000 IOPS offered
// 793.5/s: 4.84 ms in its queue and service and 2 ms latency, 6.79 ms a
// read, against 1 ms of work in memory).
func TestExplainData(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"index", `name: scan
workload: {rate: 20, mix: {search: 0.9, put: 0.1}, writes: [put]}
entry: db
nodes:
  db: {kind: database, service_time: 1ms, data: {rows: 1M, row_size: 200B}, operations: {search: {index: false}}}
run: {duration: 20s}
`, []string{
			"Add an index: the reads that scan are",
			"search scans 1M rows a shard each time (100ms). With an index (operations: {search: {index: true}}) each reads 4 pages (4µs), " +
				"and every write pays 10µs more for it and the storage 30.5MiB.",
		}},
		{"buffer pool", `name: pool
workload: {rate: 800, mix: {get: 1}}
entry: db
nodes:
  db:
    kind: database
    workers: 100000
    service_time: {dist: exponential, mean: 1ms}
    data: {rows: 20k, row_size: 100B, buffer_pool: 32KiB, volume: {iops: 1000, latency: 2ms}}
    operations: {get: {index: true}}
run: {duration: 20s}
`, []string{
			"The working set outgrows the buffer pool: its 32KiB hold 50.4% of the indexed reads' pages, and an indexed read spends 6.79ms on the volume against 1ms in memory. " +
				"A larger instance (more memory for the pool), a cache in front of the database for the hot keys, or a volume with more IOPS (volume: {iops: N}).",
			"db: the buffer pool of 2 pages serves 50.4% of the indexed reads' pages by Che's approximation; 0.992 pages a read from the volume, 6.84ms each",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, out := explainText(t, c.file)
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("explain lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestExplainVolumeHeadroom checks that a database's volume counts as a
// station for what saturates first and its headroom: 2000/s of indexed
// reads over 10G rows of 200 B, 79.5% of their pages in a 12 GiB pool,
// take 1.23 pages a read from a 3,000-IOPS volume, 82% busy, while the
// database's 32 workers are 28% busy. The volume saturates at about
// 3000 ÷ 1.23 = 2440/s, 1.22× the load (the run's busiest volume's busy
// share sets it), where the workers alone would take 3.5× it.
func TestExplainVolumeHeadroom(t *testing.T) {
	ex, out := explainText(t, `name: db2
workload: {rate: 2000, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, instances: 4, workers: 64, service_time: {dist: exponential, mean: 1ms}, calls: [{to: db}]}
  db:
    kind: database
    workers: 32
    service_time: 1ms
    instance: db.r6g.large
    data: {rows: 10G, row_size: 200B, volume: {iops: 3000}}
    operations: {read: {index: true}}
run: {seed: 1, warmup: 2s, duration: 10s}
`)
	first := ex.Limits[0]
	// The run's volume busy share over 10 s of 2,460 reads a second (about
	// 25k reads, each 1/3000 s) has a relative error near 1%: within 5%.
	if first.Node != "db" || first.Headroom == nil || math.Abs(*first.Headroom/(3000/(2000*1.23))-1) > 0.05 {
		t.Errorf("first %s, headroom %v, want db at about %.3g:\n%s", first.Node, first.Headroom, 3000/(2000*1.23), out)
	}
	if !strings.Contains(out, "its volume") {
		t.Errorf("explain does not say the volume sets db's capacity:\n%s", out)
	}
}

// TestExplainVolumeThen checks that a database whose volume sets its
// capacity is said, in the lines after the first limit, to be as busy as
// its volume, not its workers: 2000 indexed reads a second, 1.23 pages a
// read from a 3,000-IOPS volume, keep the busiest volume about
// 2000·1.23/3000 = 82% busy, and the 32 workers about 30%. It read 'Then:
// db, 29.6% busy (it saturates at about 1.21× this load', its workers'
// share beside its volume's headroom (found by a hostile review).
func TestExplainVolumeThen(t *testing.T) {
	_, out := explainText(t, `name: db-then
workload: {rate: 2000, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, instances: 4, workers: 64, service_time: {dist: exponential, mean: 1ms}, calls: [{to: db}, {to: auth}]}
  auth: {kind: service, instances: 1, workers: 3, service_time: {dist: constant, value: 1.3ms}}
  db:
    kind: database
    workers: 32
    service_time: 1ms
    instance: db.r6g.large
    data: {rows: 10G, row_size: 200B, volume: {iops: 3000}}
    operations: {read: {index: true}}
run: {seed: 1, warmup: 2s, duration: 10s}
`)
	var busy, workers float64
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Then: db, ") {
			if n, err := fmt.Sscanf(line, "Then: db, its volume %g%% busy, its workers %g%%", &busy, &workers); n != 2 {
				t.Fatalf("%q: %v; want the volume's busy share, then the workers'", line, err)
			}
		}
	}
	// The volume's share over 10 s of about 25k reads has a relative error
	// near 1%: within 5%.
	if want := 2000 * 1.23 / 3000 * 100; math.Abs(busy/want-1) > 0.05 || workers >= busy {
		t.Errorf("volume %.3g%% busy, workers %.3g%%; want the volume about %.3g%%, the workers less:\n%s", busy, workers, want, out)
	}
}

// TestExplainHeldWaitingAfter checks that a caller held waiting without
// bound on a database (whose workers wait on its 300-IOPS volume, offered
// 320 reads a second) is ranked after the database: the database
// saturates first, and its caller's headroom (its workers would wait
// without bound) follows from it. explain named app first, then db
// (found by a hostile review); and db's workers wait on its volume (offered
// about 107% of its IOPS), not on 'an overloaded node they call'.
func TestExplainHeldWaitingAfter(t *testing.T) {
	ex, out := explainText(t, `name: db-waits-on-volume
workload: {rate: 260, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, instances: 1, workers: 64, service_time: {dist: exponential, mean: 1ms}, calls: [{to: db}]}
  db:
    kind: database
    workers: 32
    service_time: 1ms
    instance: db.r6g.large
    data: {rows: 10G, row_size: 200B, volume: {iops: 300}}
    operations: {read: {index: true}}
run: {seed: 1, warmup: 2s, duration: 5s}
`)
	if ex.Report.Bottleneck != "db" || ex.Limits[0].Node != "db" || !strings.Contains(out, "What saturates first: db (database).") ||
		!strings.Contains(out, "its workers would wait without bound on its volume, offered 10") {
		t.Errorf("the run's bottleneck %q, explain's first %q; want db for both:\n%s", ex.Report.Bottleneck, ex.Limits[0].Node, out)
	}
}

// TestExplainVolumeOffered checks what explain says a database is offered
// when its volume, not its workers, limits it: 200 indexed reads a second,
// each taking 3 pages from a 300-IOPS volume (100 reads a second at most),
// through 100k workers. It said 'It is offered 65.34/s, 3.1% of what it can
// take' (the workers' offered load, over holding times cut short by the
// stop); the database is offered the 200 reads a second that arrive, about
// three times what its volume serves.
func TestExplainVolumeOffered(t *testing.T) {
	_, out := explainText(t, volumeOver("{warmup: 5s, duration: 60s}"))
	var offered, share float64
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  It is offered ") {
			if n, err := fmt.Sscanf(line, "  It is offered %g/s, %g%% of what it can take", &offered, &share); n != 2 {
				t.Fatalf("%q: %v", line, err)
			}
			break
		}
	}
	// Arrivals over the window: Poisson, 200/s over about 36 s, within 4
	// standard errors (4/√7200 = 4.7%); what it can take is the volume's
	// 100 reads a second at most.
	if math.Abs(offered/200-1) > 0.05 || share < 190 {
		t.Errorf("offered %.4g/s, %.3g%% of what it can take; want about 200/s, 200%% or more:\n%s", offered, share, out)
	}
}

// TestExplainVolumeCapacitySaturated checks a saturated volume's capacity
// against the closed form, its IOPS ÷ the pages a visit reads from it.
// explain took it as the run's throughput ÷ the volume's busy share, which
// reads low while the queue grows: visits still in it at the end have had
// some of their reads served (hostile review). volume-over: every read
// takes its B-tree's 3 pages (1M rows of 100 B, fan-out 163) from a 300
// IOPS volume, its pool of 2 pages less than a path (a path's last two
// pages evict its root before the next read: under LRU no read finds a
// page in it), so 100 reads a second; the run read 64/s. db-waits-on-volume: 1.23 pages a read (Che's
// approximation over a 12 GiB pool), so 300 ÷ 1.23 = 244/s, which its
// workers wait on without bound: the volume sets what it can take.
func TestExplainVolumeCapacitySaturated(t *testing.T) {
	overFile := volumeOver("{seed: 1, warmup: 2s, duration: 10s}")
	const waitsFile = `name: db-waits-on-volume
workload: {rate: 260, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, instances: 1, workers: 64, service_time: {dist: exponential, mean: 1ms}, calls: [{to: db}]}
  db:
    kind: database
    workers: 32
    service_time: 1ms
    instance: db.r6g.large
    data: {rows: 10G, row_size: 200B, volume: {iops: 300}}
    operations: {read: {index: true}}
run: {seed: 1, warmup: 2s, duration: 5s}
`
	cases := []struct {
		name, file string
		pages      float64 // read from the volume a visit
		said       string
	}{
		{"every page from the volume", overFile, 3, "its volume takes at most about 100/s"},
		// Che's 1.23 pages a read is the estimate's (TestExplainVolumeHeadroom
		// checks it against the run unsaturated): within 1%, its rounding.
		{"its workers wait on it", waitsFile, 1.23, "its volume takes at most about 24"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex, out := explainText(t, c.file)
			l := ex.Limits[0]
			want := 300 / c.pages
			if l.Node != "db" || l.VolumeCapacity == nil || math.Abs(*l.VolumeCapacity/want-1) > 0.01 {
				t.Fatalf("first %s, volume capacity %v, want db at %.4g/s:\n%s", l.Node, l.VolumeCapacity, want, out)
			}
			if l.Headroom == nil || l.Offered == nil || math.Abs(*l.Headroom - *l.VolumeCapacity / *l.Offered) > 1e-9 {
				t.Errorf("headroom %v, want the volume's %.4g/s ÷ what it is offered, %v:\n%s", l.Headroom, *l.VolumeCapacity, l.Offered, out)
			}
			if !strings.Contains(out, c.said) {
				t.Errorf("explain does not say %q:\n%s", c.said, out)
			}
		})
	}
}

// volumeOver is a scenario of 200 indexed reads a second, each taking its
// B-tree's 3 pages from a 300-IOPS volume (a 32 KiB buffer pool holds less
// than a path), through 100k workers: the volume serves 100 reads a second
// at most. run is its run section.
func volumeOver(run string) string {
	return `name: volume-over
workload: {rate: 200, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, workers: 100000, service_time: 1ms, calls: [{to: db}]}
  db:
    kind: database
    workers: 100000
    service_time: 1ms
    data: {rows: 1M, row_size: 100B, buffer_pool: 32KiB, volume: {iops: 300}}
    operations: {read: {index: true}}
run: ` + run + "\n"
}

// TestExplainVolumeThroughputCapacity checks that a volume's throughput
// bounds its capacity as its IOPS do, the slower of the two: scans of
// 23,611,392 B (2M rows of 16 B past an 8 MiB pool) at 1 MiB/s serve
// 1,048,576 ÷ 23,611,392 = 0.04441 a second, and indexed reads of 3 pages
// from a volume of 3,000 IOPS but 4,800 KiB/s (300 pages of 16 KiB a
// second) serve 100 a second; each says what bounds it, as the estimate
// does.
func TestExplainVolumeThroughputCapacity(t *testing.T) {
	scans := `name: scans-over
workload: {rate: 2}
entry: app
nodes:
  app: {kind: service, workers: 1000, service_time: 1ms, calls: [{to: db}]}
  db:
    kind: database
    workers: 1000
    service_time: 1ms
    data: {rows: 2M, row_size: 16B, buffer_pool: 8MiB, volume: {throughput: 1MiB/s}}
    operations: {read: {index: false}}
run: {seed: 1, warmup: 2s, duration: 30s}
`
	pages := strings.Replace(volumeOver("{seed: 1, warmup: 2s, duration: 10s}"), "{iops: 300}", "{iops: 3000, throughput: 4800KiB/s}", 1)
	cases := []struct {
		name, file string
		want       float64
		said       []string
	}{
		{"scans", scans, 1048576.0 / 23611392, []string{"by its throughput and the estimate's scans a visit", "offered 4500% of its throughput"}},
		{"pages", pages, 100, []string{"its volume takes at most about 100/s", "by its throughput and the estimate's pages a visit",
			"a volume with more throughput (volume: {throughput: N})"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex, out := explainText(t, c.file)
			l := ex.Limits[0]
			if l.Node != "db" || l.VolumeCapacity == nil || math.Abs(*l.VolumeCapacity/c.want-1) > 1e-9 {
				t.Fatalf("first %s, volume capacity %v, want db at %.6g/s:\n%s", l.Node, l.VolumeCapacity, c.want, out)
			}
			for _, said := range c.said {
				if !strings.Contains(out, said) {
					t.Errorf("explain does not say %q:\n%s", said, out)
				}
			}
		})
	}
}
