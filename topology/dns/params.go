package dns

import (
	"strconv"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/units"
)

// dnsParams are the fields of a DNS (Route 53's routing policies).
var dnsParams = []params.Param{
	{Name: "policy", Type: params.Enum, Values: Policies, Default: Latency, Doc: "how a user's target is chosen"},
	{Name: "targets", Type: params.Nodes, Required: true, Doc: "the regional entries it sends users to"},
	{Name: "weights", Type: params.Map, Doc: "each target's weight (policy: weighted)", Elem: params.Of(params.Number, "the target's weight")},
	{Name: "geo", Type: params.Map, Doc: "the target of each user region; default takes the others (policy: geo)", Elem: params.Of(params.Node, "the region's target")},
	{Name: "ttl", Type: params.Duration, Default: units.FormatDuration(DefaultTTL), Doc: "how long a client holds an answer"},
	{Name: "health_check", Type: params.Object, Doc: "health checks of the targets", Fields: []params.Param{
		{Name: "interval", Type: params.Duration, Default: units.FormatDuration(DefaultHealthInterval), Doc: "time between checks"},
		{Name: "failure_threshold", Type: params.Int, Default: strconv.Itoa(DefaultFailureThreshold), Unit: "checks", Doc: "failed checks in a row that take a target out"},
	}},
}

func init() { kind.Params = dnsParams }
