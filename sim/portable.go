package sim

import "math"

// Portable elementary functions. The standard library's Exp, Log, Pow,
// Expm1 and Log1p give results that differ in the last bit between amd64
// and arm64 (different assembly, and multiply-adds the compiler fuses on
// arm64), which would make the same scenario and seed give different
// reports on different machines. These are written with each product
// rounded explicitly (a float64 conversion, which the Go specification
// says prevents fusing), from operations IEEE 754 defines exactly, so they
// give the same bits everywhere. They are accurate to about one unit in the
// last place (Pow: the error of Exp applied to y·log x), which is all a
// simulation needs.

// ln2Hi + ln2Lo = ln 2; ln2Hi has 21 trailing zero bits, so k·ln2Hi is exact
// for |k| < 2²¹ (Cody and Waite, "Software Manual for the Elementary
// Functions", 1980).
const (
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
	log2e = 1.44269504088896338700e+00
)

// expTerms are 1/n! for n = 0..expDegree, the Taylor coefficients of e^r.
const expDegree = 14

var expTerms = func() [expDegree + 1]float64 {
	var c [expDegree + 1]float64
	c[0] = 1
	for n := 1; n <= expDegree; n++ {
		c[n] = c[n-1] / float64(n)
	}
	return c
}()

// Exp is e^x: x = k·ln 2 + r with |r| ≤ ln 2 / 2, then e^r by its Taylor
// series to degree 14 (truncation below 2⁻⁵⁶ of the result), scaled by 2^k.
func Exp(x float64) float64 {
	switch {
	case x != x: // NaN
		return x
	case x > 709.782712893384:
		return math.Inf(1)
	case x < -745.1332191019412:
		return 0
	}
	k := math.Floor(float64(x*log2e) + 0.5)
	r := float64(x-float64(k*ln2Hi)) - float64(k*ln2Lo)
	p := expTerms[expDegree]
	for n := expDegree - 1; n >= 0; n-- {
		p = float64(p*r) + expTerms[n]
	}
	return math.Ldexp(p, int(k))
}

// logTerms are 2/(2k+1) for k = 1..logDegree: ln m = 2s + s·Σ 2s^{2k}/(2k+1)
// with s = (m−1)/(m+1), the series of 2·atanh(s).
const logDegree = 11

var logTerms = func() [logDegree + 1]float64 {
	var c [logDegree + 1]float64
	for k := 1; k <= logDegree; k++ {
		c[k] = 2 / float64(2*k+1)
	}
	return c
}()

// Log is the natural logarithm: x = m·2^e with m in [√½, √2), so that
// s = (m−1)/(m+1) is at most 0.172 and the atanh series has converged below
// 2⁻⁵⁶ after 11 terms; ln x = e·ln 2 + ln m.
func Log(x float64) float64 {
	switch {
	case x != x || math.IsInf(x, 1):
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	m, e := math.Frexp(x)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	f := m - 1 // exact: m is within a factor of 2 of 1
	s := f / (2 + f)
	z := float64(s * s)
	var q float64
	for k := logDegree; k >= 1; k-- {
		q = float64(float64(q+logTerms[k]) * z)
	}
	lnm := float64(2*s) + float64(s*q)
	fe := float64(e)
	return float64(fe*ln2Hi) + (float64(fe*ln2Lo) + lnm)
}

// Log1p is ln(1 + x), accurate for small x: with u = 1 + x rounded,
// ln(1 + x) = ln u · x / (u − 1) (Goldberg, "What every computer scientist
// should know about floating-point arithmetic", 1991, theorem 4).
func Log1p(x float64) float64 {
	u := 1 + x
	if u == 1 {
		return x
	}
	if math.IsInf(u, 1) {
		return u
	}
	return float64(Log(u)*x) / (u - 1)
}

// Expm1 is e^x − 1, accurate for small x: with u = e^x rounded,
// e^x − 1 = (u − 1)·x / ln u (Kahan's method, as in Higham, "Accuracy and
// Stability of Numerical Algorithms", 2002, §1.14.1).
func Expm1(x float64) float64 {
	u := Exp(x)
	switch {
	case u == 1:
		return x
	case u-1 == -1:
		return -1
	case math.IsInf(u, 1) || x > 40:
		return u - 1
	}
	return float64((u-1)*x) / Log(u)
}

// Pow is x^y for x ≥ 0: e^{y·ln x}, with 0^y = 0 for y > 0, +Inf for y < 0,
// and x^0 = 1. A negative x gives NaN: nothing here raises a negative
// number to a power.
func Pow(x, y float64) float64 {
	switch {
	case y == 0:
		return 1
	case x == 1:
		return 1
	case x < 0 || x != x || y != y:
		return math.NaN()
	case x == 0 && y > 0:
		return 0
	case x == 0:
		return math.Inf(1)
	}
	return Exp(float64(y * Log(x)))
}

// Cos is cos(x), the same bits on every architecture (math.Cos is compiled
// with fused multiply-adds on arm64). x is reduced to [−π, π] with 2π split
// in three parts of 30 bits and less (Cody and Waite), so that n·part is
// exact for |n| < 2²³, then the Taylor series is summed by Horner's rule to
// the term in x²⁸, whose remainder is below 2⁻⁵³ on [−π, π]: accurate to a
// few 1e-16 for |x| up to about 5e7.
func Cos(x float64) float64 {
	if x != x || math.IsInf(x, 0) {
		return math.NaN()
	}
	const (
		twoPiHi  = 6.283185303211212
		twoPiMid = 3.9683743166540886e-09
		twoPiLo  = 2.068073192717642e-18
	)
	n := math.Round(x / (2 * math.Pi))
	r := float64(float64(float64(x-float64(n*twoPiHi))-float64(n*twoPiMid)) - float64(n*twoPiLo))
	r2 := float64(r * r)
	p := 1.0
	for k := cosTerms; k >= 1; k-- {
		// p ← 1 − r²/((2k−1)(2k)) · p
		p = 1 - float64(float64(r2/float64((2*k-1)*(2*k)))*p)
	}
	return p
}

// cosTerms is how many terms of the series Cos sums after the first.
const cosTerms = 14
