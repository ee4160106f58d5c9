package topology

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Autoscale is a service's horizontal autoscaler, with the semantics and
// defaults of the Kubernetes Horizontal Pod Autoscaler: the algorithm of
// its documentation ("Horizontal Pod Autoscaling", Algorithm details) and
// of its replica calculator, with autoscaling/v2 behavior.
//
//   - Every Interval, each instance's own metric is its average over the
//     metric window (the part of it since the instance became ready, or
//     came back after being down, as a restarted pod), as the metrics API
//     gives each pod's.
//   - The instances are sorted as the HPA sorts pods: those scaled down
//     (draining: being deleted) are ignored; those without a metric (down,
//     or ready for none of the window) are missing; those not ready are
//     set aside. For utilization, the HPA's CPU rule: within
//     InitializationPeriod of its start an instance is also set aside
//     until its metric window lies wholly after it became ready; after
//     it, an instance never ready is set aside while InitialReadinessDelay
//     is above 0. For the other metrics a booting instance is set aside.
//   - The usage ratio is the average metric of the others ÷ Target. Unless
//     some are missing or, scaling up, some are set aside, desired =
//     ceil(ratio × their count), and nothing changes within Tolerance.
//     Otherwise the average is taken again with the missing ones at the
//     target (at 100% if more, for utilization) on a scale-down and at 0 on
//     a scale-up, and those set aside at 0 on a scale-up; if that ratio is
//     within Tolerance or on the other side of 1, nothing changes, else
//     desired = ceil(ratio × instances counted), unless that reverses the
//     direction. No instance with a metric: no decision.
//   - backlog_per_consumer is an External metric with an AverageValue
//     target (as KEDA gives a queue's length to the HPA): desired =
//     ceil(backlog ÷ target) unless backlog ÷ (target × instances) is
//     within Tolerance.
//   - The recommendation is stabilized: scaling down, the count goes no
//     lower than the highest recommendation of (now − ScaleDownStabilization,
//     now], the initial count counting as recommended at time 0 (the fleet
//     ran before the run); scaling up, no stabilization. Then a scale-up
//     adds at most max(ScaleUpPercent of the instances, ScaleUpInstances)
//     per interval, within Max; a scale-down stops at Min.
//   - A new instance is billed from the start but serves nothing for
//     BootTime (it is not ready); an instance scaled down takes no new
//     work and leaves when the work it holds is done (graceful), so
//     scaling drops no request.
type Autoscale struct {
	Min, Max int
	Metric   string
	// Target is the metric's desired value per instance: a share of
	// workers busy for utilization (above 1 allowed, as the HPA allows a
	// target above 100%, though workers are never more than all busy),
	// requests per second for rps_per_instance, requests for
	// queue_length and in_flight, messages for backlog_per_consumer.
	Target    float64
	Tolerance float64
	// Interval, MetricWindow, ScaleDownStabilization and BootTime are in
	// seconds; a MetricWindow shorter than Interval is one interval.
	Interval, MetricWindow, ScaleDownStabilization, BootTime float64
	// InitializationPeriod and InitialReadinessDelay (seconds) are the
	// HPA's CPU rule for utilization: kube-controller-manager's
	// --horizontal-pod-autoscaler-cpu-initialization-period (default 5m)
	// and --horizontal-pod-autoscaler-initial-readiness-delay (30s).
	InitializationPeriod, InitialReadinessDelay float64
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
	DefaultTolerance       = 0.1
	DefaultScaleInterval   = 15.0
	DefaultMetricWindow    = 60.0
	DefaultScaleDownWindow = 300.0
	DefaultBootTime        = 60.0
	// DefaultInitializationPeriod and DefaultInitialReadinessDelay are
	// kube-controller-manager's defaults.
	DefaultInitializationPeriod  = 300.0
	DefaultInitialReadinessDelay = 30.0
	DefaultScaleUpPercent        = 1.0
	DefaultScaleUpInstances      = 4
	autoscaleFieldsUsage         = "min, max, metric, target"
	scaleUpFieldsUsage           = "max_percent, max_instances"
	maxScalingEventsReported     = 1000
)

