package service

import (
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/topology"
)

// serviceParams are the fields of a service.
var serviceParams = []params.Param{
	topology.InstancesParam,
	topology.WorkersParam,
	topology.QueueParam,
	topology.ClassTimesParam("a request's own work at an instance, before its calls", "0"),
	topology.CallsParam("after its own service time, the calls it makes in order, waiting for each reply"),
	topology.CallDefaultsParam,
	{Name: "blocking", Type: params.Bool, Default: "true", Doc: "the worker is held while calls run; false is an event loop, freed after its service time"},
	topology.AutoscaleParam,
	topology.RateLimitParam,
	{Name: "max_concurrency", Type: params.Int, Default: "no limit", Unit: "requests", Doc: "requests an instance holds at once (Envoy's max_requests); more are shed"},
	{Name: "shed_after", Type: params.Duration, Doc: "shed a request whose wait the queue promises (its length ÷ workers × the mean holding time) is longer than this"},
	{Name: "sessions", Type: params.Object, Doc: "where users' sessions are kept: local (on the instance), or {store: NODE}", Fields: []params.Param{
		{Name: "store", Type: params.Node, Required: true, Doc: "the node that keeps them, read on every request"},
	}, Or: []params.Param{{Type: params.Enum, Values: []string{"local"}}}},
	topology.SizesParam,
}
