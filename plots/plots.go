// Package plots draws the figures of sweeps, comparisons, timelines and
// runs over time with gonum/plot, as PNG (at twice a screen's resolution)
// and SVG: latency percentiles against load with the SLO and breaking
// point marked, utilization per node, cost, error rate; a run's latency,
// throughput, instances and utilization against time, with the
// workload's changes and faults shaded and scaling events ticked.
//
// Figures are built as data first (Figure), then laid out (which series
// carry markers, the legend, the axes' ranges and ticks) and drawn, so
// tests can check what is plotted and how without comparing images. The
// house style is in style.go, the drawing in render.go.
package plots

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/scalesim/scalesim/scenarios/analysis"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// Figure is one chart: lines of (x, y) points on two axes, with the marks
// a reader needs to read them: thresholds (the SLO), vertical markers (the
// breaking point), shaded spans of x (the workload's changes, faults) and
// events ticked along the top (scaling).
type Figure struct {
	Name  string `json:"name"` // file name without extension
	Title string `json:"title"`
	X     Axis   `json:"x"`
	Y     Axis   `json:"y"`
	Lines []Line `json:"lines"`
	// HLines are thresholds such as the SLO, labelled at their right end.
	HLines []Marker `json:"h_lines,omitempty"`
	// VLines are markers such as the breaking point, labelled at their top.
	VLines []Marker `json:"v_lines,omitempty"`
	// Spans are shaded stretches of x, each labelled once above the data.
	Spans []Span `json:"spans,omitempty"`
	// Events are instants ticked along the top, labelled once as a group
	// (EventsLabel): never a legend entry each.
	Events      []Event `json:"events,omitempty"`
	EventsLabel string  `json:"events_label,omitempty"`
}

// Axis is what an axis shows: a quantity in a unit. The unit decides the
// ticks: UnitTime in h:mm, UnitLatency in round milliseconds (seconds
// from 2 s), counts from 10 000 on as 20k, 2.5M.
type Axis struct {
	Label string `json:"label"`
	Unit  string `json:"unit"`
	Log   bool   `json:"log,omitempty"`
	// Whole says the quantity is counted in whole units (instances): no
	// tick between two.
	Whole bool `json:"whole,omitempty"`
	// Upto is a value the axis reaches whatever the data (100 for a
	// utilization, the run's end on a time axis).
	Upto float64 `json:"upto,omitempty"`
}

// Line is a labelled series. Color is its colour key: a role's (ColorP99,
// ColorOffered, ColorA …) or a node's (nodeColor of its place in the
// scenario), so that a node has one colour in every figure.
type Line struct {
	Label  string       `json:"label"`
	Color  string       `json:"color"`
	Points [][2]float64 `json:"points"`
	// Refined are the points of Points that a sweep placed after its grid
	// (its bisection's runs and those at the bend)
	// (marked on their own, whatever the marker rule).
	Refined [][2]float64 `json:"refined,omitempty"`
	// Band is a confidence interval around the series, shaded in its
	// colour: x, low, high at each point that has one.
	Band [][3]float64 `json:"band,omitempty"`
}

// Marker is a labelled constant.
type Marker struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

// Kinds of span.
const (
	SpanLoad    = "load"    // a step, ramp or spike of the workload
	SpanFault   = "fault"   // a fault
	SpanTrigger = "trigger" // a trigger not known to be either
)

// Span is a shaded stretch of x (a step, whose ends meet, is a line).
type Span struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Label string  `json:"label"`
	Kind  string  `json:"kind"`
}

// Event is an instant ticked along the top of a figure, in the colour of
// its node.
type Event struct {
	At    float64 `json:"at"`
	Label string  `json:"label"`
	Color string  `json:"color"`
}

