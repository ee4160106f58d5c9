package sim

import "math"

// Trend estimates the drift of a piecewise-constant quantity over time,
// such as the length of a queue: does it settle, or grow? It keeps the
// time averages of the quantity over consecutive batches of equal length
// (the length doubles, merging pairs, whenever maxBatches are full, so
// memory is bounded however long the run), and fits a least-squares line
// to the batch means against their midpoints. Averaging over batches makes
// the means of a settled quantity nearly independent once the batches are
// longer than its correlation time, so the slope's ordinary standard error
// is a fair yardstick (the method of batch means, applied to a
// regression).
//
// The zero Trend is not ready: call Reset first.
type Trend struct {
	length     float64 // batch length, seconds
	start      Time    // when the first batch began
	openEnd    Time    // when the open batch ends
	last       Time    // when value was last set
	value      float64 // the quantity now
	area       float64 // integral of the quantity over the open batch so far
	batches    []float64
	firstBatch float64 // the batch length Reset was given
}

// trendBatches is the most batches a Trend keeps; after a merge half
// remain.
const trendBatches = 64

// Reset starts a new window at now, with batches of first seconds to begin
// with, keeping the current value.
func (t *Trend) Reset(now Time, first float64) {
	t.length, t.firstBatch = first, first
	t.start, t.last, t.openEnd = now, now, now+Time(first)
	t.area = 0
	if t.batches == nil {
		t.batches = make([]float64, 0, trendBatches)
	}
	t.batches = t.batches[:0]
}

// Set records that the quantity changes to v at time now.
func (t *Trend) Set(now Time, v float64) {
	if t.length == 0 {
		t.value = v // not started: only the value is kept
		return
	}
	for now >= t.openEnd {
		t.area += float64(t.value * float64(t.openEnd-t.last))
		t.batches = append(t.batches, t.area/t.length)
		t.area, t.last = 0, t.openEnd
		if len(t.batches) == trendBatches {
			for i := 0; i < trendBatches/2; i++ {
				t.batches[i] = float64(t.batches[2*i]+t.batches[2*i+1]) / 2
			}
			t.batches = t.batches[:trendBatches/2]
			t.length *= 2
		}
		t.openEnd = t.start + Time(float64(len(t.batches)+1)*t.length)
	}
	t.area += float64(t.value * float64(now-t.last))
	t.last, t.value = now, v
}

// TrendFit is a Trend's fitted line over its closed batches.
type TrendFit struct {
	// Slope is the growth per second, SE its standard error; Mean the
	// quantity's mean over the batches, Span the time they cover.
	Slope, SE, Mean, Span float64
	// Batches is how many batch means the line was fitted to.
	Batches int
}

// Grows says the quantity grew beyond chance and by a material amount:
// the slope is more than sigmas standard errors above 0, and at least
// minSlope per second. A settled queue under heavy load drifts for long
// stretches (its correlation time grows as 1/(1 − √ρ)² service times), so
// over a window not much longer than that its fitted slope can pass any
// number of standard errors; what it cannot do is grow by a steady share
// of its arrivals, as an overloaded one does (by λ − μ): callers give
// minSlope as such a share.
func (f TrendFit) Grows(sigmas, minSlope float64) bool {
	return f.Batches >= minTrendBatches && f.Slope > sigmas*f.SE && f.Slope >= minSlope && f.Slope > 0
}

// minTrendBatches is the fewest closed batches a fit is made over.
const minTrendBatches = 8

// Fit fits the line to the batches closed by now (the open batch is left
// out); a fit over fewer than minTrendBatches batches has Batches set and
// nothing else.
func (t *Trend) Fit(now Time) TrendFit { return t.FitLast(now, 1) }

// FitLast fits the line to the last share of the batches closed by now:
// with share ½, a quantity that jumped once in the first half and stayed
// (a backlog a burst left) does not pass for one that grows, while one
// that grows still grows in its second half.
func (t *Trend) FitLast(now Time, share float64) TrendFit {
	t.Set(now, t.value) // close the batches that ended by now
	all := t.batches
	batches := all[len(all)-int(math.Ceil(float64(float64(len(all))*share))):]
	n := len(batches)
	f := TrendFit{Batches: n}
	if n < minTrendBatches {
		return f
	}
	// x is the batch's midpoint in batch lengths, from the first's.
	var sx, sy float64
	for i, y := range batches {
		sx += float64(i)
		sy += y
	}
	mx, my := sx/float64(n), sy/float64(n)
	var sxx, sxy float64
	for i, y := range batches {
		dx := float64(i) - mx
		sxx += float64(dx * dx)
		sxy += float64(dx * (y - my))
	}
	b := sxy / sxx // per batch
	var sse float64
	for i, y := range batches {
		r := y - my - float64(b*(float64(i)-mx))
		sse += float64(r * r)
	}
	se := math.Sqrt(sse / float64(n-2) / sxx)
	f.Slope, f.SE = b/t.length, se/t.length
	f.Mean, f.Span = my, float64(float64(n)*t.length)
	return f
}
