package topology

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"unsafe"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Autoscale is a service's horizontal autoscaler, with the semantics and
// defaults of the Kubernetes Horizontal Pod Autoscaler (the algorithm
// described in its documentation, autoscaling/v2 behavior):
//
//   - every Interval, the metric is averaged per ready instance over the
//     last MetricWindow, and desired = ceil(ready × metric ÷ target);
//   - nothing changes while |metric ÷ target − 1| ≤ Tolerance;
//   - scaling up, booting instances count as using nothing (HPA's
//     not-yet-ready pods), which damps a scale-up already under way;
//   - a scale-up adds at most max(100% of the instances, 4) per interval,
//     with no stabilization; a scale-down takes the highest recommendation
//     of the last ScaleDownStabilization (default 5m), the initial count
//     counting as recommended at time 0 (the fleet ran before the run);
//   - a new instance is billed from the start but serves nothing for
//     BootTime; an instance scaled down takes no new work and leaves when
//     the work it holds is done (graceful), so scaling drops no request.
type Autoscale struct {
	Min, Max int
	Metric   string
	// Target is the metric's desired value per instance: a share of
	// workers busy for utilization, requests per second for
	// rps_per_instance, requests for queue_length and in_flight.
	Target    float64
	Tolerance float64
	// Interval, MetricWindow, ScaleDownStabilization and BootTime are in
	// seconds; a MetricWindow shorter than Interval is one interval.
	Interval, MetricWindow, ScaleDownStabilization, BootTime float64
	// ScaleUpPercent and ScaleUpInstances bound a scale-up per interval:
	// the larger of the two (HPA's default policies, selectPolicy: Max).
	ScaleUpPercent   float64
	ScaleUpInstances int

	// Policy is PolicyTarget (the HPA's rule, above) or PolicyStep: the
	// step scaling of AWS Auto Scaling, where a metric beyond a threshold
	// adds or removes a fixed number of instances, and after a change
	// nothing changes for Cooldown seconds (default 300s, AWS's default).
	Policy   string
	Steps    []ScaleStep
	Cooldown float64
	// Schedule changes Min and Max at times, as scheduled actions do
	// (AWS Auto Scaling, KEDA's cron scaler): the fleet is brought within
	// the new bounds at once.
	Schedule []ScheduledBounds
}

// Scaling policies.
const (
	PolicyTarget = "target"
	PolicyStep   = "step"
)

// ScaleStep is one step of a step policy: when the metric is above Above,
// add Add instances; when below Below, remove Remove. Of the steps that
// apply, the farthest threshold wins.
type ScaleStep struct {
	Above, Below float64
	IsAbove      bool
	Add, Remove  int
}

// ScheduledBounds sets the autoscaler's bounds at a time (seconds since
// the start), and again every Every seconds if Every is positive. A Min or
// Max of 0 leaves that bound as it is.
type ScheduledBounds struct {
	At, Every float64
	// Min and Max are the bounds set, where HasMin and HasMax say so. A
	// worker group may be given 0 (its consumers stop: an outage, or
	// KEDA's scale to zero); a service keeps at least one instance.
	Min, Max       int
	HasMin, HasMax bool
}

// Autoscaler metrics.
const (
	MetricUtilization    = "utilization"
	MetricRPSPerInstance = "rps_per_instance"
	MetricQueueLength    = "queue_length"
	MetricInFlight       = "in_flight"
	// MetricBacklogPerConsumer is the messages a worker group's queue
	// holds (visible or in flight, as KEDA's SQS scaler counts them by
	// default) per ready consumer.
	MetricBacklogPerConsumer = "backlog_per_consumer"
)

// AutoscaleMetrics lists the metrics an autoscaler can follow.
var AutoscaleMetrics = []string{MetricUtilization, MetricRPSPerInstance, MetricQueueLength, MetricInFlight, MetricBacklogPerConsumer}

