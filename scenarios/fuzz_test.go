package scenarios_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// Budgets of one fuzzed run: small, so that each input takes milliseconds,
// and far below what the file could ask for.
const (
	fuzzMaxEvents   = 200_000
	fuzzMaxRequests = 5_000
	fuzzMaxMemory   = 64 << 20
	// fuzzWallLimit is far above what fuzzMaxEvents take (about 0.1 s): a
	// run that takes longer is not bounded by its budgets.
	fuzzWallLimit = 10 * time.Second
)

// FuzzPipeline runs the whole pipeline on arbitrary files: parse and
// validate, run within small budgets, estimate, and write every report as a
// table and as JSON. No input may panic; an error must be a positioned
// ErrorList (bad file) or, from a run, a clear refusal; no report may hold
// NaN or Inf; an SLO may not pass without a completed request; and a run
// must end within its budgets. The seed corpus is the built-ins and the
// hostile files in testdata/hostile (left out by -short, which runs them in
// TestHostileScenarios).
func FuzzPipeline(f *testing.F) {
	for _, name := range scenarios.Builtins() {
		src, _ := scenarios.BuiltinSource(name)
		f.Add(src)
	}
	var seeds []string
	if !testing.Short() {
		seeds, _ = filepath.Glob(filepath.Join("testdata", "hostile", "*.yaml"))
	}
	for _, p := range seeds {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenarios.Parse("fuzz.yaml", data)
		if err != nil {
			var list yamlfile.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %v is not a non-empty ErrorList", err)
			}
			for _, e := range list {
				if e.File != "fuzz.yaml" || e.Msg == "" {
					t.Fatalf("error without file or message: %#v", e)
				}
			}
			return
		}
		if est, err := estimate.Scenario(s); err == nil {
			checkWritten(t, s, "estimate", est)
		}
		s.Run.MaxEvents, s.Run.MaxMemory = capAt(s.Run.MaxEvents, fuzzMaxEvents), fuzzMaxMemory
		s.Run.MaxRequests = capAt(s.Run.MaxRequests, fuzzMaxRequests)
		start := time.Now()
		rep, err := simulate.Run(s)
		if wall := time.Since(start); wall > fuzzWallLimit {
			t.Fatalf("the run took %v, beyond what its budgets allow", wall)
		}
		if err != nil {
			var invalid *scenarios.InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("a valid scenario failed to run, and not by refusing it: %v", err)
			}
			return
		}
		if rep.Events > uint64(fuzzMaxEvents)+1 {
			t.Fatalf("%d events, beyond the budget of %d", rep.Events, fuzzMaxEvents)
		}
		if rep.SLO.Pass && rep.Latency == nil && len(rep.SLO.Checks) > 0 {
			t.Fatalf("SLO pass with no completed request: %v", rep.SLO.Checks)
		}
		checkWritten(t, s, "report", rep)
	})
}

// checkWritten writes r as a table and as JSON, and fails if either fails
// or shows a number that is not finite (the JSON encoder refuses NaN and
// Inf; in the table, "NaN" and "Inf" are looked for outside the names the
// file chose).
func checkWritten(t *testing.T, s *scenarios.Scenario, what string, r interface {
	output.Tabler
	output.JSONer
}) {
	t.Helper()
	var table, js bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatalf("%s table: %v", what, err)
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatalf("%s JSON: %v", what, err)
	}
	text := strings.ReplaceAll(table.String(), s.Name, "")
	for _, name := range append(s.Topology.Names(), s.Workload.ClassNames()...) {
		text = strings.ReplaceAll(text, name, "")
	}
	if strings.Contains(text, "NaN") || strings.Contains(text, "Inf") {
		t.Fatalf("%s shows a number that is not finite:\n%s", what, table.String())
	}
}

// capAt is a budget of at most most: v, or most when v is 0 (the default:
// a larger budget, or none).
func capAt(v, most int64) int64 {
	if v == 0 {
		return most
	}
	return min(v, most)
}
