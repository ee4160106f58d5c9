package scenarios_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/workers"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// The invariants each generated run is held to (issue 18). Each has a
// name, which a violation carries and knownViolations lists.
const (
	invPanic    = "panic"    // no input panics
	invError    = "error"    // a run fails only by refusing the scenario (InvalidError)
	invBudget   = "budget"   // events within max_events (+1), the run within genWallLimit
	invCounts   = "counts"   // arrived = completed + every failure outcome + unfinished
	invSeries   = "series"   // the time series' windows agree with the report's counts
	invRates    = "rates"    // goodput ≤ throughput ≤ arrivals ≤ offered (+ 5σ)
	invFinite   = "finite"   // every number in the JSON report finite and ≥ 0
	invBacklog  = "backlog"  // no node reported ok whose backlog grows to the end
	invTable    = "table"    // the table report: no NaN or Inf, no negative CI
	invTriggers = "triggers" // no verdict for a trigger or change after the run's end
	invSLO      = "slo"      // no SLO passed with no completed request
	invWrite    = "write"    // the report writes as a table, JSON and CSV
)

// genWallLimit is far above what genMaxEvents take (about 0.1 s): a run
// that takes longer is not bounded by its budgets.
const genWallLimit = 10 * time.Second

// knownViolations are invariants that fail today, each naming the finding
// (a minimised scenario, in the notes of issue 18) that shows it. A
// violation they match is logged, not failed, so that the generator stays
// useful for everything else while they are fixed; a fix removes its
// entry. SCALESIM_GEN_STRICT=1 fails them all the same.
var knownViolations = []struct {
	invariant, finding string
	// match says whether a violation of the invariant, with detail, in
	// a run of s (nil when it did not load) is this finding (nil: every
	// one).
	match func(detail string, s *scenarios.Scenario) bool
}{}

// violation is an invariant that a run broke.
type violation struct{ invariant, detail string }

// known says which finding explains v in a run of s (nil if it did not
// load), or "".
func known(v violation, s *scenarios.Scenario) string {
	if os.Getenv("SCALESIM_GEN_STRICT") != "" {
		return ""
	}
	return knownAlways(v, s)
}

// knownHang says which finding makes a run of s hang, or "".
func knownHang(s *scenarios.Scenario) string {
	return knownAlways(violation{invBudget, hangs}, s)
}

// knownAlways is known without SCALESIM_GEN_STRICT.
func knownAlways(v violation, s *scenarios.Scenario) string {
	for _, k := range knownViolations {
		if k.invariant == v.invariant && (k.match == nil || k.match(v.detail, s)) {
			return k.finding
		}
	}
	return ""
}

// genSeeds are the seeds TestGeneratedScenarios runs (those listed in
// SCALESIM_GEN_SEEDS, separated by commas, to look at some); FuzzScenarios
// starts from them too.
func genSeeds(short bool) []uint64 {
	if list := os.Getenv("SCALESIM_GEN_SEEDS"); list != "" {
		var seeds []uint64
		for _, f := range strings.Split(list, ",") {
			var seed uint64
			if _, err := fmt.Sscan(f, &seed); err == nil {
				seeds = append(seeds, seed)
			}
		}
		return seeds
	}
	n := 400
	if short {
		n = 50
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	return seeds
}

// FuzzScenarios runs generated scenarios (generate_test.go) from fuzzed
// seeds through parse, validate, estimate and a run within small budgets,
// and checks the invariants on each. A failing seed is kept by the fuzzer
// in testdata/fuzz/FuzzScenarios; `make fuzz-structured` runs it.
func FuzzScenarios(f *testing.F) {
	for _, seed := range genSeeds(true) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		checkGenerated(t, seed)
	})
}

// TestGeneratedScenarios checks the invariants on a fixed set of generated
// scenarios: 400 (without -short). With -short it would check the 50
// seeds FuzzScenarios' seed corpus checks in the same run (genSeeds(true),
// or the same SCALESIM_GEN_SEEDS), so it leaves them to it.
func TestGeneratedScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("FuzzScenarios checks the same seeds with -short")
	}
	for _, seed := range genSeeds(false) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkGenerated(t, seed) })
	}
}

