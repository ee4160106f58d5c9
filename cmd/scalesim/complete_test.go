package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/reference"
	"github.com/scalesim/scalesim/scenarios"
)

// complete runs cobra's hidden __complete command, as a shell's
// completion script does, and returns the candidates and the directive
// line (":N").
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	if code := Main(append([]string{"__complete"}, args...), &out, &errs); code != 0 {
		t.Fatalf("__complete %v: exit %d: %s", args, code, errs.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// TestCompletion checks the shell completions: a command's scenario
// argument completes to built-in names, and --set/--unset paths to the
// given file's sections, nodes and a node's kind's fields.
func TestCompletion(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(file, []byte(`name: mine
workload: {rate: 10}
entry: front
nodes:
  front: {kind: load_balancer, targets: api}
  api: {kind: service, service_time: 5ms, calls: [store]}
  store: {kind: cache, capacity: 1k}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args     []string
		has, not []string
	}{
		{[]string{"run", ""}, scenarios.Builtins(), nil},
		{[]string{"sweep", "three"}, []string{"three-tier"}, []string{"checkout-api"}},
		{[]string{"show", "check"}, []string{"checkout-api"}, nil},
		{[]string{"compare", "three-tier", "read"}, []string{"read-heavy"}, nil},
		{[]string{"run", "three-tier", "x"}, nil, scenarios.Builtins()},
		{[]string{"run", file, "--set", "nodes."}, []string{"nodes.front.", "nodes.api.", "nodes.store."}, []string{"nodes.app."}},
		{[]string{"run", file, "--set", "nodes.store."}, []string{"nodes.store.capacity=", "nodes.store.eviction="}, []string{"nodes.store.instances="}},
		{[]string{"run", file, "--set", "nodes.front.a"}, []string{"nodes.front.algorithm="}, []string{"nodes.front.targets="}},
		{[]string{"run", file, "--set", ""}, []string{"workload.", "nodes.", "slo.", "run."}, nil},
		{[]string{"run", file, "--unset", "nodes.api.s"}, []string{"nodes.api.service_time", "nodes.api.sessions."}, []string{"nodes.api.service_time="}},
		{[]string{"run", "--set", "nodes."}, []string{"nodes.lb.", "nodes.app.", "nodes.db."}, nil}, // the default built-in
		{[]string{"compare", "three-tier", file, "--set-b", "nodes."}, []string{"nodes.api."}, []string{"nodes.app."}},
		{[]string{"sweep", file, "--vary", "nodes.api.w"}, []string{"nodes.api.workers="}, nil},
		{[]string{"estimate", "read-heavy", "--set", "nodes.app.calls.0.t"}, []string{"nodes.app.calls.0.to=", "nodes.app.calls.0.timeout="}, nil},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			got, directive := complete(t, c.args...)
			for _, w := range c.has {
				if !slices.Contains(got, w) {
					t.Errorf("got %v (%s), want %s among them", got, directive, w)
				}
			}
			for _, w := range c.not {
				if slices.Contains(got, w) {
					t.Errorf("got %v, offers %s", got, w)
				}
			}
		})
	}
}

// TestSchemaCommand checks that scalesim schema prints the schema the
// library generates (which TestGenerated checks against the checked-in
// file).
func TestSchemaCommand(t *testing.T) {
	var out, errs bytes.Buffer
	if code := Main([]string{"schema"}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	want, err := reference.ScenarioSchema()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("scalesim schema prints %d bytes, not the %d of reference.ScenarioSchema", out.Len(), len(want))
	}
	if code := Main([]string{"schema", "x"}, &out, &errs); code != exitInvalid {
		t.Errorf("schema x: exit %d, want %d", code, exitInvalid)
	}
}
