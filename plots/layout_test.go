package plots

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/scalesim/scalesim/scenarios/analysis"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// fixedRun is a day's run sampled every 5 minutes (288 windows) on two
// nodes, one autoscaled with 30 scaling events, struck by a fault every
// two hours: dense series and many marks.
func fixedRun() *simulate.Report {
	rep := &simulate.Report{Scenario: "fixed", Series: &simulate.Series{Every: 300, GoodputWithin: 0.5}}
	for i := range 288 {
		x := float64(i)
		p50, p99, good := 0.01+float64(0.005*math.Sin(x/20)), 0.2+float64(0.1*math.Sin(x/30)), 90.0
		rep.Series.Samples = append(rep.Series.Samples, simulate.Sample{
			Start: float64(300 * x), Duration: 300, OfferedRate: 100, Throughput: 99, Goodput: &good, P50: &p50, P99: &p99,
			Nodes: []simulate.NodeSample{{Name: "app", Instances: 4 + i/30, Utilization: 0.6}, {Name: "db", Instances: 1, Utilization: 0.3}},
		})
		// Three user regions, the second's replies failing for a stretch.
		for r, region := range []string{"us-east-1", "eu-west-1", "ap-northeast-1"} {
			p99, done := 0.05+float64(0.08*float64(r)), int64(1000)
			if r == 1 && i >= 100 && i < 110 {
				done = 0
			}
			rep.Series.Samples[i].Regions = append(rep.Series.Samples[i].Regions, simulate.RegionSample{Region: region, Completed: done, P99: &p99})
		}
	}
	scaling := &engine.Scaling{}
	for i := range 30 {
		scaling.Events = append(scaling.Events, engine.ScalingEvent{Time: float64(2800 * (i + 1)), From: 4 + i, To: 5 + i})
	}
	rep.Nodes = []simulate.NodeReport{{Name: "lb"}, {Name: "app", Scaling: scaling}, {Name: "db"}}
	for i := range 12 {
		at := float64(7200 * i)
		rep.Triggers = append(rep.Triggers, simulate.Trigger{What: "fault on db: errors 20%", At: at, Until: at + 600, Outcome: simulate.OutcomeRecovered})
	}
	return rep
}

// fixedTimeline is 19 months of growth with its breach.
func fixedTimeline() *analysis.TimelineReport {
	tl := &analysis.TimelineReport{Scenario: "fixed"}
	for i := range 19 {
		users := 8e6 / (1 + math.Exp(-float64(i-9)/2))
		lat := &simulate.Latency{P99: 0.07}
		if i >= 10 {
			lat.P99 = 0.3
		}
		tl.Samples = append(tl.Samples, analysis.TimelineSample{At: float64(i) * units.Month, Date: fmt.Sprintf("month %d", i), Users: users,
			Report: &simulate.Report{Latency: lat}})
	}
	tl.SLOBreach = &analysis.TimelineEvent{At: 10 * units.Month, Date: "month 10", SLOFailed: true}
	return tl
}

// everyFigure is a figure of every type, from fixed reports and one sweep.
func everyFigure(t *testing.T) map[string][]Figure {
	t.Helper()
	sw := sweep(t)
	run := fixedRun()
	return map[string][]Figure{
		"sweep":         SweepFigures(sw),
		"compare":       CompareFigures(&analysis.SweepComparison{A: sw, B: sw}),
		"run":           RunFigures(run),
		"compare run":   CompareRunFigures(&analysis.Comparison{NameA: "a", NameB: "b", ReportA: run, ReportB: run}),
		"timeline":      TimelineFigures(fixedTimeline()),
		"run, no marks": RunFigures(&simulate.Report{Scenario: "bare", Series: run.Series}),
	}
}

