package scenarios_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/database"
	"github.com/scalesim/scalesim/topology/service"
	"github.com/scalesim/scalesim/workloads"
)

// TestValidateWithoutYAML builds a scenario in Go, checks it, runs it, then
// breaks it the ways a program could and checks each fault is named with
// the path of its field, and that Run refuses it.
func TestValidateWithoutYAML(t *testing.T) {
	work, _ := sim.NewExponential(0.01)
	app := &service.Service{Pool: topology.Pool{Instances: 2, Workers: 4, Queue: topology.Unlimited, ServiceTime: work, Blocking: true,
		Calls: []topology.Call{{To: "db"}}}}
	db := &database.Database{Shards: 1, Partition: database.PartitionHash, VNodes: topology.DefaultVNodes,
		ReadFrom: database.ReadReplicas, Workers: 8, Queue: topology.Unlimited, ReadTime: work, WriteTime: work}
	s := &scenarios.Scenario{
		Name:     "in-go",
		Workload: &workloads.Spec{Model: workloads.Open, Rate: 100},
		Topology: topology.New("app", &topology.Node{Name: "app", Spec: app}, &topology.Node{Name: "db", Spec: db}),
		SLO:      scenarios.SLO{Latency: map[string]float64{"p99": 0.2}, ErrorRate: -1},
		Run:      scenarios.RunSpec{Seed: 1, Duration: 60, Warmup: -1, MaxRequests: 1e6, MaxInFlight: 1e4},
	}
	if errs := s.Validate(); errs != nil {
		t.Fatalf("a sound scenario has errors: %v", errs)
	}
	if rep, err := simulate.Run(s); err != nil || rep.Requests.Completed == 0 {
		t.Fatalf("run: %v", err)
	}

	app.Instances, app.Calls[0].To = 0, "dbb"
	db.Replicas, db.ReadYourWrites = 0, 5
	s.Workload.Rate = -1
	s.Run.Duration = 0
	want := map[string]string{
		"nodes.app.instances":       "node app instances must be at least 1, got 0",
		"nodes.app.calls.0.to":      `node app refers to "dbb", which is not a node (did you mean "db"?)`,
		"nodes.db.read_your_writes": "database db: read_your_writes needs replicas",
		"workload.rate":             "rate must be positive, got -1",
		"run.duration":              "duration must be positive",
	}
	errs := s.Validate()
	if len(errs) != len(want) {
		t.Errorf("%d errors, want %d: %v", len(errs), len(want), errs)
	}
	for _, err := range errs {
		var fe *field.Error
		if !errors.As(err, &fe) || want[fe.Where()] != fe.Msg {
			t.Errorf("error at %s: %q; want %q", fe.Where(), err, want[fe.Where()])
		}
	}
	_, err := simulate.Run(s)
	var invalid *scenarios.InvalidError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "node app instances must be at least 1") {
		t.Fatalf("Run of an invalid scenario: %v, want an InvalidError naming the fault", err)
	}
}

// TestValidationPositions checks that the model's own checks are shown at
// the field they concern: a value, a key, or, for a field that is missing,
// the first key of the mapping it belongs in; and that a field which
// failed to decode is not blamed twice.
func TestValidationPositions(t *testing.T) {
	cases := []struct{ name, file, want string }{
		{"value", "  app: {kind: service, workers: 0, service_time: 1ms}\n",
			"v.yaml:5:33: node app workers must be at least 1, got 0"},
		{"key", "  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, service_time: 1ms, read_your_writes: 1s}\n",
			"v.yaml:6:43: database db: read_your_writes needs replicas"},
		{"missing field", "  app:\n    instances: 2\n    kind: service\n",
			"v.yaml:6:5: service app needs a service_time, e.g. {dist: exponential, mean: 20ms}"},
		{"decoded badly, blamed once", "  app: {kind: service, service_time: {dist: exponential, mean: fast}}\n",
			`v.yaml:5:64: node app service_time mean: "fast" is not a duration`},
		{"in a list", "  app: {kind: service, service_time: 1ms, calls: [db, {to: nowhere}]}\n  db: {kind: service, service_time: 1ms}\n",
			`v.yaml:5:60: node app refers to "nowhere", which is not a node`},
		{"a cache as the entry", "  app: {kind: cache, capacity: 10}\n",
			"v.yaml:3:8: the entry app is a cache, which serves only calls with an op (get, set, delete)"},
		{"a cache as a CDN's origin", "  app: {kind: cdn, origin: c, capacity: 10}\n  c: {kind: cache, capacity: 10}\n",
			"v.yaml:5:28: cdn app passes requests on as they are, but c is a cache, which serves only calls with an op"},
		{"a cache called without an op", "  app: {kind: service, service_time: 1ms, calls: [c]}\n  c: {kind: cache, capacity: 10}\n",
			"v.yaml:5:51: call from app to cache c needs an op: get, set or delete"},
		{"an empty node name", "  \"\": {kind: service, service_time: 1ms}\n  app: {kind: service, service_time: 1ms}\n",
			`v.yaml:5:3: node name "" must be`},
		{"a node name with an escape", "  \"a\\e[2J\": {kind: service, service_time: 1ms}\n  app: {kind: service, service_time: 1ms}\n",
			`v.yaml:5:3: node name "a\x1b[2J" must be`},
		{"local sessions without users", "  app: {kind: service, service_time: 1ms, sessions: local}\n",
			"v.yaml:5:53: service app keeps sessions, but the workload's requests carry no user"},
		{"a session store without users", "  app: {kind: service, service_time: 1ms, sessions: {store: s}}\n  s: {kind: service, service_time: 1ms}\n",
			"v.yaml:5:53: service app keeps sessions, but the workload's requests carry no user"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := scenarios.Parse("v.yaml", []byte("name: v\nworkload: {rate: 10, keys: {dist: uniform, count: 100}}\nentry: app\nnodes:\n"+c.file))
			if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error:\n%v\nwant exactly one, starting:\n%s", err, c.want)
			}
		})
	}
}

