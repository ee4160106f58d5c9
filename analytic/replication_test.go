package analytic

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/scalesim/scalesim/sim"
)

// TestInOrderLag checks the resequencing formula against the recursion it
// solves, Dₙ = max(Xₙ, Dₙ₋₁ − Tₙ) with exponential Xₙ and interarrival
// times Tₙ, run for many writes: the mean within 5 standard errors of the
// recursion's (batch means, since successive lags are correlated), the
// p99 within 2%; and, with almost no writes, the lag is the delay itself.
func TestInOrderLag(t *testing.T) {
	near(t, "mean with λm → 0", InOrderLag{Lambda: 1e-9, Mean: 0.1}.MeanLag(), 0.1, 1e-9)
	near(t, "p50 with λm → 0", InOrderLag{Lambda: 1e-9, Mean: 0.1}.Quantile(0.5), 0.1*math.Ln2, 1e-9)
	for _, l := range []InOrderLag{{Lambda: 10, Mean: 0.1}, {Lambda: 200, Mean: 0.1}} {
		t.Run(fmt.Sprintf("λm=%g", l.Lambda*l.Mean), func(t *testing.T) {
			rng := sim.NewStream(1, "lag")
			const n, batches = 2_000_000, 50
			lags := make([]float64, n)
			d := 0.0
			var means []float64
			sum := 0.0
			for i := range lags {
				d = max(sim.ExpVariate(rng)*l.Mean, d-sim.ExpVariate(rng)/l.Lambda)
				lags[i] = d
				sum += d
				if (i+1)%(n/batches) == 0 {
					means = append(means, sum/(n/batches))
					sum = 0
				}
			}
			mean, half := sim.MeanCI95(means)
			se := half / sim.StudentT975(batches-1)
			slices.Sort(lags)
			p99 := lags[n*99/100]
			t.Logf("mean %.5g ± %.2g (recursion), %.5g (formula); p99 %.5g, %.5g", mean, se, l.MeanLag(), p99, l.Quantile(0.99))
			near(t, "mean lag", l.MeanLag(), mean, 5*se)
			near(t, "p99 lag", l.Quantile(0.99), p99, 0.02*p99)
		})
	}
}
