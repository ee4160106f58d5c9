package scenarios

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// What a scenario asks of its event budget is known in part before it
// runs: each request its workload sends is an event at least, and each
// strike of a fault two. At the default budget a run that would pass it
// so is refused at once (a steep rate curve, a long trace or a fault
// every nanosecond would run for minutes only to be cut), by `scalesim
// validate` as by `scalesim run`, at the field that makes the budget too
// small. A budget the scenario sets is the user's request for a shorter
// run: it is cut there, and its report says what was expected
// (EventForecast). The run itself keeps the budget as it goes
// (scenarios/simulate's guard).

// End is the simulated time at which a run of s ends: its warm-up and
// its duration, or sim.Forever for a steady-state run, which ends on its
// precision.
func (s *Scenario) End() sim.Time {
	if s.Run.Precision > 0 && !s.ChangesOverTime() {
		return sim.Forever
	}
	return sim.Time(s.Run.WarmupSeconds()) + sim.Time(s.Run.Duration)
}

// defaultEnd is the end of a run of the default length, with its default
// warm-up (a tenth of it).
const defaultEnd = DefaultDuration + DefaultDuration/10

// arrivals is what the workload is expected to start by end, each an
// event at least: n of them (at most the run's request cap), at a mean
// rate over the run, as what says ("offers %s requests"): an open
// workload's requests, or sessions (whose requests come as their users
// think: a session of a million requests an hour apart sends few in a
// short run). n is 0 for a closed workload, which sends as fast as
// replies come, and for a run without end.
func (s *Scenario) arrivals(end sim.Time) (n, rate float64, what string) {
	w := s.Workload
	if end == sim.Forever || w == nil || w.Model == workloads.Closed {
		return 0, 0, ""
	}
	rate, what = w.MeanRate(0, end), "offers %s requests"
	if w.Model == workloads.Sessions {
		// MeanRate is of the sessions' requests; Rate of the sessions.
		rate, what = 0, "starts %s sessions"
		if o := w.OfferedRate(); o > 0 {
			rate = float64(w.MeanRate(0, end) / o * w.Rate)
		}
	}
	n = float64(rate * float64(end))
	if s.Run.MaxRequests > 0 {
		n = math.Min(n, float64(s.Run.MaxRequests))
	}
	return n, rate, what
}

// EventForecast says what the workload is expected to start over the
// run, as "the workload offers about 95B requests over the 66m run", when
// that passes the run's event budget; "" when it does not, or cannot be
// told in advance.
func (s *Scenario) EventForecast() string {
	end := s.End()
	n, _, what := s.arrivals(end)
	if !(n > float64(s.Run.EventBudget())) {
		return ""
	}
	return fmt.Sprintf("the workload "+what+" over the %s run", about(n), units.FormatDuration(float64(end)))
}

// about writes a count as "about 95.04B", or "more than 9999B" past what
// units.FormatCount writes in full.
func about(n float64) string {
	if bound, over := strings.CutPrefix(units.FormatCount(n), ">"); over {
		return "more than " + bound
	}
	return "about " + units.FormatCount(n)
}

