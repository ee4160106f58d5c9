package plots

import (
	"bytes"
	"encoding/json"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/analysis"
	"github.com/scalesim/scalesim/scenarios/batch"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// sweep is the sweep of three-tier the figures are drawn from (users 100k
// to 10M, 5 points): run once, for the tests that read it.
func sweep(t *testing.T) *analysis.SweepReport {
	t.Helper()
	sw, err := threeTierSweep()
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

var threeTierSweep = sync.OnceValues(func() (*analysis.SweepReport, error) {
	src, err := batch.Builtin("three-tier")
	if err != nil {
		return nil, err
	}
	return analysis.Sweep(batch.Job{Source: src}, analysis.SweepSpec{Axis: analysis.AxisUsers, From: 1e5, To: 1e7, Points: 5, Precision: 0.05, MaxRequests: 200_000})
})

// checkGolden compares the data of figs with testdata/NAME, which go test
// -update rewrites after a deliberate change.
func checkGolden(t *testing.T, figs []Figure, name string) {
	t.Helper()
	got, err := json.MarshalIndent(figs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("figure data differs from %s (go test -update rewrites it after a deliberate change)", path)
	}
}

// TestSweepFiguresGolden compares the data of every figure of a sweep with
// testdata/sweep-figures.json; go test -update rewrites it after a
// deliberate change.
func TestSweepFiguresGolden(t *testing.T) {
	sw := sweep(t)
	figs := SweepFigures(sw)
	checkGolden(t, figs, "sweep-figures.json")
	// What a reader needs: units on the axes, the SLO and the breaking point.
	lat := figs[0]
	if lat.Y.Unit != UnitLatency || lat.X.Label != "users" || len(lat.Lines) != 4 || len(lat.HLines) != 1 || len(lat.VLines) != 1 {
		t.Errorf("latency figure %+v", lat)
	}
	names := []string{}
	for _, f := range figs {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "latency,latency-bend,utilization,errors,cost,cost-per-unit" {
		t.Errorf("figures %v", names)
	}
	// Every simulated point is drawn, the bisection's and the bend's runs
	// marked: the grid alone has nothing between its last healthy point
	// and the first failing one.
	if len(sw.Refinements) == 0 || len(sw.Bends) == 0 {
		t.Fatalf("the sweep placed %d bisection runs and %d at the bend", len(sw.Refinements), len(sw.Bends))
	}
	placed := len(sw.Refinements) + len(sw.Bends)
	p99 := lat.Lines[2]
	if len(p99.Points) != len(sw.Points)+placed || len(p99.Refined) != placed {
		t.Errorf("p99 has %d points, %d refined; the sweep ran %d and %d", len(p99.Points), len(p99.Refined), len(sw.Points), placed)
	}
	// The mean has its confidence band at every point with an interval.
	mean := lat.Lines[3]
	if mean.Color != ColorMean || len(mean.Band) != len(mean.Points) {
		t.Errorf("mean line %q: %d points, band of %d", mean.Label, len(mean.Points), len(mean.Band))
	}
	for _, b := range mean.Band {
		if !(b[1] <= b[2]) {
			t.Errorf("band %v: low above high", b)
		}
	}
	for i := 1; i < len(p99.Points); i++ {
		if p99.Points[i][0] <= p99.Points[i-1][0] {
			t.Fatalf("p99's points out of order at %d: %v", i, p99.Points)
		}
	}
	// The bend, on a linear axis, runs between the grid points around
	// the bisection, every run between them included.
	bend := figs[1]
	if bend.X.Log || len(bend.Lines[2].Refined) != placed || len(bend.Lines[2].Points) != placed+2 {
		t.Errorf("bend figure: log %v, points %v, refined %v", bend.X.Log, bend.Lines[2].Points, bend.Lines[2].Refined)
	}
}

// TestWrite checks that each figure is written as a PNG that decodes and
// an SVG.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	paths, err := Write(dir, SweepFigures(sweep(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 12 {
		t.Fatalf("wrote %v", paths)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(p) {
		case ".png":
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Errorf("%s: %v", p, err)
			} else if b := img.Bounds(); b.Dx() != 1536 || b.Dy() != 960 {
				t.Errorf("%s is %d × %d pixels, want 1536 × 960 (8 × 5 inches at twice 96 dpi)", p, b.Dx(), b.Dy())
			}
		case ".svg":
			if !bytes.Contains(data, []byte("<svg")) {
				t.Errorf("%s is not SVG", p)
			}
		}
	}
}

