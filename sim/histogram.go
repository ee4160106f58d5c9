package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

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

// Clone is a copy of h that shares nothing with it.
func (h *Histogram) Clone() *Histogram {
	c := *h
	c.counts = slices.Clone(h.counts)
	return &c
}

// histogramJSON is the JSON form of a Histogram: its count, the values
// counted as zero, the exact extremes, and the counts of its non-empty
// buckets as [bucket, count] pairs. Bucket i holds the values from
// 2^e·(1+s/64) up to 2^e·(1+(s+1)/64), where e = ⌊i/64⌋ + ⌊log2
// HistogramMin⌋ and s = i mod 64.
type histogramJSON struct {
	N       uint64      `json:"n"`
	Zeros   uint64      `json:"zeros"`
	Min     float64     `json:"min"`
	Max     float64     `json:"max"`
	Buckets [][2]uint64 `json:"buckets"`
}

// MarshalJSON writes h exactly: read back, it gives the same quantiles and
// merges as h does.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	j := histogramJSON{N: h.n, Zeros: h.zeros, Min: h.min, Max: h.max, Buckets: [][2]uint64{}}
	for i, c := range h.counts {
		if c > 0 {
			j.Buckets = append(j.Buckets, [2]uint64{uint64(i), c})
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a histogram MarshalJSON wrote, refusing one whose
// buckets are out of range or repeated, or whose counts do not add up.
func (h *Histogram) UnmarshalJSON(data []byte) error {
	var j histogramJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("sim: reading a histogram: %w", err)
	}
	r := Histogram{n: j.N, zeros: j.Zeros, extremes: extremes{j.Min, j.Max}}
	sum := j.Zeros
	for _, b := range j.Buckets {
		i, c := b[0], b[1]
		if i >= uint64(histBuckets) {
			return fmt.Errorf("sim: reading a histogram: bucket %d is out of range (0 to %d)", i, histBuckets-1)
		}
		if r.counts == nil {
			r.counts = make([]uint64, histBuckets)
		}
		if r.counts[i] != 0 {
			return fmt.Errorf("sim: reading a histogram: bucket %d is given twice", i)
		}
		r.counts[i] = c
		sum += c
	}
	if sum != j.N {
		return fmt.Errorf("sim: reading a histogram: its buckets and zeros count %d values, its n is %d", sum, j.N)
	}
	*h = r
	return nil
}
