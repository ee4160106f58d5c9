package topology

import "github.com/scalesim/scalesim/internal/params"

// balancerParams are the fields of a load balancer.
var balancerParams = []params.Param{
	{Name: "algorithm", Type: params.Enum, Values: Algorithms, Default: DefaultAlgo, Doc: "how an instance is picked"},
	{Name: "targets", Type: params.Nodes, Required: true, Doc: "a service or a list of services; it spreads over all their instances"},
	healthCheckParam,
	rateLimitParam,
	{Name: "weights", Type: params.Map, Doc: "weighted round robin: each target's share of requests", Elem: params.Of(params.Int, "the target's weight")},
}

func init() { balancerKind.Params = balancerParams }
