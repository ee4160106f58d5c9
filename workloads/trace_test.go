package workloads

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/sim"
)

// TestParseTrace checks the CSV form of a trace: a header, seconds or
// durations, rates with suffixes, comments; and each error with its line.
func TestParseTrace(t *testing.T) {
	points, err := ParseTrace([]byte("time,rate\n# a comment\n0,100\n90s, 1.5k\n1h,0\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []TracePoint{{0, 100}, {90, 1500}, {3600, 0}}
	if len(points) != len(want) {
		t.Fatalf("points %v, want %v", points, want)
	}
	for i := range want {
		if points[i] != want[i] {
			t.Errorf("point %d: %v, want %v", i, points[i], want[i])
		}
	}
	for in, msg := range map[string]string{
		"0,1\n10,abc\n":   `line 2: rate "abc": want requests per second`,
		"0,1\n10,-1\n":    `line 2: rate "-1"`,
		"0,1\n0,2\n":      "line 2: time 0s is not after the previous point's 0s",
		"0,1,2\n":         "line 1: want two columns",
		"0,1\nsoon,2\n":   `line 2: time "soon": want seconds or a duration`,
		"0,1\n\"10,2\n":   "line 2:",
		"0,1\n-5m,2\n":    `line 2: time "-5m"`,
		"0,1\nInf,2\n":    `line 2: time "Inf"`,
		"0,1\n10,1e999\n": `line 2: rate "1e999"`,
		// A typo on the first row is not a header: its rate is a number.
		"1O,100\n20,100\n": `line 1: time "1O"`,
		// A byte order mark is skipped at the start of the file only.
		"0,1\n\ufeff10,2\n": `line 2: time "\ufeff10"`,
		// The mean overflows at the second point: 1e308/2 over 10 s.
		"time,rate\n0,1\n10,1e308\n": `line 3: rate "1e308": the trace's mean rate overflows here`,
		// Each interval's area is finite (1e308), their sum is not.
		"0,1e307\n10,1e307\n20,1e307\n": `line 3: rate "1e307": the trace's mean rate overflows here`,
	} {
		if _, err := ParseTrace([]byte(in)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseTrace(%q) = %v, want an error containing %q", in, err, msg)
		}
	}
}

// TestTraceHeader checks what is a header: the first row, when neither its
// time nor its rate is a number, after a byte order mark if the file starts
// with one; and that a byte order mark before a first point does not make a
// header of it (the point would be lost).
func TestTraceHeader(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []TracePoint
	}{
		{"\ufeff0,100\n10,300\n", []TracePoint{{0, 100}, {10, 300}}},
		{"\ufefftime,rate\n0,100\n10,300\n", []TracePoint{{0, 100}, {10, 300}}},
		{"# from the load balancer's logs\nseconds,rps\n5,1k\n10,2k\n", []TracePoint{{5, 1000}, {10, 2000}}},
		{"0,100\n10,300\n", []TracePoint{{0, 100}, {10, 300}}},
	} {
		got, err := ParseTrace([]byte(c.in))
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ParseTrace(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// TestTraceMeanLargest checks that a trace whose mean is finite, however
// large, is read, and that Mean gives what ParseTrace checked.
func TestTraceMeanLargest(t *testing.T) {
	points, err := ParseTrace([]byte("0,8e307\n1,8e307\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m := (&Trace{Points: points}).Mean(); m != 8e307 {
		t.Errorf("mean %g, want 8e307", m)
	}
}

// TestTraceArrivals checks that a trace drives the arrivals: its mean is
// the time-weighted mean of the curve, each window gets a count consistent
// with the integral of the interpolated rate, and setting the rate scales
// the curve.
func TestTraceArrivals(t *testing.T) {
	tr := &Trace{File: "t.csv", Points: []TracePoint{{0, 100}, {100, 100}, {200, 500}, {300, 500}, {400, 100}}}
	// (100·100 + 300·100 + 500·100 + 300·100) ÷ 400 = 300
	if m := tr.Mean(); m != 300 {
		t.Fatalf("mean %g, want 300", m)
	}
	spec := &Spec{Model: Open, Rate: tr.Mean(), Trace: tr}
	sh := spec.Shape()
	if got := sh.Rate(150); got != 300 {
		t.Errorf("λ(150) = %g, want 300, half-way up", got)
	}
	if got := sh.Rate(1000); got != 100 {
		t.Errorf("λ after the last point %g, want 100", got)
	}
	c := generate(spec, 400)
	for _, w := range [][2]float64{{0, 100}, {100, 200}, {200, 300}, {300, 400}} {
		within(t, "window", countIn(c.times, w[0], w[1]), sh.MeanRate(sim.Time(w[0]), sim.Time(w[1]))*(w[1]-w[0]))
	}
	scaled := spec.Clone()
	scaled.SetRate(600)
	if got := scaled.Shape().Rate(250); math.Abs(got-1000) > 1e-9 {
		t.Errorf("λ(250) at twice the mean %g, want 1000", got)
	}
}
