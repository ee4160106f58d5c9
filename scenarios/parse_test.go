package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

// valid is a small scenario each error case below breaks in one place.
const valid = `name: t
workload:
  rate: 100
  mix: {read: 0.9, write: 0.1}
entry: lb
nodes:
  lb:
    kind: load_balancer
    algorithm: least_conn
    targets: app
  app:
    kind: service
    instances: 2
    workers: 4
    service_time: {dist: exponential, mean: 20ms}
    calls:
      - to: db
        classes: [write]
  db:
    kind: service
    service_time: {dist: lognormal, mean: 4ms, p99: 30ms}
slo: {p99: 200ms, error_rate: 0.1%}
run: {seed: 42, warmup: 30s, duration: 600s}
`

func TestParseValid(t *testing.T) {
	s, err := Parse("ok.yaml", []byte(valid))
	if err != nil {
		t.Fatalf("valid scenario rejected:\n%v", err)
	}
	if s.Topology.Entry != "lb" || len(s.Topology.Nodes) != 3 || s.Workload.Rate != 100 || s.Run.Seed != 42 {
		t.Fatalf("decoded wrongly: entry %q, %d nodes, rate %g, seed %d", s.Topology.Entry, len(s.Topology.Nodes), s.Workload.Rate, s.Run.Seed)
	}
	if s.SLO.Latency["p99"] != 0.2 || s.SLO.ErrorRate != 0.001 {
		t.Fatalf("SLO decoded wrongly: %+v", s.SLO)
	}
}

// TestParseErrors breaks the valid scenario one way at a time and checks the
// message and its FILE:LINE:COL.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, old, new string
		want           string // "LINE:COL: message fragment", or a fragment alone
	}{
		{"unknown top-level field", "slo:", "sloo:", `22:1: unknown field "sloo" in the scenario (did you mean "slo"?)`},
		{"unknown node field", "    workers: 4", "    worker: 4", `14:5: unknown field "worker" in node app (service) (did you mean "workers"?)`},
		{"wrong type", "workers: 4", "workers: many", `14:14: node app workers: want a whole number, got "many"`},
		{"zero workers", "workers: 4", "workers: 0", `14:14: node app workers must be at least 1, got 0`},
		{"duration without unit", "mean: 20ms", "mean: 20", `15:45: node app service_time mean: duration "20" needs a unit`},
		{"bad duration", "warmup: 30s", "warmup: 30 sec", `23:25: warmup: "30 sec" is not a duration`},
		{"growth without users", "  rate: 100\n", "  rate: 100\n  growth: {from: 1k, to: 1M, over: 1y}\n", `4:3: growth changes the user count, so it needs the users model`},
		{"bad growth curve", "  rate: 100\n", "  users: 1M\n  requests_per_active_user_per_day: 5\n  growth: {from: 1k, to: 1M, over: 1y, curve: cubic}\n", `5:47: unknown growth curve "cubic" (one of linear, exponential, logistic)`},
		{"bad growth period", "  rate: 100\n", "  users: 1M\n  requests_per_active_user_per_day: 5\n  growth: {from: 1k, to: 1M, over: soon}\n", `5:36: growth over: want a period such as 18mo`},
		{"unknown kind", "kind: service\n    instances", "kind: servce\n    instances", `12:11: node app: unknown kind "servce" (did you mean "service"?)`},
		{"unknown dist", "dist: exponential", "dist: exponental", `15:26: node app service_time: unknown distribution "exponental" (did you mean "exponential"?)`},
		{"missing dist parameter", "{dist: exponential, mean: 20ms}", "{dist: exponential}", `15:19: node app service_time: exponential distribution needs "mean"`},
		{"impossible lognormal", "p99: 30ms", "p99: 3ms", `21:19: node db service_time: p99 (0.003) must exceed the mean (0.004)`},
		{"missing call target", "- to: db", "- to: dbb", `17:13: node app refers to "dbb", which is not a node (did you mean "db"?)`},
		{"unknown algorithm", "least_conn", "least_con", `9:16: load balancer lb: unknown algorithm "least_con"`},
		{"missing entry", "entry: lb", "entry: lbb", `5:8: entry "lbb" is not a node (did you mean "lb"?)`},
		{"class not in mix", "classes: [write]", "classes: [wirte]", `17:13: call from app to db names class "wirte", which the workload mix does not have (classes: read, write) (did you mean "write"?)`},
		{"mix not summing to 1", "{read: 0.9, write: 0.1}", "{read: 0.9, write: 0.2}", `4:8: mix shares add up to 1.1, not 1`},
		{"negative rate", "rate: 100", "rate: -5", `3:9: rate must be positive, got -5`},
		{"zero timeout", "rate: 100", "rate: 100\n  timeout: 0s", `4:12: timeout must be positive; leave it out for clients that wait forever`},
		{"diurnal ratio", "  mix: {read: 0.9, write: 0.1}", "  mix: {read: 0.9, write: 0.1}\n  shape: [{diurnal: {peak_to_trough: 0.5, peak_at: 20h}}]", `5:38: peak_to_trough must be from 1 (flat) to 1000, got 0.5`},
		{"diurnal peak", "  mix: {read: 0.9, write: 0.1}", "  mix: {read: 0.9, write: 0.1}\n  shape: [{diurnal: {peak_to_trough: 4, peak_at: 25h}}]", `5:50: peak_at is the time of day of the peak, from 0 to 24h, got 25h`},
		{"diurnal without peak", "  mix: {read: 0.9, write: 0.1}", "  mix: {read: 0.9, write: 0.1}\n  shape: [{diurnal: {peak_to_trough: 4}}]", `needs "peak_at"`},
		{"peak_to_average with a daily cycle", "rate: 100", "users: 1M\n  requests_per_active_user_per_day: 5\n  peak_to_average: 3\n  shape: [{diurnal: {peak_to_trough: 4, peak_at: 20h}}]", `5:20: with a diurnal cycle the users model gives the daily mean and the cycle the peak: leave peak_to_average out`},
		{"two arrival models", "rate: 100", "rate: 100\n  closed: {users: 5, think_time: 1s}", `4:3: workload has both "rate" and "closed"`},
		{"bad error rate", "error_rate: 0.1%", "error_rate: 150%", `22:31: slo error_rate: 150 is not between 0 and 1`},
		{"duplicate key", "    instances: 2", "    instances: 2\n    instances: 3", `14:5: node app (service): "instances" is given twice (first at line 13)`},
		{"overlapping rate changes", "  mix: {read: 0.9, write: 0.1}", "  mix: {read: 0.9, write: 0.1}\n  shape:\n    - ramp: {from: 10s, to: 60s, rate: 20}\n    - step: {at: 30s, rate: 5}",
			`7:7: this rate change starts before shape entry 1 has finished`},
		{"yaml syntax", "nodes:\n  lb:", "nodes:\n  lb: [", `syntax error`},
		// The target's kind by its noun, as a fault's refusal says it: "lb
		// is a load_balancer", "w is a workers" read as the YAML keyword.
		{"LB targets a balancer", "targets: app", "targets: lb", `10:14: load balancer lb can only target services; lb is a load balancer`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectOneError(t, valid, c.old, c.new, c.want) })
	}
}

