package scenarios

import (
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// NodeDef names the shared definition of one node in the nodes section:
// its fields depend on its kind (topology.KindParams).
const NodeDef = "node"

// objectiveParams are the fields of a set of objectives: the run's (with
// by_class and degraded_counts_as) or a class's.
func objectiveParams(run bool) []params.Param {
	var ps []params.Param
	for _, k := range SLOStatistics {
		ps = append(ps, params.Param{Name: k, Type: params.Duration, Doc: "the largest acceptable " + k + " latency"})
	}
	ps = append(ps, params.Param{Name: "error_rate", Type: params.Share, Doc: "the largest acceptable share of failed requests"})
	if run {
		ps = append(ps,
			params.Param{Name: "by_class", Type: params.Map, Doc: "objectives of request classes of their own, judged on each class's figures",
				Elem: params.Obj("the class's objectives", objectiveParams(false)...)},
			params.Param{Name: "by_region", Type: params.Map, Doc: "objectives of the users of a region (workload.regions), judged on the region's figures",
				Elem: params.Obj("the region's objectives", objectiveParams(false)...)},
			params.Param{Name: "degraded_counts_as", Type: params.Enum, Values: []string{DegradedGood, DegradedError}, Default: DegradedGood,
				Doc: "a degraded reply (a fallback answered) counts as good, or as an error"})
	}
	return ps
}

// runParams are the fields of the run section.
var runParams = []params.Param{
	{Name: "seed", Type: params.Int, Default: "1", Doc: "the seed of the run's random streams: the same seed gives the same report"},
	{Name: "warmup", Type: params.Duration, Default: "a tenth of the duration", Doc: "simulated time discarded before measuring"},
	{Name: "duration", Type: params.Duration, Default: units.FormatDuration(DefaultDuration), Doc: "simulated time measured after the warm-up"},
	{Name: "max_requests", Type: params.Number, Default: "none (20M for a steady-state run)", Unit: "requests", Doc: "stop after sending this many requests: request cap reached"},
	{Name: "max_events", Type: params.Number, Default: "1B", Unit: "events", Doc: "stop after this many simulation events: event budget reached"},
	{Name: "max_memory", Type: params.Size, Default: units.FormatBytes(DefaultMaxMemory), Unit: "bytes", Doc: "the run's memory budget, live data counting twice"},
	{Name: "max_in_flight", Type: params.Int, Default: "none", Unit: "requests", Doc: "stop past this many requests in the system: in-flight cap reached"},
	{Name: "sample", Type: params.Duration, Default: "10s when the workload changes over time, otherwise none", Doc: "the length of the windows the run is sampled over, for its time series"},
}

// Sections are the top-level sections of a scenario file (topFields), for
// the reference, the JSON Schema and completion. A node of the nodes
// section is the shared definition NodeDef, whose fields are its kind's.
func Sections() []params.Param {
	return []params.Param{
		{Name: "name", Type: params.Text, Required: true, Doc: "the scenario's name, printed in its reports"},
		{Name: "description", Type: params.Text, Doc: "what the scenario shows, for people reading the file"},
		{Name: "workload", Type: params.Object, Required: true, Doc: "how requests arrive: one of rate, users, closed, sessions or trace", Fields: workloads.Params},
		{Name: "entry", Type: params.Node, Required: true, Doc: "the node requests arrive at"},
		{Name: "nodes", Type: params.Map, Required: true, Doc: "the architecture: each node by its name, with its kind and the kind's fields",
			Elem: &params.Param{Type: params.Object, Def: NodeDef, Doc: "a node: kind and its kind's fields"}},
		{Name: "network", Type: params.Object, Doc: "the network between nodes", Fields: []params.Param{
			{Name: "latency", Type: params.Dist, Default: "0", Unit: "s", Doc: "the round trip of every call that gives no latency of its own"},
		}},
		{Name: "regions", Type: params.Object, Doc: "where nodes run and the distance between regions", Fields: topology.RegionsParams},
		{Name: "hosts", Type: params.Map, Doc: "machines several nodes share (cores, memory), each by its name", Elem: params.Obj("a host", topology.HostParams...)},
		{Name: "faults", Type: params.List, Doc: "scheduled and random faults", Elem: params.Obj("a fault: its schedule, its node and what it does", topology.FaultParams()...)},
		{Name: "deploy", Type: params.List, Doc: "scheduled deploys: a service's instances replaced (rolling, blue_green, canary)", Elem: params.Obj("a deploy: when, which service, how", topology.DeployParams...)},
		{Name: "slo", Type: params.Object, Doc: "the objectives the run is judged against", Fields: objectiveParams(true)},
		{Name: "run", Type: params.Object, Doc: "how long and how the scenario is simulated", Fields: runParams},
	}
}
