package simulate

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// RecoveryTime is how long after a trigger ends goodput has to come back
// before the run calls the system metastable.
const RecoveryTime = 300.0

// MaxTriggers bounds the triggers a report lists (a fault repeated every
// minute of a long run would list thousands).
const MaxTriggers = 100

// RecoveredShare is how close to its level before a trigger goodput has
// to come back: within 10%.
const RecoveredShare = 0.9

// Trigger is what a trigger (a fault, a spike) did to goodput, after
// Bronson et al., "Metastable failures in distributed systems" (HotOS
// 2021): a system whose goodput does not come back once the trigger is
// over, held there by a feedback loop shown by the numbers (retries that
// multiply the load, work done for requests that already gave up), is
// metastable. One that does not come back for want of capacity (work that
// never ends still holds the workers) is not: it did not recover.
type Trigger struct {
	What string `json:"what"`
	// Kind is what sort of trigger it is (TriggerFault, TriggerDeploy,
	// TriggerSpike); Node is the node it strikes or deploys, Region the
	// region a region's fault takes down, and Effect a fault's kind, as
	// its entry names it ("instances", "errors", "latency", ..., "down"
	// for the whole node).
	Kind   string  `json:"kind"`
	Node   string  `json:"node,omitempty"`
	Region string  `json:"region,omitempty"`
	Effect string  `json:"effect,omitempty"`
	At     float64 `json:"at"`    // seconds since the run started
	Until  float64 `json:"until"` // when the trigger ended
	// Goodput before (up to 5 minutes, after the warm-up and the last
	// step or ramp of the workload before it), during, and
	// after the trigger (from its end to the end of the run), per second:
	// the replies within the SLO's latency (all replies without one);
	// null where no window falls.
	Before *float64 `json:"goodput_before"`
	During *float64 `json:"goodput_during"`
	After  *float64 `json:"goodput_after"`
	// RecoveredAfter is the time from the trigger's end to the end of the
	// first window whose goodput is back within 10% of before, and whose
	// queues' backlogs are back within 10% of theirs (asynchronous work
	// recovers when its backlog has drained); null if it was not within
	// RecoveryTime (or the run's end).
	RecoveredAfter *float64 `json:"recovered_after"`
	// Outcome is the verdict, one of the Outcome constants.
	Outcome string `json:"outcome"`
	// Metastable says Outcome is OutcomeMetastable; Loop then names the
	// loop that sustains the bad state, and otherwise, for
	// OutcomeNotRecovered, what held goodput down.
	Metastable bool   `json:"metastable"`
	Loop       string `json:"sustaining_loop,omitempty"`
	Reason     string `json:"reason,omitempty"`
	// BeganInWarmup says the trigger began in the warm-up and was still
	// on at the measurement window's start: At is then the window's
	// start (see clipToWindow).
	BeganInWarmup bool `json:"began_in_warmup,omitempty"`
	// open says the trigger had not ended when the run did (a deploy not
	// done): Until is then the run's end.
	open bool
	// Recovery, for a region's outage of the measurement window (begun
	// in it, or under way at its start), is its recovery time and point (as a database failover's:
	// see engine.Recovery); its fields are absent for other triggers.
	*engine.Recovery
}

// Kinds of trigger.
const (
	TriggerFault  = "fault"  // a scheduled fault
	TriggerDeploy = "deploy" // a deploy, from its start to when the last old instance left
	TriggerSpike  = "spike"  // a spike of the workload
)

// Outcomes of a trigger.
const (
	OutcomeRecovered    = "recovered"     // back within RecoveryTime of its end
	OutcomeMetastable   = "metastable"    // not back, held by a feedback loop
	OutcomeNotRecovered = "not_recovered" // not back, and no feedback loop shown
	OutcomeNotOver      = "not_over"      // still on when the run ended
	OutcomeTooShort     = "too_short"     // over, not back yet, and the run ended before RecoveryTime passed
	OutcomeNotReached   = "not_reached"   // the run ended (or was cut) before it began
	OutcomeNoBaseline   = "no_baseline"   // no goodput before it to compare with
)

