package simulate_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/database"
	"github.com/scalesim/scalesim/workloads"
)

// dataQuery is a database at the entry, with workers enough that nothing
// waits, serving one class whose operation is fields: a request's latency
// is its service time alone.
func dataQuery(seed int, rate float64, class, write, data, op, base string) string {
	writes := ""
	if write != "" {
		writes = ", writes: [" + write + "]"
	}
	return fmt.Sprintf(`name: data
workload: {rate: %g, mix: {%s: 1}%s}
entry: db
nodes:
  db:
    kind: database
    workers: 100000
    service_time: %s
    data: %s
    operations: {%s: %s}
run: {warmup: 1s, duration: 400s, seed: %d}
`, rate, class, writes, base, data, class, op, seed)
}

// meanAndSE is a run's mean latency and its standard error, from the
// batch-means interval (half-width ÷ 1.96).
func meanAndSE(t *testing.T, text string) (float64, float64) {
	t.Helper()
	r := runText(t, text)
	if r.Latency == nil || r.Latency.MeanCI95 == nil {
		t.Fatalf("no latency interval: %+v", r.Latency)
	}
	ci := *r.Latency.MeanCI95
	return r.Latency.Mean, (ci[1] - ci[0]) / 2 / 1.96
}

// fit is the weighted least-squares line y = a + b·x through points with
// standard errors se, and the standard error of its slope: Var(b) =
// 1/Σw·(x − x̄_w)², w = 1/se².
func fit(x, y, se []float64) (a, b, seB float64) {
	var sw, swx, swy float64
	for i := range x {
		w := 1 / (se[i] * se[i])
		sw, swx, swy = sw+w, swx+w*x[i], swy+w*y[i]
	}
	mx, my := swx/sw, swy/sw
	var sxx, sxy float64
	for i := range x {
		w := 1 / (se[i] * se[i])
		sxx += w * (x[i] - mx) * (x[i] - mx)
		sxy += w * (x[i] - mx) * (y[i] - my)
	}
	b = sxy / sxx
	return my - b*mx, b, math.Sqrt(1 / sxx)
}

// TestDataScanLinear checks that an unindexed query's mean service time
// grows linearly with the rows it scans: runs at four table sizes (rows
// of 100 B from 10k to 80k, row_time 100 ns: 1 to 8 ms of scan over an
// exponential 1 ms of work), each on a seed of its own, whose weighted least-squares slope is the
// row time and intercept the work, each within 4 standard errors derived
// from the runs' batch-means intervals.
func TestDataScanLinear(t *testing.T) {
	t.Parallel()
	const rowTime, base = 100e-9, 1e-3
	var x, y, se []float64
	for i, rows := range []float64{10e3, 20e3, 40e3, 80e3} {
		m, s := meanAndSE(t, dataQuery(i+1, 100, "search", "", fmt.Sprintf("{rows: %g, row_size: 100B, row_time: 100ns}", rows),
			"{index: false}", "{dist: exponential, mean: 1ms}"))
		want := base + rows*rowTime
		t.Logf("rows %6.0f: mean %.5f ms ± %.5f (SE), theory %.5f ms", rows, 1e3*m, 1e3*s, 1e3*want)
		if math.Abs(m-want) > 4*s {
			t.Errorf("rows %g: mean %.6f s, want %.6f ± %.6f (4 SE)", rows, m, want, 4*s)
		}
		x, y, se = append(x, rows), append(y, m), append(se, s)
	}
	a, b, seB := fit(x, y, se)
	t.Logf("slope %.4g s a row ± %.2g (SE), theory %g; intercept %.5f ms, theory %.5f ms", b, seB, rowTime, 1e3*a, 1e3*base)
	if math.Abs(b-rowTime) > 4*seB {
		t.Errorf("slope %.4g s a row, want %g ± %.2g (4 SE)", b, rowTime, 4*seB)
	}
}