// expectOneError replaces old by new in the scenario text and checks that
// parsing it gives exactly one error containing want ("LINE:COL: message",
// checked against bad.yaml, or a fragment alone).
func expectOneError(t *testing.T, text, old, new, want string) {
	t.Helper()
	broken := strings.Replace(text, old, new, 1)
	if broken == text {
		t.Fatalf("test case does not change the scenario: %q not found", old)
	}
	_, err := Parse("bad.yaml", []byte(broken))
	if err == nil {
		t.Fatalf("no error for:\n%s", broken)
	}
	var list yamlfile.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want yamlfile.ErrorList: %v", err, err)
	}
	if len(list) != 1 {
		t.Errorf("one fault gave %d errors, want 1:\n%v", len(list), err)
	}
	if want[0] >= '0' && want[0] <= '9' { // positioned: LINE:COL: message
		want = "bad.yaml:" + want
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("errors do not contain %q:\n%v", want, err)
	}
}

// TestParseReportsAllErrors checks that problems in different parts of a
// file are reported together, in line order.
func TestParseReportsAllErrors(t *testing.T) {
	text := strings.NewReplacer("workers: 4", "workers: -1", "- to: db", "- to: nowhere", "slo:", "sla:").Replace(valid)
	_, err := Parse("bad.yaml", []byte(text))
	var list yamlfile.ErrorList
	if !errors.As(err, &list) || len(list) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Line < list[i-1].Line {
			t.Fatalf("errors out of line order:\n%v", err)
		}
	}
}

