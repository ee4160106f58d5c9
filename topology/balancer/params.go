package balancer

import (
	"strconv"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// balancerParams are the fields of a load balancer.
var balancerParams = []params.Param{
	{Name: "algorithm", Type: params.Enum, Values: Algorithms, Default: DefaultAlgo, Doc: "how an instance is picked"},
	{Name: "targets", Type: params.Nodes, Required: true, Doc: "a service or a list of services; it spreads over all their instances"},
	healthCheckParam,
	topology.RateLimitParam,
	{Name: "weights", Type: params.Map, Doc: "weighted round robin: each target's share of requests", Elem: params.Of(params.Int, "the target's weight")},
}

// healthCheckParam is a load balancer's health check, with an AWS target
// group's defaults.
var healthCheckParam = params.Param{Name: "health_check", Type: params.Object, Doc: "probe the targets' instances and stop sending to those that fail (an AWS target group's)", Fields: []params.Param{
	{Name: "interval", Type: params.Duration, Default: units.FormatDuration(DefaultHealthInterval), Doc: "time between probes of an instance (the first at t = interval)"},
	{Name: "timeout", Type: params.Duration, Default: units.FormatDuration(DefaultHealthTimeout), Doc: "a probe of a down instance fails after this"},
	{Name: "unhealthy_after", Type: params.Int, Default: strconv.Itoa(DefaultUnhealthyAfter), Unit: "probes", Doc: "failed probes in a row that take an instance out"},
	{Name: "healthy_after", Type: params.Int, Default: strconv.Itoa(DefaultHealthyAfter), Unit: "probes", Doc: "successful probes in a row that bring it back"},
}}