// loadAxis is a sweep's load axis and how a point is read on it.
func loadAxis(sw *analysis.SweepReport) (Axis, func(analysis.SweepPoint) float64) {
	if sw.Axis == analysis.AxisUsers.String() {
		return Axis{Label: "users", Unit: "users", Log: true}, func(p analysis.SweepPoint) float64 { return p.Users }
	}
	return Axis{Label: "offered load", Unit: "requests/s", Log: true}, func(p analysis.SweepPoint) float64 { return p.Rate }
}

// simulated is every point a sweep ran, the grid's, its bisection's and
// those at its bend, in order of load, each with whether it was placed
// after the grid.
type simulated struct {
	analysis.SweepPoint
	refined bool
}

func simulatedPoints(sw *analysis.SweepReport, x func(analysis.SweepPoint) float64) []simulated {
	var out []simulated
	for _, p := range sw.Points {
		out = append(out, simulated{p, false})
	}
	for _, p := range slices.Concat(sw.Refinements, sw.Bends) {
		out = append(out, simulated{p, true})
	}
	slices.SortStableFunc(out, func(a, b simulated) int { return cmp.Compare(x(a.SweepPoint), x(b.SweepPoint)) })
	return out
}

// add appends (x, y) to l, among its refined points when refined.
func (l *Line) add(x, y float64, refined bool) {
	l.Points = append(l.Points, [2]float64{x, y})
	if refined {
		l.Refined = append(l.Refined, [2]float64{x, y})
	}
}

// sloMarkers are the latency objectives as thresholds in milliseconds.
func sloMarkers(slo []analysis.LatencyObjective) []Marker {
	var out []Marker
	for _, o := range slo {
		out = append(out, Marker{Label: "SLO " + o.Statistic + " " + units.FormatDuration(o.Limit), Value: o.Limit * 1000})
	}
	return out
}

// nodeColors gives each node of a report its colour key by its place.
func nodeColors(nodes []simulate.NodeReport) map[string]string {
	m := map[string]string{}
	for i, n := range nodes {
		m[n.Name] = nodeColor(i)
	}
	return m
}