// TestDataIndexLogarithmic checks that an indexed query reads one page
// per level of its B-tree: rows of 1600 B make a fan-out of 10 pages of
// 16 KB (⌊16384/1600⌋), so 5, 50, …, 50k rows are trees of 1 to 5 levels,
// and at page_time 1 ms over an exponential 1 ms of work the mean is
// 1 ms + levels × 1 ms, each within 4 standard errors; the fitted slope
// against log₁₀(rows) is one page time per decade.
func TestDataIndexLogarithmic(t *testing.T) {
	t.Parallel()
	const page, base = 1e-3, 1e-3
	var x, y, se []float64
	for levels, rows := 1, 5.0; rows <= 50e3; levels, rows = levels+1, rows*10 {
		if h := database.BTreeHeight(rows, database.Fanout(1600)); h != levels {
			t.Fatalf("B-tree of %g rows, fan-out 10: height %d, want %d", rows, h, levels)
		}
		m, s := meanAndSE(t, dataQuery(levels, 50, "get", "", fmt.Sprintf("{rows: %g, row_size: 1600B, page_time: 1ms}", rows),
			"{index: true}", "{dist: exponential, mean: 1ms}"))
		want := base + float64(levels)*page
		t.Logf("rows %6.0f (%d levels): mean %.4f ms ± %.4f (SE), theory %.4f ms", rows, levels, 1e3*m, 1e3*s, 1e3*want)
		if math.Abs(m-want) > 4*s {
			t.Errorf("rows %g: mean %.6f s, want %.6f ± %.6f (4 SE)", rows, m, want, 4*s)
		}
		x, y, se = append(x, math.Log10(rows)), append(y, m), append(se, s)
	}
	_, b, seB := fit(x, y, se)
	t.Logf("slope %.5f ms per decade of rows ± %.5f (SE), theory %.5f", 1e3*b, 1e3*seB, 1e3*page)
	if math.Abs(b-page) > 4*seB {
		t.Errorf("slope %.6f s per decade, want %g ± %.2g (4 SE)", b, page, 4*seB)
	}
}

// TestDataIndexWriteCost checks that each index adds its write cost to
// every write exactly: a write of constant 1 ms with 0 to 3 indexes
// declared (by read classes that come now and then) takes 1 ms + n ×
// 25 µs, to the rounding of a sum.
func TestDataIndexWriteCost(t *testing.T) {
	t.Parallel()
	for n := range 4 {
		ops := ""
		for i := range n {
			ops += fmt.Sprintf(", r%d: {index: true}", i)
		}
		text := fmt.Sprintf(`name: writes
workload: {rate: 50, mix: {put: 0.97, r0: 0.01, r1: 0.01, r2: 0.01}, writes: [put]}
entry: db
nodes:
  db:
    kind: database
    workers: 100000
    service_time: {dist: constant, value: 1ms}
    data: {rows: 1M, row_size: 100B, index_write_time: 25us}
    operations: {put: {size: {reply: 100B}}%s}
run: {warmup: 1s, duration: 20s}
`, ops)
		l := runText(t, text).Classes[0].Latency
		want := 1e-3 + float64(n)*25e-6
		t.Logf("%d indexes: mean write %.9f ms, max %.9f ms, theory %.9f ms", n, 1e3*l.Mean, 1e3*l.Max, 1e3*want)
		if math.Abs(l.Mean-want) > 1e-12 || math.Abs(l.Max-want) > 1e-12 {
			t.Errorf("%d indexes: mean %.12g s, max %.12g, want %.12g", n, l.Mean, l.Max, want)
		}
	}
}

// poolDB is a database at the entry, with workers enough that nothing
// waits for one, whose get reads by an index through a buffer pool.
func poolDB(rate float64, keys, data string) string {
	return fmt.Sprintf(`name: pool
workload: {rate: %g, mix: {get: 1}%s}
entry: db
nodes:
  db:
    kind: database
    workers: 100000
    service_time: {dist: exponential, mean: 1ms}
    data: %s
    operations: {get: {index: true}}
run: {warmup: 20s, duration: 200s}
`, rate, keys, data)
}