// CheckEventBudget refuses a run of s that sets no event budget
// (run.max_events) and would pass the default one by what can be told
// before it runs: the requests its workload is expected to send, or a
// fault's strikes. The error, an InvalidError, names the field that makes
// the budget too small: the run's duration (or warm-up) when the workload
// or fault would fit a run of the default length, otherwise the
// workload's rate, users, trace or shape, or the fault's every or mttf;
// for a scenario read from a file, at its FILE:LINE:COL (or the --set
// that gave it), unless Apply changed that field after reading.
func (s *Scenario) CheckEventBudget() error {
	end := s.End()
	if s.Run.MaxEvents != 0 || end == sim.Forever {
		return nil
	}
	var errs []error
	budget := float64(s.Run.EventBudget())
	if n, rate, what := s.arrivals(end); n > budget {
		at := s.workloadField()
		if n, _, _ := s.arrivals(defaultEnd); n <= budget {
			at = s.lengthField()
		}
		errs = append(errs, &field.Error{Path: at, Msg: fmt.Sprintf("the workload "+what+" over the %s run (a mean of %s), each at least one event: more than the event budget of %s events; shorten the run, lower the rate, or raise run.max_events (--max-events)",
			about(n), units.FormatDuration(float64(end)), units.Rate(rate), units.FormatCount(budget))})
	}
	var faults []topology.Fault
	if s.Topology != nil {
		faults = s.Topology.Faults
	}
	for i := range faults {
		f := &faults[i]
		strikes := func(end float64) float64 {
			switch {
			case f.Every > 0 && end > f.At:
				return math.Floor((end-f.At)/f.Every) + 1
			case f.MTTF > 0:
				return end / (f.MTTF + f.MTTR)
			}
			return 0
		}
		n := strikes(float64(end))
		if !(2*n > budget) {
			continue
		}
		how, at := " every "+units.FormatDuration(f.Every), []string{"faults", strconv.Itoa(i), "every"}
		if f.MTTF > 0 {
			how = fmt.Sprintf(", failing after %s and repaired in %s on average,", units.FormatDuration(f.MTTF), units.FormatDuration(f.MTTR))
			at[2] = "mttf"
		}
		if 2*strikes(defaultEnd) <= budget {
			at = s.lengthField()
		}
		errs = append(errs, &field.Error{Path: at, Msg: fmt.Sprintf("the fault on %s%s strikes %s times over the %s run, two events each: more than the event budget of %s events; repeat it less often, shorten the run, or raise run.max_events (--max-events)",
			f.Where(), how, about(n), units.FormatDuration(float64(end)), units.FormatCount(budget))})
	}
	if len(errs) == 0 {
		return nil
	}
	return Invalid(s.placed(errs))
}

// lengthField is the field that makes the run longer than the default:
// its warm-up when that is given and longer than its duration, or its
// duration is no longer than the default; otherwise its duration.
func (s *Scenario) lengthField() []string {
	if s.Run.Warmup >= 0 && (s.Run.Warmup > s.Run.Duration || s.Run.Duration <= DefaultDuration) {
		return []string{"run", "warmup"}
	}
	return []string{"run", "duration"}
}

// workloadField is the field that sets the workload's rate: its trace,
// its shape when that raises the mean rate of a run of the default
// length past the budget (the level alone does not), its users, or its
// rate.
func (s *Scenario) workloadField() []string {
	w := s.Workload
	level := w.OfferedRate() // of the shape's level, in what arrivals counts
	if w.Model == workloads.Sessions {
		level = w.Rate
	}
	switch {
	case w.Trace != nil:
		return []string{"workload", "trace"}
	case len(w.Changes) > 0 && float64(level*defaultEnd) <= float64(s.Run.EventBudget()):
		return []string{"workload", "shape"}
	case w.Users != nil:
		return []string{"workload", "users"}
	case w.Model == workloads.Sessions:
		return []string{"workload", "sessions", "rate"}
	}
	return []string{"workload", "rate"}
}

// placed shows errs, *field.Errors found after reading, where they are:
// at their FILE:LINE:COL for a scenario read from a file, unless Apply
// changed the field since; after the flag that changed it, when Apply was
// told one; otherwise under the scenario's name.
func (s *Scenario) placed(errs []error) error {
	var inFile, elsewhere []error
	for _, err := range errs {
		var fe *field.Error
		flag, over := "", false
		if errors.As(err, &fe) {
			flag, over = s.overriddenAt(fe.Path)
		}
		switch {
		case fe != nil && s.place != nil && !over:
			inFile = append(inFile, err)
		case flag != "":
			elsewhere = append(elsewhere, fmt.Errorf("%s: %w", flag, err))
		default:
			elsewhere = append(elsewhere, fmt.Errorf("scenarios: %s: %w", s.Name, err))
		}
	}
	switch {
	case len(inFile) == 0:
		return errors.Join(elsewhere...)
	case len(elsewhere) == 0:
		return s.place(inFile)
	}
	return errors.Join(append(elsewhere, s.place(inFile))...)
}

// overriddenAt says Apply changed the field at path, or a part of the
// file holding it, and names the flag that gave the latest such change
// ("" for none named).
func (s *Scenario) overriddenAt(path []string) (flag string, over bool) {
	for _, o := range s.overridden {
		if len(o.path) <= len(path) && slices.Equal(o.path, path[:len(o.path)]) {
			flag, over = o.flag, true
		}
	}
	return flag, over
}