// TestCoalescedFillCycles checks that a get whose miss path gets from the
// same coalescing cache (directly, through a service, a balancer or a CDN)
// is refused as a cycle, and that without coalescing the same shape is
// accepted: the inner get then goes to the origin itself.
func TestCoalescedFillCycles(t *testing.T) {
	const head = "name: c\nworkload: {rate: 10, keys: {dist: uniform, count: 100}}\nentry: app\nnodes:\n"
	const tail = "  cache: {kind: cache, capacity: 10, coalesce: COALESCE}\n  db: {kind: database, service_time: 1ms}\n"
	cases := map[string]string{
		"directly": "  app: {kind: service, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [{to: cache, op: get, on_miss: [db]}]}]}\n",
		"through a service": "  app: {kind: service, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [helper]}]}\n" +
			"  helper: {kind: service, service_time: 1ms, calls: [db, {to: cache, op: get}]}\n",
		"through a balancer": "  app: {kind: service, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [lb]}]}\n" +
			"  lb: {kind: load_balancer, targets: helper}\n  helper: {kind: service, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [db]}]}\n",
		"through a cdn": "  app: {kind: service, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [edge]}]}\n" +
			"  edge: {kind: cdn, origin: helper, capacity: 10}\n  helper: {kind: service, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [db]}]}\n",
	}
	for name, nodes := range cases {
		t.Run(name, func(t *testing.T) {
			text := head + nodes + tail
			_, err := scenarios.Parse("c.yaml", []byte(strings.Replace(text, "COALESCE", "true", 1)))
			if err == nil || !strings.Contains(err.Error(), "would wait for its own fill") || strings.Count(err.Error(), "\n") != 0 {
				t.Errorf("with coalesce: %v, want one cycle error", err)
			}
			if _, err := scenarios.Parse("c.yaml", []byte(strings.Replace(text, "COALESCE", "false", 1))); err != nil {
				t.Errorf("without coalesce: %v", err)
			}
		})
	}
}

