package analytic

import "github.com/scalesim/scalesim/sim"

// InOrderLag is the replication lag of a replica that applies writes in
// commit order when each write, on its own, would be applied an
// exponential time of mean Mean after its commit, and writes commit as a
// Poisson process of rate Lambda: write n, committed at Cₙ with its own
// delay Xₙ, is applied at Aₙ = max(Cₙ + Xₙ, Aₙ₋₁), so its lag is
// Dₙ = max over k ≤ n of Xₖ − (Cₙ − Cₖ). The earlier commits seen from Cₙ
// are a Poisson process of rate λ, so
//
//	P(D ≤ x) = F(x)·exp(−λ ∫ₓ^∞ (1 − F(u)) du)
//
// (the resequencing delay of an M/G/∞ system: Baccelli, Gelenbe and
// Plateau, "An end-to-end approach to the resequencing problem", JACM
// 31(3), 1984), which for F exponential is (1 − e^{−x/m})·exp(−λm·e^{−x/m}).
// A constant delay L gives D = L.
type InOrderLag struct{ Lambda, Mean float64 }

// CDF is P(D ≤ x).
func (l InOrderLag) CDF(x float64) float64 {
	if x <= 0 {
		return 0
	}
	y := sim.Exp(-x / l.Mean)
	return l.cdfY(y)
}

// cdfY is the CDF at x = −m·ln y, y in (0, 1]: (1 − y)·e^{−λm·y}.
func (l InOrderLag) cdfY(y float64) float64 {
	e := sim.Exp(float64(float64(-l.Lambda*l.Mean) * y))
	return float64(float64(1-y) * e)
}

// MeanLag is E[D] = ∫₀^∞ (1 − F_D(x)) dx; with y = e^{−x/m} it is
// m·∫₀¹ (1 − (1 − y)·e^{−λm·y}) ÷ y dy, whose integrand is smooth on
// [0, 1] (it tends to 1 + λm as y → 0): Simpson's rule.
func (l InOrderLag) MeanLag() float64 {
	f := func(y float64) float64 {
		if y == 0 {
			return 1 + float64(l.Lambda*l.Mean)
		}
		return (1 - l.cdfY(y)) / y
	}
	const n = 20000 // even
	h := 1.0 / n
	sum := f(0) + f(1)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += float64(w * f(float64(i)*h))
	}
	return float64(l.Mean * sum * h / 3)
}

// Quantile is the p-quantile of D (0 < p < 1): the root of F_D(x) = p,
// found by bisection over y = e^{−x/m}, where F_D falls as y grows.
func (l InOrderLag) Quantile(p float64) float64 {
	lo, hi := 0.0, 1.0 // F_D is 1 at y = 0, 0 at y = 1
	for range 200 {
		mid := (lo + hi) / 2
		if l.cdfY(mid) > p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return -l.Mean * sim.Log((lo+hi)/2)
}
