package scenarios_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
)

// TestEventBudgetField checks the refusal of a scenario that would pass
// the default event budget before it runs (what `scalesim validate` said
// ok to, and `scalesim run` refused with no position): one error, at the
// field that makes the budget too small, and none for a scenario that
// fits, sets its own budget, or whose arrivals cannot be told in advance.
func TestEventBudgetField(t *testing.T) {
	const nodes = "entry: app\nnodes:\n  app: {kind: service, service_time: 1ms}\n"
	cases := []struct {
		name, text string
		want       string // the error, from its position; "" for none
	}{
		{"a long run", "name: b\nworkload: {rate: 10}\n" + nodes + "run: {duration: 100000d}\n",
			"b.yaml:6:17: the workload offers about 95.04B requests over the 2640000h run (a mean of 10/s)"},
		{"a long warm-up", "name: b\nworkload: {rate: 10}\n" + nodes + "run: {duration: 1m, warmup: 100000d}\n",
			"b.yaml:6:29: the workload offers about 86.4B requests over the 2400000h run"},
		{"a warm-up beside the default duration", "name: b\nworkload: {rate: 2M}\n" + nodes + "run: {warmup: 5m}\n",
			"b.yaml:6:15: the workload offers about 1.2B requests over the 10m run"},
		{"a high rate", "name: b\nworkload: {rate: 1e15}\n" + nodes,
			"b.yaml:2:18: the workload offers more than 9999B requests over the 5.5m run"},
		{"a high rate in a long run", "name: b\nworkload: {rate: 1e15}\n" + nodes + "run: {duration: 100000d}\n",
			"b.yaml:2:18: the workload offers more than 9999B requests over the 2640000h run"},
		{"many users", "name: b\nworkload: {users: 1e15, requests_per_active_user_per_day: 100}\n" + nodes,
			"b.yaml:2:19: the workload offers more than 9999B requests"},
		{"a steep shape", "name: b\nworkload: {rate: 10, shape: [{step: {at: 1m, rate: 1e12}}]}\n" + nodes,
			"b.yaml:2:29: the workload offers more than 9999B requests"},
		{"a fault every nanosecond", "name: b\nworkload: {rate: 10}\n" + nodes + "faults: [{at: 0s, for: 1ns, every: 2ns, node: app}]\n",
			"b.yaml:6:36: the fault on app every 2ns strikes about 165B times over the 5.5m run"},
		{"a random fault every nanosecond", "name: b\nworkload: {rate: 10}\n" + nodes + "faults: [{mttf: 1ns, mttr: 1ns, node: app}]\n",
			"b.yaml:6:17: the fault on app, failing after 1ns and repaired in 1ns on average, strikes about 165B times"},
		{"a fault every second in a long run", "name: b\nworkload: {rate: 0.001}\n" + nodes + "faults: [{at: 0s, for: 1ms, every: 1s, node: app}]\nrun: {duration: 100000d}\n",
			"b.yaml:7:17: the fault on app every 1s strikes about 9.504B times"},
		{"the budget exactly", "name: b\nworkload: {rate: 1M}\n" + nodes + "run: {duration: 1000s, warmup: 0s}\n", ""},
		{"a second more", "name: b\nworkload: {rate: 1M}\n" + nodes + "run: {duration: 1001s, warmup: 0s}\n",
			"b.yaml:6:17: the workload offers about 1.001B requests over the 16.7m run"},
		{"a budget of its own", "name: b\nworkload: {rate: 10}\n" + nodes + "run: {duration: 100000d, max_events: 1M}\n", ""},
		{"a request cap", "name: b\nworkload: {rate: 10}\n" + nodes + "run: {duration: 100000d, max_requests: 1M}\n", ""},
		{"a closed workload", "name: b\nworkload: {closed: {users: 10, think_time: 1s}}\n" + nodes + "run: {duration: 100000d}\n", ""},
		// A session is an event at least; its requests come as its user
		// thinks, and are not counted.
		{"sessions in a long run", "name: b\nworkload: {sessions: {rate: 10, requests: 5, think_time: 1s}}\n" + nodes + "run: {duration: 100000d}\n",
			"b.yaml:6:17: the workload starts about 95.04B sessions over the 2640000h run (a mean of 10/s)"},
		{"many sessions", "name: b\nworkload: {sessions: {rate: 1e15, requests: 5, think_time: 1s}}\n" + nodes,
			"b.yaml:2:29: the workload starts more than 9999B sessions over the 5.5m run"},
		{"long sessions", "name: b\nworkload: {sessions: {rate: 1k, requests: 1M, think_time: 1h}}\n" + nodes + "run: {duration: 1h}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := scenarios.Parse("b.yaml", []byte(c.text))
			if err != nil {
				t.Fatal(err)
			}
			err = s.CheckEventBudget()
			var invalid *scenarios.InvalidError
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (!errors.As(err, &invalid) || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n")):
				t.Fatalf("error:\n%v\nwant one, starting:\n%s", err, c.want)
			}
		})
	}
}