// TestTraceFile checks that a workload's trace is read beside the scenario
// file, and that its problems are shown at the trace field, with the line
// of the CSV file.
func TestTraceFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("traffic.csv", "time,rate\n0,100\n10m,300\n")
	write("bad.csv", "0,100\n10m,fast\n")
	const scenario = "name: t\nworkload:\n  trace: FILE\nentry: app\nnodes:\n  app: {kind: service, service_time: 1ms}\n"
	s, err := scenarios.Load(write("ok.yaml", strings.Replace(scenario, "FILE", "traffic.csv", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if d := s.Workload.Describe(); !strings.Contains(d, "replaying trace traffic.csv (2 points, mean 200 req/s)") {
		t.Errorf("described as %q", d)
	}
	write("bad-line.csv", "time,rate\n0,100\n10m\n")
	write("quiet.csv", "time,rate\n0,0\n10m,0\n")
	write("one.csv", "time,rate\n0,100\n")
	// Each trace at fault is one error, at the trace field: not also a
	// rate of 0 at the workload's first key.
	for file, want := range map[string]string{
		"bad.csv":      `bad.yaml:3:10: trace bad.csv: line 2: rate "fast"`,
		"bad-line.csv": `bad.yaml:3:10: trace bad-line.csv: line 3: want two columns`,
		"missing.csv":  "bad.yaml:3:10: cannot read missing.csv",
		"quiet.csv":    "bad.yaml:3:10: trace quiet.csv has no traffic: its mean rate is 0",
		"one.csv":      "bad.yaml:3:10: trace one.csv needs at least two points",
	} {
		_, err := scenarios.Load(write("bad.yaml", strings.Replace(scenario, "FILE", file, 1)))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("trace %s: error\n%v\nwant exactly one, with %q", file, err, want)
		}
	}
	_, err = scenarios.Load(write("step.yaml", strings.Replace(scenario, "FILE", "traffic.csv", 1)+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	withStep := strings.Replace(scenario, "FILE", "traffic.csv\n  shape: [{step: {at: 1m, rate: 5}}]", 1)
	if _, err := scenarios.Load(write("step.yaml", withStep)); err == nil || !strings.Contains(err.Error(), "a trace gives the rate's level: a step cannot change it") {
		t.Errorf("a step on a trace: %v", err)
	}
}

// TestAutoscaleErrors checks that each mistake in an autoscaler's settings
// is one error, at its field.
func TestAutoscaleErrors(t *testing.T) {
	const head = "name: a\nworkload: {rate: 10}\nentry: app\nnodes:\n  app: {kind: service, service_time: 1ms, "
	for _, c := range []struct{ node, want string }{
		{"autoscale: {min: 5, max: 2, target: 60%}}", "v.yaml:5:68: autoscale max (2) must be at least min (5)"},
		{"autoscale: {min: 1, max: 4, target: 0%}}", "v.yaml:5:79: autoscale target must be positive, got 0"},
		{"autoscale: {min: 1, max: 4, target: 60%%}}", "v.yaml:5:79: node app autoscale target: want a percentage such as 60% or 200%, got 60%%"},
		{"autoscale: {min: 1, max: 4, metric: in_flight, target: 8, initialization_period: 1m}}", "v.yaml:5:101: initialization_period is the HPA's CPU rule: it goes with metric: utilization"},
		{"autoscale: {policy: step, min: 1, max: 4, initial_readiness_delay: 0s, steps: [{above: 70%, add: 1}]}}", "v.yaml:5:85: initial_readiness_delay goes with policy: target"},
		{"instances: 9, autoscale: {min: 1, max: 4, target: 60%}}", "v.yaml:5:54: instances (9) must be within the autoscaler's min and max (1 to 4)"},
		{"autoscale: {min: 1, max: 4}}", "v.yaml:5:54: node app autoscale needs a target for its metric"},
		{"autoscale: {min: 1, max: 4, target: 60%, metric: cpu}}", `v.yaml:5:92: unknown metric "cpu"`},
		{"autoscale: {policy: step, min: 1, max: 4, target: 60%, steps: [{above: 70%, add: 1}]}}", "v.yaml:5:85: target goes with policy: target"},
		{"autoscale: {policy: step, min: 1, max: 4, steps: [{above: 70%}]}}", "v.yaml:5:93: a step is {above: THRESHOLD, add: N} or {below: THRESHOLD, remove: N}"},
		{"autoscale: {min: 1, max: 4, target: 60%, schedule: [{at: 1h}]}}", "v.yaml:5:95: a schedule entry sets min, max or both"},
		{"autoscale: {min: 1, max: 4, target: 60%, interval: 1ms}}", "v.yaml:5:94: autoscale interval must be at least 1s"},
	} {
		_, err := scenarios.Parse("v.yaml", []byte(head+c.node+"\n"))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s:\n%v\nwant exactly one error, starting:\n%s", c.node, err, c.want)
		}
	}
}

// TestCallDefaults checks a node's call_defaults: every call that does not
// set a policy takes the node's, nested calls too, a call's own wins, and
// a mistake in the defaults is one error, at the defaults (not one per
// call that took them).
func TestCallDefaults(t *testing.T) {
	const file = `name: d
workload: {rate: 10, keys: {dist: zipf, s: 0.9, count: 1k}}
entry: app
nodes:
  app:
    kind: service
    service_time: 1ms
    call_defaults: {timeout: 100ms, retries: {max: %s}, circuit_breaker: {failure_rate: 50%%}}
    calls: [db, {to: cache, op: get, timeout: 20ms, on_miss: [db]}]
  db: {kind: database, service_time: 5ms}
  cache: {kind: cache, capacity: 100}
`
	s, err := scenarios.Parse("d.yaml", []byte(fmt.Sprintf(file, "2")))
	if err != nil {
		t.Fatal(err)
	}
	calls := topology.CallsOf(s.Topology.Nodes[0].Spec)
	if len(calls) != 3 {
		t.Fatalf("%d calls, want db, the cache's get and its miss", len(calls))
	}
	for i, want := range []float64{0.1, 0.02, 0.1} {
		c := calls[i]
		if c.Timeout != want || c.Retries == nil || c.Retries.Max != 2 || c.CircuitBreaker == nil || c.CircuitBreaker.FailureRate != 0.5 {
			t.Errorf("call %d to %s: timeout %g (want %g), retries %+v, breaker %+v", i, c.To, c.Timeout, want, c.Retries, c.CircuitBreaker)
		}
	}
	_, err = scenarios.Parse("d.yaml", []byte(fmt.Sprintf(file, "1000")))
	if want := "d.yaml:8:52: retries max is at most 100"; err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("retries max 1000 in the defaults:\n%v\nwant exactly one error, at %s", err, want)
	}
	_, err = scenarios.Parse("d.yaml", []byte(strings.Replace(fmt.Sprintf(file, "2"), "{timeout: 100ms", "{timeuot: 100ms", 1)))
	if err == nil || !strings.Contains(err.Error(), `did you mean "timeout"`) {
		t.Errorf("a misspelt default: %v", err)
	}
}
