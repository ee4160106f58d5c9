package workers

import (
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/topology"
)

// workersParams are the fields of a worker group.
var workersParams = []params.Param{
	{Name: "from", Type: params.Node, Required: true, Doc: "the queue the group takes messages from"},
	{Name: "consumers", Type: params.Int, Default: "1", Unit: "consumers", Doc: "consumers, one message at a time each; billed as instances"},
	{Name: "batch", Type: params.Int, Default: "1", Unit: "messages", Doc: "messages one receive takes (at most 10)"},
	{Name: "service_time", Type: params.Dist, Unit: "s", Doc: "a message's own processing, before its calls"},
	topology.CallsParam("the calls a processing makes, in order (anything a service can call, other queues included)"),
	topology.CallDefaultsParam,
	{Name: "failure_rate", Type: params.Share, Default: "0", Doc: "a processing fails with this probability (or when a call is rejected)"},
	{Name: "retry_backoff", Type: params.Duration, Default: "the visibility timeout", Doc: "a failed message is visible again after this (0s: at once)"},
	topology.AutoscaleParam,
}
