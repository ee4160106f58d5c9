package topology

import (
	"strconv"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/units"
)

// The tables of fields a scenario file writes that are not one kind's own:
// the fields every node takes, the parts several kinds share (calls,
// autoscale, health checks, rate limits, sizes) and the scenario's faults,
// regions and hosts sections. Each kind's own table is in a file beside it
// (NAME_params.go, or params.go in the kind's package); TestKindParams
// checks that every field a kind decodes has a row.

// dur writes a default duration as a file would.
func dur(seconds float64) string { return units.FormatDuration(seconds) }

// itoa writes a default whole number.
func itoa(n int) string { return strconv.Itoa(n) }

// CommonParams are the fields every node takes besides its kind's own.
var CommonParams = []params.Param{
	{Name: "kind", Type: params.Enum, Required: true, Doc: "the node's kind"},
	{Name: "instance", Type: params.Name, Doc: "an instance type of the price catalogue, which prices each billed unit (and sets its vCPUs and memory)"},
	{Name: "cost", Type: params.Object, Doc: "prices of the node's own, over the instance type's", Fields: []params.Param{
		{Name: "hourly", Type: params.Number, Unit: "$/h", Doc: "price of one billed unit an hour"},
		{Name: "per_gb", Type: params.Number, Unit: "$/GB", Doc: "price of each GB the node sends"},
		{Name: "per_million_requests", Type: params.Number, Unit: "$", Doc: "price of a million requests the node serves"},
	}},
	{Name: "region", Type: params.Name, Doc: "the region the node runs in (regions.default when left out)"},
	{Name: "regions", Type: params.Names, Doc: "the regions of a fleet: one copy of the node in each, named NAME@REGION (instead of region; instances may be a map of region to count)"},
	{Name: "zone", Type: params.Name, Doc: "the availability zone the node runs in, inside its region"},
	{Name: "host", Type: params.Name, Doc: "the host (of the hosts section) the node's instances run on"},
}

// sizeParams are the fields of a size: {request, reply}.
var sizeParams = []params.Param{
	{Name: "request", Type: params.Size, Default: "1KB", Unit: "bytes", Doc: "bytes of a request"},
	{Name: "reply", Type: params.Size, Default: "4KB", Unit: "bytes", Doc: "bytes of its reply"},
}

// sizesParam is a service's size, with sizes by request class.
var sizesParam = params.Param{Name: "size", Type: params.Object, Doc: "bytes of a request and of its reply, for transfer costs and network time",
	Fields: append(append([]params.Param(nil), sizeParams...),
		params.Param{Name: "by_class", Type: params.Map, Doc: "sizes of request classes of their own", Elem: params.Obj("the class's sizes", sizeParams...)})}

// classTimesParam is a service time: a distribution, or distributions by
// request class.
func classTimesParam(doc, def string) params.Param {
	return params.Param{Name: "service_time", Type: params.Dist, Default: def, Unit: "s", Doc: doc,
		Or: []params.Param{{Type: params.Object, Doc: "service times by request class", Fields: []params.Param{
			{Name: "default", Type: params.Dist, Doc: "the service time of the classes not listed"},
			{Name: "by_class", Type: params.Map, Doc: "the service time of each class listed", Elem: params.Of(params.Dist, "the class's service time")},
		}}}}
}

// gatherParams are how a parallel group or a fan-out waits for its replies.
var gatherParams = []params.Param{
	{Name: "wait", Type: params.Text, Default: "all", Doc: "all, any, or a number of replies (a quorum) the caller waits for"},
	{Name: "cancel", Type: params.Bool, Default: "false", Doc: "cancel the calls still running once enough replies came"},
}

// retriesParam is a call's retry policy (Envoy's and gRPC's semantics).
var retriesParam = params.Param{Name: "retries", Type: params.Object, Doc: "retry a failed attempt (Envoy's semantics)", Fields: []params.Param{
	{Name: "max", Type: params.Int, Default: itoa(DefaultRetries), Unit: "retries", Doc: "retries after the first attempt"},
	{Name: "backoff", Type: params.Object, Doc: "wait before the n-th retry: random in [0, min(max, (2^n − 1) × base)] (full jitter)", Fields: []params.Param{
		{Name: "base", Type: params.Duration, Default: dur(DefaultRetryBase), Doc: "base interval"},
		{Name: "max", Type: params.Duration, Default: "10 × base", Doc: "the longest wait"},
		{Name: "jitter", Type: params.Enum, Values: []string{JitterFull, JitterNone}, Default: JitterFull, Doc: "full jitter, or none (wait the upper bound)"},
	}},
	{Name: "on", Type: params.Names, Default: "all causes", Doc: "the causes retried: timeout, error, rejected"},
	{Name: "budget", Type: params.Share, Doc: "retry budget: retries in flight at most this share of the call's attempts in flight"},
	{Name: "min_retry_concurrency", Type: params.Int, Default: itoa(MinRetryConcurrency), Doc: "retries in flight the budget always allows"},
	{Name: "token_bucket", Type: params.Object, Doc: "gRPC's retry throttling", Fields: []params.Param{
		{Name: "tokens", Type: params.Number, Required: true, Doc: "the bucket's size; a failed attempt takes one, retries only while more than half are left"},
		{Name: "ratio", Type: params.Number, Required: true, Doc: "tokens a successful attempt gives back"},
	}},
}}