// TestGeneratorMostlyValid keeps the generator useful: most of what it
// writes must pass validation and run, or the invariants are checked on
// little.
func TestGeneratorMostlyValid(t *testing.T) {
	refused := map[string]int{}
	const n = 300
	bad := 0
	for seed := range uint64(n) {
		out := generateScenario(genRand(seed))
		dir := t.TempDir()
		if _, err := loadGenerated(dir, out); err != nil {
			bad++
			refused[firstLine(err.Error())]++
		}
	}
	var lines []string
	for msg, c := range refused {
		lines = append(lines, fmt.Sprintf("%4d %s", c, msg))
	}
	sort.Strings(lines)
	t.Logf("%d of %d generated scenarios are refused; by message:\n%s", bad, n, strings.Join(lines, "\n"))
	if bad > n/4 {
		t.Fatalf("more than a quarter refused: the generator checks little")
	}
}

// genRand is the random stream of seed.
func genRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x5ca1e5117))
}

// filePosition is the FILE:LINE:COL that starts an error from a file.
var filePosition = regexp.MustCompile(`^\S*gen\.yaml:\d+:\d+: `)

// firstLine is s up to its first line break, without the file's position.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return filePosition.ReplaceAllString(s, "")
}

// loadGenerated writes out's files into dir and loads the scenario as
// `scalesim run` would.
func loadGenerated(dir string, out generated) (*scenarios.Scenario, error) {
	path := filepath.Join(dir, "gen.yaml")
	if err := os.WriteFile(path, []byte(out.YAML), 0o644); err != nil {
		return nil, err
	}
	for name, text := range out.Files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return nil, err
		}
	}
	return scenarios.Load(path)
}

// checkGenerated generates the scenario of seed, runs it and fails t with
// the scenario for every invariant it breaks that no finding explains.
func checkGenerated(t *testing.T, seed uint64) {
	t.Helper()
	out := generateScenario(genRand(seed))
	dir := t.TempDir()
	vs := runGenerated(dir, out)
	var s *scenarios.Scenario
	if len(vs) > 0 {
		s, _ = loadGenerated(t.TempDir(), out)
	}
	var fail []string
	for _, v := range vs {
		if f := known(v, s); f != "" {
			t.Logf("known (%s): %s: %s", f, v.invariant, v.detail)
			continue
		}
		fail = append(fail, v.invariant+": "+v.detail)
	}
	if len(fail) > 0 {
		t.Fatalf("seed %d breaks invariants:\n%s\n--- gen.yaml\n%s%s", seed, strings.Join(fail, "\n"), out.YAML, sideFiles(out))
	}
}

// sideFiles shows out's side files for a failure message.
func sideFiles(out generated) string {
	var b strings.Builder
	for name, text := range out.Files {
		fmt.Fprintf(&b, "--- %s\n%s", name, text)
	}
	return b.String()
}

// runGenerated loads out (from dir), estimates and runs it, and returns the
// invariants it breaks. A refusal (a positioned ErrorList from the file,
// an InvalidError from the run) breaks none.
func runGenerated(dir string, out generated) []violation {
	done := make(chan []violation, 1)
	go func() {
		var vs []violation
		defer func() {
			if p := recover(); p != nil {
				vs = append(vs, violation{invPanic, fmt.Sprintf("%v\n%s", p, debug.Stack())})
			}
			done <- vs
		}()
		vs = runChecked(dir, out)
	}()
	select {
	case vs := <-done:
		return vs
	case <-time.After(genWallLimit):
		return []violation{{invBudget, fmt.Sprintf("%s within %v", hangs, genWallLimit)}}
	}
}

// hangs is the violation of a run that does not end.
const hangs = "the run did not end"

