package cdn

import "github.com/scalesim/scalesim/internal/params"

// cdnParams are the fields of a CDN.
var cdnParams = []params.Param{
	{Name: "origin", Type: params.Node, Required: true, Doc: "the node misses go to"},
	{Name: "classes", Type: params.Names, Default: "all", Doc: "cached classes; others pass through to the origin"},
	{Name: "capacity", Type: params.Number, Required: true, Unit: "objects", Doc: "objects each edge holds, LRU"},
	{Name: "ttl", Type: params.Duration, Default: "forever", Doc: "how long an object stays fresh"},
	{Name: "edge_latency", Type: params.Dist, Unit: "s", Doc: "the edge's round trip to the user"},
	{Name: "origin_latency", Type: params.Dist, Unit: "s", Doc: "the round trip to the origin, on a miss"},
	{Name: "object_size", Type: params.Size, Unit: "bytes", Doc: "bytes per response, for egress"},
	{Name: "warm", Type: params.Bool, Default: "false", Doc: "start the edge in the steady state of LRU, not empty"},
}

func init() { kind.Params = cdnParams }
