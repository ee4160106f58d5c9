package explain_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/explain"
)

// readBoundFile has a database doing most of the work, all of it reads.
const readBoundFile = `
name: read-bound
workload: {rate: 400}
entry: app
nodes:
  app: {kind: service, instances: 2, workers: 16, service_time: {dist: exponential, mean: 5ms}, calls: [db]}
  db: {kind: database, workers: 4, service_time: {dist: exponential, mean: 8ms}}
run: {duration: 60s}
`

// explained explains the scenario load gives, failing t if it cannot.
func explained(t *testing.T, load func() (*scenarios.Scenario, error)) *explain.Explanation {
	t.Helper()
	s, err := load()
	if err != nil {
		t.Fatal(err)
	}
	ex, err := explain.Scenario(s)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// TestExplain checks what explain blames and recommends for three shapes
// of bottleneck, and that its arithmetic agrees with the simulation.
func TestExplain(t *testing.T) {
	cases := []struct {
		name, first, pattern string
		load                 func() (*scenarios.Scenario, error)
	}{
		{"app-bound", "app", "add instances", func() (*scenarios.Scenario, error) { return scenarios.Builtin("three-tier", "run.duration=60s") }},
		{"write-bound", "db", "write-bound", func() (*scenarios.Scenario, error) { return scenarios.Builtin("sharded-writes", "run.duration=20s") }},
		{"read-bound", "db", "put a cache in front of it", func() (*scenarios.Scenario, error) { return scenarios.Parse("r.yaml", []byte(readBoundFile)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex := explained(t, c.load)
			if ex.Limits[0].Node != c.first || !strings.Contains(ex.Pattern, c.pattern) {
				t.Fatalf("first %s, pattern %q; want %s and %q", ex.Limits[0].Node, ex.Pattern, c.first, c.pattern)
			}
			headroom := func(l explain.NodeLimit) float64 {
				if l.Headroom == nil {
					return math.Inf(1)
				}
				return *l.Headroom
			}
			for i := 1; i < len(ex.Limits); i++ {
				if headroom(ex.Limits[i]) < headroom(ex.Limits[i-1]) {
					t.Errorf("limits not ranked by headroom: %+v", ex.Limits)
				}
			}
			var b bytes.Buffer
			if err := ex.WriteTable(&b); err != nil || !strings.Contains(b.String(), "What saturates first: "+c.first) {
				t.Errorf("text:\n%s", b.String())
			}
		})
	}
	// On three-tier the simulated capacity of the app (throughput ÷
	// utilization) is the workers ÷ holding arithmetic. The utilization
	// is a mean of about n = 42 000 exponential holding times, so its
	// relative SE is about 1/√n = 0.5%; 3% is six of them.
	s, _ := scenarios.Builtin("three-tier", "run.duration=120s")
	ex, err := explain.Scenario(s)
	if err != nil {
		t.Fatal(err)
	}
	want := 4 * 8 / (0.015 + 0.003)
	if got := *ex.Limits[0].Capacity; math.Abs(got/want-1) > 0.03 {
		t.Errorf("simulated app capacity %g/s, arithmetic %g/s", got, want)
	}
}

// TestMissingResilience checks that explain names the resilience a fault
// scenario lacks only when its run shows the failure: a balancer without
// health checks that kept sending to a down instance, retries without a
// budget in a metastable storm, local sessions that logged users out; and
// nothing once each is in place.
func TestMissingResilience(t *testing.T) {
	const oneDown = `name: one-down
workload: {closed: {users: 400, think_time: {dist: exponential, mean: 2s}}}
entry: lb
nodes:
  lb: {kind: load_balancer, targets: app%s}
  app: {kind: service, instances: 3, workers: 8, service_time: {dist: exponential, mean: 10ms}, sessions: %s}
  store: {kind: service, workers: 8, service_time: {dist: exponential, mean: 1ms}}
faults: [{at: 1m, for: 1m, node: app, instances: 1}]
run: {warmup: 10s, duration: 3m}
`
	cases := []struct {
		name  string
		load  func() (*scenarios.Scenario, error)
		names []string // what the findings must name, in order; none for nil
	}{
		{"no health check, local sessions", func() (*scenarios.Scenario, error) {
			return scenarios.Parse("d.yaml", []byte(fmt.Sprintf(oneDown, "", "local")))
		}, []string{"lb has no health check", "app keeps sessions on its instances"}},
		{"health check and a store", func() (*scenarios.Scenario, error) {
			return scenarios.Parse("d.yaml", []byte(fmt.Sprintf(oneDown, ", health_check: {interval: 10s, timeout: 2s}", "{store: store}")))
		}, nil},
		{"retry storm", func() (*scenarios.Scenario, error) { return scenarios.Builtin("retry-storm", "run.duration=8m") },
			[]string{"app retries its calls to db without a budget"}},
		{"retry storm with a budget", func() (*scenarios.Scenario, error) { return scenarios.Builtin("retry-storm-budget", "run.duration=8m") }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex := explained(t, c.load)
			if len(ex.Missing) != len(c.names) {
				t.Fatalf("findings %q, want %d naming %q", ex.Missing, len(c.names), c.names)
			}
			for i, name := range c.names {
				if !strings.HasPrefix(ex.Missing[i], name) {
					t.Errorf("finding %q, want it to start %q", ex.Missing[i], name)
				}
			}
			var b bytes.Buffer
			if err := ex.WriteTable(&b); err != nil || (len(c.names) > 0) != strings.Contains(b.String(), "What is missing") {
				t.Errorf("text:\n%s", b.String())
			}
		})
	}
}