// runChecked is runGenerated without the guard against panics and runs
// that do not end.
func runChecked(dir string, out generated) []violation {
	s, err := loadGenerated(dir, out)
	if err != nil {
		var list yamlfile.ErrorList
		var invalid *scenarios.InvalidError
		if !errors.As(err, &list) && !errors.As(err, &invalid) {
			return []violation{{invError, "loading: " + err.Error()}}
		}
		return nil
	}
	// A run known to hang is not started (even with SCALESIM_GEN_STRICT):
	// it would spin on after the check gave up on it, taking a core from
	// the tests that follow.
	if f := knownHang(s); f != "" {
		return []violation{{invBudget, hangs + " (known: not started)"}}
	}
	var vs []violation
	if est, err := estimate.Scenario(s); err == nil {
		var table, js bytes.Buffer
		if err := est.WriteTable(&table); err != nil {
			vs = append(vs, violation{invWrite, "estimate table: " + err.Error()})
		} else if notFinite(s, table.String()) {
			vs = append(vs, violation{invWrite, "the estimate's table shows a number that is not finite (NaN or Inf)"})
		}
		if err := est.WriteJSON(&js); err != nil {
			vs = append(vs, violation{invWrite, "estimate JSON: " + err.Error()})
		}
	}
	// The generator asks for small budgets; these hold whatever it asks.
	s.Run.MaxEvents = capAt(s.Run.MaxEvents, genMaxEvents)
	s.Run.MaxMemory = min(s.Run.MemoryBudget(), 64<<20)
	start := time.Now()
	rep, err := simulate.Run(s)
	wall := time.Since(start)
	if err != nil {
		var invalid *scenarios.InvalidError
		if !errors.As(err, &invalid) {
			vs = append(vs, violation{invError, "a valid scenario failed to run, and not by refusing it: " + err.Error()})
		}
		return vs
	}
	return append(vs, checkReport(s, rep, wall)...)
}

// checkReport checks every invariant on the report of a run of s that took
// wall.
func checkReport(s *scenarios.Scenario, rep *simulate.Report, wall time.Duration) []violation {
	var vs []violation
	add := func(inv, format string, args ...any) {
		vs = append(vs, violation{inv, fmt.Sprintf(format, args...)})
	}
	if budget := uint64(s.Run.EventBudget()); rep.Events > budget+1 {
		add(invBudget, "%d events, beyond the budget of %d", rep.Events, budget)
	}
	if wall > genWallLimit {
		add(invBudget, "the run took %v", wall)
	}
	// An objective of 100% errors alone is met whatever happens, so it may
	// pass with nothing completed.
	vacuous := len(s.SLO.Latency) == 0 && s.SLO.ErrorRate >= 1
	if rep.SLO.Pass && rep.Latency == nil && len(rep.SLO.Checks) > 0 && !vacuous {
		add(invSLO, "SLO passed with no completed request: %v", rep.SLO.Checks)
	}

	var table, js, csv bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		add(invWrite, "table: %v", err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		add(invWrite, "JSON: %v", err)
	} else {
		vs = append(vs, checkJSON(js.Bytes())...)
	}
	if rep.Series != nil {
		if err := rep.Series.WriteCSV(&csv); err != nil {
			add(invWrite, "series CSV: %v", err)
		}
	}
	vs = append(vs, checkCounts(s, rep)...)
	vs = append(vs, checkBacklogs(s, rep)...)
	vs = append(vs, checkTable(s, rep, table.String())...)
	vs = append(vs, checkTriggers(rep, table.String())...)
	return vs
}

// sampleEnded counts the requests that ended in a sample window.
func sampleEnded(w simulate.Sample) int64 {
	return w.Completed + w.Rejected + w.TimedOut + w.Errors + w.CallTimeouts + w.RateLimited + w.Shed + w.CircuitOpen
}

// checkCounts checks that the request counts add up, and that the rates
// they give are in order.
//
// The report counts the requests that arrived in the measurement window,
// by how they ended, so that its completions are among its arrivals:
// throughput ≤ arrivals ÷ window holds with no tolerance (before that
// counting, completions of warm-up arrivals could exceed it by what was in
// flight at the warm-up's end).
func checkCounts(s *scenarios.Scenario, rep *simulate.Report) []violation {
	var vs []violation
	add := func(inv, format string, args ...any) {
		vs = append(vs, violation{inv, fmt.Sprintf(format, args...)})
	}
	c := rep.Requests
	if got := c.Completed + c.Failed() + c.Unfinished; got != c.Arrived {
		add(invCounts, "arrived %d, but completed + failed + unfinished = %d (%+d): %+v", c.Arrived, got, got-c.Arrived, c)
	}
	const eps = 1e-9
	if rep.Goodput > rep.Throughput*(1+eps) {
		add(invRates, "goodput %g above throughput %g", rep.Goodput, rep.Throughput)
	}
	if rep.Window > 0 && rep.Throughput*rep.Window > float64(c.Arrived)*(1+eps) {
		add(invRates, "throughput %g/s over %gs is beyond the %d arrivals", rep.Throughput, rep.Window, c.Arrived)
	}
	// Open arrivals are Poisson (thinned where shaped): their count in the
	// window is within 5 standard deviations (√mean) of the offered mean,
	// +1 for a mean near 0. A closed or session workload's offered rate
	// is its arrivals.
	if s.Workload.Model == workloads.Open && rep.Window > 0 {
		mean := rep.OfferedRate * rep.Window
		if float64(c.Arrived) > mean+5*math.Sqrt(mean)+1 {
			add(invRates, "arrived %d in %gs, beyond the offered %g/s (%.1f expected)", c.Arrived, rep.Window, rep.OfferedRate, mean)
		}
	}
	vs = append(vs, checkSeries(rep)...)
	return vs
}

