package simulate

import (
	"errors"
	"fmt"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// runner wires a workload generator to a network and measures requests. It
// is the workload's Sink, the network's Observer, and the handler of the
// end-of-warm-up event.
type runner struct {
	s    *scenarios.Scenario
	k    *sim.Kernel
	gen  *workloads.Generator
	net  *engine.Network
	sent int64
	// maxRequests is the most requests the run sends (0: no cap).
	maxRequests int64
	stopped     string // why the run ended early, if it did
	// stoppedFailing says the run could not go on (overload, a stall, the
	// memory budget), which fails its objectives; overloaded says it was
	// overload. A run that only reached its request or event budget
	// reports the window it covered.
	stoppedFailing, overloaded bool
	guard                      *guard

	steady       bool // stopping on precision (RunSpec.Precision)
	inWindow     bool
	precisionMet bool

	// measured is what the runner records about requests; it is cleared at
	// the end of the warm-up, when the measurement window starts.
	measured
	windowStart sim.Time
	// sentBefore is how many requests were sent before the window: those
	// after are measured (whatever the order of events at its start).
	sentBefore int64

	// regions measures each user region's requests; nil without regions.
	regions byRegion
	// classes measures each request class's requests; nil without
	// several classes or objectives by class.
	classes byClass
	// smp samples the run over time; nil for a run with no time series.
	smp *sampler
	end sim.Time
	// goodputWithin is the latency a reply must meet to be goodput (the
	// SLO's bound; 0: every reply is).
	goodputWithin float64
	// degradedErrors says the SLO counts degraded replies as errors.
	degradedErrors bool
	// pop is the key popularity the warm stores start from (nil: none
	// starts warm, or no keys).
	pop *engine.Popularity
}

// measured holds the request figures of the measurement window: arrivals in
// it, and how those requests ended (for a sample window of a time series:
// the requests that ended in it).
type measured struct {
	arrived   int64
	completed int64
	// good counts the replies that met the goodput bound (all of them
	// without one).
	good int64
	// failed counts the requests that ended without a reply, by outcome.
	failed  [engine.Outcomes]int64
	latency sim.Durations
	// degraded counts the replies a fallback answered (part of
	// completed), and degradedErrors those of them the objectives count
	// as errors (see degraded.go).
	degraded, degradedErrors int64
}

// failures counts the requests that ended without a reply: rejected,
// timed out, failed by a node, or by a call's timeout.
func (m *measured) failures() int64 {
	n := int64(0)
	for _, f := range m.failed {
		n += f
	}
	return n
}

// ended counts the requests that ended, with a reply or not.
func (m *measured) ended() int64 { return m.completed + m.failures() }

// replied records a reply of latency lat; one within goodputWithin (or
// any, when that is 0) is goodput.
func (m *measured) replied(lat, goodputWithin float64) {
	m.completed++
	m.latency.Add(lat)
	if goodputWithin <= 0 || lat <= goodputWithin {
		m.good++
	}
}

// Opcodes of the runner's events.
const (
	opEndWarmup = iota
	opSample    // a sample window ends
	opEnd       // the run's end: nothing at its instant is the window's
)

// precisionCheckEvery is how often, in completions, a steady-state run
// checks its stop rule.
const precisionCheckEvery = 1024

// Run simulates s and reports the result. The same scenario and seed give
// the same report. A scenario that fails its Validate is not run: the error
// is a scenarios.InvalidError with every problem; nor is one over its
// budgets before it starts (see Check).
func Run(s *scenarios.Scenario) (*Report, error) {
	r, err := admit(s)
	if err != nil {
		return nil, err
	}
	return r.run()
}

// Check refuses s as Run would before it starts, with the same error,
// without running it: an invalid scenario, fixed needs over the memory
// budget, or a workload or fault expected to pass the default event
// budget (scenarios.Scenario.CheckEventBudget), or warm stores whose
// state the estimate cannot give. `scalesim validate` says ok only to
// what Check passes.
func Check(s *scenarios.Scenario) error {
	_, err := admit(s)
	return err
}

// admit makes the runner of s with its budgets' guard, its end and the
// records the run will keep, refusing s as Check says.
func admit(s *scenarios.Scenario) (*runner, error) {
	if errs := s.Validate(); errs != nil {
		return nil, scenarios.Invalid(fmt.Errorf("simulate: %s is invalid:\n%w", s.Name, errors.Join(errs...)))
	}
	g, err := newGuard(s)
	if err != nil {
		return nil, err
	}
	r := &runner{s: s, k: &sim.Kernel{}, guard: g, goodputWithin: goodputBound(s.SLO), degradedErrors: s.SLO.DegradedCountsAs == scenarios.DegradedError}
	if n := len(s.Workload.Regions); n > 0 {
		r.regions = make(byRegion, n)
	}
	end := s.End()
	r.steady = end == sim.Forever
	r.end = end
	r.maxRequests = s.Run.RequestCap(r.steady)
	if err := g.forecast(s); err != nil {
		return nil, err
	}
	r.smp = newSampler(s, end)
	if n := len(s.Workload.ClassNames()); n > 1 || len(s.SLO.ByClass) > 0 {
		if err := g.reserve("the request classes' records", float64(n*classRecordBytes)); err != nil {
			return nil, err
		}
		r.classes = make(byClass, n)
	}
	// A steady-state run has no end: its autoscalers keep their most.
	if err := g.reserve("the autoscalers' records", engine.AutoscaleFootprint(s.Topology, float64(end))); err != nil {
		return nil, err
	}
	if r.smp != nil {
		if err := g.reserve("the time series", r.smp.footprint(end)); err != nil {
			return nil, err
		}
	}
	// The warm stores' state comes from the estimate, which a scenario
	// may have none of (a closed workload without bound): refused here,
	// by validate too, not once the run is under way.
	pop, err := popularity(s)
	if err != nil {
		return nil, scenarios.Invalid(fmt.Errorf("simulate: %s: the warm caches' state: %w", s.Name, err))
	}
	r.pop = pop
	return r, nil
}

// run runs the scenario admit admitted, and reports it.
func (r *runner) run() (*Report, error) {
	s, end, g := r.s, r.end, r.guard
	warmup := sim.Time(s.Run.WarmupSeconds())
	// The window starts before anything else at its instant (events at
	// one time fire in the order they were scheduled), so it is scheduled
	// before the network arms its faults, autoscalers and deploys: with no
	// warm-up, the requests of time 0 are the window's, and a fault that
	// strikes exactly at the warm-up's end is the window's with all it
	// does (its failed requests, a database's failover), as its trigger is.
	r.k.At(warmup, r, opEndWarmup, nil)
	if end != sim.Forever {
		// The window is [warm-up's end, end): the run stops before
		// anything else at its end, so that a fault striking then is not
		// reached, as its trigger says, rather than starting a failover.
		r.k.At(end, r, opEnd, nil)
	}
	net, err := engine.NewNetwork(s.Topology, r.k, engine.Options{
		Popularity:     r.pop,
		Seed:           s.Run.Seed,
		Classes:        s.Workload.ClassNames(),
		UserRegions:    userRegionNames(s.Workload.Regions),
		ClientRTT:      s.Workload.ClientRTT,
		Timeout:        s.Workload.Timeout,
		Limits:         engine.Limits{MaxInFlight: s.Run.MaxInFlight},
		Writes:         s.Workload.IsWrite(),
		KeyCount:       s.Workload.KeyCount(),
		Keys:           fanOutKeys(s.Workload),
		DefaultLatency: s.Latency,
		Sampled:        r.smp != nil,
		Changing:       s.ChangesOverTime(),
	}, r)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %s: %w", s.Name, err)
	}
	r.net = net
	r.gen = workloads.NewGenerator(s.Workload, r.k, s.Run.Seed, r)
	r.gen.Start(end)
	r.k.Watch(1, func() uint64 { return g.watch(r) })
	if r.smp != nil {
		r.k.At(sim.Time(r.smp.every), r, opSample, nil)
	}
	r.k.Run(end)
	if stall := r.net.Stalled(); stall != "" {
		r.stopped, r.stoppedFailing = stall, true
	}
	return r.report(), nil
}