// TestParseHidesNothing checks that an error in one part of a file hides
// no error of another (README: all of a file's errors are reported at
// once): a missing name or entry is reported beside an unknown field in a
// node, and two nodes' errors beside each other. Only a misspelt key hides
// the missing field of its own mapping, which it may be.
func TestParseHidesNothing(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"missing top-level fields beside a node's unknown field",
			"workload: {rate: 10}\nnodes:\n  app: {kind: service, service_time: 1ms, workrs: 3}\n  db: {kind: service}\n",
			[]string{"bad.yaml:1:1: the scenario needs a name", "bad.yaml:1:1: the scenario needs an entry",
				`bad.yaml:3:43: unknown field "workrs" in node app (service)`, "bad.yaml:4:8: service db needs a service_time"}},
		{"two nodes",
			"name: n\nworkload: {rate: 10}\nentry: app\nnodes:\n  app: {kind: service, service_time: 1ms, calls: [{to: q, async: true}]}\n" +
				"  q: {kind: queue, dead_letter: q, visibility_timeout: 0s, retention: 59s}\n  w: {kind: workers, from: q, consumers: 0, batch: 11, service_time: 1ms}\n",
			[]string{"bad.yaml:6:33: queue q: a dead_letter queue needs max_receives", "bad.yaml:6:33: queue q cannot be its own dead_letter queue",
				"bad.yaml:6:56: queue q: visibility_timeout must be above 0", "bad.yaml:6:71: queue q: retention must be from 60s",
				"bad.yaml:7:42: workers w consumers must be at least 1, got 0", "bad.yaml:7:52: workers w batch is at most 10"}},
		{"a node's missing field beside an error in another of its fields",
			"name: n\nworkload: {rate: 10}\nentry: app\nnodes:\n  app: {kind: service, calls: [{to: db, timeout: soon}]}\n  db: {kind: service, service_time: 1ms}\n",
			[]string{"bad.yaml:5:9: service app needs a service_time", `bad.yaml:5:50: call timeout: "soon" is not a duration`}},
		{"a misspelt key hides its missing field only",
			"name: m\nworkload: {rate: 10}\nentry: app\nnodes:\n  app: {kind: service, servce_time: 1ms, calls: [db]}\n  db: {kind: service}\n",
			[]string{`bad.yaml:5:24: unknown field "servce_time" in node app (service) (did you mean "service_time"?)`,
				"bad.yaml:6:8: service db needs a service_time"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.text))
			var list yamlfile.ErrorList
			if !errors.As(err, &list) || len(list) != len(c.want) {
				t.Fatalf("errors:\n%v\nwant %d:\n%s", err, len(c.want), strings.Join(c.want, "\n"))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(list[i].Error(), w) {
					t.Errorf("error %d is %q, want %q", i+1, list[i].Error(), w)
				}
			}
		})
	}
}

// TestParseCycle checks that a call cycle through two services is named.
func TestParseCycle(t *testing.T) {
	text := strings.Replace(valid, "    service_time: {dist: lognormal, mean: 4ms, p99: 30ms}",
		"    service_time: {dist: lognormal, mean: 4ms, p99: 30ms}\n    calls: [app]", 1)
	_, err := Parse("cycle.yaml", []byte(text))
	if err == nil || !strings.Contains(err.Error(), "call cycle: app → db → app") {
		t.Fatalf("want a call cycle error naming app → db → app, got %v", err)
	}
}

// TestParseNeverPanics feeds truncations of every built-in scenario to the
// parser; the fuzz test explores further.
func TestParseNeverPanics(t *testing.T) {
	for _, name := range Builtins() {
		src, err := BuiltinSource(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i <= len(src); i += 7 {
			_, _ = Parse("cut.yaml", src[:i])
		}
	}
}

// withFaults is a small scenario with a database, whose one fault the
// cases below change.
const withFaults = `name: f
workload: {rate: 10, mix: {read: 50%, write: 50%}}
entry: app
nodes:
  app: {kind: service, service_time: 1ms, calls: [db]}
  db: {kind: database, replicas: 1, service_time: 1ms}
faults:
  - {at: 10s, for: 5s, node: db, primary: true}
run: {duration: 30s}
`

// TestParseFaultErrors checks that a fault does one thing, whichever two it
// is given (the second is blamed), and that a zero of what it does is
// refused where it is written rather than taken for a fault on the whole
// node.
func TestParseFaultErrors(t *testing.T) {
	if _, err := Parse("ok.yaml", []byte(withFaults)); err != nil {
		t.Fatalf("valid scenario refused:\n%v", err)
	}
	const fault = "node: db, primary: true}"
	cases := []struct{ name, new, want string }{
		{"primary and errors", "node: db, primary: true, errors: 100%}", "8:49: a fault does one thing, but this one gives primary and errors: give several faults"},
		{"errors before primary", "node: db, errors: 100%, primary: true}", "8:34: a fault does one thing, but this one gives primary and errors"},
		{"primary and replica", "node: db, primary: true, replica: 0}", "8:49: a fault does one thing, but this one gives primary and replica"},
		{"replica and instances", "node: db, replica: 0, instances: 1}", "8:46: a fault does one thing, but this one gives replica and instances"},
		{"four at once", "node: app, errors: 10%, latency: 1s, slow: {factor: 2}, instances: 1}", "8:35: a fault does one thing, but this one gives instances, errors, slow and latency"},
		{"errors 0%", "node: app, errors: 0%}", "8:43: a fault's errors must be above 0%"},
		{"latency 0s", "node: app, latency: 0s}", "8:44: a fault's latency must be above 0"},
		{"instances 0", "node: app, instances: 0}", "8:46: a fault's instances must be 1 or more"},
		{"primary false", "node: db, primary: false}", "8:43: primary: false strikes no primary"},
		{"slow without factor", "node: app, slow: {}}", "8:41: slow needs factor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectOneError(t, withFaults, fault, c.new, c.want) })
	}
}
