package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	stdfnt "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalesim/scalesim/units"
)

// The house style of every figure, in one place: sizes, fonts, colours,
// which series carry markers, and how axes are ticked and labelled.

// Figure size and resolution: 8 × 5 inches, the PNG at 192 dots per inch
// (twice the 96 of a screen at 100%, sharp on a high-density display).
const (
	figWidth  = 8 * vg.Inch
	figHeight = 5 * vg.Inch
	pngDPI    = 2 * 96
)

// maxMarkedPoints is the most points a series may have and still carry a
// marker at each: beyond it the markers hide the line they sit on.
const maxMarkedPoints = 12

// marked says whether a series of n points is drawn with a marker at each.
func marked(n int) bool { return n <= maxMarkedPoints }

// Text sizes, in points.
const (
	titleSize  = 11
	labelSize  = 10 // axis labels
	tickSize   = 9  // tick labels and the legend
	noteSize   = 8  // marks' labels: the SLO, events, shaded spans
	lineWidth  = 1.5
	margin     = 8 // around the figure
	legendGap  = 14
	sampleLen  = 18 // a legend entry's line sample
	eventTick  = 6  // a scaling event's tick
	markerSize = 2.5
)

// sans is the figures' typeface.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// textFont is the face of size pt, bold when asked.
func textFont(pt float64, bold bool) font.Font {
	f := sans
	f.Size = vg.Length(pt)
	if bold {
		f.Weight = stdfnt.WeightBold
	}
	return f
}

// textStyle is a text of size pt in colour c aligned as given.
func textStyle(pt float64, c color.Color, x draw.XAlignment, y draw.YAlignment) draw.TextStyle {
	return draw.TextStyle{Color: c, Font: textFont(pt, false), XAlign: x, YAlign: y, Handler: plot.DefaultTextHandler}
}