// policyParams are a call's resilience policies, also written once for all
// calls in call_defaults.
var policyParams = []params.Param{
	{Name: "timeout", Type: params.Duration, Unit: "s", Doc: "abandon an attempt after this long (none when left out)"},
	retriesParam,
	{Name: "circuit_breaker", Type: params.Object, Doc: "stop calling a failing node for a while", Fields: []params.Param{
		{Name: "failure_rate", Type: params.Share, Default: "50%", Doc: "the share of failed calls in the window that opens the breaker"},
		{Name: "window", Type: params.Int, Default: itoa(DefaultBreakerWindow), Unit: "calls", Doc: "the last calls judged, or a duration (10s) for a time window",
			Or: []params.Param{{Type: params.Duration}}},
		{Name: "min_calls", Type: params.Int, Default: "the window", Unit: "calls", Doc: "calls in the window before the breaker may open"},
		{Name: "open_for", Type: params.Duration, Default: dur(DefaultBreakerOpenFor), Doc: "how long an open breaker refuses calls"},
		{Name: "half_open", Type: params.Int, Default: itoa(DefaultBreakerHalfOpen), Unit: "calls", Doc: "trial calls let through when half open"},
	}},
	{Name: "hedge", Type: params.Object, Doc: "send a second attempt when the first is slow; the first reply wins", Fields: []params.Param{
		{Name: "after", Type: params.Duration, Required: true, Doc: "a delay such as 50ms, or a percentile of the call's latency such as p95",
			Or: []params.Param{{Type: params.Text}}},
	}},
}

// CallParams are the fields of one call of a service or worker group.
// A call is written {to: NODE, ...} or as the bare node name.
var CallParams []params.Param

// callElem is one call, an element of a list of calls: a shared
// definition, since calls hold calls (on_miss, write, parallel).
var callElem = &params.Param{Type: params.Object, Def: "call", Doc: "a call: {to: NODE, ...}, or the bare node name",
	Or: []params.Param{{Type: params.Node}}}

func init() {
	call := callElem
	CallParams = append([]params.Param{
		{Name: "to", Type: params.Node, Doc: "the node called"},
		{Name: "classes", Type: params.Names, Default: "all", Doc: "the request classes that make the call"},
		{Name: "op", Type: params.Enum, Values: []string{OpGet, OpSet, OpDelete}, Doc: "the operation on a cache (get, set, delete)"},
		{Name: "on_miss", Type: params.List, Elem: call, Doc: "the calls a cache get's miss makes (then the value is filled)"},
		{Name: "write", Type: params.List, Elem: call, Doc: "a set's writes to the origin behind the cache"},
		{Name: "policy", Type: params.Enum, Values: []string{WriteThrough, WriteBack}, Default: WriteThrough, Doc: "how a set writes: at once, or flushed later"},
		{Name: "latency", Type: params.Dist, Unit: "s", Default: "network.latency", Doc: "the network round trip of the call"},
		{Name: "async", Type: params.Bool, Default: "false", Doc: "do not wait for the reply"},
	}, policyParams...)
	CallParams = append(CallParams,
		params.Param{Name: "parallel", Type: params.Object, Doc: "calls sent at once", Fields: append(append([]params.Param(nil), gatherParams...),
			params.Param{Name: "calls", Type: params.List, Required: true, Elem: call, Doc: "the calls sent at once"})},
		params.Param{Name: "fan_out", Type: params.Object, Doc: "one call per key over a number of keys (followers, recipients)", Fields: append([]params.Param{
			{Name: "count", Type: params.CountDist, Required: true, Unit: "keys", Doc: "the keys a request fans out to"},
			{Name: "max", Type: params.Number, Unit: "keys", Doc: "the most keys a request fans out to"},
			{Name: "batch", Type: params.Number, Default: "1", Unit: "keys", Doc: "keys carried by one visit"},
		}, gatherParams...)},
		params.Param{Name: "fallback", Type: params.Object, Doc: "what answers when the call fails: a degraded reply", Fields: []params.Param{
			{Name: "to", Type: params.Node, Doc: "a node called instead"},
			{Name: "reply", Type: params.Dist, Unit: "s", Doc: "a canned reply after this long"},
		}},
	)
	call.Fields = CallParams
}