// Handle implements sim.Handler: a sample window ends, or the warm-up is
// over and measurement starts. A run stopped before this reports what it
// saw from time 0.
func (r *runner) Handle(now sim.Time, op int, _ any) {
	if op == opEnd {
		r.k.Halt()
		return
	}
	if op == opSample {
		r.smp.close(r, now)
		if next := now + sim.Time(r.smp.every); next < r.end {
			r.k.At(next, r, opSample, nil)
		}
		return
	}
	if r.inWindow {
		return // a steady-state warm-up already ended on its request count
	}
	r.inWindow = true
	r.guard.startWindow(r.sent, r.net.InFlight(), r.net.Queued())
	r.net.ResetStats(now)
	r.measured = measured{}
	r.classes.reset()
	r.regions.reset()
	r.windowStart = now
	r.sentBefore = r.sent
}

// Arrive implements workloads.Sink.
func (r *runner) Arrive(a workloads.Arrival) {
	if r.maxRequests > 0 && r.sent >= r.maxRequests {
		if r.steady {
			r.k.Halt() // the report says the precision was not reached
			return
		}
		r.stopped = fmt.Sprintf("request cap reached: %s sent (run.max_requests)", units.Plural(r.maxRequests, "request", "requests"))
		r.k.Halt()
		return
	}
	if r.steady && r.sent == scenarios.WarmupRequests {
		r.Handle(r.k.Now(), opEndWarmup, nil)
	}
	if !r.net.SubmitFrom(a.Region, a.Class, a.User, a.Client, a.Key) {
		// Past the user's own bound of the requests in the system: this
		// one never entered it.
		r.stop(r.net.Overload(), true, true)
		return
	}
	r.sent++
	r.arrived++
	r.classes.arrived(a.Class)
	if r.smp != nil {
		r.smp.current.arrived++
	}
	if reason := r.guard.check(r); reason != "" {
		r.stop(reason, true, true)
	}
}

