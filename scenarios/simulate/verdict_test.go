package simulate_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// run parses and runs a scenario, returning the report and its table and
// JSON forms.
func run(t *testing.T, text string) (*simulate.Report, string, map[string]any) {
	t.Helper()
	s, err := scenarios.Parse("v.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := simulate.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	var table, js bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return rep, table.String(), doc
}

// TestNoDataIsNotZero checks that a figure computed from no samples is
// reported as unknown (JSON null, "-" or "unknown" in the table), and that
// an objective that cannot be judged fails, saying why: never "SLO pass"
// on nothing.
func TestNoDataIsNotZero(t *testing.T) {
	cases := []struct {
		name, text string
		violation  string   // a violation the SLO must list
		table      []string // lines the table must have
		nulls      []string // JSON paths that must be null
	}{
		{"nothing completes: latency", `name: slow
workload: {rate: 1}
entry: app
nodes:
  app: {kind: service, workers: 1000, service_time: 1h}
slo: {p99: 200ms}
run: {duration: 60s}
`, "p99 unknown: no request completed in the window",
			[]string{"latency     unknown: no request completed in the window", "errors -", "SLO         FAIL"},
			[]string{"latency", "error_rate"}},
		{"nothing ends: error rate", `name: slow-errors
workload: {rate: 1}
entry: app
nodes:
  app: {kind: service, workers: 1000, service_time: 1h}
slo: {error_rate: 1%}
run: {duration: 60s}
`, "error rate unknown: no request ended in the window", []string{"SLO         FAIL: error rate unknown"}, []string{"error_rate"}},
		{"no gets, no replica reads, no pool waits, no cached classes", `name: idle-data
workload: {rate: 10, mix: {read: 0.5, write: 0.5}, keys: {dist: uniform, count: 1000}}
entry: app
nodes:
  app:
    kind: service
    service_time: 1ms
    calls: [{to: cache, op: delete, classes: [write], write: [db]}]
  cache: {kind: cache, capacity: 100}
  db: {kind: database, service_time: 1ms}
  edge: {kind: cdn, origin: app, capacity: 10, classes: [read]}
run: {duration: 60s}
`, "", []string{"hit ratio - of 0 gets"}, []string{"nodes.1.cache.hit_ratio", "nodes.1.cache.hottest_key_share",
			"nodes.1.cache.hottest_key_at_most", "nodes.2.database.stale_fraction", "nodes.2.database.pool_wait_mean",
			"nodes.3.cdn.edge_hit_ratio", "nodes.3.cdn.origin_offload", "nodes.3.wait"}},
		{"uniform keys: no hottest key", `name: flat
workload: {rate: 2000, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, workers: 64, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [db]}]}
  cache: {kind: cache, capacity: 1000, workers: 8}
  db: {kind: database, workers: 64, service_time: 1ms}
run: {duration: 30s}
`, "", []string{"hottest key at most"}, []string{"nodes.1.cache.hottest_key_share"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, table, doc := run(t, c.text)
			if c.violation != "" && (rep.SLO.Pass || !strings.Contains(strings.Join(rep.SLO.Violations, "; "), c.violation)) {
				t.Errorf("SLO %+v, want a failure: %s", rep.SLO, c.violation)
			}
			for _, line := range c.table {
				if !strings.Contains(table, line) {
					t.Errorf("table lacks %q:\n%s", line, table)
				}
			}
			for _, path := range c.nulls {
				v, found := lookup(doc, path)
				if !found || v != nil {
					t.Errorf("JSON %s = %v (found %v), want null", path, v, found)
				}
			}
		})
	}
}

// lookup follows a dotted path of keys and list indexes in decoded JSON.
func lookup(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i := 0
			for _, ch := range k {
				i = i*10 + int(ch-'0')
			}
			if i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
