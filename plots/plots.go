// Package plots draws the figures of sweeps and comparisons with
// gonum/plot, as PNG and SVG: latency percentiles against load with the SLO
// and breaking point marked, utilization per node, cost, and error rate.
//
// Figures are built as data first (Figure), then rendered, so tests can
// check what is plotted without comparing images.
package plots

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios/analysis"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/units"
)

// Figure is one chart: lines of (x, y) points and vertical and horizontal
// markers, with labelled axes.
type Figure struct {
	Name   string `json:"name"` // file name without extension
	Title  string `json:"title"`
	XLabel string `json:"x_label"`
	YLabel string `json:"y_label"`
	LogX   bool   `json:"log_x"`
	LogY   bool   `json:"log_y"`
	// LegendBottom puts the legend in the lower left corner instead of the
	// upper left, for figures whose lines start high.
	LegendBottom bool   `json:"legend_bottom,omitempty"`
	Lines        []Line `json:"lines"`
	// HLines and VLines are markers such as the SLO and breaking point.
	HLines []Marker `json:"h_lines,omitempty"`
	VLines []Marker `json:"v_lines,omitempty"`
}

// Line is a labelled series.
type Line struct {
	Label  string       `json:"label"`
	Points [][2]float64 `json:"points"`
}

// Marker is a labelled constant.
type Marker struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

// axis says how a sweep's load axis is labelled and read.
func axis(sw *analysis.SweepReport) (label string, x func(analysis.SweepPoint) float64) {
	if sw.Axis == analysis.AxisUsers.String() {
		return "users", func(p analysis.SweepPoint) float64 { return p.Users }
	}
	return "offered load (requests/s)", func(p analysis.SweepPoint) float64 { return p.Rate }
}

// SweepFigures builds the figures of a sweep: latency, utilization, errors,
// and cost when nodes carry prices. prefix names the series (e.g. "A: ")
// when sweeps are overlaid.
func SweepFigures(sw *analysis.SweepReport) []Figure {
	xl, x := axis(sw)
	lat := Figure{Name: "latency", Title: sw.Scenario + ": latency against load", XLabel: xl, YLabel: "latency (ms)", LogX: true}
	for _, stat := range []string{"p50", "p95", "p99"} {
		ln := Line{Label: stat}
		for _, p := range sw.Points {
			if v := p.Latency.Get(stat); v != nil {
				ln.Points = append(ln.Points, [2]float64{x(p), *v * 1000})
			}
		}
		lat.Lines = append(lat.Lines, ln)
	}
	for _, o := range sw.SLO {
		lat.HLines = append(lat.HLines, Marker{Label: "SLO " + o.Statistic, Value: o.Limit * 1000})
	}
	if bp := sw.BreakingPoint; bp != nil && !bp.BelowRange {
		v := bp.OfferedRate
		if sw.Axis == analysis.AxisUsers.String() {
			v = bp.Users
		}
		lat.VLines = append(lat.VLines, Marker{Label: "breaking point", Value: v})
	}

	util := Figure{Name: "utilization", Title: sw.Scenario + ": utilization per node", XLabel: xl, YLabel: "utilization (%)", LogX: true}
	errs := Figure{Name: "errors", Title: sw.Scenario + ": error rate", XLabel: xl, YLabel: "errors (% of requests)", LogX: true}
	ln := Line{Label: "error rate"}
	for _, p := range sw.Points {
		if p.ErrorRate != nil {
			ln.Points = append(ln.Points, [2]float64{x(p), *p.ErrorRate * 100})
		}
	}
	errs.Lines = []Line{ln}
	if len(sw.Points) > 0 {
		for i, n := range sw.Points[0].Nodes {
			if !n.Workers {
				continue
			}
			ln := Line{Label: n.Name}
			for _, p := range sw.Points {
				ln.Points = append(ln.Points, [2]float64{x(p), p.Nodes[i].Utilization * 100})
			}
			util.Lines = append(util.Lines, ln)
		}
	}
	figs := []Figure{lat, util, errs}
	if len(sw.Points) > 0 && sw.Points[0].Cost.Priced != "" {
		cost := Figure{Name: "cost", Title: sw.Scenario + ": cost per month", XLabel: xl, YLabel: "USD per month", LogX: true}
		month := Line{Label: "per month"}
		for _, p := range sw.Points {
			month.Points = append(month.Points, [2]float64{x(p), p.Cost.MonthlyUSD})
		}
		cost.Lines = []Line{month}
		figs = append(figs, cost)
		unit := Figure{Name: "cost-per-unit", XLabel: xl, LogX: true, LogY: true}
		per := Line{}
		if sw.Axis == analysis.AxisUsers.String() {
			unit.Title, unit.YLabel, per.Label = sw.Scenario+": cost per user", "USD per user per month", "per user"
			for _, p := range sw.Points {
				per.Points = append(per.Points, [2]float64{x(p), p.CostPerUserUSD})
			}
		} else {
			unit.Title, unit.YLabel, per.Label = sw.Scenario+": cost per million requests", "USD per 1M requests", "per 1M requests"
			for _, p := range sw.Points {
				per.Points = append(per.Points, [2]float64{x(p), p.Cost.PerMillionRequestsUSD})
			}
		}
		unit.Lines = []Line{per}
		figs = append(figs, unit)
	}
	return figs
}