// stop ends the run early for reason.
func (r *runner) stop(reason string, failing, overloaded bool) {
	r.stopped, r.stoppedFailing, r.overloaded = reason, failing, overloaded
	r.k.Halt()
}

// Finished implements engine.Observer. The report counts the requests
// that arrived in the measurement window, by how they ended (those not
// ended by the stop are unfinished), so its counts add up to its
// arrivals; a time series window counts those that ended in it.
func (r *runner) Finished(req *engine.Request, now sim.Time, outcome engine.Outcome) {
	measure := req.Seq > r.sentBefore
	if measure && r.classes != nil {
		r.classes.ended(req, float64(now-req.Arrived), outcome)
	}
	if measure && r.regions != nil {
		r.regions.ended(req, float64(now-req.Arrived), outcome, r.goodputWithin)
	}
	if r.smp != nil && r.smp.regions != nil {
		r.smp.regions.ended(req, float64(now-req.Arrived), outcome, r.goodputWithin)
	}
	switch outcome {
	case engine.Completed:
		lat := float64(now - req.Arrived)
		if measure {
			r.replied(lat, r.goodputWithin)
		}
		if r.smp != nil {
			r.smp.current.replied(lat, r.goodputWithin)
		}
		if req.Degraded {
			if measure {
				r.fellBack(lat, r.goodputWithin, r.degradedErrors)
			}
			if r.smp != nil {
				r.smp.current.fellBack(lat, r.goodputWithin, r.degradedErrors)
			}
		}
		if measure && r.steady && r.inWindow && r.completed >= scenarios.MinCompletions && r.completed%precisionCheckEvery == 0 {
			if half, ok := r.latency.HalfWidth95(); ok && half <= r.s.Run.Precision*r.latency.Mean() {
				r.precisionMet = true
				r.k.Halt()
			}
		}
	default:
		if measure {
			r.failed[outcome]++
		}
		if r.smp != nil {
			r.smp.current.failed[outcome]++
		}
	}
	if req.Client >= 0 {
		r.gen.Done(req.Client)
	}
}

// fanOutKeys draws the keys of fan-outs to other keys from the workload's
// popularity; nil without keys.
func fanOutKeys(w *workloads.Spec) engine.KeyDrawer {
	if w.Keys == nil {
		return nil
	}
	return workloads.NewKeySampler(w.Keys)
}