// checkSeries checks the time series against the report's counts. A
// window counts the requests that ended in it, whenever they arrived, so
// over the windows from time 0: what is in flight at a boundary
// (arrivals − endings so far) is never below 0; the windows after the
// warm-up (which the generator puts on a boundary) have the report's
// arrivals, and for each outcome at least the report's count, the excess
// being the requests that arrived in the warm-up (at most what was in
// flight at its end); and the report's unfinished are at most what was in
// flight at the end.
func checkSeries(rep *simulate.Report) []violation {
	if rep.Series == nil {
		return nil
	}
	var vs []violation
	add := func(format string, args ...any) {
		vs = append(vs, violation{invSeries, fmt.Sprintf(format, args...)})
	}
	c := rep.Requests
	if len(rep.Series.Samples) == 0 {
		// A run with no window (stopped where it would begin) has no
		// series by design.
		if c.Arrived > 0 && rep.Window > 0 {
			add("the series has no window, but %d requests arrived", c.Arrived)
		}
		return vs
	}
	var inFlight, carry int64
	aligned := false
	var sum simulate.Sample
	for _, w := range rep.Series.Samples {
		if math.Abs(w.Start-rep.Warmup) < 1e-9 {
			aligned, carry = true, inFlight
		}
		inFlight += w.Arrived - sampleEnded(w)
		if inFlight < 0 {
			add("%d requests in flight at %gs: more ended than arrived", inFlight, w.Start+w.Duration)
			return vs
		}
		if w.Start < rep.Warmup-1e-9 {
			continue
		}
		sum.Arrived += w.Arrived
		sum.Completed += w.Completed
		sum.Rejected += w.Rejected
		sum.TimedOut += w.TimedOut
		sum.Errors += w.Errors
		sum.CallTimeouts += w.CallTimeouts
		sum.RateLimited += w.RateLimited
		sum.Shed += w.Shed
		sum.CircuitOpen += w.CircuitOpen
	}
	if c.Unfinished > inFlight {
		add("%d unfinished, but %d requests were in flight at the end", c.Unfinished, inFlight)
	}
	if !aligned && rep.Window > 0 {
		return vs
	}
	if sum.Arrived != c.Arrived {
		add("the windows after the warm-up (at %s) have %d arrivals, the report %d", units.FormatDuration(rep.Warmup), sum.Arrived, c.Arrived)
	}
	names := []string{"completed", "rejected", "timed out", "errors", "call timeouts", "rate limited", "shed", "circuit open"}
	got := []int64{sum.Completed, sum.Rejected, sum.TimedOut, sum.Errors, sum.CallTimeouts, sum.RateLimited, sum.Shed, sum.CircuitOpen}
	want := []int64{c.Completed, c.Rejected, c.TimedOut, c.Errors, c.CallTimeouts, c.RateLimited, c.Shed, c.CircuitOpen}
	var excess int64
	for i := range got {
		if got[i] < want[i] {
			add("%s: the windows after the warm-up count %d, fewer than the report's %d", names[i], got[i], want[i])
		}
		excess += got[i] - want[i]
	}
	if excess > carry {
		add("the windows after the warm-up count %d endings more than the report, but only %d requests were in flight at the warm-up's end", excess, carry)
	}
	return vs
}

// signedJSON are the JSON fields (paths with [] for array elements) that
// may be negative.
var signedJSON = map[string]bool{}

