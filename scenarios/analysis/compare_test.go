package analysis

import (
	"testing"

	"github.com/scalesim/scalesim/scenarios"
)

// TestCompareSelfIsZero checks common random numbers: a scenario compared
// with itself differs by exactly nothing, on every figure and every seed.
func TestCompareSelfIsZero(t *testing.T) {
	duration := "run.duration=60s"
	if testing.Short() {
		duration = "run.duration=10s"
	}
	for _, name := range []string{"three-tier", "read-heavy"} {
		a, err := scenarios.Builtin(name, duration)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := scenarios.Builtin(name, duration)
		cmp, err := Compare(a, b, 3, 0)
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
	a, err := scenarios.Builtin("three-tier", "run.duration=60s", "workload.users=4M")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := scenarios.Builtin("three-tier", "run.duration=60s", "workload.users=4M", "nodes.app.instances=5")
	cmp, err := Compare(a, b, 5, 0)
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
