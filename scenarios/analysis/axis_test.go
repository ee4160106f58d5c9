package analysis

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// mmcFieldFile is M/M/c at 25/s with μ = 10/s, priced, whose workers a
// sweep varies.
const mmcFieldFile = `
name: mmc-field
workload: {rate: 25}
entry: station
nodes:
  station:
    kind: service
    workers: 4
    service_time: {dist: exponential, mean: 100ms}
    instance: m6i.large
run: {seed: 7, warmup: 100s}
`

// TestSweepAlongAField sweeps the workers of M/M/c against a mean latency
// objective and checks each point's verdict and the cheapest point that
// passes against Erlang C's mean sojourn time. A point whose exact mean is
// within four half-widths of its run's 95% CI of the objective is too close
// to call and is not checked.
func TestSweepAlongAField(t *testing.T) {
	for _, c := range []struct{ limit, precision float64 }{{0.170, 0.02}, {0.113, 0.01}} {
		limit := c.limit
		t.Run(fmt.Sprintf("mean ≤ %gs", limit), func(t *testing.T) {
			base := textJob(t, "mmc.yaml", mmcFieldFile, fmt.Sprintf("slo.mean=%gs", limit))
			sw, err := Sweep(base, SweepSpec{Axis: Axis{"nodes.station.workers"}, Values: []string{"2", "3", "4", "5", "6"},
				Precision: c.precision, MaxRequests: 2_000_000})
			if err != nil {
				t.Fatal(err)
			}
			if sw.BreakingPoint != nil || sw.Knee != nil || len(sw.Saturation) != 0 {
				t.Errorf("a sweep along a field has a breaking point %+v, knee %+v or saturation order %+v", sw.BreakingPoint, sw.Knee, sw.Saturation)
			}
			cheapest, passing := "", 0
			for i, p := range sw.Points {
				c := i + 2
				exact := math.Inf(1) // overloaded at c = 2
				if c > 2 {
					exact = analytic.MMc{Lambda: 25, Mu: 10, C: c}.MeanSojourn()
				}
				want := exact <= limit
				if want {
					passing++
					if cheapest == "" {
						cheapest = p.Value
					}
				}
				if p.Value != fmt.Sprint(c) || p.Overrides[len(p.Overrides)-1] != "nodes.station.workers="+p.Value {
					t.Fatalf("point %d is %q with overrides %v", i, p.Value, p.Overrides)
				}
				if p.Latency != nil && p.Latency.MeanCI95 != nil {
					if half := (p.Latency.MeanCI95[1] - p.Latency.MeanCI95[0]) / 2; math.Abs(exact-limit) < 4*half {
						t.Fatalf("%d workers: the exact mean %g is within 4 × %g of the objective %g: choose another", c, exact, half, limit)
					}
				}
				if p.OK != want {
					t.Errorf("%d workers: ok %v, Erlang C's mean %g against %g says %v", c, p.OK, exact, limit, want)
				}
			}
			ch := sw.Cheapest
			if ch == nil || ch.Value != cheapest || ch.Passing != passing || !ch.Priced {
				t.Errorf("cheapest %+v, want %s workers of %d that pass, priced", ch, cheapest, passing)
			}
		})
	}
}