// Colours. Nodes take the Okabe–Ito palette (safe for colour-blind
// readers; Okabe and Ito, "Color Universal Design", 2008) by their place
// in the scenario, so a node has the same colour in every figure; roles
// (percentiles, offered load, A and B) have fixed colours of their own.
var (
	nodePalette = []color.NRGBA{
		{0x00, 0x72, 0xB2, 0xFF}, // blue
		{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
		{0x00, 0x9E, 0x73, 0xFF}, // bluish green
		{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
		{0xE6, 0x9F, 0x00, 0xFF}, // orange
		{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
		{0x4D, 0x4D, 0x4D, 0xFF}, // dark grey
		{0x8C, 0x56, 0x4B, 0xFF}, // brown
	}
	ink      = color.NRGBA{0x22, 0x22, 0x22, 0xFF} // text and axes
	softInk  = color.NRGBA{0x66, 0x66, 0x66, 0xFF} // notes
	gridInk  = color.NRGBA{0xE4, 0xE4, 0xE4, 0xFF}
	sloInk   = color.NRGBA{0xC0, 0x39, 0x2B, 0xFF}
	markInk  = color.NRGBA{0x44, 0x44, 0x44, 0xFF} // breaking point, SLO breach
	spanFill = map[string]color.NRGBA{
		SpanLoad:    {0x1F, 0x77, 0xB4, 0x22},
		SpanFault:   {0xD6, 0x27, 0x28, 0x26},
		SpanTrigger: {0x80, 0x80, 0x80, 0x26},
	}
)

// Colour keys of the roles a series can play (Line.Color); a node's is
// nodeColor of its place.
const (
	ColorP50        = "p50"
	ColorP95        = "p95"
	ColorP99        = "p99"
	ColorMean       = "mean"
	ColorOffered    = "offered"
	ColorThroughput = "throughput"
	ColorGoodput    = "goodput"
	ColorErrors     = "errors"
	ColorCost       = "cost"
	ColorUsers      = "users"
	ColorA          = "A"
	ColorB          = "B"
)

// roleStyle is the colour of each role, and whether it is dashed or wide.
// A series that another often covers exactly (throughput under goodput
// when every reply is in time, A under B before they part) is drawn wide
// and first, so that both show: the other runs along its middle. A dashed
// one is drawn last, over the rest.
var roleStyle = map[string]struct {
	c            color.NRGBA
	dashed, wide bool
}{
	ColorP50:        {color.NRGBA{0x6B, 0xAE, 0xD6, 0xFF}, false, false},
	ColorP95:        {color.NRGBA{0x21, 0x71, 0xB5, 0xFF}, false, false},
	ColorP99:        {color.NRGBA{0x08, 0x30, 0x6B, 0xFF}, false, false},
	ColorMean:       {color.NRGBA{0xE6, 0x55, 0x0D, 0xFF}, false, false},
	ColorOffered:    {color.NRGBA{0x99, 0x99, 0x99, 0xFF}, true, false},
	ColorThroughput: {nodePalette[0], false, true},
	ColorGoodput:    {nodePalette[2], false, false},
	ColorErrors:     {nodePalette[1], false, false},
	ColorCost:       {ink, false, false},
	ColorUsers:      {nodePalette[0], false, false},
	ColorA:          {nodePalette[0], false, true},
	ColorB:          {nodePalette[1], false, false},
}

// wideLine is the width of a wide series' line.
const wideLine = 3.5

// lineStyle is the line of a colour key's series.
func lineStyle(key string) draw.LineStyle {
	c, dashed := seriesStyle(key)
	s := draw.LineStyle{Color: c, Width: vg.Points(lineWidth)}
	if roleStyle[key].wide {
		s.Width = vg.Points(wideLine)
	}
	if dashed {
		s.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return s
}

// layer is when a colour key's series is drawn: wide ones first, dashed
// ones last.
func layer(key string) int {
	switch r := roleStyle[key]; {
	case r.wide:
		return 0
	case r.dashed:
		return 2
	}
	return 1
}

// nodeColor is the colour key of the node at place i of the scenario.
func nodeColor(i int) string { return "node " + strconv.Itoa(i) }

// regionColor is the colour key of the i-th user region: the nodes'
// palette, a colour per region.
func regionColor(i int) string { return nodeColor(i) }

// isNode says a colour key is a node's.
func isNode(key string) bool { return strings.HasPrefix(key, "node ") }

// seriesStyle is the colour of a colour key, and whether its line is
// dashed; an unknown key is ink.
func seriesStyle(key string) (color.Color, bool) {
	if s, ok := roleStyle[key]; ok {
		return s.c, s.dashed
	}
	if n, ok := strings.CutPrefix(key, "node "); ok {
		if i, err := strconv.Atoi(n); err == nil && i >= 0 {
			return nodePalette[i%len(nodePalette)], false
		}
	}
	return ink, false
}

// Axis units (Axis.Unit) with ticks of their own; the others are numbers.
const (
	UnitTime    = "s"      // seconds since the run started, ticked h:mm
	UnitLatency = "ms"     // shown in seconds when the axis reaches 2 s
	UnitMonths  = "months" // months since the start, ticked by quarters and years
)

// monthSteps are the steps of an axis of months: a month, a quarter, half
// a year, a year and more.
var monthSteps = []float64{1, 2, 3, 6, 12, 24, 60, 120}

// axisView is how an axis is drawn: its range, ticks and label.
type axisView struct {
	Min, Max float64
	Log      bool
	Ticks    []plot.Tick
	Label    string
}

// maxTicks bounds the labelled ticks of an axis.
const maxTicks = 8

// view decides the range, ticks and label of a, whose data span lo..hi.
// A value axis (extend) is widened to the labelled ticks around its data
// and, when linear, starts at 0 (these figures plot nothing negative); an
// axis of load keeps the data's ends, one of time starts at 0. Latency in
// milliseconds is shown in seconds once the axis reaches 2 s.
func (a Axis) view(lo, hi float64, extend bool) axisView {
	v := axisView{Log: a.Log, Label: a.Label}
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsNaN(lo) || math.IsNaN(hi) || (v.Log && !(lo > 0)) {
		lo, hi, v.Log = 0, 1, false
	}
	if !v.Log && (extend || a.Unit == UnitTime || a.Unit == UnitMonths) {
		lo = math.Min(lo, 0)
	}
	hi = math.Max(hi, a.Upto)
	if hi <= lo {
		if v.Log {
			lo, hi = lo/2, hi*2
		} else {
			hi = lo + math.Max(1, math.Abs(lo))
		}
	}
	unit, scale := a.Unit, 1.0
	if a.Unit == UnitLatency && hi >= 2000 {
		unit, scale = "s", 1000
	}
	switch {
	case a.Unit == UnitTime:
		var form string
		v.Ticks, form = timeTicks(lo, hi)
		v.Label += " (" + form + ")"
	case unit != "" && unit != a.Label:
		v.Label += " (" + unit + ")"
	}
	switch {
	case a.Unit == UnitTime:
	case v.Log:
		if extend {
			lo, hi = logBounds(lo/scale, hi/scale)
			lo, hi = lo*scale, hi*scale
		}
		v.Ticks = logTicks(lo/scale, hi/scale, a.Unit != UnitLatency)
	case a.Unit == UnitMonths:
		step := monthSteps[len(monthSteps)-1]
		for _, s := range monthSteps {
			if (hi-lo)/s <= maxTicks {
				step = s
				break
			}
		}
		v.Ticks = linearTicks(lo, hi, step)
	default:
		step := niceStep((hi-lo)/scale, maxTicks-1, a.Whole)
		if extend {
			hi = math.Ceil(hi/scale/step-1e-9) * step * scale
		}
		v.Ticks = linearTicks(lo/scale, hi/scale, step)
	}
	if scale != 1 {
		for i := range v.Ticks {
			v.Ticks[i].Value *= scale
		}
	}
	v.Min, v.Max = lo, hi
	return v
}

// niceStep is the smallest step of 1, 2, 2.5 or 5 times a power of ten
// (1, 2 or 5 when whole, and never below 1) that cuts span into at most n
// intervals.
func niceStep(span float64, n int, whole bool) float64 {
	if !(span > 0) {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	mults := []float64{1, 2, 2.5, 5, 10}
	if whole {
		mults = []float64{1, 2, 5, 10}
	}
	for _, m := range mults {
		if s := m * mag; s >= raw*(1-1e-9) {
			if whole && s < 1 {
				return 1
			}
			return s
		}
	}
	return 10 * mag
}

// linearTicks are the multiples of step from lo to hi, labelled.
func linearTicks(lo, hi, step float64) []plot.Tick {
	var ticks []plot.Tick
	for k := math.Ceil(lo/step - 1e-9); ; k++ {
		v := k * step
		if v > float64(hi*(1+1e-9))+1e-12 {
			break
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: formatNumber(v, step)})
	}
	return ticks
}

// formatNumber writes a tick value v of an axis ticked every step with the
// decimals the step needs and no more ("500", "2.5", "0.25"), and from
// 10 000 on as a count ("20k", "2.5M").
func formatNumber(v, step float64) string {
	if math.Abs(v) < 1e-9*step {
		return "0"
	}
	if math.Abs(v) >= 1e4 {
		return units.FormatCount(v)
	}
	decimals := 0
	for s := step; decimals < 6 && math.Abs(s-math.Round(s)) > 1e-9*math.Max(1, s); s *= 10 {
		decimals++
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// logTicks are the ticks of a log axis from lo to hi: every power of ten
// labelled, and 2 and 5 times it too when the axis spans at most two and
// a half decades (the rest of 2..9 as unlabelled minor ticks up to three).
func logTicks(lo, hi float64, count bool) []plot.Tick {
	first, last := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	decades := math.Log10(hi / lo)
	var ticks []plot.Tick
	for e := first; e <= last; e++ {
		for m := 1; m <= 9; m++ {
			v, _ := strconv.ParseFloat(fmt.Sprintf("%de%d", m, e), 64) // exact: no 0.30000000000000004
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			switch {
			case m == 1 || (decades <= 2.5 && (m == 2 || m == 5)):
				ticks = append(ticks, plot.Tick{Value: v, Label: formatLog(v, count)})
			case decades <= 3:
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// logBounds widens lo..hi to the nearest of 1, 2 and 5 times a power of
// ten outside it, so that a log value axis starts and ends on a label.
func logBounds(lo, hi float64) (float64, float64) {
	below, above, found := lo, hi, false
	for e := int(math.Floor(math.Log10(lo))) - 1; e <= int(math.Ceil(math.Log10(hi)))+1; e++ {
		for _, m := range []int{1, 2, 5} { // increasing values
			v, _ := strconv.ParseFloat(fmt.Sprintf("%de%d", m, e), 64)
			if v <= lo {
				below = v
			}
			if v >= hi && !found {
				above, found = v, true
			}
		}
	}
	return below, above
}

// formatLog writes a log axis's tick: a count as 100, 1k, 10M when
// counting, and below 1 as a plain decimal (0.001).
func formatLog(v float64, count bool) string {
	if v >= 1e4 || (count && v >= 1e3) {
		return units.FormatCount(v)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// timeSteps are the steps of a time axis, in seconds: from 10 seconds to
// a week.
var timeSteps = []float64{10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400}

// timeTicks are the ticks of a time axis from lo to hi seconds and the
// label's form: m:ss under ten minutes, h:mm under three days, days beyond.
func timeTicks(lo, hi float64) ([]plot.Tick, string) {
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if (hi-lo)/s <= maxTicks {
			step = s
			break
		}
	}
	form := "h:mm"
	switch {
	case hi-lo >= 3*86400:
		form = "days"
		if step < 86400 {
			step = 86400
		}
	case hi-lo < 600:
		form = "m:ss"
	}
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi; k++ {
		ticks = append(ticks, plot.Tick{Value: k * step, Label: formatClock(k*step, form)})
	}
	return ticks, form
}

// formatClock writes t seconds as m:ss, h:mm or a day count.
func formatClock(t float64, form string) string {
	s := int64(math.Round(t))
	switch form {
	case "m:ss":
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	case "days":
		return strconv.FormatFloat(t/86400, 'f', -1, 64)
	}
	return fmt.Sprintf("%d:%02d", s/3600, s/60%60)
}
