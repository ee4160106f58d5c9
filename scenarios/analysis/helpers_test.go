package analysis

import (
	"testing"

	"github.com/scalesim/scalesim/scenarios/batch"
)

// textJob is the job of a scenario file's contents with overrides sets; it
// fails t if the scenario is invalid.
func textJob(t *testing.T, name, data string, sets ...string) batch.Job {
	t.Helper()
	j := batch.Job{Source: batch.Text(name, []byte(data)), Sets: sets}
	if _, err := j.Scenario(); err != nil {
		t.Fatal(err)
	}
	return j
}

// builtinJob is the job of a built-in scenario with overrides sets; it
// fails t if the scenario is invalid.
func builtinJob(t *testing.T, name string, sets ...string) batch.Job {
	t.Helper()
	src, err := batch.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	j := batch.Job{Source: src, Sets: sets}
	if _, err := j.Scenario(); err != nil {
		t.Fatal(err)
	}
	return j
}