// HPA defaults.
const (
	DefaultTolerance         = 0.1
	DefaultScaleInterval     = 15.0
	DefaultMetricWindow      = 60.0
	DefaultScaleDownWindow   = 300.0
	DefaultBootTime          = 60.0
	DefaultScaleUpPercent    = 1.0
	DefaultScaleUpInstances  = 4
	autoscaleFieldsUsage     = "min, max, metric, target"
	scaleUpFieldsUsage       = "max_percent, max_instances"
	maxScalingEventsReported = 1000
)

func decodeAutoscale(d *yamlfile.Decoder, n *yaml.Node, what string) *Autoscale {
	a := &Autoscale{Metric: MetricUtilization, Tolerance: DefaultTolerance, Interval: DefaultScaleInterval,
		MetricWindow: DefaultMetricWindow, ScaleDownStabilization: DefaultScaleDownWindow, BootTime: DefaultBootTime,
		ScaleUpPercent: DefaultScaleUpPercent, ScaleUpInstances: DefaultScaleUpInstances}
	m, ok := d.Mapping(n, what+" autoscale", "min", "max", "metric", "target", "tolerance", "interval",
		"metric_window", "scale_up", "scale_down", "boot_time", "policy", "steps", "cooldown", "schedule")
	if !ok {
		return a
	}
	what += " autoscale"
	a.Policy = PolicyTarget
	if m.Has("policy") {
		a.Policy = d.OneOf(m.Get("policy"), "policy", PolicyTarget, PolicyStep)
	}
	if a.Policy == PolicyStep {
		return decodeStepPolicy(d, m, a, what)
	}
	for _, k := range []string{"steps", "cooldown"} {
		if m.Has(k) {
			d.Errorf(m.Key(k), "%s goes with policy: step", k)
		}
	}
	if m.Has("schedule") {
		a.Schedule = decodeSchedule(d, m.Get("schedule"), what)
	}
	if m.Has("min") {
		a.Min, _ = d.Int(m.Get("min"), what+" min", 1)
	} else {
		d.Errorf(m.Node, "%s needs min and max (instances)", what)
	}
	if m.Has("max") {
		a.Max, _ = d.Int(m.Get("max"), what+" max", 1)
	} else if m.Has("min") {
		d.Errorf(m.Node, "%s needs max (instances)", what)
	}
	if m.Has("metric") {
		if v := d.OneOf(m.Get("metric"), "metric", AutoscaleMetrics...); v != "" {
			a.Metric = v
		}
	}
	if m.Has("target") {
		if a.Metric == MetricUtilization {
			a.Target, _ = d.Fraction(m.Get("target"), what+" target")
		} else {
			a.Target, _ = d.Positive(m.Get("target"), what+" target")
		}
	} else {
		d.Errorf(m.Node, "%s needs a target for its metric, e.g. target: 60%% for utilization", what)
	}
	if m.Has("tolerance") {
		a.Tolerance, _ = d.Fraction(m.Get("tolerance"), what+" tolerance")
	}
	durationField := func(key string, v *float64) {
		if m.Has(key) {
			*v, _ = d.Duration(m.Get(key), what+" "+key)
		}
	}
	durationField("interval", &a.Interval)
	durationField("metric_window", &a.MetricWindow)
	durationField("boot_time", &a.BootTime)
	if m.Has("scale_up") {
		if up, ok := d.Mapping(m.Get("scale_up"), what+" scale_up", "max_percent", "max_instances"); ok {
			if up.Has("max_percent") {
				a.ScaleUpPercent, _ = d.Fraction(up.Get("max_percent"), what+" scale_up max_percent")
			}
			if up.Has("max_instances") {
				a.ScaleUpInstances, _ = d.Int(up.Get("max_instances"), what+" scale_up max_instances", 0)
			}
		}
	}
	if m.Has("scale_down") {
		if down, ok := d.Mapping(m.Get("scale_down"), what+" scale_down", "stabilization"); ok && down.Has("stabilization") {
			a.ScaleDownStabilization, _ = d.Duration(down.Get("stabilization"), what+" scale_down stabilization")
		}
	}
	return a
}

