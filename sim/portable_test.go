package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// ulps is how many representable numbers apart a and b are.
func ulps(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Abs(math.Nextafter(b, math.Inf(1))-b)
}

// TestPortableAccuracy checks the portable functions against the standard
// library over wide ranges: within 2 units in the last place for Exp and
// Log, and within what their formulas promise for the others.
func TestPortableAccuracy(t *testing.T) {
	r := NewStream(1, "portable")
	worst := map[string]float64{}
	for range 200_000 {
		u := r.Float64()
		x := u*1400 - 700
		worst["exp"] = math.Max(worst["exp"], ulps(Exp(x), math.Exp(x)))
		y := math.Ldexp(0.5+u, int(r.IntN(2000))-1000)
		worst["log"] = math.Max(worst["log"], math.Abs(Log(y)-math.Log(y))/math.Max(math.Abs(math.Log(y)), 1e-300)/0x1p-52)
		small := (u - 0.5) * 1e-3
		worst["expm1"] = math.Max(worst["expm1"], ulps(Expm1(small), math.Expm1(small)))
		worst["log1p"] = math.Max(worst["log1p"], ulps(Log1p(small), math.Log1p(small)))
		base, exp := 1+u*1e6, (u-0.5)*4
		worst["pow"] = math.Max(worst["pow"], math.Abs(Pow(base, exp)/math.Pow(base, exp)-1))
	}
	limits := map[string]float64{"exp": 2, "log": 2, "expm1": 4, "log1p": 4, "pow": 1e-13}
	for name, limit := range limits {
		if worst[name] > limit {
			t.Errorf("%s: worst error %g, limit %g", name, worst[name], limit)
		}
	}
	t.Logf("worst errors: %v", worst)
}

// TestPortableSpecialValues checks the edges: infinities, zero, NaN and
// overflow.
func TestPortableSpecialValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		name      string
		got, want float64
	}{
		{"Exp(0)", Exp(0), 1}, {"Exp(1)", Exp(1), math.E}, {"Exp(800)", Exp(800), inf}, {"Exp(-800)", Exp(-800), 0},
		{"Exp(-Inf)", Exp(-inf), 0}, {"Exp(Inf)", Exp(inf), inf},
		{"Log(1)", Log(1), 0}, {"Log(0)", Log(0), -inf}, {"Log(Inf)", Log(inf), inf}, {"Log(E)", Log(math.E), 1},
		{"Pow(0, 2)", Pow(0, 2), 0}, {"Pow(0, -1)", Pow(0, -1), inf}, {"Pow(7, 0)", Pow(7, 0), 1}, {"Pow(1, 1e300)", Pow(1, 1e300), 1},
		{"Expm1(0)", Expm1(0), 0}, {"Log1p(0)", Log1p(0), 0}, {"Expm1(-100)", Expm1(-100), -1},
	}
	for _, c := range cases {
		if c.got != c.want && ulps(c.got, c.want) > 1 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for _, v := range []float64{Exp(nan), Log(nan), Log(-1), Pow(-2, 0.5)} {
		if !math.IsNaN(v) {
			t.Errorf("want NaN, got %v", v)
		}
	}
}

// TestVariates checks the ziggurat samplers: mean, variance and the
// largest distance between the empirical and the true distribution
// function (Kolmogorov–Smirnov, the 0.1% critical value 1.95/√n).
func TestVariates(t *testing.T) {
	const n = 400_000
	cases := []struct {
		name           string
		draw           func() float64
		mean, variance float64
		cdf            func(float64) float64
	}{
		{"exponential", func() float64 { return ExpVariate(expStream) }, 1, 1, func(x float64) float64 { return -math.Expm1(-x) }},
		{"normal", func() float64 { return NormVariate(normStream) }, 0, 1, func(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }},
	}
	for _, c := range cases {
		xs := make([]float64, n)
		var s Summary
		for i := range xs {
			xs[i] = c.draw()
			s.Add(xs[i])
		}
		se := math.Sqrt(c.variance / n)
		if math.Abs(s.Mean()-c.mean) > 4*se {
			t.Errorf("%s: mean %g, want %g ± %g", c.name, s.Mean(), c.mean, 4*se)
		}
		if v := s.StdDev() * s.StdDev(); math.Abs(v/c.variance-1) > 0.02 {
			t.Errorf("%s: variance %g, want %g", c.name, v, c.variance)
		}
		slices.Sort(xs)
		d := 0.0
		for i, x := range xs {
			f := c.cdf(x)
			d = math.Max(d, math.Max(f-float64(i)/n, float64(i+1)/n-f))
		}
		if crit := 1.95 / math.Sqrt(n); d > crit {
			t.Errorf("%s: Kolmogorov–Smirnov distance %g, above the 0.1%% critical value %g", c.name, d, crit)
		}
	}
}

