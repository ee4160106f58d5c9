package workloads

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/sim"
)

// TestMaxRate checks the highest rate of a shape over a window against
// the shape's arithmetic, and against λ sampled each second over it: never
// below a sample, and for a constant level under a daily cycle within the
// cycle's rise over a second of the highest sample.
func TestMaxRate(t *testing.T) {
	const base = 100.0
	diurnal := ShapeChange{Kind: Diurnal, PeakToTrough: 4, PeakAt: 20 * 3600}
	for _, c := range []struct {
		name     string
		changes  []ShapeChange
		from, to float64
		want     float64 // exact, or 0 to check against the samples alone
	}{
		{"before a step", []ShapeChange{{Kind: Step, At: 30, Factor: 3}}, 10, 30, base},
		{"across a step", []ShapeChange{{Kind: Step, At: 30, Factor: 3}}, 10, 130, 3 * base},
		{"a ramp's end", []ShapeChange{{Kind: Ramp, At: 1, Until: 100, Rate: 1e9}}, 10, 110, 1e9},
		{"half a ramp", []ShapeChange{{Kind: Ramp, At: 0, Until: 100, Rate: 300}}, 0, 50, 200},
		{"a ramp down", []ShapeChange{{Kind: Ramp, At: 0, Until: 100, Rate: 0}}, 20, 200, 80},
		{"a spike in the window", []ShapeChange{{Kind: Spike, At: 50, Until: 60, Factor: 2}}, 0, 100, 2 * base},
		{"a spike after it", []ShapeChange{{Kind: Spike, At: 150, Until: 160, Factor: 2}}, 0, 100, base},
		{"a whole day's cycle", []ShapeChange{diurnal}, 0, Day, float64(2*4) / (4 + 1) * base},
		{"a cycle's morning", []ShapeChange{diurnal}, 6 * 3600, 9 * 3600, 0},
		{"a cycle's evening", []ShapeChange{diurnal}, 21 * 3600, 23 * 3600, 0},
		{"a weekend", []ShapeChange{{Kind: Diurnal, PeakToTrough: 1, Weekend: 0.5}, {Kind: Step, At: 5 * Day, Factor: 3}}, 4 * Day, 6 * Day, 1.5 * base},
	} {
		sh := NewShape(base, c.changes)
		got := sh.MaxRate(sim.Time(c.from), sim.Time(c.to))
		sampled := 0.0
		for x := c.from; x < c.to; x++ {
			sampled = math.Max(sampled, sh.Rate(sim.Time(x)))
		}
		// The cycle rises by at most a·2π/day of the level a second.
		rise := float64(sh.amplitude*2*math.Pi) / Day * sampled
		switch {
		case c.want > 0 && math.Abs(got-c.want) > 1e-9*c.want:
			t.Errorf("%s: MaxRate(%g, %g) = %g, want %g", c.name, c.from, c.to, got, c.want)
		case got < sampled:
			t.Errorf("%s: MaxRate(%g, %g) = %g, below λ sampled there (%g)", c.name, c.from, c.to, got, sampled)
		case c.want == 0 && got > sampled+rise:
			t.Errorf("%s: MaxRate(%g, %g) = %g, above the highest λ sampled each second (%g) by more than the cycle's rise in a second (%g)", c.name, c.from, c.to, got, sampled, rise)
		}
	}
}
