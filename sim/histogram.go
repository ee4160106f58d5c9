package sim

import "math"

// Histogram is a streaming histogram with logarithmic buckets, for quantiles
// of non-negative values such as latencies in seconds.
//
// A value x in (HistogramMin, HistogramMax] falls in bucket i = ⌈log_γ x⌉
// with γ = (1+α)/(1−α); reporting 2γ^i/(γ+1) for any value of that bucket
// is within relative error α of it (Masson, Rim and Lee, "DDSketch: a fast and
// fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019).
// Here α = HistogramAccuracy. Memory is fixed, whatever the number of values;
// values at or below HistogramMin count as zero and those above HistogramMax
// are clamped to it. Quantiles are further clamped to the exact minimum and
// maximum seen.
type Histogram struct {
	counts   []uint64
	zeros    uint64
	n        uint64
	min, max float64
}

// Histogram accuracy and range.
const (
	HistogramAccuracy = 0.01
	HistogramMin      = 1e-9 // one nanosecond
	HistogramMax      = 1e7  // about 116 days
)

var (
	histGamma    = (1 + HistogramAccuracy) / (1 - HistogramAccuracy)
	histLogGamma = math.Log(histGamma)
	histOffset   = int(math.Ceil(math.Log(HistogramMin) / histLogGamma))
	histBuckets  = int(math.Ceil(math.Log(HistogramMax)/histLogGamma)) - histOffset + 1
)

// Add records x.
func (h *Histogram) Add(x float64) {
	if h.n == 0 {
		h.min, h.max = x, x
	} else {
		h.min = math.Min(h.min, x)
		h.max = math.Max(h.max, x)
	}
	h.n++
	if !(x > HistogramMin) { // also catches NaN
		h.zeros++
		return
	}
	if h.counts == nil {
		h.counts = make([]uint64, histBuckets)
	}
	i := int(math.Ceil(math.Log(math.Min(x, HistogramMax))/histLogGamma)) - histOffset
	h.counts[min(max(i, 0), histBuckets-1)]++
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
			v := 2 * math.Exp(float64(i+histOffset)*histLogGamma) / (histGamma + 1)
			return math.Min(math.Max(v, h.min), h.max)
		}
	}
	return h.max
}

// Merge adds the values recorded by o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	if h.n == 0 {
		h.min, h.max = o.min, o.max
	} else {
		h.min = math.Min(h.min, o.min)
		h.max = math.Max(h.max, o.max)
	}
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