// checkJSON walks the JSON report: every number finite and ≥ 0, except the
// fields documented as signed.
func checkJSON(data []byte) []violation {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []violation{{invFinite, "the JSON report does not decode: " + err.Error()}}
	}
	var vs []violation
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(mapsKeys(x)) {
				walk(path+"."+k, x[k])
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		case json.Number:
			f, err := x.Float64()
			switch {
			case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
				vs = append(vs, violation{invFinite, fmt.Sprintf("%s = %s", path, x)})
			case f < 0 && !signedJSON[path]:
				vs = append(vs, violation{invFinite, fmt.Sprintf("%s = %s, below 0", path, x)})
			}
		}
	}
	walk("", v)
	return vs
}

// mapsKeys is the keys of m.
func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Growth of a backlog: over the windows of the last half of the
// measurement window, the least-squares slope of the backlog against time
// is more than backlogSlopeSE standard errors above 0, and the backlog at
// the end is above backlogEnd. (Windows' backlogs are autocorrelated, so
// the standard error understates the slope's spread; the bound on the end
// keeps a stable queue's wander from counting.)
const (
	backlogSlopeSE = 3
	backlogEnd     = 100
	backlogMinWins = 5
)

// checkBacklogs finds the nodes reported ok (not saturated) whose backlog
// grows: a node's queue of requests, or a queue's visible messages (then
// ok is the queue and its consumer group not saturated; a queue nobody
// consumes is storage, and grows by design).
func checkBacklogs(s *scenarios.Scenario, rep *simulate.Report) []violation {
	if rep.Series == nil {
		return nil
	}
	saturated := map[string]bool{}
	for _, n := range rep.Nodes {
		saturated[n.Name] = n.Saturated
	}
	consumer := map[string]string{}
	for _, n := range s.Topology.Nodes {
		if w, ok := n.Spec.(*workers.Workers); ok {
			consumer[w.From] = n.Name
		}
	}
	half := rep.Warmup + rep.Window/2
	series := map[string]*[2][]float64{} // node: times, values
	var names []string
	point := func(name string, t, v float64) {
		p, ok := series[name]
		if !ok {
			p = &[2][]float64{}
			series[name] = p
			names = append(names, name)
		}
		p[0], p[1] = append(p[0], t), append(p[1], v)
	}
	for _, w := range rep.Series.Samples {
		if w.Start < half-1e-9 || w.Duration <= 0 {
			continue
		}
		mid := w.Start + w.Duration/2
		for _, n := range w.Nodes {
			point(n.Name, mid, n.QueueLength)
		}
		for _, q := range w.Queues {
			point("queue "+q.Name, mid, q.Backlog)
		}
	}
	var vs []violation
	for _, name := range names {
		p := series[name]
		node, isQueue := strings.CutPrefix(name, "queue ")
		explained := saturated[node]
		if isQueue {
			group, ok := consumer[node]
			if !ok {
				continue
			}
			explained = explained || saturated[group]
		}
		if explained {
			continue
		}
		slope, se, ok := leastSquares(p[0], p[1])
		last := p[1][len(p[1])-1]
		if ok && slope > 0 && slope > backlogSlopeSE*se && last > backlogEnd {
			vs = append(vs, violation{invBacklog, fmt.Sprintf("%s is reported ok, but its backlog grows by %.3g/s (standard error %.3g) over the last half of the window, to %.4g", name, slope, se, last)})
		}
	}
	return vs
}