var expStream, normStream = NewStream(2, "exp-variates"), NewStream(3, "normal-variates")

// TestPortableBits pins the exact bits of the portable functions and of
// the variates, so that running the tests on another architecture (make
// test-arm64) proves they are the same there. go test -update rewrites
// testdata/portable.txt after a deliberate change.
func TestPortableBits(t *testing.T) {
	var out strings.Builder
	digestN := func(name string, n int, f func(i int) float64) {
		h := sha256.New()
		for i := range n {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(f(i)))
			h.Write(b[:])
		}
		fmt.Fprintf(&out, "%s %x\n", name, h.Sum(nil)[:12])
	}
	digest := func(name string, f func(i int) float64) { digestN(name, 100_000, f) }
	x := func(i int) float64 { return float64(float64(i)*0.0137) - 690 }
	digest("exp", func(i int) float64 { return Exp(x(i)) })
	digest("log", func(i int) float64 { return Log(float64(float64(i)*1.7) + 1e-7) })
	digest("pow", func(i int) float64 { return Pow(float64(i)+1, -0.93) })
	digest("expm1", func(i int) float64 { return Expm1(x(i) / 700) })
	digest("log1p", func(i int) float64 { return Log1p(float64(float64(i)*1e-6) - 0.05) })
	er, nr := NewStream(7, "bits-exp"), NewStream(7, "bits-norm")
	digest("exp-variates", func(int) float64 { return ExpVariate(er) })
	digest("normal-variates", func(int) float64 { return NormVariate(nr) })
	digestN("t975", 2100, func(i int) float64 { return StudentT975(i + 1) })
	digest("atan", func(i int) float64 { return Atan(x(i) / 7) })
	golden := "testdata/portable.txt"
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("portable bits differ from %s:\n%s\nwant:\n%s", golden, out.String(), want)
	}
}

// TestStudentT975 checks the portable t quantile against gonum's, over the
// exact range, the cache's edge and the asymptotic expansion, and Atan
// against the standard library.
func TestStudentT975(t *testing.T) {
	for _, dof := range []int{1, 2, 3, 4, 5, 9, 10, 15, 31, 63, 127, 128, 129, 500, 1999, 2000, 2001, 5000} {
		want := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Quantile(0.975)
		if got := StudentT975(dof); math.Abs(got/want-1) > 1e-12 {
			t.Errorf("StudentT975(%d) = %.17g, gonum %.17g", dof, got, want)
		}
	}
	// Where the expansion takes over, it agrees with the exact form.
	if d := t975CornishFisher(tExactMax+1) - t975Bisect(tExactMax+1); math.Abs(d) > 1e-13 {
		t.Errorf("at %d degrees of freedom the expansion is %g from the exact quantile", tExactMax+1, d)
	}
	if !math.IsInf(StudentT975(0), 1) {
		t.Error("no degrees of freedom should give an infinite quantile")
	}
	r := NewStream(4, "atan")
	for range 100_000 {
		x := math.Ldexp(r.Float64()-0.5, int(r.IntN(60))-30)
		if d := ulps(Atan(x), math.Atan(x)); d > 2 {
			t.Fatalf("Atan(%g): %g ulps from math.Atan", x, d)
		}
	}
}

// TestCos checks the portable cosine against math.Cos.
func TestCos(t *testing.T) {
	for _, x := range []float64{0, 1e-9, 0.5, 1, math.Pi / 3, math.Pi / 2, 3, math.Pi, -math.Pi, 4, 10, -7.5, 100, 12345.678, 2 * math.Pi * 365, 1e6} {
		if got, want := Cos(x), math.Cos(x); math.Abs(got-want) > 2e-15 {
			t.Errorf("Cos(%g) = %.17g, math.Cos %.17g", x, got, want)
		}
	}
	if !math.IsNaN(Cos(math.Inf(1))) || !math.IsNaN(Cos(math.NaN())) {
		t.Error("Cos of Inf or NaN is not NaN")
	}
}