// SweepFigures builds the figures of a sweep: latency, utilization, errors,
// and cost when nodes carry prices, against load. Every simulated point is
// drawn, the bisection's runs that found the breaking point included (and
// marked): they are where the curve bends.
func SweepFigures(sw *analysis.SweepReport) []Figure {
	xa, x := loadAxis(sw)
	pts := simulatedPoints(sw, x)
	lat := Figure{Name: "latency", Title: sw.Scenario + ": latency against load", X: xa, Y: Axis{Label: "latency", Unit: UnitLatency}}
	for _, stat := range []string{"p50", "p95", "p99"} {
		ln := Line{Label: stat, Color: stat}
		for _, p := range pts {
			if v := p.Latency.Get(stat); v != nil {
				ln.add(x(p.SweepPoint), *v*1000, p.refined)
			}
		}
		lat.Lines = append(lat.Lines, ln)
	}
	mean := Line{Label: "mean, 95% CI shaded", Color: ColorMean}
	for _, p := range pts {
		if p.Latency == nil || p.Requests.Completed == 0 {
			continue
		}
		mean.add(x(p.SweepPoint), p.Latency.Mean*1000, p.refined)
		if ci := p.Latency.MeanCI95; ci != nil {
			mean.Band = append(mean.Band, [3]float64{x(p.SweepPoint), ci[0] * 1000, ci[1] * 1000})
		}
	}
	lat.Lines = append(lat.Lines, mean)
	lat.HLines = sloMarkers(sw.SLO)
	if bp := sw.BreakingPoint; bp != nil && !bp.BelowRange {
		v := bp.OfferedRate
		if sw.Axis == analysis.AxisUsers.String() {
			v = bp.Users
		}
		at := units.FormatCount(v) + " users"
		if sw.Axis != analysis.AxisUsers.String() {
			at = units.Rate(v)
		}
		lat.VLines = append(lat.VLines, Marker{Label: "breaking point " + at, Value: v})
	}

	figs := []Figure{lat}
	if bend, ok := bendFigure(sw, lat, x); ok {
		figs = append(figs, bend)
	}

	util := Figure{Name: "utilization", Title: sw.Scenario + ": utilization per node", X: xa, Y: Axis{Label: "utilization", Unit: "%", Upto: 100}}
	errs := Figure{Name: "errors", Title: sw.Scenario + ": error rate", X: xa, Y: Axis{Label: "errors", Unit: "% of requests"}}
	ln := Line{Label: "error rate", Color: ColorErrors}
	for _, p := range pts {
		if p.ErrorRate != nil {
			ln.add(x(p.SweepPoint), *p.ErrorRate*100, p.refined)
		}
	}
	errs.Lines = []Line{ln}
	if len(sw.Points) > 0 {
		colors := nodeColors(sw.Points[0].Nodes)
		for i, n := range sw.Points[0].Nodes {
			if !n.Workers {
				continue
			}
			ln := Line{Label: n.Name, Color: colors[n.Name]}
			for _, p := range pts {
				if i < len(p.Nodes) {
					ln.add(x(p.SweepPoint), p.Nodes[i].Utilization*100, p.refined)
				}
			}
			util.Lines = append(util.Lines, ln)
		}
	}
	figs = append(figs, util, errs)
	if len(sw.Points) > 0 && sw.Points[0].Cost.Priced != "" {
		cost := Figure{Name: "cost", Title: sw.Scenario + ": cost per month", X: xa, Y: Axis{Label: "cost", Unit: "USD per month"}}
		month := Line{Label: "per month", Color: ColorCost}
		for _, p := range pts {
			month.add(x(p.SweepPoint), p.Cost.MonthlyUSD, p.refined)
		}
		cost.Lines = []Line{month}
		figs = append(figs, cost)
		unit := Figure{Name: "cost-per-unit", X: xa, Y: Axis{Label: "cost", Log: true}}
		per := Line{Color: ColorCost}
		if sw.Axis == analysis.AxisUsers.String() {
			unit.Title, unit.Y.Unit, per.Label = sw.Scenario+": cost per user", "USD per user per month", "per user"
			for _, p := range pts {
				per.add(x(p.SweepPoint), p.CostPerUserUSD, p.refined)
			}
		} else {
			unit.Title, unit.Y.Unit, per.Label = sw.Scenario+": cost per million requests", "USD per 1M requests", "per 1M requests"
			for _, p := range pts {
				if c := p.Cost.PerMillionRequestsUSD; c != nil { // nothing completed: no point
					per.add(x(p.SweepPoint), *c, p.refined)
				}
			}
		}
		unit.Lines = []Line{per}
		figs = append(figs, unit)
	}
	return figs
}

