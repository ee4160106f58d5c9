package toykind_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/explain"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// piped is a scenario with the toy pipe kind of pipe_test.go in front of an
// M/M/1 service: λ = 50/s, μ = 100/s, so the mean latency is the pipe's
// 5 ms plus the M/M/1 sojourn 1/(μ − λ) = 20 ms.
const piped = `name: piped
workload: {rate: 50}
entry: edge
nodes:
  edge: {kind: pipe, delay: 5ms, to: app}
  app: {kind: service, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 1s}
run: {seed: 3, warmup: 20s, duration: 2000s}
`

// TestToyKindEndToEnd shows that a kind registered in a test file alone
// works everywhere: it is decoded and checked, runs, reports its own
// figures in the table and in JSON, is estimated and is explained.
func TestToyKindEndToEnd(t *testing.T) {
	s, err := scenarios.Parse("piped.yaml", []byte(piped))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := simulate.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	// Within twice the 95% half-width: about four standard errors.
	want := 0.005 + analytic.MMc{Lambda: 50, Mu: 100, C: 1}.MeanSojourn()
	ci := rep.Latency.MeanCI95
	if ci == nil || math.Abs(rep.Latency.Mean-want) > ci[1]-ci[0] {
		t.Errorf("mean latency %v (95%% CI %v), want %v", rep.Latency.Mean, ci, want)
	}
	t.Logf("mean latency %.4g s (95%% CI %.4g–%.4g), theory %.4g s", rep.Latency.Mean, ci[0], ci[1], want)
	var table, js bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"edge  pipe     1     -      -",
		"edge        held " + itoa(rep.Requests.Arrived) + " requests for 5ms each",
	} {
		if !strings.Contains(table.String(), line) {
			t.Errorf("the table lacks %q:\n%s", line, table.String())
		}
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Nodes []struct {
			Name string
			Pipe *struct{ Forwarded int64 }
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc.Nodes[0].Pipe == nil || doc.Nodes[0].Pipe.Forwarded == 0 {
		t.Errorf("the JSON report lacks the pipe's figures (%v):\n%s", err, js.String())
	}

	est, err := estimate.Scenario(s)
	if err != nil {
		t.Fatal(err)
	}
	if est.Latency == nil || math.Abs(*est.Latency-want) > 1e-12 || est.Bottleneck != "app" {
		t.Errorf("estimate: latency %v, bottleneck %s; want %v, app", est.Latency, est.Bottleneck, want)
	}

	ex, err := explain.Scenario(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Limits) != 1 || ex.Limits[0].Node != "app" {
		t.Errorf("explain limits %+v, want app alone (a pipe has no workers)", ex.Limits)
	}
}

// TestToyKindIsChecked shows the registry's decoding and reference checks
// apply to the toy kind: its fields, and the node it sends to.
func TestToyKindIsChecked(t *testing.T) {
	bad := strings.Replace(strings.Replace(piped, "delay: 5ms", "dealy: 5ms", 1), "to: app", "to: ap", 1)
	_, err := scenarios.Parse("bad.yaml", []byte(bad))
	want := `bad.yaml:5:22: unknown field "dealy" in node edge (pipe) (did you mean "delay"?)` + "\n" +
		`bad.yaml:5:38: node edge refers to "ap", which is not a node (did you mean "app"?)`
	if err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
