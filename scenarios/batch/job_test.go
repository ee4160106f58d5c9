package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// mm2 is a small M/M/2 queue with an objective, quick to run.
const mm2 = `name: mm2
workload: {rate: 15}
entry: app
nodes:
  app: {kind: service, workers: 2, service_time: {dist: exponential, mean: 100ms}}
slo: {p99: 1s}
run: {seed: 5, warmup: 10s, duration: 120s}
`

func builtin(t *testing.T, name string) Source {
	t.Helper()
	src, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func reportJSON(t *testing.T, rep *simulate.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestJobJSONRunsTheSame writes jobs to JSON, reads them back, and checks
// that each runs to the same report, byte for byte, as the job written and
// as the scenario loaded and changed as the command line does.
func TestJobJSONRunsTheSame(t *testing.T) {
	seed := uint64(11)
	precision := 0.05
	cases := []struct {
		name string
		job  Job
		// load is the same run as the command line makes it.
		load func() (*scenarios.Scenario, error)
	}{
		{"a file's text with its seed and a rate", Job{Source: Text("mm2.yaml", []byte(mm2)), Seed: &seed, Rate: 12},
			func() (*scenarios.Scenario, error) {
				s, err := scenarios.Parse("mm2.yaml", []byte(mm2))
				if err == nil {
					err = s.Apply(scenarios.Overrides{Seed: &seed, Rate: 12})
				}
				return s, err
			}},
		{"a built-in with overrides, users and budgets", Job{Source: builtin(t, "three-tier"),
			Sets: []string{"run.duration=30s", "nodes.app.instances=3"}, Users: 2e6, LoadFlag: "--users 2M", Precision: &precision, MaxRequests: 100_000},
			func() (*scenarios.Scenario, error) {
				s, err := scenarios.Builtin("three-tier", "run.duration=30s", "nodes.app.instances=3")
				if err == nil {
					err = s.Apply(scenarios.Overrides{Users: 2e6, UsersFlag: "--users 2M"})
					s.Run.Precision, s.Run.MaxRequests = precision, 100_000
				}
				return s, err
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := json.Marshal(c.job)
			if err != nil {
				t.Fatal(err)
			}
			var back Job
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, c.job) {
				t.Fatalf("read back %+v, wrote %+v", back, c.job)
			}
			want, err := c.job.Run()
			if err != nil {
				t.Fatal(err)
			}
			got, err := back.Run()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(reportJSON(t, got), reportJSON(t, want)) {
				t.Errorf("the job read back from JSON ran to another report")
			}
			s, err := c.load()
			if err != nil {
				t.Fatal(err)
			}
			direct, err := simulate.Run(s)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(reportJSON(t, direct), reportJSON(t, want)) {
				t.Errorf("the job ran to another report than its scenario loaded and changed directly")
			}
		})
	}
}

// TestJobScenarioErrors checks that a job's scenario is refused as the
// command line refuses it: an override at its place, a load the workload
// cannot take as an InvalidError.
func TestJobScenarioErrors(t *testing.T) {
	cases := []struct {
		name string
		job  Job
		want string
		list bool // a yamlfile.ErrorList, placed
	}{
		{"a bad override", Job{Source: Text("mm2.yaml", []byte(mm2)), Sets: []string{"nodes.app.workers=0"}},
			"--set nodes.app.workers=0: ", true},
		{"a typo in the text", Job{Source: Text("bad.yaml", []byte(strings.Replace(mm2, "workers: 2", "wrkers: 2", 1)))},
			"bad.yaml:5:", true},
		{"users of open arrivals", Job{Source: Text("mm2.yaml", []byte(mm2)), Users: 100},
			"workloads: users can only be set for a workload with a users model or a closed population", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.job.Scenario()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one with %q", err, c.want)
			}
			var list yamlfile.ErrorList
			var invalid *scenarios.InvalidError
			if errors.As(err, &list) != c.list || (!c.list && !errors.As(err, &invalid)) {
				t.Errorf("error %T %v: want a placed list %v, or else an InvalidError", err, err, c.list)
			}
		})
	}
}

// TestWithDoesNotShare checks that a job's copy with more overrides leaves
// the job's own as they were.
func TestWithDoesNotShare(t *testing.T) {
	j := Job{Sets: make([]string, 1, 4)}
	j.Sets[0] = "a=1"
	b, c := j.With("b=2"), j.With("c=3")
	if !reflect.DeepEqual(j.Sets, []string{"a=1"}) || !reflect.DeepEqual(b.Sets, []string{"a=1", "b=2"}) || !reflect.DeepEqual(c.Sets, []string{"a=1", "c=3"}) {
		t.Errorf("sets %v, %v, %v", j.Sets, b.Sets, c.Sets)
	}
}