// CompareFigures overlays the p99 curves of two sweeps on one chart.
func CompareFigures(c *analysis.SweepComparison) []Figure {
	xl, x := axis(c.A)
	f := Figure{Name: "compare-p99", Title: "p99 latency: A against B", XLabel: xl, YLabel: "p99 latency (ms)", LogX: true}
	for _, s := range []struct {
		name string
		sw   *analysis.SweepReport
	}{{"A: " + c.A.Scenario, c.A}, {"B: " + c.B.Scenario, c.B}} {
		ln := Line{Label: s.name}
		for _, p := range s.sw.Points {
			if p.Latency != nil {
				ln.Points = append(ln.Points, [2]float64{x(p), p.Latency.P99 * 1000})
			}
		}
		f.Lines = append(f.Lines, ln)
	}
	for _, o := range c.A.SLO {
		f.HLines = append(f.HLines, Marker{Label: "SLO " + o.Statistic, Value: o.Limit * 1000})
	}
	return []Figure{f}
}

// CompareRunFigures sets the time series of two runs side by side (those
// of a comparison's first seed): goodput, or throughput without a latency
// objective, against minutes since the start, with A's triggers (spikes,
// faults) marked. Runs without a series have no figures.
func CompareRunFigures(c *analysis.Comparison) []Figure {
	a, b := c.ReportA, c.ReportB
	if a == nil || b == nil || a.Series == nil || b.Series == nil {
		return nil
	}
	rate := Figure{Name: "compare-goodput", Title: "goodput over time: A against B", XLabel: "minutes", YLabel: "replies/s within the SLO", LegendBottom: true}
	if a.Series.GoodputWithin == 0 {
		rate.Title, rate.YLabel = "throughput over time: A against B", "replies/s"
	}
	for _, r := range []struct {
		name string
		rep  *simulate.Report
	}{{"A: " + c.NameA, a}, {"B: " + c.NameB, b}} {
		rl := Line{Label: r.name}
		for _, smp := range r.rep.Series.Samples {
			x := (smp.Start + float64(smp.Duration/2)) / 60
			rl.Points = append(rl.Points, [2]float64{x, smp.GoodRate()})
		}
		rate.Lines = append(rate.Lines, rl)
	}
	for _, tr := range a.Triggers[:min(len(a.Triggers), maxMarkedEvents)] {
		rate.VLines = append(rate.VLines, Marker{Label: tr.What, Value: tr.At / 60})
	}
	return []Figure{rate}
}