// decodeStepPolicy reads the fields of a step policy.
func decodeStepPolicy(d *yamlfile.Decoder, m yamlfile.Map, a *Autoscale, what string) *Autoscale {
	a.Interval, a.MetricWindow, a.Cooldown = 60, 60, DefaultCooldown // CloudWatch's one-minute period
	for _, k := range []string{"target", "tolerance", "scale_up", "scale_down"} {
		if m.Has(k) {
			d.Errorf(m.Key(k), "%s goes with policy: target; a step policy has steps", k)
		}
	}
	if m.Has("min") {
		a.Min, _ = d.Int(m.Get("min"), what+" min", 1)
	}
	if m.Has("max") {
		a.Max, _ = d.Int(m.Get("max"), what+" max", 1)
	}
	if !m.Has("min") || !m.Has("max") {
		d.Errorf(m.Node, "%s needs min and max (instances)", what)
	}
	if m.Has("metric") {
		if v := d.OneOf(m.Get("metric"), "metric", AutoscaleMetrics...); v != "" {
			a.Metric = v
		}
	}
	for _, f := range []struct {
		key string
		v   *float64
	}{{"interval", &a.Interval}, {"metric_window", &a.MetricWindow}, {"boot_time", &a.BootTime}, {"cooldown", &a.Cooldown}} {
		if m.Has(f.key) {
			*f.v, _ = d.Duration(m.Get(f.key), what+" "+f.key)
		}
	}
	if !m.Has("steps") || m.Get("steps").Kind != yaml.SequenceNode {
		d.Errorf(m.Node, "%s with policy: step needs steps, e.g. [{above: 70%%, add: 2}, {below: 30%%, remove: 1}]", what)
	} else {
		for _, item := range m.Get("steps").Content {
			sm, ok := d.Mapping(item, what+" step", "above", "below", "add", "remove")
			if !ok {
				continue
			}
			var st ScaleStep
			threshold := func(key string) float64 {
				if a.Metric == MetricUtilization {
					v, _ := d.Fraction(sm.Get(key), what+" step "+key)
					return v
				}
				v, _ := d.Float(sm.Get(key))
				return v
			}
			switch {
			case sm.Has("above") && sm.Has("add") && !sm.Has("below") && !sm.Has("remove"):
				st.IsAbove, st.Above = true, threshold("above")
				st.Add, _ = d.Int(sm.Get("add"), what+" step add", 1)
			case sm.Has("below") && sm.Has("remove") && !sm.Has("above") && !sm.Has("add"):
				st.Below = threshold("below")
				st.Remove, _ = d.Int(sm.Get("remove"), what+" step remove", 1)
			default:
				d.Errorf(item, "a step is {above: THRESHOLD, add: N} or {below: THRESHOLD, remove: N}")
			}
			a.Steps = append(a.Steps, st)
		}
	}
	if m.Has("schedule") {
		a.Schedule = decodeSchedule(d, m.Get("schedule"), what)
	}
	return a
}

// DefaultCooldown is a step policy's cooldown: AWS Auto Scaling's default.
const DefaultCooldown = 300.0

