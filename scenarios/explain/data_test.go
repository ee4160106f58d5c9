package explain_test

import (
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