// CallsParam is the calls field of a service or worker group.
func CallsParam(doc string) params.Param {
	return params.Param{Name: "calls", Type: params.List, Doc: doc, Elem: callElem}
}

// CallDefaultsParam is the call_defaults field of a service or worker
// group.
var CallDefaultsParam = params.Param{Name: "call_defaults", Type: params.Object, Doc: "policies every call of the node has unless it gives its own", Fields: policyParams}

// AutoscaleParam is a service's or worker group's autoscaler: the
// Kubernetes HPA (policy: target) or an AWS step scaling policy.
var AutoscaleParam = params.Param{Name: "autoscale", Type: params.Object, Doc: "change the instances with the load, as the Kubernetes HPA does (or a step policy)", Fields: []params.Param{
	{Name: "min", Type: params.Int, Required: true, Unit: "instances", Doc: "fewest instances"},
	{Name: "max", Type: params.Int, Required: true, Unit: "instances", Doc: "most instances"},
	{Name: "policy", Type: params.Enum, Values: []string{PolicyTarget, PolicyStep}, Default: PolicyTarget, Doc: "target tracking (the HPA) or step scaling"},
	{Name: "metric", Type: params.Enum, Values: AutoscaleMetrics, Default: MetricUtilization, Doc: "what the rule follows"},
	{Name: "target", Type: params.Percent, Doc: "the metric's target per instance (a percentage for utilization)"},
	{Name: "tolerance", Type: params.Share, Default: "10%", Doc: "no change while the ratio to the target is within this"},
	{Name: "interval", Type: params.Duration, Default: dur(DefaultScaleInterval), Doc: "time between evaluations (1m for a step policy)"},
	{Name: "metric_window", Type: params.Duration, Default: dur(DefaultMetricWindow), Doc: "the window the metric is averaged over"},
	{Name: "boot_time", Type: params.Duration, Default: dur(DefaultBootTime), Doc: "how long a new instance takes before it serves"},
	{Name: "initialization_period", Type: params.Duration, Default: dur(DefaultInitializationPeriod), Doc: "the HPA's CPU initialization period"},
	{Name: "initial_readiness_delay", Type: params.Duration, Default: dur(DefaultInitialReadinessDelay), Doc: "the HPA's initial readiness delay"},
	{Name: "scale_up", Type: params.Object, Doc: "the most one evaluation adds (the larger of the two)", Fields: []params.Param{
		{Name: "max_percent", Type: params.Percent, Default: "100%", Doc: "of the instances"},
		{Name: "max_instances", Type: params.Int, Default: itoa(DefaultScaleUpInstances), Unit: "instances", Doc: "instances"},
	}},
	{Name: "scale_down", Type: params.Object, Doc: "how scaling down is held back", Fields: []params.Param{
		{Name: "stabilization", Type: params.Duration, Default: dur(DefaultScaleDownWindow), Doc: "scale down to the highest recommendation over this window"},
	}},
	{Name: "steps", Type: params.List, Doc: "a step policy's steps", Elem: params.Obj("{above: THRESHOLD, add: N} or {below: THRESHOLD, remove: N}",
		params.Param{Name: "above", Type: params.Percent, Doc: "the metric above which instances are added"},
		params.Param{Name: "below", Type: params.Percent, Doc: "the metric below which instances are removed"},
		params.Param{Name: "add", Type: params.Int, Unit: "instances", Doc: "instances added"},
		params.Param{Name: "remove", Type: params.Int, Unit: "instances", Doc: "instances removed"})},
	{Name: "cooldown", Type: params.Duration, Default: dur(DefaultCooldown), Doc: "a step policy's wait after a change"},
	{Name: "schedule", Type: params.List, Doc: "scheduled bounds (min and max from a time on)", Elem: params.Obj("a scheduled change of the bounds",
		params.Param{Name: "at", Type: params.Duration, Doc: "when it takes effect"},
		params.Param{Name: "every", Type: params.Duration, Doc: "repeat this often"},
		params.Param{Name: "min", Type: params.Int, Unit: "instances", Doc: "the new min"},
		params.Param{Name: "max", Type: params.Int, Unit: "instances", Doc: "the new max"})},
}}

