package batch

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestRunPanicIsAnError checks that a run that panics, on one of the
// runner's goroutines, is an internal error instead of the end of the
// program.
func TestRunPanicIsAnError(t *testing.T) {
	_, err := run(nil)
	if err == nil || !strings.HasPrefix(err.Error(), "batch: internal error (a bug in scalesim) in a run: ") {
		t.Fatalf("error %v, want an internal error", err)
	}
}

// TestRunnerParallelIsSerial runs a plan of seeds at once and one at a
// time: the same reports in the plan's order, and the progress counted to
// the end, announced runs and skipped ones included.
func TestRunnerParallelIsSerial(t *testing.T) {
	var plan []Job
	for i := range 4 {
		seed := uint64(i + 1)
		plan = append(plan, Job{Source: Text("mm2.yaml", []byte(mm2)), Seed: &seed, Sets: []string{"run.duration=30s"}})
	}
	var runs [][]byte
	for _, parallel := range []int{1, 4} {
		var done, total int
		r := NewRunner(parallel, func(d, n int) { done, total = d, n })
		outs, err := r.Run(plan[:3])
		if err != nil {
			t.Fatal(err)
		}
		r.Expect(2)
		more, err := r.Run(plan[3:])
		if err != nil {
			t.Fatal(err)
		}
		r.Skip(1)
		if done != 5 || total != 5 {
			t.Errorf("parallel %d: progress %d/%d, want 5/5", parallel, done, total)
		}
		var b bytes.Buffer
		for i, o := range append(outs, more...) {
			if o.Scenario.Run.Seed != uint64(i+1) || o.Report.Seed != uint64(i+1) {
				t.Fatalf("outcome %d ran seed %d", i, o.Report.Seed)
			}
			b.Write(reportJSON(t, o.Report))
		}
		runs = append(runs, b.Bytes())
	}
	if !bytes.Equal(runs[0], runs[1]) {
		t.Error("runs at once differ from runs one at a time")
	}
}

// TestRunnerLoadsFirst checks that a plan with a job that cannot be read
// runs nothing and says which job.
func TestRunnerLoadsFirst(t *testing.T) {
	ran := 0
	r := NewRunner(2, func(int, int) { ran++ })
	good := Job{Source: Text("mm2.yaml", []byte(mm2))}
	_, err := r.Run([]Job{good, good.With("nodes.app.workers=-1")})
	var load *LoadError
	if !errors.As(err, &load) || load.Job != 1 || ran != 0 {
		t.Fatalf("error %v (job %+v), %d runs; want a load error of job 1 and no run", err, load, ran)
	}
}
