package engine

import (
	"cmp"
	"math"
	"slices"
	"unsafe"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// HPA defaults.
const (
	maxScalingEventsReported = 1000
)

// ScalingEvent is one change of a service's instance count.
type ScalingEvent struct {
	Time float64 `json:"time"` // seconds since the run started
	From int     `json:"from"`
	To   int     `json:"to"`
	// Cause is "metric" (the rule) or "schedule" (new bounds).
	Cause string `json:"cause"`
	// Metric is the metric's value that led to the change: its average
	// over the instances the rule counted (the last measured, for a
	// schedule).
	Metric float64 `json:"metric"`
	// Bounds are the bounds in force after a schedule's change (nil for
	// the rule's).
	Bounds *topology.Bounds `json:"bounds,omitempty"`
}

// Scaling is what an autoscaled service did over the measurement window.
type Scaling struct {
	// Spec is the autoscaler's settings.
	Spec *topology.Autoscale `json:"-"`
	// Policy is target (the HPA's rule, toward Target) or step.
	Policy string  `json:"policy"`
	Metric string  `json:"metric"`
	Target float64 `json:"target,omitempty"`
	// Min, Mean and Max are the instances running (booting included) over
	// the window; InstanceHours is what was billed.
	Min           int     `json:"min"`
	Mean          float64 `json:"mean"`
	Max           int     `json:"max"`
	InstanceHours float64 `json:"instance_hours"`
	// Events are the changes in the window, the first
	// maxScalingEventsReported of them; EventCount counts them all.
	Events     []ScalingEvent `json:"events"`
	EventCount int            `json:"event_count"`
	// Evaluations are the rule's inputs and outputs at each evaluation in
	// the window (the first MaxEvaluations), for those who check the rule
	// or plot it; Evaluated, the first maxEvaluationsReported of them, are
	// in the JSON report, and EvaluationCount counts them all.
	Evaluations     []Evaluation `json:"-"`
	Evaluated       []Evaluation `json:"evaluations"`
	EvaluationCount int          `json:"evaluation_count"`
}

// Evaluation is one evaluation of the autoscaling rule.
type Evaluation struct {
	// Time is when it ran, in seconds since the run started.
	Time float64 `json:"time"`
	// WindowStart is where the metric window began.
	WindowStart float64 `json:"window_start"`
	// Metric is the metric the rule read: the average over the instances
	// it counted (before the conservative re-averaging), or the backlog per
	// instance for backlog_per_consumer; Measured is false when no
	// instance had a metric (no decision).
	Metric   float64 `json:"metric"`
	Measured bool    `json:"measured"`
	// Ready and Booting are the instances before the decision; Desired is
	// the instance count decided (Ready + Booting for no change), and
	// Recommendation the replica calculation's, before stabilization and
	// the bounds.
	Ready          int `json:"ready"`
	Booting        int `json:"booting"`
	Desired        int `json:"desired"`
	Recommendation int `json:"recommendation"`
	// Pods are the instances as the target policy's rule saw them (until
	// MaxPodSamples have been kept); not in the JSON report.
	Pods []topology.PodSample `json:"-"`
}

// maxEvaluationsReported bounds the evaluations the JSON report lists.
const maxEvaluationsReported = 1000

// MaxEvaluations bounds the evaluations a Scaling keeps.
const MaxEvaluations = 100_000

// MaxPodSamples bounds the pod samples (topology.PodSample) an autoscaler
// keeps in its evaluations.
const MaxPodSamples = 400_000

// autoscaler is the runtime of a service's topology.Autoscale: a handler that
// evaluates the rule every interval and boots instances.
type autoscaler struct {
	spec *topology.Autoscale
	st   *Station
	net  *Network
	// snaps are the station's cumulative figures at each evaluation, the
	// oldest within the metric window first.
	snaps []scaleSnapshot
	// recs are the recommendations of the last stabilization window.
	recs   []scaleRecommendation
	events []ScalingEvent
	count  int
	evals  []Evaluation
	evaled int // evaluations in the window, kept or not
	// pods is the buffer of the instances' samples; kept counts those
	// kept in evals.
	pods []topology.PodSample
	kept int
	// In the measurement window: the fewest and most instances.
	min, max int
	// lo and hi are the bounds in force (a schedule changes them);
	// coolUntil ends a step policy's cooldown; last is the last metric.
	lo, hi    int
	coolUntil sim.Time
	last      float64
}

type scaleSnapshot struct {
	at                             sim.Time
	busy, queue, outstanding, live float64 // areas: worker-seconds, waiting, in flight, ready instance-seconds
	backlog                        float64 // area: messages held by a worker group's queue
	arrivals                       int64
}

type scaleRecommendation struct {
	at      sim.Time
	desired int
}

// usage is what an autoscaler measures of one instance, as the metrics
// API measures a pod: when it started and became ready, and the integrals
// of its figures since it started.
type usage struct {
	started, ready           sim.Time // ready is +Inf while booting
	busy, queue, outstanding sim.TimeAverage
	arrivals                 int64
	// marks are the integrals at the evaluations within the metric
	// window, oldest first.
	marks []usageMark
	// back is when the instance last came back after being down (−Inf if
	// never), and backMark the integrals then.
	back     sim.Time
	backMark usageMark
}

// newUsage is the usage of an instance started at started and ready at
// ready.
func newUsage(started, ready sim.Time) *usage {
	return &usage{started: started, ready: ready, back: sim.Time(math.Inf(-1))}
}

// mark is the integrals at now.
func (u *usage) mark(now sim.Time) usageMark {
	return usageMark{at: now, busy: u.busy.Area(now), queue: u.queue.Area(now), outstanding: u.outstanding.Area(now), arrivals: u.arrivals}
}

// downChanged tells an autoscaled station that inst went down or came
// back at now. A down instance has no metric (a pod that is down reports
// none: missing), and one back is measured from its return: it is a
// restarted pod, whose container's CPU counter starts again (the metrics
// API gives no rate across a restart) and whose readiness changed then;
// its time down is not idle time. The step policy's station-wide metric
// likewise counts only the instances up (CloudWatch averages the
// datapoints the instances report, and a down instance reports none).
func (st *Station) downChanged(inst *instance, now sim.Time) {
	if st.deploy != nil {
		st.deploy.poke(now)
	}
	if st.scaler == nil {
		return
	}
	if !inst.down {
		inst.use.back, inst.use.backMark = now, inst.use.mark(now)
	}
	st.setInstances(now)
}

type usageMark struct {
	at                       sim.Time
	busy, queue, outstanding float64
	arrivals                 int64
}

// observe records inst's figures after one of them changed at now.
func (u *usage) observe(now sim.Time, inst *instance) {
	u.busy.Set(now, float64(inst.busy))
	u.queue.Set(now, float64(inst.queue.Len()))
	u.outstanding.Set(now, float64(inst.outstanding))
}

// Opcodes of an autoscaler's events.
const (
	opEvaluate = iota
	opBooted
	opSchedule
)

func newAutoscaler(net *Network, st *Station, spec *topology.Autoscale) *autoscaler {
	a := &autoscaler{spec: spec, st: st, net: net, min: len(st.insts), max: len(st.insts), lo: spec.Min, hi: spec.Max}
	for i, b := range spec.Schedule {
		net.k.At(sim.Time(b.At), a, opSchedule, i)
	}
	a.snaps = append(a.snaps, scaleSnapshot{})
	// The fleet ran at its initial size before the run began: ready long
	// since, and that is the recommendation the first scale-down must
	// outlast.
	for _, inst := range st.insts {
		inst.use = newUsage(sim.Time(math.Inf(-1)), sim.Time(math.Inf(-1)))
	}
	a.recs = append(a.recs, scaleRecommendation{0, len(st.insts)})
	net.k.At(sim.Time(spec.Interval), a, opEvaluate, nil)
	return a
}

// Handle implements sim.Handler.
func (a *autoscaler) Handle(now sim.Time, op int, data any) {
	switch op {
	case opBooted:
		a.st.booted(data.(*instance), now)
	case opEvaluate:
		a.evaluate(now)
		a.net.k.At(now+sim.Time(a.spec.Interval), a, opEvaluate, nil)
	case opSchedule:
		b := a.spec.Schedule[data.(int)]
		if b.HasMin {
			a.lo = b.Min
		}
		if b.HasMax {
			a.hi = b.Max
		}
		a.lo = min(a.lo, a.hi)
		ready, booting := a.st.counts()
		current := ready + booting
		a.apply(now, current, min(max(current, a.lo), a.hi), a.last, "schedule")
		if b.Every > 0 {
			a.net.k.At(now+sim.Time(b.Every), a, opSchedule, data)
		}
	}
}

// evaluate applies the rule at now.
func (a *autoscaler) evaluate(now sim.Time) {
	snap := a.st.snapshot(now)
	a.snaps = append(a.snaps, snap)
	// The window reaches back to the latest evaluation at or before
	// now − metric_window, and at least to the last one.
	window := sim.Time(max(a.spec.MetricWindow, a.spec.Interval))
	first := 0
	for first < len(a.snaps)-1 && a.snaps[first+1].at <= now-window {
		first++
	}
	a.snaps = a.snaps[first:]
	from := a.snaps[0]
	ready, booting := a.st.counts()
	current := ready + booting
	var e Evaluation
	switch {
	case a.spec.Policy == topology.PolicyStep:
		e = a.stepRule(now, snap, from, current)
	case a.spec.Metric == topology.MetricBacklogPerConsumer:
		// An External metric with an AverageValue target (Kubernetes'
		// GetExternalPerPodMetricReplicas): the whole backlog counts.
		e = Evaluation{Time: float64(now), WindowStart: float64(from.at), Desired: current, Recommendation: current}
		if current > 0 {
			backlog := (snap.backlog - from.backlog) / float64(now-from.at)
			e.Measured, e.Metric = true, backlog/float64(current)
			if math.Abs(backlog/float64(a.spec.Target*float64(current))-1) > a.spec.Tolerance {
				e.Recommendation = int(math.Ceil(backlog / a.spec.Target))
			}
			e.Desired = a.stabilize(now, e.Recommendation, current)
		}
	default:
		a.pods = a.sample(now, from.at, a.pods[:0])
		e = a.decide(now, from.at, a.pods, current)
		if len(a.evals) < MaxEvaluations && a.kept+len(a.pods) <= MaxPodSamples {
			e.Pods = slices.Clone(a.pods)
			a.kept += len(a.pods)
		}
	}
	e.Ready, e.Booting = ready, booting
	a.record(e)
	if e.Measured {
		a.last = e.Metric
		a.apply(now, current, e.Desired, e.Metric, "metric")
	}
}

// sample appends to pods each instance as the metrics API would give it at
// now, over the window from on.
func (a *autoscaler) sample(now, from sim.Time, pods []topology.PodSample) []topology.PodSample {
	cpu := a.spec.Metric == topology.MetricUtilization
	for _, inst := range a.st.insts {
		u := inst.use
		mark := u.mark(now)
		keep := 0
		for keep < len(u.marks) && u.marks[keep].at < from {
			keep++
		}
		u.marks = append(u.marks[:0], u.marks[keep:]...)
		var base usageMark // the integrals are 0 when the instance starts
		switch {
		case u.back > from:
			base = u.backMark
		case len(u.marks) > 0 && u.marks[0].at == from:
			base = u.marks[0]
		}
		u.marks = append(u.marks, mark)
		p := topology.PodSample{Started: float64(u.started), Ready: float64(u.ready), Back: float64(u.back), Deleting: inst.draining, HasMetric: !inst.down}
		// A container's CPU is measured from its start, the application's
		// own figures from when it serves; both from its return if it was
		// down.
		since := max(from, u.ready, u.back)
		if cpu {
			since = max(from, u.started, u.back)
		}
		if span := float64(now - since); p.HasMetric && (cpu || !inst.booting) {
			switch a.spec.Metric {
			case topology.MetricUtilization:
				p.Metric = (mark.busy - base.busy) / float64(span*float64(a.st.workers))
			case topology.MetricRPSPerInstance:
				p.Metric = float64(mark.arrivals-base.arrivals) / span
			case topology.MetricQueueLength:
				p.Metric = (mark.queue - base.queue) / span
			case topology.MetricInFlight:
				p.Metric = (mark.outstanding - base.outstanding) / span
			}
			p.HasMetric = span > 0
		}
		pods = append(pods, p)
	}
	return pods
}

// decide applies the target policy's rule at now to the instances' samples
// over the window from on, current being the instances wanted so far.
func (a *autoscaler) decide(now, from sim.Time, pods []topology.PodSample, current int) Evaluation {
	e := Evaluation{Time: float64(now), WindowStart: float64(from), Desired: current, Recommendation: current}
	sum, counted, unready, missing := a.spec.Group(pods, float64(now), float64(from))
	if counted == 0 {
		return e // no instance with a metric: no decision
	}
	e.Measured, e.Metric = true, sum/float64(counted)
	e.Recommendation = a.spec.Replicas(current, sum, counted, unready, missing)
	e.Desired = a.stabilize(now, e.Recommendation, current)
	return e
}

// stabilize turns the recommendation rec into the count decided at now,
// as the HPA's behavior does: scaling down, no lower than the highest
// recommendation of (now − stabilization, now]; scaling up, no
// stabilization, at most the scale-up limit; within the bounds in force.
func (a *autoscaler) stabilize(now sim.Time, rec, current int) int {
	cut := now - sim.Time(a.spec.ScaleDownStabilization)
	keep := 0
	for keep < len(a.recs) && a.recs[keep].at <= cut {
		keep++
	}
	a.recs = a.recs[keep:]
	down := rec
	for _, r := range a.recs {
		down = max(down, r.desired)
	}
	a.recs = append(a.recs, scaleRecommendation{now, rec})
	desired := min(max(current, rec), down)
	switch {
	case desired > current:
		limit := current + max(int(math.Ceil(float64(a.spec.ScaleUpPercent*float64(current)))), a.spec.ScaleUpInstances)
		desired = min(desired, limit, a.hi)
	case desired < current:
		desired = max(desired, a.lo)
	}
	return desired
}

// stepRule is the step policy's evaluation: its metric is the station's,
// per ready instance-second over the window (those of instances down left
// out: see downChanged).
func (a *autoscaler) stepRule(now sim.Time, snap, from scaleSnapshot, current int) Evaluation {
	e := Evaluation{Time: float64(now), WindowStart: float64(from.at), Desired: current, Recommendation: current}
	live := snap.live - from.live
	if live <= 0 {
		return e // no instance was ready in the window: no metric
	}
	var perInstance float64 // the metric summed over the window, per ready instance-second
	switch a.spec.Metric {
	case topology.MetricUtilization:
		perInstance = (snap.busy - from.busy) / float64(a.st.workers)
	case topology.MetricRPSPerInstance:
		perInstance = float64(snap.arrivals - from.arrivals)
	case topology.MetricQueueLength:
		perInstance = snap.queue - from.queue
	case topology.MetricInFlight:
		perInstance = snap.outstanding - from.outstanding
	case topology.MetricBacklogPerConsumer:
		perInstance = snap.backlog - from.backlog
	}
	e.Measured, e.Metric = true, perInstance/live
	e.Desired = a.step(now, e.Metric, current)
	e.Recommendation = e.Desired
	if e.Desired != current {
		a.coolUntil = now + sim.Time(a.spec.Cooldown)
	}
	return e
}

// step is a step policy's decision: during a cooldown none; otherwise the
// step with the highest threshold the metric is above adds, or else the
// one with the lowest threshold it is below removes; within the bounds.
func (a *autoscaler) step(now sim.Time, metric float64, current int) int {
	if now < a.coolUntil {
		return current
	}
	var up, down *topology.ScaleStep
	for i := range a.spec.Steps {
		st := &a.spec.Steps[i]
		switch {
		case st.IsAbove && metric > st.Above && (up == nil || st.Above > up.Above):
			up = st
		case !st.IsAbove && metric < st.Below && (down == nil || st.Below < down.Below):
			down = st
		}
	}
	desired := current
	switch {
	case up != nil:
		desired = current + up.Add
	case down != nil:
		desired = current - down.Remove
	}
	return min(max(desired, a.lo), a.hi)
}

// apply changes the instances from current to desired at now.
func (a *autoscaler) apply(now sim.Time, current, desired int, metric float64, cause string) {
	if desired == current {
		return
	}
	a.count++
	if len(a.events) < maxScalingEventsReported {
		ev := ScalingEvent{Time: float64(now), From: current, To: desired, Cause: cause, Metric: metric}
		if cause == "schedule" {
			ev.Bounds = &topology.Bounds{Min: a.lo, Max: a.hi}
		}
		a.events = append(a.events, ev)
	}
	if desired > current {
		for range desired - current {
			a.st.boot(now, a)
		}
	} else {
		a.st.shrink(now, current-desired)
	}
	a.min, a.max = min(a.min, desired), max(a.max, desired)
}

// record keeps an evaluation.
func (a *autoscaler) record(e Evaluation) {
	a.evaled++
	if len(a.evals) < MaxEvaluations {
		a.evals = append(a.evals, e)
	}
}

// resetStats starts the measurement window.
func (a *autoscaler) resetStats() {
	n := len(a.st.insts)
	a.min, a.max, a.events, a.count, a.evals, a.kept, a.evaled = n, n, nil, 0, nil, 0, 0
}

// stats reports what the autoscaler did in the window.
func (a *autoscaler) stats(now sim.Time) *Scaling {
	billed := a.st.billed.Area(now)
	span := float64(now - a.st.billed.StartTime())
	s := &Scaling{Spec: a.spec, Policy: cmp.Or(a.spec.Policy, topology.PolicyTarget), Metric: a.spec.Metric, Target: a.spec.Target, Min: a.min, Max: a.max,
		InstanceHours: billed / 3600, Events: a.events, EventCount: a.count, Evaluations: a.evals,
		Evaluated: a.evals[:min(len(a.evals), maxEvaluationsReported)], EvaluationCount: a.evaled}
	if s.Evaluated == nil {
		s.Evaluated = []Evaluation{}
	}
	if span > 0 {
		s.Mean = billed / span
	}
	if s.Events == nil {
		s.Events = []ScalingEvent{}
	}
	return s
}

// snapshot is the station's cumulative figures at now.
func (st *Station) snapshot(now sim.Time) scaleSnapshot {
	return scaleSnapshot{at: now, busy: st.cum.busy.Area(now), queue: st.cum.queue.Area(now),
		outstanding: st.cum.outstanding.Area(now), live: st.cum.live.Area(now), backlog: st.cum.backlog.Area(now), arrivals: st.cum.arrivals}
}

// counts are the instances ready to take work, and those booting.
func (st *Station) counts() (ready, booting int) { return len(st.active), st.bootingCount }

// setInstances records a change of the instances that exist or are live.
func (st *Station) setInstances(now sim.Time) {
	billed := float64(len(st.insts))
	live := float64(len(st.insts) - st.bootingCount)
	if st.deploy != nil {
		live -= float64(st.deploy.heldReady()) // a deploy's fleet held idle serves nothing
	}
	st.billed.Set(now, billed)
	st.live.Set(now, live)
	up := live // the metric's: those live and not down
	for _, inst := range st.insts {
		if inst.down && !inst.booting {
			up--
		}
	}
	st.cum.live.Set(now, up)
	if st.sampled {
		st.smp.billed.Set(now, billed)
		st.smp.live.Set(now, live)
	}
}

// setActive rebuilds the instances taking work.
func (st *Station) setActive() {
	active := make([]*instance, 0, len(st.insts))
	for _, inst := range st.insts {
		if inst.taking() {
			active = append(active, inst)
		}
	}
	st.active = active
	st.version++
	if st.onActive != nil {
		st.onActive()
	}
}

// boot adds an instance that takes work once booted.
func (st *Station) boot(now sim.Time, a *autoscaler) { st.bootFor(now, a.spec.BootTime, a, opBooted) }

// bootFor adds an instance that takes work once booted: after d seconds,
// when h is told (op, the instance) and calls booted.
func (st *Station) bootFor(now sim.Time, d float64, h sim.Handler, op int) *instance {
	inst := &instance{st: st, index: st.nextIndex, booting: true, use: newUsage(now, sim.Time(math.Inf(1)))}
	st.nextIndex++
	if st.newInstance != nil {
		st.newInstance(inst)
	}
	st.insts = append(st.insts, inst)
	st.bootingCount++
	inst.boot = st.net.k.After(d, h, op, inst)
	st.setInstances(now)
	return inst
}

// booted lets inst take work.
func (st *Station) booted(inst *instance, now sim.Time) {
	inst.booting = false
	inst.use.ready = now
	st.bootingCount--
	st.setInstances(now)
	st.setActive()
}

// shrink removes n instances: those still booting first (their boot is
// cancelled), then the newest taking work, which drain: they take no new
// work and leave when what they hold is done.
func (st *Station) shrink(now sim.Time, n int) {
	for i := len(st.insts) - 1; i >= 0 && n > 0; i-- {
		if inst := st.insts[i]; inst.booting {
			st.net.k.Cancel(inst.boot)
			inst.booting = false
			st.bootingCount--
			st.insts = slices.Delete(st.insts, i, i+1)
			n--
		}
	}
	for i := len(st.insts) - 1; i >= 0 && n > 0; i-- {
		if inst := st.insts[i]; !inst.draining {
			inst.draining = true
			n--
		}
	}
	st.setActive()
	for i := len(st.insts) - 1; i >= 0; i-- {
		if inst := st.insts[i]; inst.draining && inst.outstanding == 0 {
			st.retire(inst, now)
		}
	}
	st.setInstances(now)
}

// retire removes a drained instance.
func (st *Station) retire(inst *instance, now sim.Time) {
	if i := slices.Index(st.insts, inst); i >= 0 {
		st.insts = slices.Delete(st.insts, i, i+1)
		st.setInstances(now)
		if st.deploy != nil {
			st.deploy.retired(now)
		}
	}
}

// AutoscaleFootprint is about how many bytes the autoscalers of
// topology t hold by the end of a run of the given length: their recorded
// evaluations (with the instances' samples) and events, their metric and
// stabilization windows, and what they measure of each instance.
func AutoscaleFootprint(t *topology.Topology, duration float64) float64 {
	total := 0.0
	for _, n := range t.Nodes {
		a, _ := topology.AutoscaleOf(n.Spec)
		if a == nil || !(a.Interval > 0) {
			continue
		}
		evals := math.Min(MaxEvaluations, duration/a.Interval+1)
		windows := (a.MetricWindow+a.ScaleDownStabilization)/a.Interval + 2
		// Each instance's figures and their marks over the metric window,
		// and the instances' samples kept in the evaluations.
		most := float64(min(max(n.Spec.Units(), a.Max), topology.MaxInstances))
		perInstance := float64(float64(a.MetricWindow/a.Interval+2)*float64(unsafe.Sizeof(usageMark{}))) + float64(unsafe.Sizeof(usage{}))
		pods := math.Min(MaxPodSamples, float64(evals*most))
		total += float64(evals*float64(unsafe.Sizeof(Evaluation{}))) +
			float64(maxScalingEventsReported*float64(unsafe.Sizeof(ScalingEvent{}))) + float64(windows*64) +
			float64(most*perInstance) + float64(pods*float64(unsafe.Sizeof(topology.PodSample{})))
	}
	return total
}