// RateLimitParam is a token bucket at a node's door.
var RateLimitParam = params.Param{Name: "rate_limit", Type: params.Object, Doc: "refuse requests over a rate (a token bucket)", Fields: []params.Param{
	{Name: "rate", Type: params.Number, Required: true, Unit: "requests/s", Doc: "requests a second let in"},
	{Name: "burst", Type: params.Number, Default: "a second's worth", Unit: "requests", Doc: "the bucket's size"},
}}

// workersParam, instancesParam and queueParam are a station's sizes.
var (
	instancesParam = params.Param{Name: "instances", Type: params.Int, Default: "1", Unit: "instances", Doc: "identical instances",
		Or: []params.Param{{Type: params.Map, Doc: "a fleet's instances in each of its regions", Elem: params.Of(params.Int, "the region's instances")}}}
	workersParam = params.Param{Name: "workers", Type: params.Int, Default: "1", Unit: "workers", Doc: "concurrency per instance; an instance's workers share one FIFO queue",
		Or: []params.Param{{Type: params.Object, Doc: "workers from the instance type's vCPUs", Fields: []params.Param{
			{Name: "per_vcpu", Type: params.Int, Required: true, Unit: "workers", Doc: "workers per vCPU of the instance type (its own or its host's)"},
		}}}}
	queueParam = params.Param{Name: "queue", Type: params.Int, Default: "unlimited", Unit: "requests", Doc: "waiting places per instance; arrivals beyond are rejected"}
)

// FaultParams are the fields of a fault entry: its schedule, then each
// registered fault kind's field (what the fault does).
func FaultParams() []params.Param {
	ps := []params.Param{
		{Name: "at", Type: params.Duration, Doc: "when the fault starts (after the warm-up's start)"},
		{Name: "for", Type: params.Duration, Doc: "how long it lasts"},
		{Name: "every", Type: params.Duration, Doc: "repeat it this often"},
		{Name: "mttf", Type: params.Duration, Doc: "random faults: mean time to failure (exponential)"},
		{Name: "mttr", Type: params.Duration, Doc: "random faults: mean time to repair (exponential)"},
		{Name: "node", Type: params.Node, Doc: "the node struck"},
		{Name: "region", Type: params.Name, Doc: "instead of node: every node with workers placed in the region goes down (a region outage)"},
	}
	for _, k := range faultKinds {
		p := k.Param
		if p.Type == "" {
			p = params.Param{Type: params.Any, Doc: "what the fault does (see docs/failure.md)"}
		}
		p.Name = k.Name
		ps = append(ps, p)
	}
	return ps
}

// RegionsParams are the fields of the scenario's regions section.
var RegionsParams = []params.Param{
	{Name: "default", Type: params.Name, Doc: "the region of nodes that name none"},
	{Name: "names", Type: params.Map, Doc: "regions of the scenario's own, each the catalogue region it stands for", Elem: params.Of(params.Name, "a catalogue region")},
	{Name: "rtt", Type: params.List, Doc: "round trips between regions, over the catalogue's", Elem: params.Obj("a round trip between two regions",
		params.Param{Name: "between", Type: params.Names, Required: true, Doc: "the two regions"},
		params.Param{Name: "rtt", Type: params.Duration, Required: true, Doc: "their round trip"})},
	{Name: "zone_rtt", Type: params.Duration, Doc: "the round trip between zones of a region"},
}

// HostParams are the fields of one host of the hosts section.
var HostParams = []params.Param{
	{Name: "cores", Type: params.Int, Unit: "cores", Doc: "cores the host's nodes share (default: its instance type's vCPUs)"},
	{Name: "memory", Type: params.Size, Unit: "bytes", Doc: "memory the host's nodes share (default: its instance type's)"},
	{Name: "instance", Type: params.Name, Doc: "an instance type of the price catalogue, which prices the host"},
	{Name: "cost", Type: params.Object, Doc: "the host's price", Fields: []params.Param{
		{Name: "hourly", Type: params.Number, Unit: "$/h", Doc: "price an hour"},
	}},
}

// KindParams are every field a node of kind k takes: the common ones,
// then its own, with kind's value k.Name.
func KindParams(k *Kind) []params.Param {
	ps := append([]params.Param(nil), CommonParams...)
	ps[0].Values = []string{k.Name}
	return append(ps, k.Params...)
}
