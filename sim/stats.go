package sim

import (
	"math"
)

// Summary accumulates count, mean, variance, minimum and maximum of a stream
// of values in constant memory, by Welford's method (Welford, "Note on a
// method for calculating corrected sums of squares and products",
// Technometrics 4(3), 1962).
type Summary struct {
	n        int64
	mean, m2 float64
	extremes
}

// extremes tracks the smallest and largest of the values seen.
type extremes struct{ min, max float64 }

// include takes x into account; first says it is the first value.
func (e *extremes) include(x float64, first bool) {
	if first {
		e.min, e.max = x, x
	} else if x < e.min {
		e.min = x
	} else if x > e.max {
		e.max = x
	}
}

// Add records x.
func (s *Summary) Add(x float64) {
	s.n++
	s.include(x, s.n == 1)
	d := x - s.mean
	s.mean += d / float64(s.n)
	s.m2 += float64(d * (x - s.mean))
}

// N is the number of values recorded.
func (s *Summary) N() int64 { return s.n }

// Mean is the sample mean, 0 when empty.
func (s *Summary) Mean() float64 { return s.mean }

// Variance is the unbiased sample variance, 0 with fewer than two values.
func (s *Summary) Variance() float64 {
	if s.n < 2 {
		return 0
	}
	return s.m2 / float64(s.n-1)
}

// StdDev is the sample standard deviation.
func (s *Summary) StdDev() float64 { return math.Sqrt(s.Variance()) }

// Min is the smallest value recorded, 0 when empty.
func (s *Summary) Min() float64 { return s.min }

// Max is the largest value recorded, 0 when empty.
func (s *Summary) Max() float64 { return s.max }

// TimeAverage integrates a piecewise-constant quantity over simulated time,
// such as the number of busy servers or the length of a queue.
type TimeAverage struct {
	start, last Time
	value       float64
	area        float64
}

// Set records that the quantity changes to v at time now.
func (a *TimeAverage) Set(now Time, v float64) {
	a.area += float64(a.value * float64(now-a.last))
	a.last = now
	a.value = v
}

// Add changes the quantity by dv at time now.
func (a *TimeAverage) Add(now Time, dv float64) { a.Set(now, a.value+dv) }

// Value is the current value of the quantity.
func (a *TimeAverage) Value() float64 { return a.value }

// Reset starts a new averaging window at now, keeping the current value.
func (a *TimeAverage) Reset(now Time) {
	a.area, a.start, a.last = 0, now, now
}

// StartTime is when the window began: the last Reset, or time 0.
func (a *TimeAverage) StartTime() Time { return a.start }

// Area is the integral of the quantity over the window from the last Reset
// to now.
func (a *TimeAverage) Area(now Time) float64 {
	return a.area + float64(a.value*float64(now-a.last))
}

// Mean is the time average over the window from the last Reset to now.
func (a *TimeAverage) Mean(now Time) float64 {
	span := float64(now - a.start)
	if span <= 0 {
		return a.value
	}
	return (a.area + float64(a.value*float64(now-a.last))) / span
}

// BatchMeans estimates a confidence interval for the mean of a correlated
// stream of observations, such as the latencies of successive requests, by
// the method of non-overlapping batch means with a bounded number of batches
// whose size doubles as the run grows (Yeh and Schmeiser, "Simulation output
// analysis via dynamic batch means", Proc. Winter Simulation Conference 2000).
type BatchMeans struct {
	size    int64     // observations per batch
	count   int64     // observations in the open batch
	sum     float64   // sum of the open batch
	batches []float64 // sums of the closed batches
}

// maxBatches bounds memory; after each merge between maxBatches/2 and
// maxBatches batches remain, enough for a t-based interval.
const maxBatches = 64

// minBatches is the fewest closed batches a confidence interval is given for.
const minBatches = 16

// Add records the next observation.
func (b *BatchMeans) Add(x float64) {
	if b.size == 0 {
		b.size = 1
		b.batches = make([]float64, 0, maxBatches)
	}
	b.sum += x
	b.count++
	if b.count < b.size {
		return
	}
	b.batches = append(b.batches, b.sum)
	b.sum, b.count = 0, 0
	if len(b.batches) == maxBatches {
		for i := 0; i < maxBatches/2; i++ {
			b.batches[i] = b.batches[2*i] + b.batches[2*i+1]
		}
		b.batches = b.batches[:maxBatches/2]
		b.size *= 2
	}
}

// HalfWidth95 is the half-width of a 95% confidence interval for the mean,
// t(0.975, b−1)·s/√b over the b closed batch means. ok is false while there
// are too few batches.
func (b *BatchMeans) HalfWidth95() (half float64, ok bool) {
	n := len(b.batches)
	if n < minBatches {
		return 0, false
	}
	var s Summary
	for _, sum := range b.batches {
		s.Add(sum / float64(b.size))
	}
	return StudentT975(n-1) * s.StdDev() / math.Sqrt(float64(n)), true
}

// MeanCI95 returns the mean of independent observations, such as one figure
// from each of several replications, and the half-width of its 95%
// confidence interval.
func MeanCI95(xs []float64) (mean, half float64) {
	var s Summary
	for _, x := range xs {
		s.Add(x)
	}
	if s.N() < 2 {
		return s.Mean(), math.Inf(1)
	}
	return s.Mean(), StudentT975(int(s.N()-1)) * s.StdDev() / math.Sqrt(float64(s.N()))
}

// Durations records observed durations (response times, say) for a
// report: their mean (Summary), quantiles (Histogram) and the 95%
// confidence interval of the mean by batch means (BatchMeans). The zero
// Durations is empty.
type Durations struct {
	summary Summary
	hist    Histogram
	batches BatchMeans
}

// Add records one duration.
func (d *Durations) Add(x float64) {
	d.summary.Add(x)
	d.hist.Add(x)
	d.batches.Add(x)
}

// N is the number of durations recorded.
func (d *Durations) N() int64 { return d.summary.N() }

// Mean is their mean.
func (d *Durations) Mean() float64 { return d.summary.Mean() }

// Quantile is their q-quantile, within the histogram's accuracy.
func (d *Durations) Quantile(q float64) float64 { return d.hist.Quantile(q) }

// Max is the largest.
func (d *Durations) Max() float64 { return d.hist.Max() }

// Histogram is a copy of the durations' histogram, to merge with others'.
func (d *Durations) Histogram() *Histogram { return d.hist.Clone() }

// HalfWidth95 is the half-width of the mean's 95% confidence interval by
// batch means; ok is false while there are too few batches.
func (d *Durations) HalfWidth95() (half float64, ok bool) { return d.batches.HalfWidth95() }

// MeanCI95 is the mean's 95% confidence interval, or nil while there are
// too few batches for one. Durations are never negative, and nor is their
// mean: the interval is cut at 0 (which leaves its coverage as it is).
// Batch means assume a stationary series; over one whose level moves
// (a load that changes over time) the interval means nothing, and the
// caller should not ask for one.
func (d *Durations) MeanCI95() *[2]float64 {
	half, ok := d.batches.HalfWidth95()
	if !ok {
		return nil
	}
	m := d.summary.Mean()
	return &[2]float64{math.Max(0, m-half), m + half}
}
