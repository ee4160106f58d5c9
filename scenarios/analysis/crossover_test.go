package analysis

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/scenarios/simulate"
)

// TestCrossover checks where the cheaper of two swept architectures
// changes: a cost that grows with the load (a function's) against a
// fleet's steps, interpolated linearly between the two points around the
// change; none when one is cheaper throughout, on a non-load axis, or
// when a point is not priced.
func TestCrossover(t *testing.T) {
	sweepOf := func(axis string, costs ...float64) *SweepReport {
		sw := &SweepReport{Axis: axis}
		for i, c := range costs {
			r := &simulate.Report{}
			r.Cost.MonthlyUSD, r.Cost.Priced = c, "catalogue"
			if math.IsNaN(c) {
				r.Cost.Priced = ""
			}
			sw.Points = append(sw.Points, SweepPoint{Rate: float64(10 * (i + 1)), Value: "v", Report: r})
		}
		return sw
	}
	for _, tc := range []struct {
		name string
		a, b *SweepReport
		want *Crossover
	}{
		// A: 3.6 $/month per req/s; B: 124 until 60/s, then more. They
		// cross between 30 and 40: at 30 + 10 × 16/(16 + 20) = 34.44.
		{"function against a fleet", sweepOf("rate", 36, 72, 108, 144, 180), sweepOf("rate", 124, 124, 124, 124, 186),
			&Crossover{From: 30, To: 40, At: 30 + 10*16.0/36, Cheaper: "B"}},
		{"equal costs skipped", sweepOf("rate", 100, 124, 150), sweepOf("rate", 124, 124, 124),
			&Crossover{From: 10, To: 30, At: 10 + 20*24.0/50, Cheaper: "B"}},
		{"A cheaper throughout", sweepOf("rate", 1, 2, 3), sweepOf("rate", 10, 10, 10), nil},
		{"not a load", sweepOf("nodes.app.instances", 1, 20), sweepOf("nodes.app.instances", 10, 10), nil},
		{"a point not priced", sweepOf("rate", 1, math.NaN(), 30), sweepOf("rate", 10, 10, 10), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := crossover(tc.a, tc.b)
			switch {
			case (got == nil) != (tc.want == nil):
				t.Fatalf("crossover %+v, want %+v", got, tc.want)
			case got != nil && (got.From != tc.want.From || got.To != tc.want.To || got.Cheaper != tc.want.Cheaper || math.Abs(got.At-tc.want.At) > 1e-9):
				t.Errorf("crossover %+v, want %+v", got, tc.want)
			}
		})
	}
}
