package workloads

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/units"
)

// TestGrowthCurves checks each curve's ends, its middle and that it only
// rises.
func TestGrowthCurves(t *testing.T) {
	over := 18 * units.Month
	cases := []struct {
		curve string
		mid   float64 // users halfway
	}{
		{CurveLinear, 5e5 + 0.5*(8e6-5e5)},
		{CurveExponential, math.Sqrt(5e5 * 8e6)},
		{CurveLogistic, 5e5 + 0.5*(8e6-5e5)}, // symmetric about the middle
	}
	for _, c := range cases {
		g := Growth{From: 5e5, To: 8e6, Over: over, Curve: c.curve}
		if g.Users(0) != 5e5 || math.Abs(g.Users(over)/8e6-1) > 1e-12 || g.Users(2*over) != g.Users(over) {
			t.Errorf("%s: ends %g, %g", c.curve, g.Users(0), g.Users(over))
		}
		if math.Abs(g.Users(over/2)/c.mid-1) > 1e-9 {
			t.Errorf("%s: halfway %g, want %g", c.curve, g.Users(over/2), c.mid)
		}
		for x := 0.0; x < 1; x += 0.01 {
			if g.Users((x+0.01)*over) < g.Users(x*over) {
				t.Fatalf("%s falls at %g", c.curve, x)
			}
		}
	}
	for in, want := range map[string]float64{"18mo": 18 * units.Month, "2y": 2 * units.Year, "6w": 6 * units.Week, "90d": 90 * units.Day} {
		if got, err := units.ParsePeriod(in); err != nil || got != want {
			t.Errorf("units.ParsePeriod(%q) = %g, %v", in, got, err)
		}
	}
	for _, in := range []string{"mo", "-1mo", "soon"} {
		if _, err := units.ParsePeriod(in); err == nil {
			t.Errorf("units.ParsePeriod(%q) should fail", in)
		}
	}
}
