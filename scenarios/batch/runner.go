package batch

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// Runner runs plans of jobs, at most Parallel at once, each on its own
// kernel, and counts them for one progress display. Results never depend
// on the parallelism: each run is a function of its job alone.
type Runner struct {
	parallel int
	progress func(done, total int)

	mu sync.Mutex
	// done runs out of total; expected of the total are announced
	// (Expect) but not yet given to Run.
	done, total, expected int
}

// NewRunner is a runner of parallel runs at once (0: one per CPU) that
// tells progress, when not nil, after each run how many have finished out
// of how many are planned; it is called from one goroutine at a time.
func NewRunner(parallel int, progress func(done, total int)) *Runner {
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	return &Runner{parallel: parallel, progress: progress}
}

// Outcome is a job's run: the scenario it read and its report.
type Outcome struct {
	Scenario *scenarios.Scenario
	Report   *simulate.Report
}

// LoadError is a job of a plan whose scenario could not be read (see
// Job.Scenario): nothing of the plan ran.
type LoadError struct {
	Job int // its index in the plan
	Err error
}

func (e *LoadError) Error() string { return e.Err.Error() }

// Unwrap returns the job's error.
func (e *LoadError) Unwrap() error { return e.Err }

// Run reads the scenario of every job, in order (the first that fails is a
// *LoadError and nothing runs), then runs them and returns their outcomes
// in the plan's order. A run's error is returned as it is, the first in
// the plan's order.
func (r *Runner) Run(plan []Job) ([]Outcome, error) {
	outs := make([]Outcome, len(plan))
	for i, j := range plan {
		s, err := j.Scenario()
		if err != nil {
			return nil, &LoadError{Job: i, Err: err}
		}
		outs[i].Scenario = s
	}
	r.add(len(plan))
	errs := make([]error, len(plan))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.parallel, len(plan)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				outs[i].Report, errs[i] = run(outs[i].Scenario)
				r.step(1)
			}
		}()
	}
	for i := range plan {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return outs, nil
}

// Expect announces n runs to come (a sweep's bisection, whose runs depend
// on each other's results and go one plan at a time), so that the
// progress total counts them from now.
func (r *Runner) Expect(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total += n
	r.expected += n
}

// Skip counts n expected runs as done without running them.
func (r *Runner) Skip(n int) {
	r.mu.Lock()
	r.expected -= n
	r.mu.Unlock()
	r.step(n)
}

// add counts n runs given to Run: announced ones first.
func (r *Runner) add(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	announced := min(n, r.expected)
	r.expected -= announced
	r.total += n - announced
}

// step counts n runs done and tells the progress.
func (r *Runner) step(n int) {
	if r.progress == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done += n
	r.progress(r.done, r.total)
}

// run runs s. A panic in a run, which is a bug, becomes its error, as it
// would be on the caller's goroutine: on a runner's it would end the
// program.
func run(s *scenarios.Scenario) (rep *simulate.Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("batch: internal error (a bug in scalesim) in a run: %v\n%s", p, debug.Stack())
		}
	}()
	return simulate.Run(s)
}
