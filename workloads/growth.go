package workloads

import (
	"math"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Growth is how the user count grows over calendar time, for timelines:
// from From to To users over Over seconds along Curve.
type Growth struct {
	From, To float64
	Over     float64 // seconds
	Curve    string
}

// Growth curves.
const (
	CurveLinear      = "linear"
	CurveExponential = "exponential"
	CurveLogistic    = "logistic"
)

// Curves lists the growth curves.
var Curves = []string{CurveLinear, CurveExponential, CurveLogistic}

// logisticSteepness is k of the logistic curve 1/(1+e^(−k(x−½))) over the
// period x ∈ [0, 1]: from 0.7% to 99.3% of the way.
const logisticSteepness = 10

// Users is the user count t seconds into the growth period (clamped to it).
// Linear: From + (To−From)·x; exponential: From·(To/From)^x; logistic:
// an S-curve, slow, then fast, then slow, rescaled to start at From and
// end at To; x = t/Over.
func (g *Growth) Users(t float64) float64 {
	x := math.Min(1, math.Max(0, t/g.Over))
	switch g.Curve {
	case CurveExponential:
		return g.From * sim.Pow(g.To/g.From, x)
	case CurveLogistic:
		l := func(x float64) float64 { return 1 / (1 + sim.Exp(float64(-logisticSteepness*(x-0.5)))) }
		return g.From + (g.To-g.From)*(l(x)-l(0))/(l(1)-l(0))
	}
	return g.From + float64((g.To-g.From)*x)
}

func decodeGrowth(d *yamlfile.Decoder, n *yaml.Node) *Growth {
	m, ok := d.Mapping(n, "growth", "from", "to", "over", "curve")
	if !ok {
		return nil
	}
	g := &Growth{Curve: CurveLinear}
	for _, k := range []string{"from", "to", "over"} {
		if !m.Has(k) {
			d.Errorf(n, "growth needs %s", k)
			return nil
		}
	}
	g.From, _ = d.Count(m.Get("from"), "growth from")
	g.To, _ = d.Count(m.Get("to"), "growth to")
	over := m.Get("over")
	v, err := units.ParsePeriod(over.Value)
	if err != nil || !(v > 0) {
		d.Errorf(over, "growth over: want a period such as 18mo, 2y, 26w or 90d, got %q", over.Value)
	}
	g.Over = v
	if m.Has("curve") {
		g.Curve, _ = d.String(m.Get("curve"))
	}
	return g
}
