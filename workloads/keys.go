package workloads

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Key popularity models.
const (
	KeysUniform = "uniform"
	KeysZipf    = "zipf"
	KeysHotspot = "hotspot"
)

// KeyDists lists the key popularity models.
var KeyDists = []string{KeysHotspot, KeysUniform, KeysZipf}

// MaxKeys bounds the key space; caches and databases index keys as int64.
const MaxKeys = 1e12

// Keys is the popularity of the keys requests touch: Count keys, numbered 0
// to Count-1, drawn independently for each request (the independent
// reference model).
type Keys struct {
	Dist  string
	Count int64
	// S is the Zipf exponent: the key of popularity rank i is requested
	// with probability proportional to i^-S.
	S float64
	// Fraction of the keys (the hot set) take Share of the requests
	// (hotspot).
	Fraction, Share float64
}

// Describe says in a line what the key popularity is.
func (k *Keys) Describe() string {
	switch k.Dist {
	case KeysZipf:
		return fmt.Sprintf("zipf s=%g over %s keys", k.S, units.FormatCount(float64(k.Count)))
	case KeysHotspot:
		return fmt.Sprintf("hotspot: %s of %s keys take %s of requests",
			units.PercentDigits(k.Fraction, 4), units.FormatCount(float64(k.Count)), units.PercentDigits(k.Share, 4))
	}
	return fmt.Sprintf("uniform over %s keys", units.FormatCount(float64(k.Count)))
}

// hotKeys is the size of a hotspot's hot set: at least one key, and at least
// one key outside it.
func (k *Keys) hotKeys() int64 {
	return min(max(1, int64(math.Round(k.Fraction*float64(k.Count)))), k.Count-1)
}

// Popularity returns the probability that a request touches the key of
// popularity rank r (0 is the most popular), as a function of r.
func (k *Keys) Popularity() func(r int64) float64 {
	switch k.Dist {
	case KeysZipf:
		norm := harmonic(k.Count, k.S)
		return func(r int64) float64 { return sim.Pow(float64(r+1), -k.S) / norm }
	case KeysHotspot:
		hot := k.hotKeys()
		return func(r int64) float64 {
			if r < hot {
				return k.Share / float64(hot)
			}
			return (1 - k.Share) / float64(k.Count-hot)
		}
	}
	return func(int64) float64 { return 1 / float64(k.Count) }
}

// harmonic is the generalized harmonic number H(n, s) = Σ_{i=1..n} i^-s,
// summed exactly up to 10⁶ terms and by the Euler–Maclaurin formula beyond.
func harmonic(n int64, s float64) float64 {
	const exact = 1_000_000
	sum := 0.0
	for i := min(n, exact); i >= 1; i-- { // smallest terms first
		sum += sim.Pow(float64(i), -s)
	}
	if n <= exact {
		return sum
	}
	// Σ_{i=a+1..n} f(i) ≈ ∫_a^n f + (f(n) - f(a))/2 - (f'(n) - f'(a))/12
	// with f(x) = x^-s.
	a, b := float64(exact), float64(n)
	f := func(x float64) float64 { return sim.Pow(x, -s) }
	df := func(x float64) float64 { return float64(-s * sim.Pow(x, -s-1)) }
	var integral float64
	if s == 1 {
		integral = sim.Log(b / a)
	} else {
		integral = (sim.Pow(b, 1-s) - sim.Pow(a, 1-s)) / (1 - s)
	}
	return sum + integral + float64((f(b)-f(a))/2) - float64((df(b)-df(a))/12)
}

// KeySampler draws keys: a popularity rank from the model, mapped to a key
// number by a fixed permutation so that popular keys are spread over the
// key space (and so over the ranges of a range-partitioned database) rather
// than being the lowest numbers.
type KeySampler struct {
	keys   *Keys
	zipf   *zipfSampler
	stride int64
}

// NewKeySampler prepares to draw keys of k.
func NewKeySampler(k *Keys) *KeySampler {
	ks := &KeySampler{keys: k, stride: coprimeStride(k.Count)}
	if k.Dist == KeysZipf {
		ks.zipf = newZipf(k.Count, k.S)
	}
	return ks
}

