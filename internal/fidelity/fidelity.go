// Package fidelity holds what the fidelity tests share: running a scenario
// in independent replications, and comparing the replications' mean of a
// figure with a closed form of queueing theory within a tolerance derived
// from the replications themselves.
//
// Each check runs replications with seeds 1..reps and takes the mean across
// them; their spread gives the standard error SE. A figure passes when
// |estimate − theory| ≤ k·SE + bias, where bias is HistogramAccuracy·theory
// for quantiles read from the streaming histogram (0 for means and shares),
// and k is the Student-t quantile, for the replications' degrees of freedom,
// with the same two-sided tail as Z = 4 standard normal deviations: a
// correct simulator fails a given check with probability about 6e-5 however
// few replications it runs. So that a check cannot pass merely by being
// noisy, each also requires SE ≤ MaxRelSE of the theoretical value.
package fidelity

import (
	"math"
	"runtime"
	"sync"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
)

// The tolerance of a check: Z standard normal deviations' worth of tail,
// and the largest standard error, relative to the value, a check accepts.
const (
	Z        = 4.0
	MaxRelSE = 0.02
)

// Replicate runs the scenario text with seeds 1..reps in parallel and
// returns each report, in seed order. A replication that stops early fails
// the test: its figures are not steady-state figures.
// Under go test -short the check is skipped: fidelity takes long runs, and
// the full suite (make test, CI) runs them.
func Replicate(t testing.TB, text string, reps int) []*simulate.Report {
	t.Helper()
	if testing.Short() {
		t.Skip("fidelity replications run without -short")
	}
	out := make([]*simulate.Report, reps)
	errs := make([]error, reps)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			s, err := scenarios.Parse("fidelity.yaml", []byte(text))
			if err != nil {
				errs[i] = err
				return
			}
			s.Run.Seed = uint64(i + 1)
			out[i], errs[i] = simulate.Run(s)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range out {
		if r.StoppedEarly != "" {
			t.Fatalf("replication stopped early: %s", r.StoppedEarly)
		}
	}
	return out
}

// Check compares the mean of metric over the reports with theory; quantile
// says the figure is read from the streaming histogram.
func Check(t testing.TB, what string, reports []*simulate.Report, metric func(*simulate.Report) float64, theory float64, quantile bool) {
	t.Helper()
	xs := make([]float64, len(reports))
	for i, r := range reports {
		xs[i] = metric(r)
	}
	mean, half := sim.MeanCI95(xs)
	se := half / sim.StudentT975(len(xs)-1)
	bias := 0.0
	if quantile {
		bias = sim.HistogramAccuracy * theory
	}
	tol := TQuantile(len(xs)-1)*se + bias
	relErr := (mean - theory) / theory
	t.Logf("%-28s sim %.6g  theory %.6g  error %+.2f%%  SE %.2f%%  tolerance ±%.2f%%",
		what, mean, theory, 100*relErr, 100*se/theory, 100*tol/theory)
	if se > MaxRelSE*theory {
		t.Errorf("%s: standard error %.3g is %.1f%% of the value; the run is too short to test (max %.0f%%)",
			what, se, 100*se/theory, 100*MaxRelSE)
	}
	if math.Abs(mean-theory) > tol {
		t.Errorf("%s: simulated %.6g, theory %.6g: off by %.3g, more than %.3g (%.3g SE + histogram bias)",
			what, mean, theory, math.Abs(mean-theory), tol, TQuantile(len(xs)-1))
	}
}

// TQuantile is the Student-t critical value with df degrees of freedom and
// the two-sided tail of ±Z under the standard normal.
func TQuantile(df int) float64 {
	tail := 2 * distuv.UnitNormal.CDF(-Z)
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(1 - tail/2)
}

// MeanLatency and P99Latency are the figures most checks read.
func MeanLatency(r *simulate.Report) float64 { return r.Latency.Mean }

// P99Latency is the report's p99 latency.
func P99Latency(r *simulate.Report) float64 { return r.Latency.P99 }
