package simulate_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/scalesim/scalesim/topology"
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
		if h := topology.BTreeHeight(rows, topology.Fanout(1600)); h != levels {
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
