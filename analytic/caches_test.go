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

// TestPathGroups checks that CheTimePaths sums over one group per
// probability, wherever its items come in the list: a B-tree's levels
// below the one whose pages outnumber the keys repeat the leaves'
// probabilities (one key a page), so a taller tree (more rows) must not
// make the root search longer. Ten levels of 3000 pages over three
// probabilities are three groups, and τ is the same as over the list.
func TestPathGroups(t *testing.T) {
	var probs, counts []float64
	for range 10 {
		for i := range 3000 {
			probs = append(probs, []float64{1e-5, 2e-6, 3e-7}[i%3])
			counts = append(counts, 1)
		}
	}
	if g := pathGroups(probs, counts); len(g) != 3 {
		t.Fatalf("%d groups, want 3", len(g))
	}
	want := rootOfIncreasing(func(tau float64) float64 {
		s := 0.0
		for i, q := range probs {
			s += float64(counts[i] * PathHeld(q, tau))
		}
		return s
	}, 7500)
	if got := CheTimePaths(probs, counts, 7500); math.Abs(got/want-1) > 1e-9 {
		t.Errorf("τ %.12g, want %.12g", got, want)
	}
}