// TestEventBudgetOverrides checks that an override the scenario is run
// with decides the refusal, not what the file said before it: a rate or
// length from the command line (Apply) is refused with no position in the
// file (or at the flag Apply was told gave it), a --set at its override,
// and a file that fits once overridden is not refused.
func TestEventBudgetOverrides(t *testing.T) {
	const nodes = "entry: app\nnodes:\n  app: {kind: service, service_time: 1ms}\n"
	long := "name: b\nworkload: {rate: 10}\n" + nodes + "run: {duration: 100000d}\n"
	fast := "name: b\nworkload: {rate: 1e15}\n" + nodes
	cases := []struct {
		name, text string
		sets       []string
		apply      scenarios.Overrides
		want       string
	}{
		{"a shorter run", long, nil, scenarios.Overrides{Duration: 60}, ""},
		{"a lower rate", fast, nil, scenarios.Overrides{Rate: 10}, ""},
		{"a higher rate", long, nil, scenarios.Overrides{Rate: 1e15, Duration: 10}, "scenarios: b: the workload offers more than 9999B requests over the 11s run"},
		{"a longer run", "name: b\nworkload: {rate: 10}\n" + nodes, nil, scenarios.Overrides{Duration: 100000 * 86400}, "scenarios: b: the workload offers about 95.04B"},
		// The rate from the command line, the length from the file.
		{"a rate for a long run", long, nil, scenarios.Overrides{Rate: 20}, "b.yaml:6:17: the workload offers about 190.1B"},
		{"a --set length", "name: b\nworkload: {rate: 10}\n" + nodes, []string{"run.duration=100000d"}, scenarios.Overrides{},
			"--set run.duration=100000d: the workload offers about 95.04B"},
		{"a --set rate", long, []string{"workload.rate=1e15", "run.duration=1m"}, scenarios.Overrides{},
			"--set workload.rate=1e15: the workload offers more than 9999B requests over the 66s run"},
		{"a --set budget", long, []string{"run.max_events=5k"}, scenarios.Overrides{}, ""},
		// A named flag names the refusal it causes, and only that one.
		{"a named longer run", "name: b\nworkload: {rate: 10}\n" + nodes, nil, scenarios.Overrides{Duration: 100000 * 86400, DurationFlag: "--duration 100000d"},
			"--duration 100000d: the workload offers about 95.04B"},
		{"a named higher rate", long, nil, scenarios.Overrides{Rate: 1e15, RateFlag: "--rate 1e15", Duration: 10, DurationFlag: "--duration 10s"},
			"--rate 1e15: the workload offers more than 9999B requests over the 11s run"},
		{"a named rate for a long run", long, nil, scenarios.Overrides{Rate: 20, RateFlag: "--rate 20"}, "b.yaml:6:17: the workload offers about 190.1B"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := scenarios.Parse("b.yaml", []byte(c.text), c.sets...)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Apply(c.apply); err != nil {
				t.Fatal(err)
			}
			err = s.CheckEventBudget()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n")):
				t.Fatalf("error:\n%v\nwant one, starting:\n%s", err, c.want)
			}
		})
	}
}

// TestEventBudgetTrace checks that a long trace's refusal is at the trace.
func TestEventBudgetTrace(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.csv"), []byte("time,rate\n0,1e9\n1h,2e9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(path, []byte("name: t\nworkload:\n  trace: t.csv\nentry: app\nnodes:\n  app: {kind: service, service_time: 1ms}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckEventBudget(); err == nil || !strings.Contains(err.Error(), "t.yaml:3:10: the workload offers about 345.1B requests over the 5.5m run") {
		t.Fatalf("error %v, want one at the trace", err)
	}
}

// TestSetBy checks that the override naming a field is the last one to
// give it a value, unless a later one removed it or a mapping holding it.
func TestSetBy(t *testing.T) {
	cases := []struct {
		name string
		sets []string
		want string
	}{
		{"none", nil, ""},
		{"given", []string{"run.max_memory=16MiB"}, "--set run.max_memory=16MiB"},
		{"given twice", []string{"run.max_memory=16MiB", "run.max_memory=1GB"}, "--set run.max_memory=1GB"},
		{"another field", []string{"run.max_memory=16MiB", "run.duration=1m"}, "--set run.max_memory=16MiB"},
		{"a longer name", []string{"run.max_memory_x=16MiB"}, ""},
		{"removed", []string{"run.max_memory=16MiB", "run.max_memory=null"}, ""},
		{"its mapping replaced", []string{"run.max_memory=16MiB", "run={duration: 1m}"}, ""},
		{"a line break", []string{"run.max_memory=16MiB\n"}, `--set "run.max_memory=16MiB\n"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &scenarios.Scenario{Overrides: c.sets}
			if got := s.SetBy("run.max_memory"); got != c.want {
				t.Fatalf("SetBy = %q, want %q", got, c.want)
			}
		})
	}
}