// CheckDir makes dir if needed and checks that files can be written in it,
// so that a long sweep does not find out at its end.
func CheckDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	f, err := os.CreateTemp(dir, ".scalesim-check-*")
	if err != nil {
		return fmt.Errorf("plots: cannot write in %s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Write renders each figure into dir as NAME.png and NAME.svg and returns
// the paths written. Each file is written under a temporary name and
// renamed when complete, so a failure never leaves a partial figure.
func Write(dir string, figs []Figure) ([]string, error) {
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range figs {
		p, err := f.render()
		if err != nil {
			return nil, fmt.Errorf("plots: %s: %w", f.Name, err)
		}
		for _, ext := range []string{"png", "svg"} {
			path := filepath.Join(dir, f.Name+"."+ext)
			if err := save(p, path, ext); err != nil {
				return nil, fmt.Errorf("plots: %s: %w", path, err)
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// save writes p to a temporary file beside path, then renames it.
func save(p *plot.Plot, path, format string) (err error) {
	defer func() {
		if r := recover(); r != nil { // gonum/plot panics on some degenerate axes
			err = fmt.Errorf("drawing failed: %v", r)
		}
	}()
	w, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, format)
	if err != nil {
		return err
	}
	return output.WriteFile(path, func(f io.Writer) error {
		_, err := w.WriteTo(f)
		return err
	})
}

// render draws the figure.
func (f Figure) render() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = f.Title
	p.X.Label.Text = f.XLabel
	p.Y.Label.Text = f.YLabel
	p.Legend.Top = !f.LegendBottom
	p.Legend.Left = true
	if f.LogX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, countTicks{}
	}
	if f.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, countTicks{}
	}
	p.Add(plotter.NewGrid())
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i, l := range f.Lines {
		xys := plotter.XYs{}
		for _, pt := range l.Points {
			if (f.LogX && pt[0] <= 0) || (f.LogY && pt[1] <= 0) {
				continue // no place on a log axis
			}
			xys = append(xys, plotter.XY{X: pt[0], Y: pt[1]})
			minX, maxX, minY, maxY = math.Min(minX, pt[0]), math.Max(maxX, pt[0]), math.Min(minY, pt[1]), math.Max(maxY, pt[1])
		}
		if len(xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		line.Color, points.Color = plotutil.Color(i), plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(l.Label, line, points)
	}
	if math.IsInf(minX, 1) {
		// Nothing to draw: say so, on linear axes (a log axis has no range
		// without data).
		p.Title.Text += " (no data)"
		p.X.Scale, p.X.Tick.Marker = plot.LinearScale{}, plot.DefaultTicks{}
		p.Y.Scale, p.Y.Tick.Marker = plot.LinearScale{}, plot.DefaultTicks{}
		return p, nil
	}
	for _, m := range f.HLines {
		l, err := plotter.NewLine(plotter.XYs{{X: minX, Y: m.Value}, {X: maxX, Y: m.Value}})
		if err != nil {
			return nil, err
		}
		l.Color, l.Dashes = color.RGBA{R: 200, A: 255}, []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(m.Label, l)
	}
	for _, m := range f.VLines {
		lo, hi := minY, maxY
		for _, h := range f.HLines {
			lo, hi = math.Min(lo, h.Value), math.Max(hi, h.Value)
		}
		l, err := plotter.NewLine(plotter.XYs{{X: m.Value, Y: lo}, {X: m.Value, Y: hi}})
		if err != nil {
			return nil, err
		}
		l.Color, l.Dashes = color.Gray{Y: 90}, []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(l)
		p.Legend.Add(m.Label, l)
	}
	return p, nil
}

// countTicks are log-scale ticks labelled 100, 1k, 10k, 1M rather than
// 1e+06.
type countTicks struct{}

// Ticks implements plot.Ticker.
func (countTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = units.FormatCount(ticks[i].Value)
		}
	}
	return ticks
}

// TimelineFigures builds the figures of a growth timeline: users, p99 and
// cost per month against the month.
func TimelineFigures(tl *analysis.TimelineReport) []Figure {
	month := func(t float64) float64 { return t / units.Month }
	users := Line{Label: "users"}
	p99 := Line{Label: "p99"}
	cost := Line{Label: "per month"}
	for _, s := range tl.Samples {
		users.Points = append(users.Points, [2]float64{month(s.At), s.Users})
		if s.Latency != nil {
			p99.Points = append(p99.Points, [2]float64{month(s.At), s.Latency.P99 * 1000})
		}
		cost.Points = append(cost.Points, [2]float64{month(s.At), s.Cost.MonthlyUSD})
	}
	lat := Figure{Name: "timeline-p99", Title: tl.Scenario + ": p99 latency as users grow", XLabel: "month", YLabel: "p99 latency (ms)", Lines: []Line{p99}}
	if e := tl.SLOBreach; e != nil {
		label := "SLO breach"
		if !e.SLOFailed {
			label = "breaks" // a node saturates while the SLO holds
		}
		lat.VLines = append(lat.VLines, Marker{Label: label, Value: month(e.At)})
	}
	return []Figure{
		{Name: "timeline-users", Title: tl.Scenario + ": users", XLabel: "month", YLabel: "users", Lines: []Line{users}},
		lat,
		{Name: "timeline-cost", Title: tl.Scenario + ": cost per month", XLabel: "month", YLabel: "USD per month", Lines: []Line{cost}},
	}
}

// maxMarkedEvents bounds the scaling events marked on a run's figures.
const maxMarkedEvents = 20

// RunFigures builds the figures of a run's time series against minutes
// since the start: p50 and p99 with the SLO's bound, throughput against
// the offered rate, instances and utilization per node. The workload's
// rate changes, and the first scaling events, are marked. A run without a
// series has no figures.
func RunFigures(rep *simulate.Report) []Figure {
	sr := rep.Series
	if sr == nil {
		return nil
	}
	minute := func(t float64) float64 { return t / 60 }
	p50, p99 := Line{Label: "p50"}, Line{Label: "p99"}
	offered, through, good := Line{Label: "offered"}, Line{Label: "throughput"}, Line{Label: "goodput"}
	var nodes []string
	inst, util := map[string]*Line{}, map[string]*Line{}
	for _, smp := range sr.Samples {
		x := minute(smp.Start + float64(smp.Duration/2))
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
				inst[n.Name], util[n.Name] = &Line{Label: n.Name}, &Line{Label: n.Name}
			}
			inst[n.Name].Points = append(inst[n.Name].Points, [2]float64{x, float64(n.Instances + n.Booting)})
			util[n.Name].Points = append(util[n.Name].Points, [2]float64{x, n.Utilization * 100})
		}
	}
	var marks []Marker
	if v := rep.Violations; v != nil {
		for _, rc := range v.Recoveries {
			marks = append(marks, Marker{Label: rc.Change, Value: minute(rc.At)})
		}
	}
	for _, tr := range rep.Triggers {
		if tr.Outcome != simulate.OutcomeNotReached {
			marks = append(marks, Marker{Label: tr.What, Value: minute(tr.At)})
		}
	}
	scaled := 0
	for _, n := range rep.Nodes {
		if n.Scaling == nil {
			continue
		}
		for _, e := range n.Scaling.Events {
			if scaled == maxMarkedEvents {
				break
			}
			marks = append(marks, Marker{Label: fmt.Sprintf("%s %d→%d", n.Name, e.From, e.To), Value: minute(e.Time)})
			scaled++
		}
	}
	lines := func(m map[string]*Line) []Line {
		var out []Line
		for _, name := range nodes {
			out = append(out, *m[name])
		}
		return out
	}
	lat := Figure{Name: "run-latency", Title: rep.Scenario + ": latency over time", XLabel: "minutes", YLabel: "latency (ms)",
		LogY: true, Lines: []Line{p50, p99}, VLines: marks}
	rates := []Line{offered, through}
	if sr.GoodputWithin > 0 {
		lat.HLines = append(lat.HLines, Marker{Label: "SLO", Value: sr.GoodputWithin * 1000})
		rates = append(rates, good)
	}
	return []Figure{
		lat,
		{Name: "run-throughput", Title: rep.Scenario + ": throughput against offered load", XLabel: "minutes", YLabel: "requests/s",
			Lines: rates, VLines: marks},
		{Name: "run-instances", Title: rep.Scenario + ": instances (booting included)", XLabel: "minutes", YLabel: "instances",
			Lines: lines(inst), VLines: marks},
		{Name: "run-utilization", Title: rep.Scenario + ": utilization", XLabel: "minutes", YLabel: "utilization (%)",
			Lines: lines(util), VLines: marks},
	}
}