// decodeSchedule reads scheduled bounds: [{at: 8h, min: 10}, {at: 20h, min: 2, every: 1d}].
func decodeSchedule(d *yamlfile.Decoder, n *yaml.Node, what string) []ScheduledBounds {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "%s schedule must be a list, e.g. [{at: 8h, min: 10}]", what)
		return nil
	}
	var out []ScheduledBounds
	for _, item := range n.Content {
		sm, ok := d.Mapping(item, what+" schedule entry", "at", "every", "min", "max")
		if !ok {
			continue
		}
		var b ScheduledBounds
		if sm.Has("at") {
			b.At, _ = d.Duration(sm.Get("at"), "schedule at")
		} else {
			d.Errorf(item, "a schedule entry needs at: the time it takes effect")
		}
		if sm.Has("every") {
			b.Every, _ = d.Duration(sm.Get("every"), "schedule every")
		}
		if sm.Has("min") {
			b.Min, b.HasMin = d.Int(sm.Get("min"), what+" schedule min", 0)
		}
		if sm.Has("max") {
			b.Max, b.HasMax = d.Int(sm.Get("max"), what+" schedule max", 0)
		}
		if !sm.Has("min") && !sm.Has("max") {
			d.Errorf(item, "a schedule entry sets min, max or both")
		}
		out = append(out, b)
	}
	return out
}

// validate records what is wrong with the autoscaler of a service or
// worker group; e is the node's, instances its initial instances, and
// consumers says it scales a worker group's consumers.
func (a *Autoscale) validate(node field.Errors, instances int, consumers bool) {
	e := node.In("autoscale")
	switch {
	case a.Min < 1:
		e.Add("min", "autoscale min must be at least 1, got %d", a.Min)
	case a.Max < a.Min:
		e.Add("max", "autoscale max (%d) must be at least min (%d)", a.Max, a.Min)
	case a.Max > MaxInstances:
		e.Add("max", "autoscale max is at most %d instances, got %d", MaxInstances, a.Max)
	case instances < a.Min || instances > a.Max:
		count := "instances"
		if consumers {
			count = "consumers"
		}
		node.Add(count, "%s (%d) must be within the autoscaler's min and max (%d to %d)", count, instances, a.Min, a.Max)
	}
	if !slices.Contains(AutoscaleMetrics, a.Metric) {
		e.Add("metric", "unknown autoscale metric %q", a.Metric)
	}
	if a.Metric == MetricBacklogPerConsumer && !consumers {
		e.Add("metric", "backlog_per_consumer follows the queue a worker group takes from; a service has none")
	}
	floor := 1
	if consumers {
		floor = 0
	}
	if a.Policy == PolicyStep {
		a.validateSteps(e)
	} else {
		if !(a.Target > 0) || math.IsInf(a.Target, 0) || (a.Metric == MetricUtilization && a.Target > 1) {
			e.Add("target", "autoscale target must be positive (a utilization at most 100%%), got %g", a.Target)
		}
		if !(a.Tolerance >= 0 && a.Tolerance < 1) {
			e.Add("tolerance", "autoscale tolerance must be from 0 to below 100%%, got %g", a.Tolerance)
		}
	}
	for i, b := range a.Schedule {
		se := e.In("schedule", strconv.Itoa(i))
		switch {
		case !(b.At >= 0) || math.IsInf(b.At, 0):
			se.Add("at", "a schedule entry's time must be 0 or more")
		case b.Every != 0 && (!(b.Every >= MinScaleInterval) || math.IsInf(b.Every, 0)):
			se.Add("every", "a schedule entry repeats every %s or more", units.FormatDuration(MinScaleInterval))
		case (b.HasMin && b.Min < floor) || (b.HasMax && b.Max < floor):
			se.Add("", "a schedule entry keeps at least 1 instance of a service (only a worker group's consumers can be scaled to 0)")
		case b.HasMin && b.HasMax && b.Max < b.Min:
			se.Add("max", "a schedule entry's max (%d) is below its min (%d)", b.Max, b.Min)
		case b.Min > MaxInstances || b.Max > MaxInstances:
			se.Add("", "a schedule entry's bounds are at most %d instances", MaxInstances)
		}
	}
	if !(a.Interval >= MinScaleInterval) || math.IsInf(a.Interval, 0) {
		e.Add("interval", "autoscale interval must be at least %s", units.FormatDuration(MinScaleInterval))
	}
	for _, f := range []struct {
		key string
		v   float64
	}{{"metric_window", a.MetricWindow}, {"boot_time", a.BootTime}, {"scale_down", a.ScaleDownStabilization}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			e.Add(f.key, "autoscale %s must be a duration of 0 or more", f.key)
		}
	}
	if a.Policy != PolicyStep && (!(a.ScaleUpPercent >= 0) || a.ScaleUpInstances < 0 || (a.ScaleUpPercent == 0 && a.ScaleUpInstances == 0)) {
		e.Add("scale_up", "autoscale scale_up must allow some growth: max_percent or max_instances above 0")
	}
}

