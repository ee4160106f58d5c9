package engine

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// TestOrderStat checks the estimate's order statistics of exponential
// members: for equal means Rényi's t·Σ_{i=n−k+1}^{n} 1/i; for unequal,
// the closed forms of two (max: 1/λ₁ + 1/λ₂ − 1/(λ₁+λ₂), min 1/(λ₁+λ₂)),
// and the middle of three against a million draws (within 5 standard
// errors).
func TestOrderStat(t *testing.T) {
	sv := &noteSolver{}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s: %.9g, want %.9g ± %.2g", what, got, want, tol)
		}
	}
	ten := []float64{0.01, 0.01, 0.01, 0.01, 0.01}
	near("all of 5 equal", topology.OrderStat(sv, "app", ten, topology.WaitAll), 0.01*(1+1.0/2+1.0/3+1.0/4+1.0/5), 1e-15)
	near("any of 5 equal", topology.OrderStat(sv, "app", ten, 1), 0.002, 1e-15)
	near("3 of 5 equal", topology.OrderStat(sv, "app", ten, 3), 0.01*(1.0/3+1.0/4+1.0/5), 1e-15)
	near("max of 1 and 2", topology.OrderStat(sv, "app", []float64{1, 2}, topology.WaitAll), 1+2-1/1.5, 1e-12)
	near("min of 1 and 2", topology.OrderStat(sv, "app", []float64{1, 2}, 1), 1/1.5, 1e-12)
	near("a member of no time", topology.OrderStat(sv, "app", []float64{0, 2}, 1), 0, 1e-12)
	means := []float64{1, 2, 4}
	r := sim.NewStream(7, "order-stat")
	var s sim.Summary
	for range 1_000_000 {
		x := []float64{r.ExpFloat64() * means[0], r.ExpFloat64() * means[1], r.ExpFloat64() * means[2]}
		slices.Sort(x)
		s.Add(x[1])
	}
	near("2nd of 1, 2, 4", topology.OrderStat(sv, "app", means, 2), s.Mean(), 5*s.StdDev()/1000)
	if len(sv.notes) == 0 || !strings.Contains(sv.notes[0], "order statistic of independent exponential times") {
		t.Errorf("notes %q: want the approximation said", sv.notes)
	}
}

// noteSolver is a Solver that only takes notes.
type noteSolver struct {
	topology.Solver
	notes []string
}

func (s *noteSolver) Note(format string, args ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}