// leastSquares fits y = a + b·x and returns b and its standard error; ok
// is false with fewer than backlogMinWins points.
func leastSquares(x, y []float64) (slope, se float64, ok bool) {
	n := float64(len(x))
	if len(x) < backlogMinWins {
		return 0, 0, false
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/n, my/n
	var sxx, sxy float64
	for i := range x {
		dx := x[i] - mx
		sxx += dx * dx
		sxy += dx * (y[i] - my)
	}
	if sxx == 0 {
		return 0, 0, false
	}
	slope = sxy / sxx
	var ss float64
	for i := range x {
		r := y[i] - (my + slope*(x[i]-mx))
		ss += r * r
	}
	return slope, math.Sqrt(ss / (n - 2) / sxx), true
}

// notFinite says the table shows NaN or Inf outside the names the file
// chose.
func notFinite(s *scenarios.Scenario, table string) bool {
	text := strings.ReplaceAll(table, s.Name, "")
	for _, name := range append(s.Topology.Names(), s.Workload.ClassNames()...) {
		text = strings.ReplaceAll(text, name, "")
	}
	return strings.Contains(text, "NaN") || strings.Contains(text, "Inf")
}

// ciNegative finds a minus sign before a digit inside a CI's parentheses.
var ciNegative = regexp.MustCompile(`CI[^)]*[-−][0-9]`)

// checkTable checks the table report: no NaN or Inf outside the names
// the file chose, no CI with a negative bound.
func checkTable(s *scenarios.Scenario, rep *simulate.Report, table string) []violation {
	var vs []violation
	if notFinite(s, table) {
		vs = append(vs, violation{invTable, "the table shows a number that is not finite (NaN or Inf)"})
	}
	for _, line := range strings.Split(table, "\n") {
		if ciNegative.MatchString(line) {
			vs = append(vs, violation{invTable, "a CI below 0: " + strings.TrimSpace(line)})
		}
	}
	return vs
}

// checkTriggers checks that no trigger (fault, spike) nor change of the
// workload that begins at or after the run's end has a verdict, in JSON
// or in the table.
func checkTriggers(rep *simulate.Report, table string) []violation {
	var vs []violation
	end := rep.Warmup + rep.Window
	dur := units.FormatDuration
	for _, tr := range rep.Triggers {
		if tr.At < end {
			continue
		}
		if tr.Outcome != simulate.OutcomeNotReached {
			vs = append(vs, violation{invTriggers, fmt.Sprintf("%s at %s, after the run's end at %s, has the verdict %q", tr.What, dur(tr.At), dur(end), tr.Outcome)})
		}
		prefix := fmt.Sprintf(" %s, %s to %s: ", tr.What, dur(tr.At), dur(tr.Until))
		for _, line := range strings.Split(table, "\n") {
			if strings.Contains(line, prefix) && !strings.Contains(line, "not reached") {
				vs = append(vs, violation{invTriggers, "a verdict after the run's end: " + strings.TrimSpace(line)})
			}
		}
	}
	if rep.Violations != nil {
		for _, rc := range rep.Violations.Recoveries {
			if rc.At >= end && rc.Outcome != simulate.RecoveryNotReached {
				vs = append(vs, violation{invTriggers, fmt.Sprintf("%s at %s, after the run's end at %s, has the outcome %q", rc.Change, dur(rc.At), dur(end), rc.Outcome)})
			}
		}
	}
	return vs
}

// TestGeneratedSurvey runs SCALESIM_GEN_SURVEY seeds (from 1) and prints
// how many were refused and how often each invariant broke, with the
// first seeds of each; it is for measuring, and skipped without the
// variable. SCALESIM_GEN_STRICT=1 counts the known violations too.
func TestGeneratedSurvey(t *testing.T) {
	var n uint64
	if _, err := fmt.Sscan(os.Getenv("SCALESIM_GEN_SURVEY"), &n); err != nil || n == 0 {
		t.Skip("set SCALESIM_GEN_SURVEY=N to survey N seeds")
	}
	refused, runs := 0, 0
	broken := map[string][]uint64{}
	for seed := uint64(1); seed <= n; seed++ {
		out := generateScenario(genRand(seed))
		dir := t.TempDir()
		if _, err := loadGenerated(dir, out); err != nil {
			refused++
			continue
		}
		runs++
		seen := map[string]bool{}
		vs := runGenerated(dir, out)
		s, _ := loadGenerated(t.TempDir(), out)
		for _, v := range vs {
			if known(v, s) != "" || seen[v.invariant] {
				continue
			}
			seen[v.invariant] = true
			broken[v.invariant] = append(broken[v.invariant], seed)
		}
	}
	t.Logf("%d seeds: %d refused, %d run", n, refused, runs)
	for _, inv := range slices.Sorted(func(yield func(string) bool) {
		for k := range broken {
			if !yield(k) {
				return
			}
		}
	}) {
		seeds := broken[inv]
		t.Logf("%-9s broken by %d runs (%.1f%%), first seeds %v", inv, len(seeds), 100*float64(len(seeds))/float64(max(runs, 1)), seeds[:min(len(seeds), 12)])
	}
}
