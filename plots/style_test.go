package plots

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// labels are the labelled ticks' labels, in order.
func labels(ticks []plot.Tick) string {
	var out []string
	for _, t := range ticks {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return strings.Join(out, " ")
}

// minor counts the unlabelled ticks.
func minor(ticks []plot.Tick) int {
	n := 0
	for _, t := range ticks {
		if t.Label == "" {
			n++
		}
	}
	return n
}

func TestFormatNumber(t *testing.T) {
	for _, c := range []struct {
		v, step float64
		want    string
	}{
		{500, 250, "500"}, // not 500.00
		{250, 250, "250"},
		{0, 250, "0"},
		{2.5, 2.5, "2.5"},
		{5, 2.5, "5.0"}, // a step of 2.5 needs one decimal on every tick
		{0.25, 0.25, "0.25"},
		{1.5, 0.5, "1.5"},
		{3, 1, "3"},
		{150, 50, "150"},
		{20000, 5000, "20k"},
		{2.5e6, 5e5, "2.5M"},
		{8e6, 2e6, "8M"},
		{1e-12, 0.2, "0"}, // a rounding error at zero
	} {
		if got := formatNumber(c.v, c.step); got != c.want {
			t.Errorf("formatNumber(%g, %g) = %q, want %q", c.v, c.step, got, c.want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for _, c := range []struct {
		span  float64
		n     int
		whole bool
		want  float64
	}{
		{314, 7, false, 50}, // ticks 0, 50 … 350: not 40, 160, 280
		{1200, 7, false, 200},
		{100, 7, false, 20},
		{0.9, 7, false, 0.2},
		{17, 7, false, 2.5},
		{17, 7, true, 5}, // no 2.5 instances
		{3, 7, true, 1},  // nor a half
		{5.3e6, 7, false, 1e6},
		{0, 7, false, 1},
	} {
		if got := niceStep(c.span, c.n, c.whole); got != c.want {
			t.Errorf("niceStep(%g, %d, %v) = %g, want %g", c.span, c.n, c.whole, got, c.want)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	for _, c := range []struct {
		hi         float64
		form, want string
	}{
		{300, "m:ss", "0:00 1:00 2:00 3:00 4:00 5:00"},
		{900, "h:mm", "0:00 0:02 0:04 0:06 0:08 0:10 0:12 0:14"},
		{86400, "h:mm", "0:00 3:00 6:00 9:00 12:00 15:00 18:00 21:00 24:00"},
		{2 * 86400, "h:mm", "0:00 6:00 12:00 18:00 24:00 30:00 36:00 42:00 48:00"},
		{7 * 86400, "days", "0 1 2 3 4 5 6 7"},
		{60 * 86400, "days", "0 14 28 42 56"},
	} {
		ticks, form := timeTicks(0, c.hi)
		if form != c.form || labels(ticks) != c.want {
			t.Errorf("timeTicks(0, %g) = %s (%s), want %s (%s)", c.hi, labels(ticks), form, c.want, c.form)
		}
	}
}

func TestLogTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		count  bool
		want   string
		minor  bool
	}{
		{100, 1e7, true, "100 1k 10k 100k 1M 10M", false}, // five decades: powers alone
		{1, 1000, false, "1 10 100 1000", true},
		{2, 500, false, "2 5 10 20 50 100 200 500", true}, // under 2.5 decades: 1, 2, 5
		{500, 10000, false, "500 1000 2000 5000 10k", true},
		{5e-5, 10, false, "0.0001 0.001 0.01 0.1 1 10", false},
	} {
		ticks := logTicks(c.lo, c.hi, c.count)
		if got := labels(ticks); got != c.want || (minor(ticks) > 0) != c.minor {
			t.Errorf("logTicks(%g, %g) = %s with %d minor ticks, want %s (minor %v)", c.lo, c.hi, got, minor(ticks), c.want, c.minor)
		}
	}
}

// TestAxisView checks the range, ticks and label each kind of axis gets.
func TestAxisView(t *testing.T) {
	for _, c := range []struct {
		name         string
		a            Axis
		lo, hi       float64
		extend       bool
		label, ticks string
		min, max     float64
	}{
		{"latency from 0, round ticks", Axis{Label: "latency", Unit: UnitLatency}, 13.7, 314, true,
			"latency (ms)", "0 50 100 150 200 250 300 350", 0, 350},
		{"latency in seconds from 2 s", Axis{Label: "latency", Unit: UnitLatency, Log: true}, 820, 9500, true,
			"latency (s)", "0.5 1 2 5 10", 500, 10000},
		{"utilization up to 100", Axis{Label: "utilization", Unit: "%", Upto: 100}, 0.01, 33, true,
			"utilization (%)", "0 20 40 60 80 100", 0, 100},
		{"a constant cost from 0", Axis{Label: "cost", Unit: "USD per month"}, 578.6, 578.6, true,
			"cost (USD per month)", "0 100 200 300 400 500 600", 0, 600},
		{"users keep their ends", Axis{Label: "users", Unit: "users", Log: true}, 100, 1e7, false,
			"users", "100 1k 10k 100k 1M 10M", 100, 1e7},
		{"a load axis keeps its start", Axis{Label: "users", Unit: "users"}, 2.976e6, 5.456e6, false,
			"users", "3M 3.5M 4M 4.5M 5M", 2.976e6, 5.456e6},
		{"time from 0 to the run's end", Axis{Label: "time since start", Unit: UnitTime, Upto: 900}, 5, 895, false,
			"time since start (h:mm)", "0:00 0:02 0:04 0:06 0:08 0:10 0:12 0:14", 0, 900},
		{"months by quarter", Axis{Label: "time since start", Unit: UnitMonths}, 0, 18, false,
			"time since start (months)", "0 3 6 9 12 15 18", 0, 18},
		{"whole instances", Axis{Label: "instances", Unit: "instances", Whole: true}, 1, 3, true,
			"instances", "0 1 2 3", 0, 3},
		{"no data", Axis{Label: "p99", Unit: UnitLatency, Log: true}, 0, 0, true,
			"p99 (ms)", "0 0.2 0.4 0.6 0.8 1.0", 0, 1},
	} {
		lo, hi := c.lo, c.hi
		if c.name == "no data" {
			lo, hi = math.Inf(1), math.Inf(-1)
		}
		v := c.a.view(lo, hi, c.extend)
		if v.Label != c.label || labels(v.Ticks) != c.ticks || v.Min != c.min || v.Max != c.max {
			t.Errorf("%s: %q %s [%g, %g], want %q %s [%g, %g]", c.name, v.Label, labels(v.Ticks), v.Min, v.Max, c.label, c.ticks, c.min, c.max)
		}
	}
}

func TestMarkerRule(t *testing.T) {
	for n, want := range map[int]bool{1: true, 12: true, 13: false, 288: false} {
		if marked(n) != want {
			t.Errorf("marked(%d) = %v", n, !want)
		}
	}
}

// TestSeriesStyle checks that a node's colour follows its place, cycling
// through the palette, and that roles keep theirs.
func TestSeriesStyle(t *testing.T) {
	c0, _ := seriesStyle(nodeColor(0))
	c8, _ := seriesStyle(nodeColor(len(nodePalette)))
	c1, _ := seriesStyle(nodeColor(1))
	if c0 != c8 || c0 == c1 {
		t.Errorf("node colours %v %v %v", c0, c1, c8)
	}
	if _, dashed := seriesStyle(ColorOffered); !dashed {
		t.Error("the offered load is not dashed")
	}
	// What another series often covers is drawn wide and first, dashed
	// lines last.
	if !(layer(ColorThroughput) < layer(ColorGoodput) && layer(ColorGoodput) < layer(ColorOffered) && layer(ColorA) < layer(ColorB)) {
		t.Error("drawing order: wide, then solid, then dashed")
	}
	if lineStyle(ColorThroughput).Width <= lineStyle(ColorGoodput).Width {
		t.Error("throughput is not drawn wider than the goodput that covers it")
	}
	for _, k := range []string{ColorP50, ColorP95, ColorP99, ColorThroughput, ColorGoodput, ColorA, ColorB} {
		if c, _ := seriesStyle(k); c == ink {
			t.Errorf("role %s has no colour of its own", k)
		}
	}
}
