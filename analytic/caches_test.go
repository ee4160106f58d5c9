package analytic

import (
	"math"
	"testing"
)

// TestCheLRUPaths checks Che's approximation over requests that reference
// paths: a cache of two items, a root every request references and 123
// leaves each referenced by one request in 123, holds the root and the
// last leaf (τ = 1 request), so that (1 + 1/123)/2 of the references hit;
// and with items each referenced rarely it is Che's over references.
func TestCheLRUPaths(t *testing.T) {
	for _, c := range []struct {
		name          string
		probs, counts []float64
		capacity      float64
		want, tol     float64
	}{
		{"root and leaves", []float64{1, 1.0 / 123}, []float64{1, 123}, 2, (1 + 1.0/123) / 2, 1e-9},
		{"rare items", []float64{1e-4, 2e-5}, []float64{2000, 40000}, 3000, CheLRUGrouped([]float64{1e-4, 2e-5}, []float64{2000, 40000}, 3000), 1e-4},
		{"all fit", []float64{1, 0.5}, []float64{1, 2}, 3, 1, 0},
	} {
		got := CheLRUPaths(c.probs, c.counts, c.capacity)
		if math.Abs(got-c.want) > c.tol {
			t.Errorf("%s: %.9f, want %.9f ± %g", c.name, got, c.want, c.tol)
		}
	}
}