func DecodeAutoscale(d *yamlfile.Decoder, n *yaml.Node, what string) *Autoscale {
	a := &Autoscale{Metric: MetricUtilization, Tolerance: DefaultTolerance, Interval: DefaultScaleInterval,
		MetricWindow: DefaultMetricWindow, ScaleDownStabilization: DefaultScaleDownWindow, BootTime: DefaultBootTime,
		InitializationPeriod: DefaultInitializationPeriod, InitialReadinessDelay: DefaultInitialReadinessDelay,
		ScaleUpPercent: DefaultScaleUpPercent, ScaleUpInstances: DefaultScaleUpInstances}
	m, ok := d.Mapping(n, what+" autoscale", "min", "max", "metric", "target", "tolerance", "interval",
		"metric_window", "scale_up", "scale_down", "boot_time", "policy", "steps", "cooldown", "schedule",
		"initialization_period", "initial_readiness_delay")
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
			a.Target, _ = decodePercent(d, m.Get("target"), what+" target")
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
	durationField("initialization_period", &a.InitializationPeriod)
	durationField("initial_readiness_delay", &a.InitialReadinessDelay)
	if a.Metric != MetricUtilization {
		for _, k := range []string{"initialization_period", "initial_readiness_delay"} {
			if m.Has(k) {
				d.Errorf(m.Key(k), "%s is the HPA's CPU rule: it goes with metric: utilization", k)
			}
		}
	}
	if m.Has("scale_up") {
		if up, ok := d.Mapping(m.Get("scale_up"), what+" scale_up", "max_percent", "max_instances"); ok {
			if up.Has("max_percent") {
				a.ScaleUpPercent, _ = decodePercent(d, up.Get("max_percent"), what+" scale_up max_percent")
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
	for _, k := range []string{"target", "tolerance", "scale_up", "scale_down", "initialization_period", "initial_readiness_delay"} {
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

// decodePercent reads a share written as 60% or 0.6, which may be above
// 100%, as the HPA's averageUtilization and Percent policies may be.
func decodePercent(d *yamlfile.Decoder, n *yaml.Node, what string) (float64, bool) {
	if n.Kind != yaml.ScalarNode {
		d.Errorf(n, "%s: want a percentage such as 60%% or 200%%", what)
		return 0, false
	}
	s, scale := strings.TrimSpace(n.Value), 1.0
	if num, pct := strings.CutSuffix(s, "%"); pct {
		s, scale = strings.TrimSpace(num), 0.01
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		d.Errorf(n, "%s: want a percentage such as 60%% or 200%%, got %s", what, n.Value)
		return 0, false
	}
	return float64(v * scale), true
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

// Validate records what is wrong with the autoscaler of a service or
// worker group; e is the node's, instances its initial instances, and
// consumers says it scales a worker group's consumers.
func (a *Autoscale) Validate(node field.Errors, instances int, consumers bool) {
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
		if !(a.Target > 0) || math.IsInf(a.Target, 0) {
			e.Add("target", "autoscale target must be positive, got %g", a.Target)
		}
		if !(a.Tolerance >= 0 && a.Tolerance < 1) {
			e.Add("tolerance", "autoscale tolerance must be from 0 to below 100%%, got %g", a.Tolerance)
		}
	}
	entriesOK := true
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
		default:
			continue
		}
		entriesOK = false
	}
	if entriesOK && a.Min <= a.Max {
		a.checkScheduleTimeline(e)
	}
	if !(a.Interval >= MinScaleInterval) || math.IsInf(a.Interval, 0) {
		e.Add("interval", "autoscale interval must be at least %s", units.FormatDuration(MinScaleInterval))
	}
	for _, f := range []struct {
		key string
		v   float64
	}{{"metric_window", a.MetricWindow}, {"boot_time", a.BootTime}, {"scale_down", a.ScaleDownStabilization},
		{"initialization_period", a.InitializationPeriod}, {"initial_readiness_delay", a.InitialReadinessDelay}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			e.Add(f.key, "autoscale %s must be a duration of 0 or more", f.key)
		}
	}
	if a.Policy != PolicyStep && (!(a.ScaleUpPercent >= 0) || a.ScaleUpInstances < 0 || (a.ScaleUpPercent == 0 && a.ScaleUpInstances == 0)) {
		e.Add("scale_up", "autoscale scale_up must allow some growth: max_percent or max_instances above 0")
	}
}

// maxScheduleWork bounds the work of checkScheduleTimeline: entries ×
// times followed.
const maxScheduleWork = 1_000_000

// checkScheduleTimeline refuses a schedule whose entries contradict one
// another: two that take effect at one time (which wins would be an
// accident of their order), or one that sets a min above the max in force
// (a max set below the min in force wins: an outage, or scaling to zero at
// night). It follows the bounds through the entries' times, repeats
// included, up to the latest first time plus twice the longest repeat (so
// that every phase of one repeat against another shows), or until
// maxScheduleWork.
func (a *Autoscale) checkScheduleTimeline(e field.Errors) {
	n := len(a.Schedule)
	if n == 0 {
		return
	}
	next := make([]float64, n) // each entry's next time
	horizon, longest := 0.0, 0.0
	for i, b := range a.Schedule {
		next[i] = b.At
		horizon, longest = max(horizon, b.At), max(longest, b.Every)
	}
	horizon += 2 * longest
	lo, hi, hiFrom := a.Min, a.Max, -1 // −1: the autoscaler's own
	source := func(j int) string {
		if j < 0 {
			return "the autoscaler's max"
		}
		return "set by schedule entry " + strconv.Itoa(j)
	}
	for steps := 0; steps*n < maxScheduleWork; steps++ {
		i := -1
		for j, t := range next {
			if t <= horizon && (i < 0 || t < next[i]) {
				i = j
			}
		}
		if i < 0 {
			return
		}
		at, b := next[i], a.Schedule[i]
		se := e.In("schedule", strconv.Itoa(i))
		for j, t := range next {
			if j != i && t == at {
				se.Add("at", "schedule entries %d and %d both take effect at %s; make them one entry", min(i, j), max(i, j), units.FormatDuration(at))
				return
			}
		}
		if b.HasMin {
			lo = b.Min
		}
		if b.HasMax {
			hi, hiFrom = b.Max, i
		}
		switch {
		case lo > hi && b.HasMin:
			se.Add("min", "at %s this entry's min (%d) is above the max in force (%d, %s)", units.FormatDuration(at), lo, hi, source(hiFrom))
			return
		case lo > hi:
			lo = hi // a new max below the min wins (an outage, scaling to zero)
		}
		next[i] = math.Inf(1)
		if b.Every > 0 {
			next[i] = at + b.Every
		}
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
	// Metric is the metric's value that led to the change: its average
	// over the instances the rule counted (the last measured, for a
	// schedule).
	Metric float64 `json:"metric"`
	// Bounds are the bounds in force after a schedule's change (nil for
	// the rule's).
	Bounds *Bounds `json:"bounds,omitempty"`
}

// Bounds are an autoscaler's min and max instances.
type Bounds struct {
	Min int `json:"min"`
	Max int `json:"max"`
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
	Pods []PodSample `json:"-"`
}

// PodSample is one instance at an evaluation, as the HPA sees a pod.
type PodSample struct {
	// Started is when it was started and Ready when it became ready
	// (+Inf while booting); −Inf both for the fleet the run began with.
	Started, Ready float64
	// Metric is its own average over the metric window: for utilization
	// since it started (a container's CPU is measured from its start; a
	// booting instance uses none), for the other metrics since it became
	// ready (the application's own figures); for an instance back from
	// being down, since it came back. HasMetric is false when it has none:
	// down, or not started (ready, back) in the window.
	Metric    float64
	HasMetric bool
	// Back is when it last came back after being down (−Inf if it never
	// was): a pod whose container restarted, ready again then.
	Back float64
	// Deleting says it was scaled down and is draining.
	Deleting bool
}

// MaxEvaluations bounds the evaluations a Scaling keeps.
const MaxEvaluations = 100_000

// maxEvaluationsReported bounds the evaluations the JSON report lists.
const maxEvaluationsReported = 1000

// MaxPodSamples bounds the PodSamples an autoscaler keeps in its
// evaluations.
const MaxPodSamples = 400_000

// autoscaler is the runtime of a service's Autoscale: a handler that
// evaluates the rule every interval and boots instances.
type autoscaler struct {
	spec *Autoscale
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
	pods []PodSample
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

func newAutoscaler(net *Network, st *Station, spec *Autoscale) *autoscaler {
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
	case a.spec.Policy == PolicyStep:
		e = a.stepRule(now, snap, from, current)
	case a.spec.Metric == MetricBacklogPerConsumer:
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
func (a *autoscaler) sample(now, from sim.Time, pods []PodSample) []PodSample {
	cpu := a.spec.Metric == MetricUtilization
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
		p := PodSample{Started: float64(u.started), Ready: float64(u.ready), Back: float64(u.back), Deleting: inst.draining, HasMetric: !inst.down}
		// A container's CPU is measured from its start, the application's
		// own figures from when it serves; both from its return if it was
		// down.
		since := max(from, u.ready, u.back)
		if cpu {
			since = max(from, u.started, u.back)
		}
		if span := float64(now - since); p.HasMetric && (cpu || !inst.booting) {
			switch a.spec.Metric {
			case MetricUtilization:
				p.Metric = (mark.busy - base.busy) / float64(span*float64(a.st.workers))
			case MetricRPSPerInstance:
				p.Metric = float64(mark.arrivals-base.arrivals) / span
			case MetricQueueLength:
				p.Metric = (mark.queue - base.queue) / span
			case MetricInFlight:
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
func (a *autoscaler) decide(now, from sim.Time, pods []PodSample, current int) Evaluation {
	e := Evaluation{Time: float64(now), WindowStart: float64(from), Desired: current, Recommendation: current}
	sum, counted, unready, missing := a.spec.group(pods, float64(now), float64(from))
	if counted == 0 {
		return e // no instance with a metric: no decision
	}
	e.Measured, e.Metric = true, sum/float64(counted)
	e.Recommendation = a.spec.replicas(current, sum, counted, unready, missing)
	e.Desired = a.stabilize(now, e.Recommendation, current)
	return e
}

// group sorts the instances as Kubernetes' replica calculator sorts pods
// (groupPods): the sum of the metrics of those counted, how many are
// counted, and how many are set aside as not ready and as missing a
// metric; those being deleted are ignored. now is the metric's time and
// from where its window began.
func (a *Autoscale) group(pods []PodSample, now, from float64) (sum float64, counted, unready, missing int) {
	cpu := a.Metric == MetricUtilization
	for _, p := range pods {
		booting := p.Ready > now
		switch {
		case p.Deleting:
			continue
		case booting && (!cpu || !p.HasMetric):
			unready++ // not yet running, as a Pending pod
			continue
		case !p.HasMetric:
			missing++
			continue
		}
		if cpu {
			// The CPU rule. A booting instance's readiness has been false
			// since it started; one back from being down became ready again
			// when it came back.
			aside := booting || from < max(p.Ready, p.Back)
			if now >= p.Started+a.InitializationPeriod {
				aside = booting && p.Started+a.InitialReadinessDelay > p.Started
			}
			if aside {
				unready++
				continue
			}
		}
		sum += p.Metric
		counted++
	}
	return sum, counted, unready, missing
}

// replicas is the replica calculation of Kubernetes' HPA (GetResourceReplicas
// and calcPlainMetricReplicas) from group's figures: the recommendation.
func (a *Autoscale) replicas(current int, sum float64, counted, unready, missing int) int {
	ratio := sum / float64(counted) / a.Target
	within := func(r float64) bool { return math.Abs(r-1) <= a.Tolerance }
	upWithUnready := unready > 0 && ratio > 1
	if !upWithUnready && missing == 0 {
		if within(ratio) {
			return current
		}
		return int(math.Ceil(ratio * float64(counted)))
	}
	n := counted
	switch {
	case missing > 0 && ratio < 1:
		// Scaling down, the missing use the target (for utilization, all
		// of the instance if the target is above it).
		fallback := a.Target
		if a.Metric == MetricUtilization {
			fallback = max(1, a.Target)
		}
		sum += float64(float64(missing) * fallback)
		n += missing
	case missing > 0 && ratio > 1:
		n += missing // at 0
	}
	if upWithUnready {
		n += unready // at 0
	}
	again := sum / float64(n) / a.Target
	if within(again) || (ratio < 1 && again > 1) || (ratio > 1 && again < 1) {
		return current
	}
	desired := int(math.Ceil(again * float64(n)))
	if (again < 1 && desired > current) || (again > 1 && desired < current) {
		return current
	}
	return desired
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
		ev := ScalingEvent{Time: float64(now), From: current, To: desired, Cause: cause, Metric: metric}
		if cause == "schedule" {
			ev.Bounds = &Bounds{a.lo, a.hi}
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
	s := &Scaling{Spec: a.spec, Policy: cmp.Or(a.spec.Policy, PolicyTarget), Metric: a.spec.Metric, Target: a.spec.Target, Min: a.min, Max: a.max,
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

// Autoscaled says some node of the topology changes its instances over
// time.
func (t *Topology) Autoscaled() bool {
	for _, n := range t.Nodes {
		if a, _ := AutoscaleOf(n.Spec); a != nil {
			return true
		}
	}
	return false
}

// AutoscaleFootprint is about how many bytes the autoscalers of
// topology t hold by the end of a run of the given length: their recorded
// evaluations (with the instances' samples) and events, their metric and
// stabilization windows, and what they measure of each instance.
func AutoscaleFootprint(t *Topology, duration float64) float64 {
	total := 0.0
	for _, n := range t.Nodes {
		a, _ := AutoscaleOf(n.Spec)
		if a == nil || !(a.Interval > 0) {
			continue
		}
		evals := math.Min(MaxEvaluations, duration/a.Interval+1)
		windows := (a.MetricWindow+a.ScaleDownStabilization)/a.Interval + 2
		// Each instance's figures and their marks over the metric window,
		// and the instances' samples kept in the evaluations.
		most := float64(min(max(n.Spec.Units(), a.Max), MaxInstances))
		perInstance := float64(float64(a.MetricWindow/a.Interval+2)*float64(unsafe.Sizeof(usageMark{}))) + float64(unsafe.Sizeof(usage{}))
		pods := math.Min(MaxPodSamples, float64(evals*most))
		total += float64(evals*float64(unsafe.Sizeof(Evaluation{}))) +
			float64(maxScalingEventsReported*float64(unsafe.Sizeof(ScalingEvent{}))) + float64(windows*64) +
			float64(most*perInstance) + float64(pods*float64(unsafe.Sizeof(PodSample{})))
	}
	return total
}
