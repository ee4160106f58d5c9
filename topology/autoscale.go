package topology

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
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
)

// DecodeAutoscale reads a node's autoscale section: the target policy
// (min, max, metric, target and the HPA's settings, defaults filled in) or
// policy: step with its steps and cooldown; what names the node in
// messages.
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
		// It rests on the autoscaler too: an override of it is named.
		node.Given(append(slices.Clone(node.Path), "autoscale")).Add(count, "%s (%d) must be within the autoscaler's min and max (%d to %d)", count, instances, a.Min, a.Max)
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

// Bounds are an autoscaler's min and max instances.
type Bounds struct {
	Min int `json:"min"`
	Max int `json:"max"`
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

// Group sorts the instances as Kubernetes' replica calculator sorts pods
// (groupPods): the sum of the metrics of those counted, how many are
// counted, and how many are set aside as not ready and as missing a
// metric; those being deleted are ignored. now is the metric's time and
// from where its window began.
func (a *Autoscale) Group(pods []PodSample, now, from float64) (sum float64, counted, unready, missing int) {
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

// Replicas is the replica calculation of Kubernetes' HPA (GetResourceReplicas
// and calcPlainMetricReplicas) from Group's figures: the recommendation.
func (a *Autoscale) Replicas(current int, sum float64, counted, unready, missing int) int {
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