// TestCheapest checks the choice of the cheapest point that passes.
func TestCheapest(t *testing.T) {
	pt := func(v string, ok bool, usd float64, priced bool) SweepPoint {
		r := &simulate.Report{Cost: simulate.Cost{MonthlyUSD: usd}}
		if priced {
			r.Cost.Priced = "the catalogue"
		}
		return SweepPoint{Value: v, OK: ok, Report: r}
	}
	cases := []struct {
		name   string
		points []SweepPoint
		want   *Cheapest
	}{
		{"none passes", []SweepPoint{pt("a", false, 1, true), pt("b", false, 2, true)}, nil},
		{"the lowest cost that passes", []SweepPoint{pt("a", false, 1, true), pt("b", true, 30, true), pt("c", true, 20, true), pt("d", true, 25, true)},
			&Cheapest{Value: "c", MonthlyUSD: 20, Priced: true, Passing: 3}},
		{"the first of equal costs", []SweepPoint{pt("a", true, 20, true), pt("b", true, 20, true)},
			&Cheapest{Value: "a", MonthlyUSD: 20, Priced: true, Passing: 2}},
		{"no prices: the first that passes", []SweepPoint{pt("a", false, 0, false), pt("b", true, 0, false), pt("c", true, 0, false)},
			&Cheapest{Value: "b", Passing: 2}},
		{"a point without a price: the first that passes", []SweepPoint{pt("a", true, 50, true), pt("b", true, 0, false)},
			&Cheapest{Value: "a", MonthlyUSD: 50, Passing: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := cheapest(c.points)
			if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
				t.Errorf("cheapest %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestSweepAlongAFieldGolden writes a sweep of M/M/c's workers, one of
// them overloaded, as a table and as CSV, and compares them with
// testdata/field-sweep.txt and field-sweep.csv (go test -update rewrites
// them after a deliberate change).
func TestSweepAlongAFieldGolden(t *testing.T) {
	base := textJob(t, "mmc.yaml", mmcFieldFile, "slo.mean=170ms")
	sw, err := Sweep(base, SweepSpec{Axis: Axis{"nodes.station.workers"}, Values: []string{"2", "3", "4"}, Precision: 0.05, MaxRequests: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"field-sweep.txt", func(b *bytes.Buffer) error { return sw.WriteTable(b) }},
		{"field-sweep.csv", func(b *bytes.Buffer) error { return sw.WriteCSV(b) }},
	} {
		var b bytes.Buffer
		if err := c.write(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", c.file)
		if *update {
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs:\n%s", path, b.String())
		}
	}
	var b bytes.Buffer
	if err := sw.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 points of nodes.station.workers", "fails       nodes.station.workers=2: ", "cheapest    nodes.station.workers=4 at $"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

// TestSweepAxisErrors checks what a sweep refuses before running anything.
func TestSweepAxisErrors(t *testing.T) {
	base := textJob(t, "mmc.yaml", mmcFieldFile)
	cases := []struct {
		name string
		spec SweepSpec
		want string
	}{
		{"a field without values", SweepSpec{Axis: Axis{"nodes.station.workers"}}, "a sweep of nodes.station.workers needs its values"},
		{"one value", SweepSpec{Axis: Axis{"nodes.station.workers"}, Values: []string{"2"}}, "a sweep needs 2 to 1000 points, got 1"},
		{"a value the field refuses", SweepSpec{Axis: Axis{"nodes.station.workers"}, Values: []string{"2", "0"}},
			"analysis: sweeping mmc-field: --vary nodes.station.workers=0: node station workers must be at least 1, got 0"},
		// A value refused at a field of the file (the distribution the
		// value is a part of) still names the point.
		{"a value refused at the file's field", SweepSpec{Axis: Axis{"nodes.station.service_time.mean"}, Values: []string{"5ms", "0ms"}},
			"analysis: sweeping mmc-field: --vary nodes.station.service_time.mean=0ms: mmc.yaml:9:19: node station service_time: mean must be positive"},
		{"a value that removes what the file names", SweepSpec{Axis: Axis{"nodes.station"}, Values: []string{"null", "{kind: service, service_time: 1ms}"}},
			"analysis: sweeping mmc-field: --vary nodes.station=null: mmc.yaml:4:8: entry \"station\" is not a node (--vary nodes.station=null removed it"},
		{"loads not increasing", SweepSpec{Axis: AxisRate, Values: []string{"10", "5"}}, "each larger than the one before, got 5 after 10"},
		{"a load that is not a count", SweepSpec{Axis: AxisRate, Values: []string{"10", "lots"}}, "got lots after 10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Sweep(base, c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestSweepPointNamesWhatElse checks that a point refused for what its
// value makes of another field (a fault on more instances than the point
// leaves its node) names the point once, before the refusal, and the other
// overrides the refusal rests on after it.
func TestSweepPointNamesWhatElse(t *testing.T) {
	const file = `
name: fault-fit
workload: {rate: 25}
entry: a
nodes:
  a: {kind: service, instances: 2, service_time: 10ms, calls: [b]}
  b: {kind: service, instances: 2, service_time: 10ms}
faults: [{node: b, at: 200s, for: 10s, instances: 2}]
`
	cases := []struct {
		name string
		sets []string
		want string
	}{
		{"the point alone", nil, "analysis: sweeping fault-fit: --vary nodes.b.instances=1: f.yaml:8:51: fault instances 2: service b has 1 instance (leave instances out to take the whole node down)\n"},
		{"with an override of the fault's node", []string{"faults.0.node=b"},
			"analysis: sweeping fault-fit: --vary nodes.b.instances=1: f.yaml:8:51: fault instances 2: service b has 1 instance (leave instances out to take the whole node down) (with --set faults.0.node=b)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Sweep(textJob(t, "f.yaml", file, c.sets...), SweepSpec{Axis: Axis{"nodes.b.instances"}, Values: []string{"2", "1"}})
			if err == nil || !strings.Contains(err.Error()+"\n", c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestSweepLoadValues checks that a sweep of listed loads runs those
// loads, and bisects between them like a grid's.
func TestSweepLoadValues(t *testing.T) {
	sw, err := Sweep(textJob(t, "mmc.yaml", mmcSweepFile), SweepSpec{Axis: AxisRate, Values: []string{"5", "20", "45"}, Precision: 0.05, MaxRequests: 200_000})
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Points) != 3 || sw.Points[0].Rate != 5 || sw.Points[2].Rate != 45 {
		t.Fatalf("points %+v", sw.Points)
	}
	if bp := sw.BreakingPoint; bp == nil || bp.Bisections == 0 || bp.OfferedRate < 20 || bp.FailsAt > 45 {
		t.Errorf("breaking point %+v, want one bisected between 20/s and 45/s", bp)
	}
}
