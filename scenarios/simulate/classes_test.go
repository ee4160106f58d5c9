package simulate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// classOf is the report's figures of a request class.
func classOf(r *simulate.Report, name string) simulate.ClassReport {
	for _, c := range r.Classes {
		if c.Class == name {
			return c
		}
	}
	panic("no class " + name)
}

// perClass is one M/G/1 station whose reads take an exponential 2 ms and
// writes a constant 20 ms, 80/20, at rate, with slo and run settings.
func perClass(rate float64, slo, run string) string {
	return fmt.Sprintf(`name: per-class
workload:
  rate: %g
  mix: {read: 80%%, write: 20%%}
entry: s
nodes:
  s:
    kind: service
    service_time:
      default: {dist: exponential, mean: 2ms}
      by_class: {write: {dist: constant, value: 20ms}}
%s
run: %s
`, rate, slo, run)
}

// TestFidelityPerClassMG1 checks each class's mean sojourn on one M/G/1
// station whose classes have service times of their own: every class
// waits the Pollaczek–Khinchine wait of the mixed service distribution
// (E[S] = 0.8·2 + 0.2·20 = 5.6 ms, E[S²] = 0.8·2·(2 ms)² + 0.2·(20 ms)²
// = 86.4 µs², so ρ = 0.599 at 107/s) and is served its own time.
func TestFidelityPerClassMG1(t *testing.T) {
	const rate = 107.0
	mean := float64(0.8*0.002) + float64(0.2*0.020)
	second := float64(0.8*2*0.002*0.002) + float64(0.2*0.020*0.020)
	scv := second/(mean*mean) - 1
	wq := analytic.MG1MeanWait(rate, mean, scv)
	reps := fidelity.Replicate(t, perClass(rate, "", "{warmup: 200s, duration: 4000s}"), 8)
	fidelity.Check(t, "read mean sojourn", reps, func(r *simulate.Report) float64 { return classOf(r, "read").Latency.Mean }, wq+0.002, false)
	fidelity.Check(t, "write mean sojourn", reps, func(r *simulate.Report) float64 { return classOf(r, "write").Latency.Mean }, wq+0.020, false)
	fidelity.Check(t, "mean sojourn", reps, fidelity.MeanLatency, wq+mean, false)
	fidelity.Check(t, "read throughput", reps, func(r *simulate.Report) float64 { return classOf(r, "read").Throughput }, 0.8*rate, false)
	fidelity.Check(t, "write throughput", reps, func(r *simulate.Report) float64 { return classOf(r, "write").Throughput }, 0.2*rate, false)
}

// TestClassSLO checks objectives by class: judged on the class's own
// figures as the run's are on the run's, each check and violation named
// by its class in the run's verdict and kept in the class's own; a run cut
// short leaves every verdict incomplete.
func TestClassSLO(t *testing.T) {
	const run = "{seed: 3, warmup: 10s, duration: 300s}"
	for _, c := range []struct {
		name, slo, run string
		pass           bool
		read, write    string // the class's own verdict: "" for none, else pass/FAIL/INCOMPLETE
		want           []string
	}{
		{"both met", "slo: {p99: 500ms, by_class: {write: {p99: 300ms}, read: {mean: 50ms, error_rate: 1%}}}", run, true, "pass", "pass",
			[]string{"write p99 ", "read mean ", "read error rate 0% ≤ 1%"}},
		{"write missed", "slo: {by_class: {write: {p50: 19ms}}}", run, false, "", "FAIL",
			[]string{"write p50 ", " > 19ms"}},
		{"the run's met, a class's missed", "slo: {p50: 100ms, by_class: {read: {p99: 5ms}}}", run, false, "FAIL", "",
			[]string{"p50 ", "read p99 "}},
		{"cut short", "slo: {by_class: {write: {p99: 1s}}}", "{seed: 3, warmup: 10s, duration: 300s, max_requests: 5000}", false, "", "INCOMPLETE",
			[]string{"INCOMPLETE: the run stopped at", "write p99 "}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runText(t, perClass(60, c.slo, c.run))
			if r.SLO.Pass != c.pass {
				t.Errorf("pass %v, want %v: %+v", r.SLO.Pass, c.pass, r.SLO)
			}
			for class, want := range map[string]string{"read": c.read, "write": c.write} {
				got := ""
				if v := classOf(r, class).SLO; v != nil {
					got = v.Verdict()
				}
				if got != want {
					t.Errorf("class %s: verdict %q, want %q", class, got, want)
				}
			}
			table := tableOf(t, r)
			line := table[strings.Index(table, "\nSLO ")+1:]
			for _, w := range c.want {
				if !strings.Contains(line, w) {
					t.Errorf("SLO line %q lacks %q", line, w)
				}
			}
		})
	}
}

// TestClassReports checks the report's classes: none for a single class,
// one per class of a mix in its order, whose counts add up to the run's,
// with a confidence interval of each class's mean as the run's has.
func TestClassReports(t *testing.T) {
	single := runText(t, single(50, 1, "", "{dist: exponential, mean: 10ms}", "100s"))
	if single.Classes != nil || strings.Contains(tableOf(t, single), "by class") || strings.Contains(jsonOf(t, single), `"classes"`) {
		t.Errorf("a single class's run has classes: %+v", single.Classes)
	}
	r := runText(t, perClass(60, "", "{seed: 2, warmup: 10s, duration: 300s}"))
	if len(r.Classes) != 2 || r.Classes[0].Class != "read" || r.Classes[1].Class != "write" {
		t.Fatalf("classes %+v, want read then write", r.Classes)
	}
	var arrived, completed int64
	for _, c := range r.Classes {
		arrived += c.Arrived
		completed += c.Completed
		if c.Arrived != c.Completed+c.Failed+c.Unfinished {
			t.Errorf("%s: %d arrived, %d completed, %d failed, %d unfinished", c.Class, c.Arrived, c.Completed, c.Failed, c.Unfinished)
		}
		if c.Latency == nil || c.Latency.MeanCI95 == nil {
			t.Errorf("%s: no latency or interval: %+v", c.Class, c.Latency)
		}
	}
	if arrived != r.Requests.Arrived || completed != r.Requests.Completed {
		t.Errorf("classes add up to %d arrived, %d completed; the run %d, %d", arrived, completed, r.Requests.Arrived, r.Requests.Completed)
	}
	if table := tableOf(t, r); !strings.Contains(table, "by class    read ") || !strings.Contains(table, "            write ") {
		t.Errorf("table lacks the classes:\n%s", table)
	}
}
