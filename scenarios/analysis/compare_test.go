package analysis

import (
	"fmt"
	"strings"
	"testing"
)

// TestCompareSelfIsZero checks common random numbers: a scenario compared
// with itself differs by exactly nothing, on every figure and every seed.
func TestCompareSelfIsZero(t *testing.T) {
	sets := []string{"run.duration=60s"}
	if testing.Short() { // make race runs it under the race detector: 10× slower
		sets = []string{"run.duration=10s", "run.warmup=5s"}
	}
	for _, name := range []string{"three-tier", "read-heavy"} {
		a, b := builtinJob(t, name, sets...), builtinJob(t, name, sets...)
		cmp, err := Compare(a, b, CompareSpec{Seeds: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range cmp.Deltas {
			if d.Diff != 0 || d.CI95 != 0 || d.Significant {
				t.Errorf("%s against itself: %s differs by %g ± %g", name, d.Metric, d.Diff, d.CI95)
			}
		}
	}
}

// TestCompareFindsARealDifference checks that adding app instances to a
// loaded three-tier lowers the mean latency significantly, and that both
// see exactly the same arrivals.
func TestCompareFindsARealDifference(t *testing.T) {
	a := builtinJob(t, "three-tier", "run.duration=60s", "workload.users=4M")
	b := builtinJob(t, "three-tier", "run.duration=60s", "workload.users=4M", "nodes.app.instances=5")
	cmp, err := Compare(a, b, CompareSpec{Seeds: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cmp.Deltas {
		switch d.Metric {
		case "latency mean":
			if !(d.Diff < 0) || !d.Significant {
				t.Errorf("5 app instances instead of 4: mean latency %+g ± %g, want a significant fall", d.Diff, d.CI95)
			}
		case "cost per month":
			if d.Diff <= 0 {
				t.Errorf("a fifth instance should cost more, got %+g", d.Diff)
			}
		case "offered rate":
			if d.Diff != 0 {
				t.Errorf("both see the same arrivals, yet the offered rate differs by %g", d.Diff)
			}
		}
	}
}

// TestSignificantBeyondRounding checks the rule that marks a difference
// real: its interval excludes zero by more than the figures' rounding.
func TestSignificantBeyondRounding(t *testing.T) {
	for _, c := range []struct {
		name                string
		diff, ci, magnitude float64
		want                bool
	}{
		// Hostile finding 17: two means of equal 1 ms latencies summed in
		// another order.
		{"rounding of equal means", 6.714825454926891e-17, 6.034291199674333e-17, 0.001, false},
		{"rounding with no interval", 1e-19, 0, 0.001, false},
		{"exact zero", 0, 0, 0.001, false},
		{"the same real difference each seed", 10, 0, 20, true},
		{"real and outside the interval", -0.002, 0.001, 0.05, true},
		{"inside the interval", 0.0005, 0.001, 0.05, false},
		{"a tiny figure's real difference", 1e-12, 0, 1e-9, true},
	} {
		if got := significant(c.diff, c.ci, c.magnitude); got != c.want {
			t.Errorf("%s: significant(%g, ±%g, of %g) = %v, want %v", c.name, c.diff, c.ci, c.magnitude, got, c.want)
		}
	}
}

// TestCompareRoundingNotReal compares two scenarios whose requests take a
// constant 1 ms without waiting (hostile finding 17): their mean latencies
// are equal but for the order of summation, and no latency difference may
// be marked real, while the offered rates (10/s against 20/s) differ.
func TestCompareRoundingNotReal(t *testing.T) {
	src := "name: %s\nworkload: {rate: %d}\nentry: app\nnodes:\n  app: {kind: service, workers: 8, service_time: 1ms}\nrun: {duration: 60s}\n"
	a := textJob(t, "a.yaml", fmt.Sprintf(src, "cmpA", 10))
	b := textJob(t, "b.yaml", fmt.Sprintf(src, "cmpB", 20))
	cmp, err := Compare(a, b, CompareSpec{Seeds: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cmp.Deltas {
		switch {
		case strings.HasPrefix(d.Metric, "latency") && d.Significant:
			t.Errorf("%s: %g against %g, %+g ± %g marked real", d.Metric, d.A, d.B, d.Diff, d.CI95)
		case d.Metric == "offered rate" && !d.Significant:
			t.Errorf("offered rate 10/s against 20/s not marked real: %+g ± %g", d.Diff, d.CI95)
		}
	}
}

// TestCompareUnknownSaysWhy checks the reason given for a figure a run
// could not measure: single-server gives no prices, so it has no cost per
// million requests though every request completed; it was said to be
// unmeasured because "no request completed or ended" (hostile review).
func TestCompareUnknownSaysWhy(t *testing.T) {
	a := builtinJob(t, "single-server", "run.duration=5s", "run.warmup=1s")
	cmp, err := Compare(a, a, CompareSpec{Seeds: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := "cost per 1M requests: not measured with seed 7 (nothing is priced: the scenario gives no costs)"
	if len(cmp.Unknown) != 1 || cmp.Unknown[0] != want {
		t.Errorf("unknown %q, want [%q]", cmp.Unknown, want)
	}
}

// TestCompareNoObjectives checks the SLO line of a comparison of
// scenarios that set no objectives: "none set", as a run's report says,
// not "pass". It said pass for two runs whose server saturated and
// failed requests (hostile review).
func TestCompareNoObjectives(t *testing.T) {
	a := builtinJob(t, "single-server", "slo=null", "workload.users=5M", "run.duration=5s", "run.warmup=1s")
	cmp, err := Compare(a, a, CompareSpec{Seeds: 1})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := cmp.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if want := "SLO         A: none set, B: none set\n"; !strings.Contains(b.String(), want) || cmp.ReportA.Bottleneck != "server" {
		t.Errorf("want %q, and the server saturated:\n%s", want, b.String())
	}
}