// validateSteps checks a step policy's steps.
func (a *Autoscale) validateSteps(e field.Errors) {
	if len(a.Steps) == 0 {
		e.Add("steps", "a step policy needs at least one step")
	}
	for i, st := range a.Steps {
		se := e.In("steps", strconv.Itoa(i))
		v := st.Below
		if st.IsAbove {
			v = st.Above
		}
		if !(v >= 0) || math.IsInf(v, 0) {
			se.Add("", "a step's threshold must be 0 or more")
		}
		if !(a.Cooldown >= 0) || math.IsInf(a.Cooldown, 0) {
			e.Add("cooldown", "cooldown must be a duration of 0 or more")
		}
	}
}

// MinScaleInterval bounds how often an autoscaler is evaluated, which bounds
// its events.
const MinScaleInterval = 1.0

// ScalingEvent is one change of a service's instance count.
type ScalingEvent struct {
	Time float64 `json:"time"` // seconds since the run started
	From int     `json:"from"`
	To   int     `json:"to"`
	// Cause is "metric" (the rule) or "schedule" (new bounds).
	Cause string `json:"cause"`
	// Metric is the metric's value per ready instance, averaged over the
	// metric window, that led to the change (the last measured, for a
	// schedule).
	Metric float64 `json:"metric"`
}

// Scaling is what an autoscaled service did over the measurement window.
type Scaling struct {
	// Spec is the autoscaler's settings.
	Spec *Autoscale `json:"-"`
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
	// or plot it; not in the JSON report.
	Evaluations []Evaluation `json:"-"`
}

// Evaluation is one evaluation of the autoscaling rule.
type Evaluation struct {
	Time float64
	// Metric is the metric per ready instance over the metric window;
	// Measured is false when no instance was ready in it (no decision).
	Metric   float64
	Measured bool
	// Ready and Booting are the instances before the decision; Desired is
	// the instance count decided (Ready + Booting for no change).
	Ready, Booting, Desired int
}

// MaxEvaluations bounds the evaluations a Scaling keeps.
const MaxEvaluations = 100_000