// Rank draws a popularity rank, 0 being the most popular key.
func (ks *KeySampler) Rank(r *rand.Rand) int64 {
	k := ks.keys
	switch k.Dist {
	case KeysZipf:
		return ks.zipf.sample(r) - 1
	case KeysHotspot:
		hot := k.hotKeys()
		if r.Float64() < k.Share {
			return r.Int64N(hot)
		}
		return hot + r.Int64N(k.Count-hot)
	}
	return r.Int64N(k.Count)
}

// Key is the key number of popularity rank r.
func (ks *KeySampler) Key(rank int64) int64 {
	// rank × stride mod count is a bijection because stride and count are
	// coprime.
	hi, lo := bits.Mul64(uint64(rank), uint64(ks.stride))
	return int64(bits.Rem64(hi, lo, uint64(ks.keys.Count)))
}

// Sample draws a key.
func (ks *KeySampler) Sample(r *rand.Rand) int64 { return ks.Key(ks.Rank(r)) }

// coprimeStride returns a number near count × (golden ratio − 1) that is
// coprime with count, so that consecutive ranks land far apart.
func coprimeStride(count int64) int64 {
	if count <= 2 {
		return 1
	}
	s := int64(float64(count)*0.6180339887) | 1
	for gcd(s, count) != 1 {
		s += 2
	}
	return s % count
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// zipfSampler draws from the Zipf distribution on 1..n with exponent s > 0
// by rejection-inversion: W. Hörmann and G. Derflinger, "Rejection-inversion
// to generate variates from monotone discrete distributions", ACM TOMACS
// 6(3), 1996. It needs O(1) memory and about one uniform per draw, for any n.
//
// The hat function is h(x) = x^-s, with integral
// H(x) = (x^(1-s) - 1)/(1-s) (log x when s = 1); a draw inverts H at a
// uniform point of [H(1.5) - 1, H(n + 0.5)] and accepts the rounded value k
// when the point falls under the bar of width 1 and height k^-s at k.
type zipfSampler struct {
	n            float64
	s            float64
	hX1, hN      float64 // H(1.5) - h(1), H(n + 0.5)
	acceptMargin float64
}

func newZipf(n int64, s float64) *zipfSampler {
	z := &zipfSampler{n: float64(n), s: s}
	z.hX1 = z.bigH(1.5) - 1
	z.hN = z.bigH(z.n + 0.5)
	z.acceptMargin = 2 - z.bigHInv(z.bigH(2.5)-z.h(2))
	return z
}

func (z *zipfSampler) h(x float64) float64 { return sim.Exp(float64(-z.s * sim.Log(x))) }

// bigH is H(x), written with expm1 so it stays accurate as s → 1.
func (z *zipfSampler) bigH(x float64) float64 {
	lx := sim.Log(x)
	return float64(expm1OverX(float64((1-z.s)*lx)) * lx)
}

func (z *zipfSampler) bigHInv(y float64) float64 {
	t := float64(y * (1 - z.s))
	if t < -1 {
		t = -1 // rounding guard: H⁻¹ is defined for t ≥ -1
	}
	return sim.Exp(float64(log1pOverX(t) * y))
}

func (z *zipfSampler) sample(r *rand.Rand) int64 {
	for {
		u := z.hN + float64(r.Float64()*(z.hX1-z.hN))
		x := z.bigHInv(u)
		k := math.Floor(x + 0.5)
		k = math.Max(1, math.Min(k, z.n))
		if k-x <= z.acceptMargin || u >= float64(z.bigH(k+0.5))-float64(z.h(k)) {
			return int64(k)
		}
	}
}

// expm1OverX is (e^x - 1)/x, 1 at x = 0.
func expm1OverX(x float64) float64 {
	if math.Abs(x) < 1e-8 {
		return 1 + float64(x/2)
	}
	return sim.Expm1(x) / x
}

// log1pOverX is log(1 + x)/x, 1 at x = 0.
func log1pOverX(x float64) float64 {
	if math.Abs(x) < 1e-8 {
		return 1 - float64(x/2)
	}
	return sim.Log1p(x) / x
}
