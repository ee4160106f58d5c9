package sim

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func mustDist[D Dist](d D, err error) Dist {
	if err != nil {
		panic(err)
	}
	return d
}

// TestDistMoments draws many samples from each distribution and checks the
// sample mean against Mean() within five standard errors, and the sample SCV
// against SCV() where its estimate is itself stable (light tails).
func TestDistMoments(t *testing.T) {
	cases := []struct {
		name     string
		d        Dist
		checkSCV bool
	}{
		{"constant", mustDist(NewConstant(0.02)), true},
		{"exponential", mustDist(NewExponential(0.02)), true},
		{"uniform", mustDist(NewUniform(0.01, 0.03)), true},
		{"lognormal-cv", mustDist(NewLognormalCV(0.004, 1.5)), false},
		{"lognormal-p99", mustDist(NewLognormalP99(0.004, 0.030)), true},
		{"gamma-erlang4", mustDist(NewGamma(1, 0.5)), true},
		{"gamma-cv2", mustDist(NewGamma(1, 2)), true},
		{"pareto", mustDist(NewPareto(0.05, 2.5)), false},
		{"pareto-range-alpha-below-1", mustDist(NewParetoRange(1, 1000, 0.8)), false},
		{"pareto-range-alpha-1", mustDist(NewParetoRange(2, 50, 1)), true},
		{"hyperexponential", mustDist(NewHyperexponential(1, 3)), true},
		{"empirical", mustDist(NewEmpirical([]QuantilePoint{{0, 0.001}, {0.5, 0.005}, {0.99, 0.04}, {1, 0.1}})), true},
	}
	const n = 400_000
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewStream(11, c.name)
			var s Summary
			for i := 0; i < n; i++ {
				x := c.d.Sample(r)
				if x < 0 || math.IsNaN(x) {
					t.Fatalf("sample %v is not a non-negative number", x)
				}
				s.Add(x)
			}
			m := c.d.Mean()
			se := math.Sqrt(c.d.SCV()) * m / math.Sqrt(n)
			if math.Abs(s.Mean()-m) > 5*se+1e-15 {
				t.Errorf("sample mean %.6g, want %.6g ± %.2g (5 SE)", s.Mean(), m, 5*se)
			}
			if c.checkSCV {
				scv := s.Variance() / (s.Mean() * s.Mean())
				if math.Abs(scv-c.d.SCV()) > 0.05*c.d.SCV()+1e-12 {
					t.Errorf("sample SCV %.4g, want %.4g within 5%%", scv, c.d.SCV())
				}
			}
		})
	}
}

// TestLognormalP99 checks that the p99 parameterisation puts 1% of samples
// above p99.
func TestLognormalP99(t *testing.T) {
	d := mustDist(NewLognormalP99(0.004, 0.030))
	r := NewStream(3, "p99")
	const n = 1_000_000
	above := 0
	for i := 0; i < n; i++ {
		if d.Sample(r) > 0.030 {
			above++
		}
	}
	frac := float64(above) / n
	se := math.Sqrt(0.01 * 0.99 / n)
	if math.Abs(frac-0.01) > 5*se {
		t.Fatalf("fraction above p99 = %.5f, want 0.01 ± %.5f", frac, 5*se)
	}
}