// triggers lists the scheduled faults and spikes of s and what each did.
func triggers(s *scenarios.Scenario, rep *Report) []Trigger {
	if rep.Series == nil {
		return nil
	}
	var out []Trigger
	end := rep.End()
	for _, f := range s.Topology.Faults {
		if f.MTTF > 0 {
			continue // random: no time to compare with
		}
		for at := f.At; len(out) < MaxTriggers; at += f.Every {
			tr := Trigger{What: describeFault(f), Kind: TriggerFault, Node: f.Node, Region: f.Region,
				Effect: faultEffect(f), At: at, Until: at + f.For}
			if clipToWindow(&tr, rep) {
				out = append(out, tr)
			}
			if f.Every <= 0 || at+f.Every >= end {
				break
			}
		}
	}
	for _, tr := range deployTriggers(s, rep, end) {
		if clipToWindow(&tr, rep) {
			out = append(out, tr)
		}
	}
	for _, c := range s.Workload.Changes {
		tr := Trigger{What: fmt.Sprintf("spike ×%.3g", c.Factor), Kind: TriggerSpike, At: c.At, Until: c.Until}
		if c.Kind == workloads.Spike && clipToWindow(&tr, rep) {
			out = append(out, tr)
		}
	}
	slices.SortStableFunc(out, func(a, b Trigger) int { return cmpFloat(a.At, b.At) })
	j := triggerJudge{rep: rep, end: end, relative: s.Workload.Model != workloads.Closed, consumed: map[string]bool{}}
	for _, c := range s.Workload.Changes {
		switch c.Kind {
		case workloads.Step:
			j.levels = append(j.levels, c.At)
		case workloads.Ramp:
			j.levels = append(j.levels, c.Until)
		}
	}
	for _, n := range rep.Nodes {
		if b, ok := n.Detail.(engine.Backlog); ok && b.ConsumedBy() != "" {
			j.consumed[n.Name] = true
		}
	}
	for i := range out {
		j.trigger(&out[i])
	}
	return out
}

// clipToWindow applies to tr the rule for every episode of failure (a
// trigger, a deploy, a database's failover, a region's outage): the window
// is [warm-up's end, run's end), so one that ended before the measurement
// window's start or at it lies wholly in the warm-up, and is left out
// (false); one in force in the window (ending after its start) that began
// before it is reported clipped to the window, from its start, marked as
// begun in the warm-up. The window begins before anything else at its
// instant, so an episode that begins exactly then is the window's own. A
// run stopped in its warm-up reports the warm-up: nothing is clipped.
func clipToWindow(tr *Trigger, rep *Report) bool {
	if rep.InWarmup || tr.At >= rep.Warmup {
		return true
	}
	if tr.Until <= rep.Warmup && !tr.open {
		return false
	}
	tr.At, tr.BeganInWarmup = rep.Warmup, true
	return true
}

// triggerJudge judges triggers on a run's report, which ends at end. With
// relative set (an open workload, whose arrivals do not depend on the
// system), goodput and nodes' throughputs are compared as shares of the
// rate offered, so a step of the workload before or after a trigger is
// not taken for its effect; a closed workload's are compared as they are.
// Only queues that consumers drain (consumed) must drain to recover: a
// dead-letter queue keeps what it is given.
type triggerJudge struct {
	rep      *Report
	end      float64
	relative bool
	consumed map[string]bool
	// levels are when the workload's rate settles at a new level (a
	// step, a ramp's end): goodput before a trigger is measured since
	// the last of them.
	levels []float64
}

// trigger measures goodput around tr and gives its verdict.
func (j triggerJudge) trigger(tr *Trigger) {
	rep, end := j.rep, j.end
	if tr.At >= end {
		tr.Outcome = OutcomeNotReached
		return
	}
	series := rep.Series
	beforeFrom := math.Max(rep.Warmup, tr.At-RecoveryTime)
	for _, at := range j.levels {
		if at < tr.At {
			beforeFrom = math.Max(beforeFrom, at)
		}
	}
	tr.Before = meanGoodput(series, beforeFrom, tr.At)
	tr.During = meanGoodput(series, tr.At, tr.Until)
	tr.After = meanGoodput(series, tr.Until, end)
	level := j.goodLevel(beforeFrom, tr.At)
	switch {
	case tr.Until > end || tr.open:
		tr.Outcome = OutcomeNotOver
		return
	case tr.Before == nil || *tr.Before <= 0 || level <= 0:
		tr.Outcome = OutcomeNoBaseline
		return
	}
	backlog := meanBacklogs(series, beforeFrom, tr.At)
	for _, smp := range series.Samples {
		if smp.Start < tr.Until || smp.Start >= tr.Until+RecoveryTime {
			continue
		}
		good, ok := j.goodOf(smp)
		if ok && good >= RecoveredShare*level && j.drained(smp, backlog) {
			after := smp.Start + smp.Duration - tr.Until
			tr.RecoveredAfter = &after
			tr.Outcome = OutcomeRecovered
			return
		}
	}
	if end < tr.Until+RecoveryTime {
		tr.Outcome = OutcomeTooShort
		return
	}
	if loop := j.sustainingLoop(tr, beforeFrom); loop != "" {
		tr.Outcome, tr.Metastable, tr.Loop = OutcomeMetastable, true, loop
		return
	}
	tr.Outcome, tr.Reason = OutcomeNotRecovered, j.heldDown(tr, beforeFrom)
}

