package sim

import (
	"math"
	"sync"
)

// StudentT975 is the 0.975 quantile of Student's t distribution with dof
// degrees of freedom: the t with P(|T| ≤ t) = 0.95. It is found by
// bisection on the closed form of that probability for whole degrees of
// freedom (Abramowitz and Stegun, "Handbook of Mathematical Functions",
// 26.7.3 and 26.7.4), computed with the portable functions, so that a
// confidence interval has the same bits on every machine. Above
// tExactMax degrees of freedom the Cornish–Fisher expansion (26.7.5) is
// used, accurate there to well below 10⁻¹².
func StudentT975(dof int) float64 {
	switch {
	case dof < 1:
		return math.Inf(1)
	case dof <= tCached:
		tOnce.Do(fillT975)
		return t975[dof]
	case dof <= tExactMax:
		return t975Bisect(dof)
	}
	return t975CornishFisher(float64(dof))
}

// The quantiles of the batch-means intervals and of small replications
// are computed once.
const (
	tCached   = 128
	tExactMax = 2000
)

var (
	tOnce sync.Once
	t975  [tCached + 1]float64
)

func fillT975() {
	for dof := 1; dof <= tCached; dof++ {
		t975[dof] = t975Bisect(dof)
	}
}

// t975Bisect halves [1.95, 12.8], which holds the quantile for every dof,
// until its ends are adjacent numbers.
func t975Bisect(dof int) float64 {
	lo, hi := 1.95, 12.8
	for {
		mid := lo + float64((hi-lo)/2)
		if mid <= lo || mid >= hi {
			return hi
		}
		if tCentralProbability(mid, dof) < 0.95 {
			lo = mid
		} else {
			hi = mid
		}
	}
}

// tCentralProbability is P(|T| ≤ t) for dof degrees of freedom. With
// θ = atan(t/√ν), s = sin θ and c² = cos²θ = ν/(ν+t²):
// ν even: s·(1 + ½c² + (1·3)/(2·4)c⁴ + … up to c^(ν−2));
// ν odd: (2/π)(θ + s·c·(1 + ⅔c² + (2·4)/(3·5)c⁴ + … up to c^(ν−3))).
func tCentralProbability(t float64, dof int) float64 {
	nu := float64(dof)
	r := math.Sqrt(nu + float64(t*t))
	s, c2 := t/r, nu/float64(r*r)
	sum, term := 1.0, 1.0
	if dof%2 == 0 {
		for k := 1; k <= dof/2-1; k++ {
			term = float64(term*c2) * float64(2*k-1) / float64(2*k)
			sum += term
		}
		return float64(s * sum)
	}
	theta := Atan(t / math.Sqrt(nu))
	if dof == 1 {
		return float64(2*theta) / math.Pi
	}
	for k := 1; k <= (dof-3)/2; k++ {
		term = float64(term*c2) * float64(2*k) / float64(2*k+1)
		sum += term
	}
	c := math.Sqrt(c2)
	return float64(2*(theta+float64(float64(s*c)*sum))) / math.Pi
}

// t975CornishFisher is z + g₁/ν + g₂/ν² + g₃/ν³ + g₄/ν⁴ with z the normal
// 0.975 quantile (Abramowitz and Stegun 26.7.5).
func t975CornishFisher(nu float64) float64 {
	const z = 1.959963984540054
	z2 := z * z
	z3, z5, z7, z9 := z2*z, z2*z2*z, z2*z2*z2*z, z2*z2*z2*z2*z
	g1 := (z3 + z) / 4
	g2 := (5*z5 + 16*z3 + 3*z) / 96
	g3 := (3*z7 + 19*z5 + 17*z3 - 15*z) / 384
	g4 := (79*z9 + 776*z7 + 1482*z5 - 1920*z3 - 945*z) / 92160
	inv := 1 / nu
	return z + float64(inv*(g1+float64(inv*(g2+float64(inv*(g3+float64(inv*g4)))))))
}

// atanTerms is the series' length: |y| ≤ tan(π/12) = 0.268 after the
// argument reduction, and y^(2k+1)/(2k+1) is below 2⁻⁵⁶ by k = 14.
const atanTerms = 15

// Atan is the arctangent: for |x| > 1, π/2 − atan(1/x); above tan(π/12),
// π/6 + atan((x√3 − 1)/(x + √3)); then its Taylor series, with each
// product rounded, so it gives the same bits on every machine.
func Atan(x float64) float64 {
	switch {
	case x != x:
		return x
	case x < 0:
		return -Atan(-x)
	case math.IsInf(x, 1):
		return math.Pi / 2
	case x > 1:
		return math.Pi/2 - Atan(1/x)
	case x > 0.2679491924311227: // tan(π/12)
		const sqrt3 = 1.7320508075688772
		return math.Pi/6 + Atan(float64(float64(x*sqrt3)-1)/(x+sqrt3))
	}
	y2 := float64(x * x)
	var p float64
	for k := atanTerms - 1; k >= 1; k-- {
		c := 1 / float64(2*k+1)
		if k%2 == 1 {
			c = -c
		}
		p = float64(float64(p+c) * y2)
	}
	return x + float64(x*p)
}
