package engine

// MinHedgeSamples is how many successful attempts a percentile hedge
// waits for before it hedges.
const MinHedgeSamples = 100

// hedgeDelay is how long after sending an attempt the call hedges, and
// whether it does yet.
func (e *edge) hedgeDelay() (float64, bool) {
	if e.hedge.Percentile == 0 {
		return e.hedge.After, true
	}
	if e.latency.N() < MinHedgeSamples {
		return 0, false
	}
	return e.latency.Quantile(e.hedge.Percentile), true
}