// goodOf is a window's goodput as the judge compares it: a share of the
// rate offered in it (relative), or per second; ok is false for a window
// offered nothing, which says nothing.
func (j triggerJudge) goodOf(smp Sample) (float64, bool) {
	if !j.relative {
		return smp.GoodRate(), true
	}
	if smp.OfferedRate <= 0 {
		return 0, false
	}
	return smp.GoodRate() / smp.OfferedRate, true
}

// goodLevel is goodput over the windows wholly within [from, to) as the
// judge compares it: a share of what they were offered, or per second.
func (j triggerJudge) goodLevel(from, to float64) float64 {
	v, _ := average(j.rep.Series, from, to, Sample.GoodRate, j.relative)
	return v
}

// nodeLevel is a node's throughput over the windows wholly within
// [from, to) as the judge compares it: per request offered, or per
// second; 0 when none is or the node is not sampled.
func (j triggerJudge) nodeLevel(node string, from, to float64) float64 {
	v, _ := average(j.rep.Series, from, to, func(smp Sample) float64 { return smp.nodeThroughput(node) }, j.relative)
	return v
}

// average is the mean of f over the windows of s wholly within
// [from, to), weighted by their lengths (a time average), or with
// perOffered its sum per request offered in them; span is the time the
// windows cover (0: none, and the average is 0).
func average(s *Series, from, to float64, f func(Sample) float64, perOffered bool) (v, span float64) {
	var sum, offered float64
	for _, smp := range s.Samples {
		if smp.inside(from, to) {
			sum += float64(f(smp) * smp.Duration)
			offered += float64(smp.OfferedRate * smp.Duration)
			span += smp.Duration
		}
	}
	switch {
	case span == 0:
		return 0, 0
	case perOffered:
		return ratioOf(sum, offered), span
	}
	return sum / span, span
}

// inside says the window lies wholly within [from, to).
func (smp Sample) inside(from, to float64) bool {
	return smp.Start >= from && smp.Start+smp.Duration <= to+1e-9
}

// nodeThroughput is the throughput in the window of the node called
// name, 0 when it is not sampled.
func (smp Sample) nodeThroughput(name string) float64 {
	for _, ns := range smp.Nodes {
		if ns.Name == name {
			return ns.Throughput
		}
	}
	return 0
}

// meanBacklogs is each queue's time-average backlog over the windows
// wholly within [from, to).
func meanBacklogs(s *Series, from, to float64) map[string]float64 {
	out := map[string]float64{}
	span := 0.0
	for _, smp := range s.Samples {
		if smp.inside(from, to) {
			span += smp.Duration
			for _, q := range smp.Queues {
				out[q.Name] += float64(q.Backlog * smp.Duration)
			}
		}
	}
	for name := range out {
		out[name] /= span
	}
	return out
}

// drained says every consumed queue's backlog in smp is back within 10%
// of its level before (and a message more, for a queue that was empty).
func (j triggerJudge) drained(smp Sample, before map[string]float64) bool {
	for _, q := range smp.Queues {
		if j.consumed[q.Name] && q.Backlog > float64(before[q.Name]/RecoveredShare)+1 {
			return false
		}
	}
	return true
}

// GoodRate is the window's goodput, or its throughput without a latency
// objective.
func (smp Sample) GoodRate() float64 {
	if smp.Goodput != nil {
		return *smp.Goodput
	}
	return smp.Throughput
}

// meanGoodput is the time-average goodput of the windows wholly within
// [from, to), or nil if none is.
func meanGoodput(s *Series, from, to float64) *float64 {
	g, span := average(s, from, to, Sample.GoodRate, false)
	if span == 0 {
		return nil
	}
	return &g
}

