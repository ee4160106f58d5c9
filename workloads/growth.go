package workloads

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/yamlfile"
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

// Calendar units of growth periods, in seconds.
const (
	Day   = 86400.0
	Week  = 7 * Day
	Month = 365.25 / 12 * Day
	Year  = 365.25 * Day
)

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
		return g.From * math.Pow(g.To/g.From, x)
	case CurveLogistic:
		l := func(x float64) float64 { return 1 / (1 + math.Exp(-logisticSteepness*(x-0.5))) }
		return g.From + (g.To-g.From)*(l(x)-l(0))/(l(1)-l(0))
	}
	return g.From + (g.To-g.From)*x
}

// ParsePeriod reads a calendar period: 18mo, 2y, 6w, 90d, or any duration.
func ParsePeriod(s string) (float64, error) {
	for _, u := range []struct {
		suffix string
		unit   float64
	}{{"mo", Month}, {"y", Year}, {"w", Week}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || !(v > 0) {
				return 0, strconv.ErrSyntax
			}
			return v * u.unit, nil
		}
	}
	return yamlfile.ParseDuration(s)
}

// FormatPeriod writes seconds of calendar time as months and days, e.g.
// "month 7" for the start of the eighth month, with weeks under a month.
func FormatPeriod(sec float64) string {
	if sec < Month {
		return "week " + strconv.Itoa(int(sec/Week))
	}
	return "month " + strconv.FormatFloat(math.Floor(sec/Month*10)/10, 'f', -1, 64)
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
	v, err := ParsePeriod(over.Value)
	if err != nil || !(v > 0) {
		d.Errorf(over, "growth over: want a period such as 18mo, 2y, 26w or 90d, got %q", over.Value)
	}
	g.Over = v
	if m.Has("curve") {
		g.Curve = d.OneOf(m.Get("curve"), "growth curve", CurveLinear, CurveExponential, CurveLogistic)
	}
	return g
}