// TestFidelityBufferPoolChe checks the share of page reads the buffer
// pool serves against Che's approximation over the pages: 20k Zipf keys
// (s = 0.8) spread over 50k rows of 1600 B (fan-out 10: four keys a leaf
// page, a tree of 5 levels and 5,556 pages), a pool of 1,000 pages. The
// pages' popularity is worked out here from the documented layout (a
// key's row at ⌊key × rows/keys⌋, its leaf page ⌊row/fan-out⌋, the page
// above ⌊page/fan-out⌋), each page referenced at the sum of its keys'
// rates. The estimate's PoolHit counts time in reads rather than page
// references (analytic.CheLRUPaths: a read references its whole path at
// once); it must give the figure worked out here the same way (to 1e-5:
// it reads the keys' popularity from the estimate's groups of ranks,
// which round it) and, with a pool far larger than the tree's upper
// levels, within 0.1 point of Che's. The tolerance
// is the replications' 4 standard errors and Che's own error, the 1.5
// points TestFidelityCheLRU allows it for a finite key space.
func TestFidelityBufferPoolChe(t *testing.T) {
	t.Parallel()
	const keys, rows, fanout, capacity = 20_000, 50_000, 10, 1000
	k := workloads.Keys{Dist: workloads.KeysZipf, S: 0.8, Count: keys}
	pop, sampler := k.Popularity(), workloads.NewKeySampler(&k)
	page := map[int64]float64{}
	for r := range int64(keys) {
		leaf := int64(math.Floor(float64(sampler.Key(r))*rows/keys)) / fanout
		for level := range 5 {
			page[leaf<<7|int64(level)] += pop(r) / 5
			leaf /= fanout
		}
	}
	var refs, perRead, ones []float64
	for _, p := range page {
		refs = append(refs, p)
	}
	slices.Sort(refs) // the sum's order fixed
	for _, p := range refs {
		perRead, ones = append(perRead, 5*p), append(ones, 1)
	}
	che, paths := analytic.CheLRU(refs, capacity), analytic.CheLRUPaths(perRead, ones, capacity)
	text := poolDB(500, ", keys: {dist: zipf, s: 0.8, count: 20k}", fmt.Sprintf("{rows: %d, row_size: 1600B, buffer_pool: %dB}", rows, capacity*database.PageSize))
	s, err := scenarios.Parse("pool.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	m, err := estimate.NewModel(s)
	if err != nil {
		t.Fatal(err)
	}
	hit, _ := s.Topology.Lookup("db").Spec.(*database.Database).PoolHit(m)
	t.Logf("Che over the page references %.6f, over reads %.6f, the estimate's %.6f", che, paths, hit)
	if math.Abs(hit-paths) > 1e-5 || math.Abs(paths-che) > 1e-3 {
		t.Errorf("the estimate's pool hit share %.9f, Che over reads %.9f, over page references %.9f", hit, paths, che)
	}
	reports := fidelity.Replicate(t, text, 5)
	mean, se := meanSE(reports, func(r *simulate.Report) float64 { return *databaseOf(r, "db").BufferPool.MemoryShare })
	t.Logf("memory share %.4f ± %.4f (SE), Che over %d pages %.4f, difference %+.2f points", mean, se, len(refs), che, 100*(mean-che))
	if math.Abs(mean-che) > 4*se+0.015 {
		t.Errorf("memory share %.4f, Che %.4f: off by more than 4 SE (%.4f) + 1.5 points", mean, che, 4*se)
	}
}

// TestFidelityVolumeMM1 checks that the reads beyond the pool queue at the
// volume as an M/M/1 queue at its IOPS: a tree of two levels (20k rows of
// 100 B, fan-out 163: a root and 123 leaves), a pool of two pages (the
// root stays; a leaf is there only when the read before took the same
// one), uniform rows, so that each read misses once with probability
// 122/123, independently: the misses are a Poisson stream of 800/s ×
// 122/123 = 793.5/s at a volume of 1,000 IOPS (ρ = 0.79), whose mean time
// in queue and service is 1/(μ − λ) = 4.84 ms, within 4 standard errors
// of 5 replications. The pool serves the root and one leaf in 123: a
// share (1 + 1/123)/2 of the page reads.
func TestFidelityVolumeMM1(t *testing.T) {
	t.Parallel()
	const rate, iops, leaves = 800.0, 1000.0, 123.0
	lambda := rate * (leaves - 1) / leaves
	theory := analytic.MM1{Lambda: lambda, Mu: iops}.MeanSojourn()
	reports := fidelity.Replicate(t, poolDB(rate, "", "{rows: 20k, row_size: 100B, buffer_pool: 32KiB, volume: {iops: 1000, latency: 2ms}}"), 5)
	fidelity.Check(t, "volume queue and service", reports, func(r *simulate.Report) float64 { return *databaseOf(r, "db").BufferPool.VolumeTimeMean }, theory, false)
	fidelity.Check(t, "memory share", reports, func(r *simulate.Report) float64 { return *databaseOf(r, "db").BufferPool.MemoryShare }, (1+1/leaves)/2, false)
	fidelity.Check(t, "volume utilization", reports, func(r *simulate.Report) float64 { return databaseOf(r, "db").BufferPool.VolumeUtilization }, lambda/iops, false)
	// A read's latency: 1 ms of work, 2 pages at 1 µs, and its miss's
	// volume time and 2 ms latency.
	fidelity.Check(t, "read latency", reports, fidelity.MeanLatency, 1e-3+2e-6+(leaves-1)/leaves*(theory+2e-3), false)
}

// TestBufferPoolStartsWarm checks that a server's pool starts as a server
// long in service holds it, not empty: a page not in the pool's list at
// its first read n reads into the run was there from before with Che's
// probability 1 − (1 − q)^(τ − n). Over the first 5 s without a warm-up,
// the Che case of TestFidelityBufferPoolChe serves within a point of its
// steady state (82.97%) from memory, where an empty pool served 80.1%
// over three seeds.
func TestBufferPoolStartsWarm(t *testing.T) {
	t.Parallel()
	text := poolDB(500, ", keys: {dist: zipf, s: 0.8, count: 20k}", fmt.Sprintf("{rows: 50000, row_size: 1600B, buffer_pool: %dB}", 1000*database.PageSize))
	sum := 0.0
	for seed := 1; seed <= 3; seed++ {
		r := runText(t, text, "run.warmup=0s", "run.duration=5s", fmt.Sprintf("run.seed=%d", seed))
		sum += *databaseOf(r, "db").BufferPool.MemoryShare
	}
	mean := sum / 3
	t.Logf("memory share over the first 5 s: %.4f (steady state 0.8297)", mean)
	if math.Abs(mean-0.8297) > 0.01 {
		t.Errorf("memory share over the first 5 s %.4f, want within a point of 0.8297", mean)
	}
}

// TestFidelityDataGrowsWithWrites checks that the rows the run's writes
// add slow the scans down as they come: 100 writes a second of 1000 B
// (10 rows of 100 B each) to a table of 10k rows, and 100 scans a second
// at 1 µs a row over 1 ms of exponential work. A scan at time t examines
// 10k + 10·N(t) rows, N(t) the writes before it (Poisson, mean 100·t), so
// over 100 s from the start its mean is 1 ms + 10 ms + 1 µs × 10 × 100 ×
// 50 s = 61 ms, within the tolerance of 5 replications; and the report's
// growth is the window's writes × 1000 B a second, over a 730-hour
// month.
func TestFidelityDataGrowsWithWrites(t *testing.T) {
	t.Parallel()
	text := `name: grow
workload: {rate: 200, mix: {search: 0.5, put: 0.5}, writes: [put]}
entry: db
nodes:
  db:
    kind: database
    workers: 100000
    service_time: {dist: exponential, mean: 1ms}
    data: {rows: 10k, row_size: 100B, per_write: 1000B, row_time: 1us}
    operations: {search: {index: false}}
run: {warmup: 0s, duration: 100s}
`
	reports := fidelity.Replicate(t, text, 5)
	fidelity.Check(t, "scan latency", reports, func(r *simulate.Report) float64 { return r.Classes[0].Latency.Mean }, 1e-3+10e-3+1e-6*10*100*50, false)
	for _, r := range reports {
		writes := databaseOf(r, "db").Writes
		want := float64(writes) * 1000 / r.Window * topology.HoursPerMonth * 3600
		if got := r.Cost.Storage[0].GrowthPerMonth; math.Abs(got-want) > 1e-9*want {
			t.Errorf("growth %g bytes a month, want %d writes × 1000 B ÷ %g s × 730 h = %g", got, writes, r.Window, want)
		}
	}
}

// scanDB is a database at the entry, with workers enough that nothing
// waits for one, whose reads (class search) scan 16,512 rows of 128 B
// (2,064 KiB) past a buffer pool of 16 KiB: each scan reads 2 MiB from
// the volume, volume being its settings.
func scanDB(rate float64, volume string) string {
	return fmt.Sprintf(`name: scans
workload: {rate: %g, mix: {search: 1}}
entry: db
nodes:
  db:
    kind: database
    workers: 100000
    service_time: 1ms
    data: {rows: 16512, row_size: 128B, buffer_pool: 16KiB, volume: %s}
    operations: {search: {index: false}}
run: {warmup: 20s, duration: 1000s}
`, rate, volume)
}

// TestFidelityVolumeScanMD1 checks that the scans share their volume's
// throughput as one queue: scans of a constant 2 MiB at 200 MiB/s take
// 10 ms each (8 operations of 256 KiB at 3,000 IOPS would take 2.7 ms:
// the throughput binds), and at 70 a second in Poisson arrivals the volume
// is an M/D/1 queue (ρ = 0.7) whose mean wait is Pollaczek–Khinchine's
// Wq = ρS ÷ 2(1 − ρ) = 11.67 ms. The volume's mean time in queue and
// service (Wq + S), its busy share and a request's latency (1 ms of work,
// 16,512 rows at 100 ns, Wq + S and 1 ms of latency) are each within the
// tolerance of 20 replications of 1,000 s (70k scans each: enough that the
// Student-t quantile of 19 degrees of freedom keeps the tolerance near
// 5 SE); the estimate gives the same closed form.
func TestFidelityVolumeScanMD1(t *testing.T) {
	t.Parallel()
	const rate, bytes, throughput = 70.0, 2 << 20, 200 << 20
	s := float64(bytes) / throughput
	rho := rate * s
	wq := analytic.MG1MeanWait(rate, s, 0)
	latency := 1e-3 + 16512*100e-9 + wq + s + 1e-3
	text := scanDB(rate, "{throughput: 200MiB/s}")
	sc, err := scenarios.Parse("scans.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	est, err := estimate.Scenario(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("M/D/1: S %.4g ms, ρ %.3g, Wq %.5g ms; the estimate's latency %.6g ms against %.6g ms", 1e3*s, rho, 1e3*wq, 1e3**est.Latency, 1e3*latency)
	if est.Latency == nil || math.Abs(*est.Latency-latency) > 1e-12 {
		t.Errorf("the estimate's latency %v, want Pollaczek–Khinchine's %g", est.Latency, latency)
	}
	reports := fidelity.Replicate(t, text, 20)
	fidelity.Check(t, "scan queue and service", reports, func(r *simulate.Report) float64 { return *databaseOf(r, "db").BufferPool.VolumeScanTimeMean }, wq+s, false)
	fidelity.Check(t, "scan wait", reports, func(r *simulate.Report) float64 { return *databaseOf(r, "db").BufferPool.VolumeScanTimeMean - s }, wq, false)
	fidelity.Check(t, "volume utilization", reports, func(r *simulate.Report) float64 { return databaseOf(r, "db").BufferPool.VolumeUtilization }, rho, false)
	fidelity.Check(t, "scan latency", reports, fidelity.MeanLatency, latency, false)
	for _, r := range reports {
		if bp := databaseOf(r, "db").BufferPool; bp.VolumeScanBytes != float64(bp.VolumeScans)*bytes || bp.VolumeReads != 0 {
			t.Errorf("%d scans of %g bytes and %d page reads, want 2 MiB a scan and none", bp.VolumeScans, bp.VolumeScanBytes, bp.VolumeReads)
		}
	}
}

// TestFidelityVolumePagesAndScans checks that page reads and scans share
// one volume as one FIFO queue, an M/G/1 queue whose service time is their
// mixture: 400 indexed reads a second of the tree of TestFidelityVolumeMM1
// (each misses its leaf with probability 122/123: 396.7 page reads a
// second, exponential at 1,000 IOPS) and 20 scans a second of the 20k
// rows of 100 B past the pool's 32 KiB (1,967,232 B at 100 MiB/s: 18.76 ms,
// where its 8 operations of 256 KiB at 1,000 IOPS would take 8 ms), so
// ρ = 0.397 + 0.375. Pollaczek–Khinchine's wait is the same for both,
// Wq = (λp·2/μ² + λs·S²) ÷ 2(1 − ρ); each read's mean time in queue and
// service (Wq + its service) and the volume's busy share are within the
// tolerance of 20 replications, and the estimate's busy share of the
// volume is ρ (the pool's hit share by Che's approximation, to 0.5%).
func TestFidelityVolumePagesAndScans(t *testing.T) {
	t.Parallel()
	const gets, scans, iops, leaves = 400.0, 20.0, 1000.0, 123.0
	const bytes, throughput = 20_000*100 - 32<<10, 100 << 20
	pages := gets * (leaves - 1) / leaves
	sv := float64(bytes) / throughput
	rho := pages/iops + scans*sv
	wq := (pages*2/(iops*iops) + scans*sv*sv) / (2 * (1 - rho))
	text := `name: pages-and-scans
workload: {rate: 420, mix: {get: 0.952380952380952, search: 0.047619047619048}}
entry: db
nodes:
  db:
    kind: database
    workers: 100000
    service_time: {dist: exponential, mean: 1ms}
    data: {rows: 20k, row_size: 100B, buffer_pool: 32KiB, volume: {iops: 1000, throughput: 100MiB/s, latency: 2ms}}
    operations: {get: {index: true}, search: {index: false}}
run: {warmup: 20s, duration: 500s}
`
	sc, err := scenarios.Parse("mixed.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	est, err := estimate.Scenario(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ρ %.4f (pages %.4f, scans %.4f), Wq %.4g ms; the estimate's busy share %.4f", rho, pages/iops, scans*sv, 1e3*wq, est.Nodes[0].Volume)
	if math.Abs(est.Nodes[0].Volume-rho) > 0.005*rho {
		t.Errorf("the estimate's busy share of the volume %.5f, want %.5f", est.Nodes[0].Volume, rho)
	}
	reports := fidelity.Replicate(t, text, 20)
	fidelity.Check(t, "page read queue and service", reports, func(r *simulate.Report) float64 { return *databaseOf(r, "db").BufferPool.VolumeTimeMean }, wq+1/iops, false)
	fidelity.Check(t, "scan queue and service", reports, func(r *simulate.Report) float64 { return *databaseOf(r, "db").BufferPool.VolumeScanTimeMean }, wq+sv, false)
	fidelity.Check(t, "volume utilization", reports, func(r *simulate.Report) float64 { return databaseOf(r, "db").BufferPool.VolumeUtilization }, rho, false)
}