// TestDistRejectsBadParameters checks that each constructor refuses
// parameters that do not define a distribution.
func TestDistRejectsBadParameters(t *testing.T) {
	bad := []struct {
		name string
		err  error
	}{
		{"constant negative", second(NewConstant(-1))},
		{"exponential zero mean", second(NewExponential(0))},
		{"exponential NaN", second(NewExponential(math.NaN()))},
		{"uniform reversed", second(NewUniform(2, 1))},
		{"lognormal p99 below mean", second(NewLognormalP99(10, 5))},
		{"lognormal p99 too far", second(NewLognormalP99(1, 20))},
		{"lognormal zero cv", second(NewLognormalCV(1, 0))},
		{"gamma negative cv", second(NewGamma(1, -1))},
		{"pareto zero alpha", second(NewPareto(1, 0))},
		{"pareto range max below min", second(NewParetoRange(5, 2, 1))},
		{"pareto range infinite max", second(NewParetoRange(1, math.Inf(1), 1))},
		{"pareto range too heavy", second(NewParetoRange(1, 1e9, 0.8))},
		{"hyperexponential cv 1", second(NewHyperexponential(1, 1))},
		{"empirical no q=1", second(NewEmpirical([]QuantilePoint{{0, 1}, {0.5, 2}}))},
		{"empirical decreasing", second(NewEmpirical([]QuantilePoint{{0, 3}, {1, 2}}))},
	}
	for _, b := range bad {
		if !errors.Is(b.err, ErrParam) {
			t.Errorf("%s: error %v, want one wrapping ErrParam", b.name, b.err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// scvOf is a distribution of mean 1 with the given squared variation.
type scvOf float64

func (d scvOf) Sample(*rand.Rand) float64 { return 1 }
func (d scvOf) Mean() float64             { return 1 }
func (d scvOf) SCV() float64              { return float64(d) }
func (d scvOf) String() string            { return "scvOf" }

// TestDistMaxCV checks the bound on variation: a cv of MaxCV, which the
// README allows, is accepted whatever rounding its squared variation
// picked up on the way (a hyperexponential's came out 10000.000000012),
// and a cv beyond it is refused, given or derived.
func TestDistMaxCV(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"gamma cv 100", second(NewGamma(0.015, MaxCV)), true},
		{"hyperexponential cv 100", second(NewHyperexponential(0.015, MaxCV)), true},
		{"lognormal cv 100", second(NewLognormalCV(0.015, MaxCV)), true},
		{"hyperexponential cv 100 of another mean", second(NewHyperexponential(3.7, MaxCV)), true},
		{"gamma cv 100.001", second(NewGamma(0.015, 100.001)), false},
		{"hyperexponential cv 100.001", second(NewHyperexponential(0.015, 100.001)), false},
		{"lognormal cv 100.001", second(NewLognormalCV(0.015, 100.001)), false},
		// A squared variation derived from parameters: exactly at the
		// bound, within rounding of it, and beyond it.
		{"derived cv 100", second(sound(scvOf(MaxCV*MaxCV), nil)), true},
		{"derived cv² 10000·(1+1e-12)", second(sound(scvOf(MaxCV*MaxCV*(1+1e-12)), nil)), true},
		{"derived cv 100.001", second(sound(scvOf(100.001*100.001), nil)), false},
	} {
		if got := c.err == nil; got != c.ok {
			t.Errorf("%s: error %v, want accepted %v", c.name, c.err, c.ok)
		}
	}
}

// TestHistogramAccuracy compares histogram quantiles with exact order
// statistics of the same sample: relative error at most HistogramAccuracy.
func TestHistogramAccuracy(t *testing.T) {
	r := NewStream(5, "hist")
	d := mustDist(NewLognormalCV(0.01, 3))
	var h Histogram
	xs := make([]float64, 200_000)
	for i := range xs {
		xs[i] = d.Sample(r)
		h.Add(xs[i])
	}
	sort.Float64s(xs)
	for _, q := range []float64{0, 0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		want := xs[int(q*float64(len(xs)-1))]
		got := h.Quantile(q)
		if rel := math.Abs(got-want) / want; rel > HistogramAccuracy {
			t.Errorf("q=%g: got %.6g, exact %.6g, relative error %.4f > %.2f", q, got, want, rel, HistogramAccuracy)
		}
	}
	var merged, half Histogram
	for i, x := range xs {
		if i%2 == 0 {
			merged.Add(x)
		} else {
			half.Add(x)
		}
	}
	merged.Merge(&half)
	if merged.N() != h.N() || merged.Quantile(0.99) != h.Quantile(0.99) {
		t.Errorf("merged histogram differs: n %d vs %d, p99 %g vs %g", merged.N(), h.N(), merged.Quantile(0.99), h.Quantile(0.99))
	}
}

// TestHistogramZerosAndBounds covers values at zero and past the range.
func TestHistogramZerosAndBounds(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 {
		t.Fatal("empty histogram should report 0")
	}
	for i := 0; i < 90; i++ {
		h.Add(0)
	}
	for i := 0; i < 10; i++ {
		h.Add(1e9)
	}
	// Values past HistogramMax are clamped to it: quantiles say "at least
	// HistogramMax", the exact maximum is kept.
	p95 := h.Quantile(0.95)
	if h.Quantile(0.5) != 0 || math.Abs(p95-HistogramMax)/HistogramMax > HistogramAccuracy || h.Max() != 1e9 {
		t.Fatalf("p50 %g p95 %g max %g; want 0, ~%g, 1e9", h.Quantile(0.5), p95, h.Max(), HistogramMax)
	}
}

// TestBatchMeansCoverage checks the 95% batch-means interval on an AR(1)
// process x' = φx + ε with φ = 0.9 (strongly correlated, like queue delays)
// and known mean 0: over 400 independent runs the interval should cover the
// mean close to 95% of the time. With 400 runs the binomial standard error is
// 1.1 points; the test allows four of them.
func TestBatchMeansCoverage(t *testing.T) {
	const runs, n, phi = 400, 20_000, 0.9
	covered := 0
	for run := 0; run < runs; run++ {
		r := NewStream(uint64(run), "ar1")
		var b BatchMeans
		var s Summary
		x := 0.0
		for i := 0; i < n; i++ {
			x = phi*x + r.NormFloat64()
			b.Add(x)
			s.Add(x)
		}
		half, ok := b.HalfWidth95()
		if !ok {
			t.Fatal("no interval after 20k observations")
		}
		if math.Abs(s.Mean()) <= half {
			covered++
		}
	}
	cov := float64(covered) / runs
	if math.Abs(cov-0.95) > 4*math.Sqrt(0.95*0.05/runs) {
		t.Fatalf("coverage %.3f, want 0.95 ± %.3f", cov, 4*math.Sqrt(0.95*0.05/runs))
	}
}

// TestTimeAverage checks the integral of a step function.
func TestTimeAverage(t *testing.T) {
	var a TimeAverage
	a.Set(0, 2)
	a.Set(1, 4) // 2 for 1 s
	a.Set(3, 0) // 4 for 2 s
	if got := a.Mean(4); math.Abs(got-10.0/4) > 1e-12 {
		t.Fatalf("mean %g, want 2.5", got)
	}
	a.Reset(4)
	a.Set(5, 1)
	if got := a.Mean(7); math.Abs(got-2.0/3) > 1e-12 {
		t.Fatalf("mean after reset %g, want 2/3", got)
	}
}

// TestStreamsIndependentOfOtherNames checks that a stream depends only on the
// seed and its own name, and that different names differ.
func TestStreamsIndependentOfOtherNames(t *testing.T) {
	a1, a2, b := NewStream(42, "app"), NewStream(42, "app"), NewStream(42, "db")
	same, differ := true, false
	for i := 0; i < 100; i++ {
		x, y, z := a1.Uint64(), a2.Uint64(), b.Uint64()
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Fatalf("same name equal: %v (want true); different names differ: %v (want true)", same, differ)
	}
}

func BenchmarkHistogramAdd(b *testing.B) {
	var h Histogram
	r := NewStream(1, "h")
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = r.ExpFloat64() * 0.02
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h.Add(xs[i&1023])
	}
}

// TestParetoRangeMoments checks a bounded Pareto given by its ends against
// its closed forms: for L = 1, H = 100, α = 1, the mean is
// L·H·ln(H/L)/(H − L) (the α = 1 case of the bounded Pareto's mean) and
// the median solves (1 − (L/x)^α)/(1 − (L/H)^α) = 1/2.
func TestParetoRangeMoments(t *testing.T) {
	d := mustDist(NewParetoRange(1, 100, 1)).(Pareto)
	if want := 100 * math.Log(100) / 99; math.Abs(d.Mean()-want) > 1e-12*want {
		t.Errorf("mean %.15g, want %.15g", d.Mean(), want)
	}
	median := 1 / (1 - 0.5*(1-0.01)) // x = L / (1 − F·(1 − L/H)) with α = 1
	r := NewStream(5, "pareto-range")
	const n = 200_000
	below := 0
	for range n {
		x := d.Sample(r)
		if x < 1 || x > 100 {
			t.Fatalf("sample %g outside [1, 100]", x)
		}
		if x < median {
			below++
		}
	}
	if frac, se := float64(below)/n, math.Sqrt(0.25/n); math.Abs(frac-0.5) > 5*se {
		t.Errorf("share below the median %.4f, want 0.5 ± %.4f", frac, 5*se)
	}
}

// TestBound checks the largest value of the bounded distributions, and
// that those with an unbounded tail have none.
func TestBound(t *testing.T) {
	for _, c := range []struct {
		d    Dist
		want float64
		ok   bool
	}{
		{mustDist(NewConstant(3)), 3, true},
		{mustDist(NewUniform(1, 7)), 7, true},
		{mustDist(NewParetoRange(1, 1e5, 1.1)), 1e5, true},
		{mustDist(NewEmpirical([]QuantilePoint{{1, 40}, {0, 1}, {0.5, 5}})), 40, true},
		{mustDist(NewExponential(1)), 0, false},
		{mustDist(NewLognormalCV(1, 2)), 0, false},
	} {
		if got, ok := Bound(c.d); got != c.want || ok != c.ok {
			t.Errorf("Bound(%v) = %g, %v; want %g, %v", c.d, got, ok, c.want, c.ok)
		}
	}
}
