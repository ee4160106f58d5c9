package simulate_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// runText runs the scenario text with the overrides sets.
func runText(t *testing.T, text string, sets ...string) *simulate.Report {
	t.Helper()
	return mustRun(t)(scenarios.Parse("test.yaml", []byte(text), sets...))
}

// sharedRuns holds, by scenario text, the runs several tests read:
// text → func() (*simulate.Report, error).
var sharedRuns sync.Map

// sharedRun is the report of the scenario text (no overrides), run once
// for every test that reads it: hpaStep's and hpaStep32's for the
// autoscaler's tests and its replay, stepped's for the series' (0.8 s of
// CPU each). The report is shared: callers only read it.
func sharedRun(t *testing.T, text string) *simulate.Report {
	t.Helper()
	run, _ := sharedRuns.LoadOrStore(text, sync.OnceValues(func() (*simulate.Report, error) {
		s, err := scenarios.Parse("test.yaml", []byte(text))
		if err != nil {
			return nil, err
		}
		return simulate.Run(s)
	}))
	r, err := run.(func() (*simulate.Report, error))()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// mustRun returns a function that runs a scenario just loaded, failing t
// if it could not be loaded or run.
func mustRun(t *testing.T) func(*scenarios.Scenario, error) *simulate.Report {
	return func(s *scenarios.Scenario, err error) *simulate.Report {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		r, err := simulate.Run(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

func tableOf(t *testing.T, r *simulate.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func jsonOf(t *testing.T, r *simulate.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// slowGolden are the built-ins whose golden run takes over 0.6 s of CPU
// (the timelines' warm caches of 4M keys take seconds to fill; the last
// four took 1.25, 0.79, 0.73 and 0.61 s of user+sys, each run alone on
// 2026-12-03). -short leaves them out on amd64; make test runs them.
var slowGolden = map[string]bool{
	"twitter-timeline":           true,
	"twitter-timeline-hybrid":    true,
	"url-shortener":              true,
	"retry-storm":                true,
	"read-heavy":                 true,
	"diurnal-hpa":                true,
	"sharded-writes":             true,
	"multi-region-active-active": true,
}

// TestGoldenReports compares the table report of each built-in scenario, and
// the JSON report of the default one, with files under testdata/golden,
// and checks that each report's request counts add up.
// Run with -update after a deliberate change to rewrite them. -short
// leaves out the built-ins in slowGolden on amd64 (make test runs them; on
// arm64, where make test's byte check runs -short, every one runs).
func TestGoldenReports(t *testing.T) {
	for _, name := range scenarios.Builtins() {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && slowGolden[name] && !*update && runtime.GOARCH != "arm64" {
				t.Skip("takes over 0.6 s of CPU; make test runs it")
			}
			t.Parallel()
			r, err := builtinRun(name)
			if err != nil {
				t.Fatal(err)
			}
			if q := r.Requests; q.Arrived != q.Completed+q.Failed()+q.Unfinished || q.Unfinished < 0 {
				t.Errorf("requests %+v do not add up: arrived ≠ completed + failed + unfinished", q)
			}
			golden(t, filepath.Join("testdata", "golden", name+".txt"), tableOf(t, r))
			if name == scenarios.DefaultBuiltin {
				golden(t, filepath.Join("testdata", "golden", name+".json"), jsonOf(t, r))
			}
		})
	}
}

// builtinRuns holds, by name, the run of a built-in as it is (no
// overrides), done once for the tests that read it: the golden reports and
// TestRetryStormBuiltins both read the two retry storms' 15 minutes.
var builtinRuns sync.Map // name → func() (*simulate.Report, error)

// builtinRun is the report of the built-in name as it is, run once.
func builtinRun(name string) (*simulate.Report, error) {
	run, _ := builtinRuns.LoadOrStore(name, sync.OnceValues(func() (*simulate.Report, error) {
		s, err := scenarios.Builtin(name)
		if err != nil {
			return nil, err
		}
		return simulate.Run(s)
	}))
	return run.(func() (*simulate.Report, error))()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the report (go test -update rewrites it after a deliberate change)\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestDeterministic checks that the same scenario and seed give the same
// bytes, whether runs happen one after another or in parallel, and that
// another seed gives other numbers.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	s, err := scenarios.BuiltinSource("flash-sale")
	if err != nil {
		t.Fatal(err)
	}
	if raceDetector || testing.Short() {
		// The detector needs the runs to overlap, not to be long: the
		// first 3 minutes (the sale's build-up) at a tenth of the speed.
		// Nor does determinism need them long: -short takes the same 3
		// minutes, a third of the CPU.
		s = bytes.Replace(s, []byte("duration: 9m"), []byte("duration: 3m"), 1)
	}
	first := jsonOf(t, runText(t, string(s)))
	var wg sync.WaitGroup
	outs := make([]string, 4)
	for i := range outs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sc, _ := scenarios.Parse("flash-sale", s)
			r, _ := simulate.Run(sc)
			var b bytes.Buffer
			_ = r.WriteJSON(&b)
			outs[i] = b.String()
		}(i)
	}
	wg.Wait()
	for i, o := range outs {
		if o != first {
			t.Fatalf("parallel run %d differs from the serial run", i)
		}
	}
	other := jsonOf(t, runText(t, strings.Replace(string(s), "seed: 3", "seed: 4", 1)))
	if other == first {
		t.Fatal("a different seed gave the same report")
	}
}

// TestCommonRandomNumbers checks that adding a node the requests never visit
// leaves every figure unchanged: streams depend on node names, not on how
// many nodes there are.
func TestCommonRandomNumbers(t *testing.T) {
	t.Parallel()
	base, _ := scenarios.BuiltinSource(scenarios.DefaultBuiltin)
	extra := strings.Replace(string(base), "  db:\n", "  audit:\n    kind: service\n    service_time: 1ms\n  db:\n", 1)
	// The built-in as it is: its golden report's run, shared.
	a, err := builtinRun(scenarios.DefaultBuiltin)
	if err != nil {
		t.Fatal(err)
	}
	b := runText(t, extra)
	if len(b.Nodes) != len(a.Nodes)+1 {
		t.Fatalf("the extra node is missing from the report")
	}
	b.Nodes = append(b.Nodes[:2], b.Nodes[3:]...) // drop audit, the third node
	if ja, jb := jsonOf(t, a), jsonOf(t, b); ja != jb {
		t.Fatalf("figures changed when an unused node was added:\n%s\n%s", ja, jb)
	}
}

// TestOverloadStopsEarly drives a station at ten times its capacity with an
// unlimited queue: the run must stop early, quickly, with the station marked
// saturated, the bottleneck named and the SLO failed.
func TestOverloadStopsEarly(t *testing.T) {
	text := `name: overload
workload: {rate: 1000}
entry: app
nodes:
  app: {kind: service, workers: 1, service_time: {dist: exponential, mean: 10ms}, calls: [db]}
  db: {kind: service, workers: 8, service_time: 1ms}
slo: {p99: 1s}
run: {duration: 1h}
`
	start := time.Now()
	r := runText(t, text)
	elapsed := time.Since(start)
	if r.StoppedEarly == "" || !strings.Contains(r.StoppedEarly, "overloaded") {
		t.Fatalf("overloaded run was not stopped early: %q", r.StoppedEarly)
	}
	if !node(r, "app").Saturated || node(r, "db").Saturated || r.Bottleneck != "app" {
		t.Fatalf("saturated app=%v db=%v, bottleneck %q; want app only", node(r, "app").Saturated, node(r, "db").Saturated, r.Bottleneck)
	}
	if r.SLO.Pass {
		t.Fatal("an overloaded run passed its scenarios.SLO")
	}
	if elapsed > 10*time.Second {
		t.Fatalf("overloaded run took %v", elapsed)
	}
	t.Logf("stopped after %v wall, %.0fs simulated: %s", elapsed, r.Window, r.StoppedEarly)
}

// TestFiniteQueueSaturates checks that a node with a bounded queue under
// twice its capacity runs to the end, rejects about half the arrivals, and
// is reported saturated with offered load near 2.
func TestFiniteQueueSaturates(t *testing.T) {
	r := runText(t, single(200, 1, "queue: 5,", "{dist: exponential, mean: 10ms}", "600s"))
	n := node(r, "s")
	if r.StoppedEarly != "" || !n.Saturated || n.OfferedLoad < 1.8 || n.OfferedLoad > 2.2 {
		t.Fatalf("stopped %q, saturated %v, offered load %.3g; want a full run, saturated, about 2", r.StoppedEarly, n.Saturated, n.OfferedLoad)
	}
	if e := *r.ErrorRate; e < 0.4 || e > 0.6 || n.Rejected == 0 {
		t.Fatalf("error rate %.3g with %d rejected; want about 0.5", *r.ErrorRate, n.Rejected)
	}
}

// TestRequestCap checks that a run past run.max_requests ends early with the
// window it covered, is not called overloaded, and gives no verdict on the
// whole run it was asked for: its SLO is incomplete, not passed.
func TestRequestCap(t *testing.T) {
	r := runText(t, strings.Replace(single(1000, 4, "", "1ms", "1h"), "run: {", "run: {max_requests: 50k, ", 1))
	if !strings.Contains(r.StoppedEarly, "request cap") || r.Window > 100 || r.SLO.Pass || !strings.Contains(r.SLO.Incomplete, "the run stopped at 49.8s of 63.3m") {
		t.Fatalf("stopped %q after %.0fs, SLO %+v; want the request cap, incomplete", r.StoppedEarly, r.Window, r.SLO)
	}
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "SLO         INCOMPLETE: the run stopped at 49.8s of 63.3m (request cap reached") {
		t.Errorf("table report:\n%s", table.String())
	}
}

// TestTimeouts checks that clients give up after the workload timeout: with
// a slow station, requests end as timed out, with no latency above it.
func TestTimeouts(t *testing.T) {
	text := strings.Replace(single(95, 1, "", "{dist: exponential, mean: 10ms}", "2000s"), "workload: {rate: 95}", "workload: {rate: 95, timeout: 300ms}", 1)
	r := runText(t, text)
	if r.Requests.TimedOut == 0 || r.Latency.Max > 0.3 {
		t.Fatalf("timed out %d, max latency %g; want some timeouts and nothing above 300ms", r.Requests.TimedOut, r.Latency.Max)
	}
	// M/M/1 at ρ = 0.95: P(sojourn > 0.3 s) = e^(−(100−95)·0.3) = 0.223; the
	// abandoned requests still occupy the station, so the share is at least that.
	if frac := float64(r.Requests.TimedOut) / float64(r.Requests.Arrived); frac < 0.15 {
		t.Fatalf("timed-out share %.3f, want at least about 0.22", frac)
	}
}

// TestJSONSchema checks the JSON report has the documented fields.
func TestJSONSchema(t *testing.T) {
	s, err := scenarios.Builtin("checkout-api", "run.duration=30s")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := simulate.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(jsonOf(t, rep)), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"scenario", "seed", "offered_rate", "throughput", "error_rate", "requests", "latency", "nodes", "bottleneck", "slo"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON report lacks %q", k)
		}
	}
	lat := m["latency"].(map[string]any)
	for _, k := range []string{"mean", "p50", "p90", "p95", "p99", "p999", "max", "mean_ci95"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("latency lacks %q", k)
		}
	}
	req := m["requests"].(map[string]any)
	for _, k := range []string{"arrived", "completed", "rejected", "timed_out", "errors", "call_timeouts", "rate_limited", "shed", "circuit_open", "unfinished", "lost_writes"} {
		if _, ok := req[k]; !ok {
			t.Errorf("requests lacks %q", k)
		}
	}
	n := m["nodes"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "kind", "instances", "utilization", "throughput", "queue_length", "wait", "rejected", "saturated"} {
		if _, ok := n[k]; !ok {
			t.Errorf("node lacks %q", k)
		}
	}
	slo := m["slo"].(map[string]any)
	if _, ok := slo["pass"]; !ok {
		t.Error("slo lacks pass")
	}
	if _, ok := slo["violations"]; !ok {
		t.Error("slo lacks violations")
	}
}