// TestLayoutRules renders every type of figure and checks the house
// rules on what its drawing decided: a legend entry per series at most
// (plus the bisection's runs), none for a mark; no marker on a dense
// series; a unit on every axis; ticks without needless decimals.
func TestLayoutRules(t *testing.T) {
	for kind, figs := range everyFigure(t) {
		if len(figs) == 0 {
			t.Errorf("%s: no figures", kind)
		}
		for _, f := range figs {
			name := kind + "/" + f.Name
			l := f.layout()
			if len(l.Legend) > len(f.Lines)+2 {
				t.Errorf("%s: %d legend entries for %d series", name, len(l.Legend), len(f.Lines))
			}
			marks := map[string]bool{f.EventsLabel: true}
			for _, e := range f.Events {
				marks[e.Label] = true
			}
			for _, s := range f.Spans {
				marks[s.Label] = true
			}
			for _, m := range append(f.HLines, f.VLines...) {
				marks[m.Label] = true
			}
			for _, e := range l.Legend {
				if marks[e.Label] {
					t.Errorf("%s: the mark %q has a legend entry", name, e.Label)
				}
			}
			for i, ln := range f.Lines {
				if len(ln.Points) > maxMarkedPoints && l.Markers[i] {
					t.Errorf("%s: %s has %d points, each marked", name, ln.Label, len(ln.Points))
				}
			}
			for _, a := range []struct {
				axis Axis
				view axisView
			}{{f.X, l.X}, {f.Y, l.Y}} {
				if a.axis.Unit == "" || !(strings.HasSuffix(a.view.Label, ")") || a.view.Label == a.axis.Unit) {
					t.Errorf("%s: axis %q has no unit", name, a.view.Label)
				}
				for _, tk := range a.view.Ticks {
					if strings.HasSuffix(tk.Label, ".00") || strings.Contains(tk.Label, "e+") {
						t.Errorf("%s: tick %q", name, tk.Label)
					}
				}
			}
			// It draws (gonum/plot panics on degenerate axes).
			c := vgsvg.New(figWidth, figHeight)
			f.draw(draw.New(c))
		}
	}
}

// TestRunMarks checks the marks of a run's figures: every scaling event
// ticked (none left out, none in the legend), each fault shaded, a
// node's colour the same in every figure.
func TestRunMarks(t *testing.T) {
	figs := RunFigures(fixedRun())
	lat := figs[0]
	if len(lat.Events) != 30 || lat.EventsLabel != "scaling events" || len(lat.Spans) != 12 || lat.Spans[0].Kind != SpanTrigger {
		t.Errorf("events %d (%q), spans %d", len(lat.Events), lat.EventsLabel, len(lat.Spans))
	}
	if l := lat.layout(); len(l.Legend) != 2 {
		t.Errorf("legend %v, want p50 and p99 alone", l.Legend)
	}
	// A single node is named; a single series the axis names is not.
	one := figs[3]
	one.Lines = one.Lines[:1]
	if l := one.layout(); len(l.Legend) != 1 || l.Legend[0].Label != "app" {
		t.Errorf("legend of app's utilization alone: %v", l.Legend)
	}
	if l := TimelineFigures(fixedTimeline())[1].layout(); len(l.Legend) != 0 {
		t.Errorf("legend of the timeline's p99: %v", l.Legend)
	}
	colors := map[string]string{}
	for _, f := range figs[2:] { // instances and utilization
		for _, ln := range f.Lines {
			if c, ok := colors[ln.Label]; ok && c != ln.Color {
				t.Errorf("%s is %s in one figure and %s in another", ln.Label, c, ln.Color)
			}
			colors[ln.Label] = ln.Color
		}
	}
	// By place in the scenario: lb is node 0, whether drawn or not.
	if colors["app"] != nodeColor(1) || colors["db"] != nodeColor(2) || lat.Events[0].Color != nodeColor(1) {
		t.Errorf("colours %v, events' %s", colors, lat.Events[0].Color)
	}
}

// TestSpanLabels checks that a repeated label is written once and that
// labels that would run into each other go to the next row.
func TestSpanLabels(t *testing.T) {
	area := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: 500, Y: 300}}}
	trX := func(x float64) vg.Length { return vg.Length(x) }
	f := Figure{Spans: []Span{
		{From: 10, To: 20, Label: "ramp"},
		{From: 15, To: 15, Label: "fault on db"}, // into "ramp": row 2
		{From: 100, To: 110, Label: "fault on db"},
		{From: 200, To: 210, Label: "spike ×2"},
		{From: 490, To: 495, Label: "step"}, // pulled in from the right edge
	}}
	got, rows := f.placeSpanLabels(area, area, trX)
	var desc []string
	for _, l := range got {
		desc = append(desc, fmt.Sprintf("%s@%d", l.text, l.row))
	}
	if strings.Join(desc, " ") != "ramp@0 fault on db@1 spike ×2@0 step@0" || rows != 2 {
		t.Errorf("labels %v in %d rows", desc, rows)
	}
	if last := got[len(got)-1]; last.x+last.style.Width("step") > 500 {
		t.Errorf("step's label runs out of the figure at %v", last.x)
	}
}