// autoscaler is the runtime of a service's Autoscale: a handler that
// evaluates the rule every interval and boots instances.
type autoscaler struct {
	spec *Autoscale
	st   *station
	net  *Network
	// snaps are the cumulative figures at each evaluation, the oldest
	// within the metric window first.
	snaps []scaleSnapshot
	// recs are the recommendations of the last stabilization window.
	recs   []scaleRecommendation
	events []ScalingEvent
	count  int
	evals  []Evaluation
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

// Opcodes of an autoscaler's events.
const (
	opEvaluate = iota
	opBooted
	opSchedule
)

func newAutoscaler(net *Network, st *station, spec *Autoscale) *autoscaler {
	a := &autoscaler{spec: spec, st: st, net: net, min: len(st.insts), max: len(st.insts), lo: spec.Min, hi: spec.Max}
	for i, b := range spec.Schedule {
		net.k.At(sim.Time(b.At), a, opSchedule, i)
	}
	a.snaps = append(a.snaps, scaleSnapshot{})
	// The fleet ran at its initial size before the run began: that is the
	// recommendation the first scale-down must outlast.
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
	// The window reaches back to the latest snapshot at or before
	// now − metric_window, and at least to the last evaluation.
	window := sim.Time(max(a.spec.MetricWindow, a.spec.Interval))
	first := 0
	for first < len(a.snaps)-1 && a.snaps[first+1].at <= now-window {
		first++
	}
	a.snaps = a.snaps[first:]
	from := a.snaps[0]
	live := snap.live - from.live
	ready, booting := a.st.counts()
	current := ready + booting
	if live <= 0 {
		a.record(Evaluation{Time: float64(now), Ready: ready, Booting: booting, Desired: current})
		return // no instance was ready in the window: no metric
	}
	var perInstance float64 // the metric summed over the window, per ready instance-second
	switch a.spec.Metric {
	case MetricUtilization:
		perInstance = (snap.busy - from.busy) / float64(a.st.workers)
	case MetricRPSPerInstance:
		perInstance = float64(snap.arrivals - from.arrivals)
	case MetricQueueLength:
		perInstance = snap.queue - from.queue
	case MetricInFlight:
		perInstance = snap.outstanding - from.outstanding
	case MetricBacklogPerConsumer:
		perInstance = snap.backlog - from.backlog
	}
	metric := perInstance / live
	a.last = metric
	if a.spec.Policy == PolicyStep {
		desired := a.step(now, metric, current)
		a.record(Evaluation{Time: float64(now), Metric: metric, Measured: true, Ready: ready, Booting: booting, Desired: desired})
		if desired != current {
			a.coolUntil = now + sim.Time(a.spec.Cooldown)
		}
		a.apply(now, current, desired, metric, "metric")
		return
	}
	desired := current
	ratio := metric / a.spec.Target
	if math.Abs(ratio-1) > a.spec.Tolerance {
		desired = int(math.Ceil(float64(ratio * float64(ready))))
		if ratio > 1 && booting > 0 {
			// Booting instances count as using nothing, as HPA's
			// not-yet-ready pods do when scaling up.
			r2 := metric * float64(ready) / float64(a.spec.Target*float64(current))
			desired = current
			if r2 > 1+a.spec.Tolerance {
				desired = int(math.Ceil(float64(r2 * float64(current))))
			}
		}
	}
	desired = min(max(desired, a.lo), a.hi)
	a.recs = append(a.recs, scaleRecommendation{now, desired})
	keep := 0
	for keep < len(a.recs) && a.recs[keep].at < now-sim.Time(a.spec.ScaleDownStabilization) {
		keep++
	}
	a.recs = a.recs[keep:]
	switch {
	case desired > current:
		limit := current + max(int(math.Ceil(float64(a.spec.ScaleUpPercent*float64(current)))), a.spec.ScaleUpInstances)
		desired = min(desired, limit)
	case desired < current:
		for _, r := range a.recs {
			desired = max(desired, r.desired) // the highest in the window wins,
		}
		desired = min(desired, current) // but stabilizing never scales up
	}
	a.record(Evaluation{Time: float64(now), Metric: metric, Measured: true, Ready: ready, Booting: booting, Desired: desired})
	a.apply(now, current, desired, metric, "metric")
}

// step is a step policy's decision: during a cooldown none; otherwise the
// step with the highest threshold the metric is above adds, or else the
// one with the lowest threshold it is below removes; within the bounds.
func (a *autoscaler) step(now sim.Time, metric float64, current int) int {
	if now < a.coolUntil {
		return current
	}
	var up, down *ScaleStep
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
		a.events = append(a.events, ScalingEvent{Time: float64(now), From: current, To: desired, Cause: cause, Metric: metric})
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
	if len(a.evals) < MaxEvaluations {
		a.evals = append(a.evals, e)
	}
}

// resetStats starts the measurement window.
func (a *autoscaler) resetStats() {
	n := len(a.st.insts)
	a.min, a.max, a.events, a.count, a.evals = n, n, nil, 0, nil
}

// stats reports what the autoscaler did in the window.
func (a *autoscaler) stats(now sim.Time) *Scaling {
	billed := a.st.billed.Area(now)
	span := float64(now - a.st.billed.StartTime())
	s := &Scaling{Spec: a.spec, Policy: cmp.Or(a.spec.Policy, PolicyTarget), Metric: a.spec.Metric, Target: a.spec.Target, Min: a.min, Max: a.max,
		InstanceHours: billed / 3600, Events: a.events, EventCount: a.count, Evaluations: a.evals}
	if span > 0 {
		s.Mean = billed / span
	}
	if s.Events == nil {
		s.Events = []ScalingEvent{}
	}
	return s
}

// snapshot is the station's cumulative figures at now.
func (st *station) snapshot(now sim.Time) scaleSnapshot {
	return scaleSnapshot{at: now, busy: st.cum.busy.Area(now), queue: st.cum.queue.Area(now),
		outstanding: st.cum.outstanding.Area(now), live: st.cum.live.Area(now), backlog: st.cum.backlog.Area(now), arrivals: st.cum.arrivals}
}

// counts are the instances ready to take work, and those booting.
func (st *station) counts() (ready, booting int) { return len(st.active), st.bootingCount }

// setInstances records a change of the instances that exist or are live.
func (st *station) setInstances(now sim.Time) {
	billed := float64(len(st.insts))
	live := float64(len(st.insts) - st.bootingCount)
	st.billed.Set(now, billed)
	st.live.Set(now, live)
	st.cum.live.Set(now, live)
	if st.sampled {
		st.smp.billed.Set(now, billed)
		st.smp.live.Set(now, live)
	}
}

// setActive rebuilds the instances taking work.
func (st *station) setActive() {
	active := make([]*instance, 0, len(st.insts))
	for _, inst := range st.insts {
		if !inst.booting && !inst.draining {
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
func (st *station) boot(now sim.Time, a *autoscaler) {
	inst := &instance{st: st, index: st.nextIndex, booting: true}
	st.nextIndex++
	if st.newInstance != nil {
		st.newInstance(inst)
	}
	st.insts = append(st.insts, inst)
	st.bootingCount++
	inst.boot = st.net.k.After(a.spec.BootTime, a, opBooted, inst)
	st.setInstances(now)
}

// booted lets inst take work.
func (st *station) booted(inst *instance, now sim.Time) {
	inst.booting = false
	st.bootingCount--
	st.setInstances(now)
	st.setActive()
}

// shrink removes n instances: those still booting first (their boot is
// cancelled), then the newest taking work, which drain: they take no new
// work and leave when what they hold is done.
func (st *station) shrink(now sim.Time, n int) {
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
func (st *station) retire(inst *instance, now sim.Time) {
	if i := slices.Index(st.insts, inst); i >= 0 {
		st.insts = slices.Delete(st.insts, i, i+1)
		st.setInstances(now)
	}
}

// Autoscaled says some node of the topology changes its instances over
// time.
func (t *Topology) Autoscaled() bool {
	for _, n := range t.Nodes {
		if s, ok := n.Spec.(*Service); ok && s.Autoscale != nil {
			return true
		}
	}
	return false
}

// AutoscaleFootprint is about how many bytes the autoscalers of the
// topology hold by the end of a run of the given length: their recorded
// evaluations and events, and their metric and stabilization windows.
func (t *Topology) AutoscaleFootprint(duration float64) float64 {
	total := 0.0
	for _, n := range t.Nodes {
		s, ok := n.Spec.(*Service)
		if !ok || s.Autoscale == nil || !(s.Autoscale.Interval > 0) {
			continue
		}
		a := s.Autoscale
		evals := math.Min(MaxEvaluations, duration/a.Interval+1)
		windows := (a.MetricWindow+a.ScaleDownStabilization)/a.Interval + 2
		total += float64(evals*float64(unsafe.Sizeof(Evaluation{}))) +
			float64(maxScalingEventsReported*float64(unsafe.Sizeof(ScalingEvent{}))) + float64(windows*64)
	}
	return total
}
