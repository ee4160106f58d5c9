package sim

import "math"

// Histogram is a streaming histogram with log-linear buckets, for quantiles
// of non-negative values such as latencies in seconds.
//
// Each power of two [2^e, 2^(e+1)) is split into 64 equal sub-buckets, as in
// HdrHistogram (Tene, "HdrHistogram: a high dynamic range histogram"). A
// value's bucket comes straight from the bits of its float64 (exponent and
// top six mantissa bits), with no logarithm. A bucket spans at most 1/64 of
// its lower bound, so reporting its midpoint is within relative error
// HistogramAccuracy = 1/128 ≈ 0.78% of any value in it. Memory is fixed,
// whatever the number of values: values at or below HistogramMin count as
// zero and values above HistogramMax are clamped to it. Quantiles are
// further clamped to the exact minimum and maximum seen.
type Histogram struct {
	counts []uint64
	zeros  uint64
	n      uint64
	extremes
}

// Histogram accuracy and range.
const (
	HistogramAccuracy = 1.0 / (2 * histSub)
	HistogramMin      = 1e-9 // about a nanosecond
	HistogramMax      = 1e7  // about 116 days
)

const (
	histSubBits = 6
	histSub     = 1 << histSubBits
)

var (
	histMinExp  = exponent(HistogramMin)
	histBuckets = (exponent(HistogramMax) - histMinExp + 1) * histSub
)

// exponent returns e such that 2^e ≤ x < 2^(e+1), for positive normal x.
func exponent(x float64) int { return int(math.Float64bits(x)>>52&0x7ff) - 1023 }

// bucket returns the index of x's bucket, for HistogramMin < x ≤ HistogramMax.
func bucket(x float64) int {
	bits := math.Float64bits(x)
	e := int(bits>>52&0x7ff) - 1023
	sub := int(bits >> (52 - histSubBits) & (histSub - 1))
	return (e-histMinExp)*histSub + sub
}

// midpoint is the value reported for bucket i.
func midpoint(i int) float64 {
	e, sub := i/histSub+histMinExp, i%histSub
	return math.Ldexp(1+float64((float64(sub)+0.5)/histSub), e)
}

// Add records x.
func (h *Histogram) Add(x float64) {
	h.include(x, h.n == 0)
	h.n++
	if !(x > HistogramMin) { // also catches NaN
		h.zeros++
		return
	}
	if h.counts == nil {
		h.counts = make([]uint64, histBuckets)
	}
	if x > HistogramMax {
		x = HistogramMax
	}
	h.counts[bucket(x)]++
}

// N is the number of values recorded.
func (h *Histogram) N() uint64 { return h.n }

// Max is the largest value recorded, 0 when empty.
func (h *Histogram) Max() float64 { return h.max }

// Quantile returns the q-quantile (0 ≤ q ≤ 1), within relative error
// HistogramAccuracy of the value of rank ⌊q·(n−1)⌋; 0 when empty.
func (h *Histogram) Quantile(q float64) float64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n-1))
	if rank < h.zeros {
		return math.Max(0, h.min)
	}
	seen := h.zeros
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return math.Min(math.Max(midpoint(i), h.min), h.max)
		}
	}
	return h.max
}

// Merge adds the values recorded by o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	h.include(o.min, h.n == 0)
	h.include(o.max, false)
	h.n += o.n
	h.zeros += o.zeros
	if o.counts != nil {
		if h.counts == nil {
			h.counts = make([]uint64, histBuckets)
		}
		for i, c := range o.counts {
			h.counts[i] += c
		}
	}
}