// TestWriteWithoutData checks that figures with no point (a sweep where no
// load completed a request) are drawn, marked as without data, instead of
// panicking on a log axis, and that no temporary or partial file is left.
func TestWriteWithoutData(t *testing.T) {
	dir := t.TempDir()
	figs := []Figure{
		{Name: "empty-log", Title: "p99", X: Axis{Log: true}, Y: Axis{Log: true}, Lines: []Line{{Label: "p99"}}},
		{Name: "zeros-on-log", X: Axis{Log: true}, Lines: []Line{{Label: "x", Points: [][2]float64{{0, 1}}}}},
	}
	paths, err := Write(dir, figs)
	if err != nil || len(paths) != 4 {
		t.Fatalf("Write: %v, %v", paths, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, _ := e.Info(); strings.HasPrefix(e.Name(), ".") || info.Size() == 0 {
			t.Errorf("left %s (%d bytes)", e.Name(), info.Size())
		}
	}
	if len(entries) != 4 {
		t.Errorf("%d files in %s, want 4", len(entries), dir)
	}
	if err := CheckDir(filepath.Join(dir, "empty-log.png", "sub")); err == nil {
		t.Error("CheckDir accepted a directory under a file")
	}
}

// TestRunFiguresGolden compares the data of the time figures of the
// autoscaled flash sale with testdata/run-figures.json (go test -update
// rewrites it), and checks what a reader needs: the SLO, the workload's
// changes shaded, the scaling events ticked, a line per node.
func TestRunFiguresGolden(t *testing.T) {
	s, err := scenarios.Builtin("flash-sale-autoscaled")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := simulate.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	figs := RunFigures(rep, s.Workload.Changes...)
	checkGolden(t, figs, "run-figures.json")
	var names []string
	for _, f := range figs {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "run-latency,run-throughput,run-instances,run-utilization" {
		t.Fatalf("figures %v", names)
	}
	lat, inst := figs[0], figs[2]
	// The ramp from 2 to 4 minutes, the spike at 5 for 20 s and the step
	// at 7, as load; two scaling events; web and inventory.
	want := []Span{{120, 240, "ramp", SpanLoad}, {300, 320, "spike ×2", SpanLoad}, {420, 420, "step", SpanLoad}}
	if len(lat.HLines) != 1 || !slices.Equal(lat.Spans, want) || len(lat.Events) != 2 || len(inst.Lines) != 2 || inst.Lines[0].Label != "web" {
		t.Errorf("latency: SLO %v, spans %v, events %v; instance lines %d", lat.HLines, lat.Spans, lat.Events, len(inst.Lines))
	}
	if lat.X.Unit != UnitTime || lat.X.Upto != 900 {
		t.Errorf("time axis %+v, want seconds up to the run's end (900)", lat.X)
	}
	// Without the shape, the spike is a trigger and the step and ramp
	// are lines at their start.
	bare := RunFigures(rep)[0].Spans
	if len(bare) != 3 || bare[1].Kind != SpanTrigger || bare[0].To != bare[0].From {
		t.Errorf("spans without the shape: %v", bare)
	}
	if RunFigures(&simulate.Report{}) != nil {
		t.Error("figures for a run without a series")
	}
}

// TestCompareRunFigures checks the goodput of two runs over time: the
// retry storm's stays at 0 after the spike, the throttled one's comes back,
// and the spike is marked.
func TestCompareRunFigures(t *testing.T) {
	srcA, err := batch.Builtin("retry-storm")
	if err != nil {
		t.Fatal(err)
	}
	srcB, err := batch.Builtin("retry-storm-budget")
	if err != nil {
		t.Fatal(err)
	}
	a := batch.Job{Source: srcA, Sets: []string{"run.duration=7m"}}
	b := batch.Job{Source: srcB, Sets: []string{"run.duration=7m"}}
	cmp, err := analysis.Compare(a, b, analysis.CompareSpec{Seeds: 1, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	figs := CompareRunFigures(cmp)
	if len(figs) != 1 || len(figs[0].Lines) != 2 || len(figs[0].Spans) != 1 || figs[0].Spans[0].From != 300 {
		t.Fatalf("figures %+v: want goodput of A and B with the spike at 5 minutes", figs)
	}
	last := func(l Line) float64 { return l.Points[len(l.Points)-1][1] }
	if a, b := last(figs[0].Lines[0]), last(figs[0].Lines[1]); a != 0 || b < 500 {
		t.Errorf("goodput at the end: A %g (want 0, the storm holds), B %g (want back near 560/s)", a, b)
	}
	if CompareRunFigures(&analysis.Comparison{}) != nil {
		t.Error("figures for a comparison without series")
	}
}

// TestRegionFigure checks the latency by user region: a line per region in
// the workload's order, each its own colour, without the windows of fewer
// than 100 replies; no figure without users on the map.
func TestRegionFigure(t *testing.T) {
	var fig *Figure
	figs := RunFigures(fixedRun())
	for i := range figs {
		if figs[i].Name == "run-latency-by-region" {
			fig = &figs[i]
		}
	}
	if fig == nil {
		t.Fatal("no run-latency-by-region figure")
	}
	colors := map[string]bool{}
	for i, want := range []string{"us-east-1", "eu-west-1", "ap-northeast-1"} {
		l := fig.Lines[i]
		if l.Label != want || colors[l.Color] {
			t.Errorf("line %d: %s in %s, want %s in a colour of its own", i, l.Label, l.Color, want)
		}
		colors[l.Color] = true
	}
	if n := len(fig.Lines[0].Points); n != 288 {
		t.Errorf("us-east-1 has %d points, want 288", n)
	}
	if n := len(fig.Lines[1].Points); n != 278 {
		t.Errorf("eu-west-1 has %d points, want 278 (10 windows without replies left out)", n)
	}
	for _, f := range RunFigures(&simulate.Report{Scenario: "bare", Series: fixedRun().Series}) {
		if f.Name == "run-latency-by-region" && len(f.Lines) == 0 {
			t.Error("an empty region figure")
		}
	}
	bare := fixedRun()
	for i := range bare.Series.Samples {
		bare.Series.Samples[i].Regions = nil
	}
	for _, f := range RunFigures(bare) {
		if f.Name == "run-latency-by-region" {
			t.Error("a region figure without users on the map")
		}
	}
}