// bendFigure is the latency figure lat on a linear axis between the grid
// points that bracket the bisection's runs: the stretch where the curve
// bends, which a log axis over decades squeezes into a sliver. None
// without a bisection.
func bendFigure(sw *analysis.SweepReport, lat Figure, x func(analysis.SweepPoint) float64) (Figure, bool) {
	placed := slices.Concat(sw.Refinements, sw.Bends)
	if len(placed) == 0 {
		return Figure{}, false
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range placed {
		lo, hi = math.Min(lo, x(p)), math.Max(hi, x(p))
	}
	from, to := lo, hi
	for _, p := range sw.Points {
		if v := x(p); v < lo && (from == lo || v > from) {
			from = v
		} else if v > hi && (to == hi || v < to) {
			to = v
		}
	}
	bend := lat
	bend.Name, bend.Title = "latency-bend", sw.Scenario+": latency where it bends (linear axis)"
	bend.X.Log = false
	bend.Lines = nil
	in := func(pts [][2]float64) [][2]float64 {
		var out [][2]float64
		for _, pt := range pts {
			if pt[0] >= from && pt[0] <= to {
				out = append(out, pt)
			}
		}
		return out
	}
	for _, ln := range lat.Lines {
		ln.Points, ln.Refined = in(ln.Points), in(ln.Refined)
		var band [][3]float64
		for _, b := range ln.Band {
			if b[0] >= from && b[0] <= to {
				band = append(band, b)
			}
		}
		ln.Band = band
		bend.Lines = append(bend.Lines, ln)
	}
	return bend, true
}

// CompareFigures overlays the p99 curves of two sweeps on one chart, each
// with every point it simulated.
func CompareFigures(c *analysis.SweepComparison) []Figure {
	xa, x := loadAxis(c.A)
	f := Figure{Name: "compare-p99", Title: "p99 latency: A against B", X: xa, Y: Axis{Label: "p99 latency", Unit: UnitLatency}}
	for _, s := range []struct {
		name, color string
		sw          *analysis.SweepReport
	}{{"A: " + c.A.Scenario, ColorA, c.A}, {"B: " + c.B.Scenario, ColorB, c.B}} {
		ln := Line{Label: s.name, Color: s.color}
		for _, p := range simulatedPoints(s.sw, x) {
			if p.Latency != nil {
				ln.add(x(p.SweepPoint), p.Latency.P99*1000, p.refined)
			}
		}
		f.Lines = append(f.Lines, ln)
	}
	f.HLines = sloMarkers(c.A.SLO)
	return []Figure{f}
}

// timeAxis is the axis of seconds since a run started, up to its end.
func timeAxis(sr *simulate.Series) Axis {
	end := 0.0
	if n := len(sr.Samples); n > 0 {
		end = sr.Samples[n-1].Start + float64(sr.Samples[n-1].Duration)
	}
	return Axis{Label: "time since start", Unit: UnitTime, Upto: end}
}

// mid is the middle of a sample window, in seconds since the start.
func mid(smp simulate.Sample) float64 { return smp.Start + float64(smp.Duration/2) }

// triggerSpans shades a run's triggers that it reached (faults, spikes):
// a spike of the workload's shape as load, another trigger as a fault;
// without the shape, each as a trigger.
func triggerSpans(rep *simulate.Report, shape []workloads.ShapeChange) []Span {
	var out []Span
	for _, tr := range rep.Triggers {
		if tr.Outcome == simulate.OutcomeNotReached {
			continue
		}
		kind := SpanTrigger
		if shape != nil {
			kind = SpanFault
			if slices.ContainsFunc(shape, func(c workloads.ShapeChange) bool {
				return c.Kind == workloads.Spike && c.At == tr.At && c.Until == tr.Until
			}) {
				kind = SpanLoad
			}
		}
		out = append(out, Span{From: tr.At, To: tr.Until, Label: tr.What, Kind: kind})
	}
	return out
}

// CompareRunFigures sets the time series of two runs side by side (those
// of a comparison's first seed): goodput, or throughput without a latency
// objective, against the time since the start, with A's triggers (spikes,
// faults) shaded. Runs without a series have no figures.
func CompareRunFigures(c *analysis.Comparison) []Figure {
	a, b := c.ReportA, c.ReportB
	if a == nil || b == nil || a.Series == nil || b.Series == nil {
		return nil
	}
	rate := Figure{Name: "compare-goodput", Title: "goodput over time: A against B", X: timeAxis(a.Series), Y: Axis{Label: "goodput", Unit: "replies/s within the SLO"}}
	if a.Series.GoodputWithin == 0 {
		rate.Title, rate.Y = "throughput over time: A against B", Axis{Label: "throughput", Unit: "replies/s"}
	}
	rate.X.Upto = max(rate.X.Upto, timeAxis(b.Series).Upto)
	for _, r := range []struct {
		name, color string
		rep         *simulate.Report
	}{{"A: " + c.NameA, ColorA, a}, {"B: " + c.NameB, ColorB, b}} {
		rl := Line{Label: r.name, Color: r.color}
		for _, smp := range r.rep.Series.Samples {
			rl.Points = append(rl.Points, [2]float64{mid(smp), smp.GoodRate()})
		}
		rate.Lines = append(rate.Lines, rl)
	}
	rate.Spans = triggerSpans(a, nil)
	return []Figure{rate}
}

// TimelineFigures builds the figures of a growth timeline: users, p99 and
// cost per month against the month.
func TimelineFigures(tl *analysis.TimelineReport) []Figure {
	month := func(t float64) float64 { return t / units.Month }
	users := Line{Label: "users", Color: ColorUsers}
	p99 := Line{Label: "p99", Color: ColorP99}
	cost := Line{Label: "per month", Color: ColorCost}
	for _, s := range tl.Samples {
		users.Points = append(users.Points, [2]float64{month(s.At), s.Users})
		if s.Latency != nil {
			p99.Points = append(p99.Points, [2]float64{month(s.At), s.Latency.P99 * 1000})
		}
		cost.Points = append(cost.Points, [2]float64{month(s.At), s.Cost.MonthlyUSD})
	}
	xa := Axis{Label: "time since start", Unit: UnitMonths}
	lat := Figure{Name: "timeline-p99", Title: tl.Scenario + ": p99 latency as users grow", X: xa, Y: Axis{Label: "p99 latency", Unit: UnitLatency}, Lines: []Line{p99}}
	if e := tl.SLOBreach; e != nil {
		label := "SLO breach"
		if !e.SLOFailed {
			label = "breaks" // a node saturates while the SLO holds
		}
		lat.VLines = append(lat.VLines, Marker{Label: label + " " + e.Date, Value: month(e.At)})
	}
	return []Figure{
		{Name: "timeline-users", Title: tl.Scenario + ": users", X: xa, Y: Axis{Label: "users", Unit: "users"}, Lines: []Line{users}},
		lat,
		{Name: "timeline-cost", Title: tl.Scenario + ": cost per month", X: xa, Y: Axis{Label: "cost", Unit: "USD per month"}, Lines: []Line{cost}},
	}
}

// RunFigures builds the figures of a run's time series against the time
// since the start: p50 and p99 with the SLO's bound, throughput against
// the offered rate, instances and utilization per node. The workload's
// changes (steps and ramps from its shape, when given; its spikes) and
// faults are shaded, every scaling event ticked along the top. A run
// without a series has no figures.
func RunFigures(rep *simulate.Report, shape ...workloads.ShapeChange) []Figure {
	sr := rep.Series
	if sr == nil {
		return nil
	}
	p50, p99 := Line{Label: "p50", Color: ColorP50}, Line{Label: "p99", Color: ColorP99}
	offered := Line{Label: "offered", Color: ColorOffered}
	through := Line{Label: "throughput", Color: ColorThroughput}
	good := Line{Label: "goodput", Color: ColorGoodput}
	colors := nodeColors(rep.Nodes)
	var nodes []string
	inst, util := map[string]*Line{}, map[string]*Line{}
	for _, smp := range sr.Samples {
		x := mid(smp)
		if smp.P99 != nil {
			p50.Points = append(p50.Points, [2]float64{x, *smp.P50 * 1000})
			p99.Points = append(p99.Points, [2]float64{x, *smp.P99 * 1000})
		}
		offered.Points = append(offered.Points, [2]float64{x, smp.OfferedRate})
		through.Points = append(through.Points, [2]float64{x, smp.Throughput})
		if smp.Goodput != nil {
			good.Points = append(good.Points, [2]float64{x, *smp.Goodput})
		}
		for _, n := range smp.Nodes {
			if inst[n.Name] == nil {
				nodes = append(nodes, n.Name)
				inst[n.Name], util[n.Name] = &Line{Label: n.Name, Color: colors[n.Name]}, &Line{Label: n.Name, Color: colors[n.Name]}
			}
			inst[n.Name].Points = append(inst[n.Name].Points, [2]float64{x, float64(n.Instances + n.Booting)})
			util[n.Name].Points = append(util[n.Name].Points, [2]float64{x, n.Utilization * 100})
		}
	}
	xa := timeAxis(sr)
	var spans []Span
	if shape != nil {
		for _, c := range shape {
			if (c.Kind == workloads.Step || c.Kind == workloads.Ramp) && c.At < xa.Upto {
				to := c.At
				if c.Kind == workloads.Ramp {
					to = c.Until
				}
				spans = append(spans, Span{From: c.At, To: to, Label: c.Kind.String(), Kind: SpanLoad})
			}
		}
	} else if v := rep.Violations; v != nil {
		for _, rc := range v.Recoveries {
			if rc.Outcome != simulate.RecoveryNotReached {
				spans = append(spans, Span{From: rc.At, To: rc.At, Label: rc.Change, Kind: SpanLoad})
			}
		}
	}
	spans = append(spans, triggerSpans(rep, shape)...)
	slices.SortStableFunc(spans, func(a, b Span) int { return cmp.Compare(a.From, b.From) })
	var events []Event
	for _, n := range rep.Nodes {
		if n.Scaling == nil {
			continue
		}
		for _, e := range n.Scaling.Events {
			events = append(events, Event{At: e.Time, Label: fmt.Sprintf("%s %d→%d", n.Name, e.From, e.To), Color: colors[n.Name]})
		}
	}
	slices.SortStableFunc(events, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
	eventsLabel := ""
	if len(events) > 0 {
		eventsLabel = "scaling events"
	}
	lines := func(m map[string]*Line) []Line {
		var out []Line
		for _, name := range nodes {
			out = append(out, *m[name])
		}
		return out
	}
	fig := func(name, title string, y Axis, ls []Line) Figure {
		return Figure{Name: name, Title: rep.Scenario + ": " + title, X: xa, Y: y, Lines: ls, Spans: spans, Events: events, EventsLabel: eventsLabel}
	}
	lat := fig("run-latency", "latency over time", Axis{Label: "latency", Unit: UnitLatency, Log: true}, []Line{p50, p99})
	rates := []Line{offered, through}
	if sr.GoodputWithin > 0 {
		lat.HLines = append(lat.HLines, Marker{Label: "SLO " + units.FormatDuration(sr.GoodputWithin), Value: sr.GoodputWithin * 1000})
		rates = append(rates, good)
	}
	figs := []Figure{
		lat,
		fig("run-throughput", "throughput against offered load", Axis{Label: "rate", Unit: "requests/s"}, rates),
		fig("run-instances", "instances (booting included)", Axis{Label: "instances", Unit: "instances", Whole: true}, lines(inst)),
		fig("run-utilization", "utilization", Axis{Label: "utilization", Unit: "%", Upto: 100}, lines(util)),
	}
	if byRegion := regionLines(sr); byRegion != nil {
		f := fig("run-latency-by-region", "p99 latency by user region over time", Axis{Label: "p99 latency", Unit: UnitLatency, Log: true}, byRegion)
		f.HLines = lat.HLines
		figs = append(figs, f)
	}
	return figs
}

// regionLines are the p99 of each user region's requests, window by window,
// a colour per region (in the workload's order); nil without users on the
// map. A window in which a region's users got fewer than 100 replies has
// no point: its p99 would be no more than its largest reply (at the start
// of a region's outage, the few requests that were already on their way).
func regionLines(sr *simulate.Series) []Line {
	var out []Line
	for _, smp := range sr.Samples {
		for i, rs := range smp.Regions {
			if i == len(out) {
				out = append(out, Line{Label: rs.Region, Color: regionColor(i)})
			}
			if rs.P99 != nil && rs.Completed >= 100 {
				out[i].Points = append(out[i].Points, [2]float64{mid(smp), *rs.P99 * 1000})
			}
		}
	}
	return out
}