// sustainingLoop names the feedback loop that holds a system in its bad
// state after tr, from the numbers, or is "" when they show none: calls
// whose retries or hedges multiply the load, or a node that works at its
// pace before the trigger or faster while requests give up (it serves
// work no one waits for any more, as a queue longer than the timeouts
// does). A node that serves less than before, with no such loop, is held
// down by capacity, not by a loop.
func (j triggerJudge) sustainingLoop(tr *Trigger, from float64) string {
	rep := j.rep
	var parts []string
	for _, n := range rep.Nodes {
		var calls []engine.CallStats
		if d, ok := n.Detail.(engine.PolicyCalls); ok {
			calls = d.PolicyCalls()
		}
		for i, c := range calls {
			if c.Amplification != nil && *c.Amplification > 1.05 {
				parts = append(parts, fmt.Sprintf("retries from %s make ×%.3g attempts on %s", n.Name, *c.Amplification, engine.CallLabel(calls, i)))
			}
		}
	}
	gaveUp := int64(0)
	for _, smp := range rep.Series.Samples {
		if smp.Start >= tr.Until && smp.Start < j.end {
			gaveUp += smp.TimedOut + smp.CallTimeouts
		}
	}
	if gaveUp > 0 {
		worst := -1.0
		stuck := ""
		for _, n := range rep.Nodes {
			before, after := j.nodeLevel(n.Name, from, tr.At), j.nodeLevel(n.Name, tr.Until, j.end)
			if n.Wait != nil && n.QueueLength >= 1 && before > 0 && after >= RecoveredShare*before && n.QueueLength > worst {
				worst = n.QueueLength
				stuck = fmt.Sprintf("%s queues %s requests, waiting %s on average (p99 %s), serving %s (%s before) while %s gave up",
					n.Name, units.Count(n.QueueLength), units.FormatDuration(n.Wait.Mean), units.FormatDuration(n.Wait.P99),
					units.Rate(nodeThroughput(rep.Series, n.Name, tr.Until, j.end)), units.Rate(nodeThroughput(rep.Series, n.Name, from, tr.At)), units.Plural(gaveUp, "request", "requests"))
			}
		}
		if stuck != "" {
			parts = append(parts, stuck)
		}
	}
	return strings.Join(parts, "; ")
}

// heldDown says what kept goodput down after tr without a loop: the node
// that serves least against its rate before the trigger (the bottleneck
// first, among equals: the others may only wait on it).
func (j triggerJudge) heldDown(tr *Trigger, from float64) string {
	rep := j.rep
	worst, reason := math.Inf(1), "capacity still reduced"
	nodes := slices.Clone(rep.Nodes)
	if i := slices.IndexFunc(nodes, func(n NodeReport) bool { return n.Name == rep.Bottleneck }); i > 0 {
		nodes[0], nodes[i] = nodes[i], nodes[0]
	}
	for _, n := range nodes {
		before, after := j.nodeLevel(n.Name, from, tr.At), j.nodeLevel(n.Name, tr.Until, j.end)
		if before > 0 && after < RecoveredShare*before && after/before < worst {
			worst = after / before
			reason = fmt.Sprintf("capacity still reduced: %s serves %s, %s before", n.Name,
				units.Rate(nodeThroughput(rep.Series, n.Name, tr.Until, j.end)), units.Rate(nodeThroughput(rep.Series, n.Name, from, tr.At)))
		}
	}
	return reason
}

// nodeThroughput is a node's time-average throughput over the windows
// wholly within [from, to), 0 when none is or the node is not sampled.
func nodeThroughput(s *Series, node string, from, to float64) float64 {
	v, _ := average(s, from, to, func(smp Sample) float64 { return smp.nodeThroughput(node) }, false)
	return v
}

// describeFault says what a fault does, in a few words.
func describeFault(f topology.Fault) string {
	return fmt.Sprintf("fault on %s: %s", f.Where(), f.What().Describe())
}

// faultEffect is the kind of f's effect as its entry names it, "down" for
// the whole node (or region) down.
func faultEffect(f topology.Fault) string {
	if f.Effect == nil {
		return "down"
	}
	return f.Effect.Kind().Name
}

// ratioOf is part ÷ whole, 0 when whole is 0.
func ratioOf(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part / whole
}
