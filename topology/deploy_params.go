package topology

import (
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/units"
)

// DeployParams are the fields of a deploy entry (see Deploy), in the
// decoder's order (deployFields).
var DeployParams = []params.Param{
	{Name: "at", Type: params.Duration, Required: true, Doc: "when the deploy starts"},
	{Name: "node", Type: params.Node, Required: true, Doc: "the service whose instances are replaced"},
	{Name: "strategy", Type: params.Enum, Values: DeployStrategies, Default: StrategyRolling, Doc: "rolling (Kubernetes), blue_green (a second fleet, traffic switched at once) or canary (Argo Rollouts' steps)"},
	{Name: "max_surge", Type: params.Int, Or: []params.Param{{Type: params.Percent}}, Default: units.Percent(DefaultMaxSurge), Unit: "instances", Doc: "rolling and canary: instances above the fleet's size, a count or a percentage (rounded up)"},
	{Name: "max_unavailable", Type: params.Int, Or: []params.Param{{Type: params.Percent}}, Default: units.Percent(DefaultMaxUnavailable), Unit: "instances", Doc: "rolling and canary: instances below the fleet's size taking work, a count or a percentage (rounded down)"},
	{Name: "boot_time", Type: params.Duration, Default: units.FormatDuration(DefaultBootTime), Doc: "how long a new instance takes before it serves"},
	{Name: "keep", Type: params.Duration, Default: units.FormatDuration(DefaultKeep), Doc: "blue_green: how long the old fleet is kept (billed) after the switch"},
	{Name: "steps", Type: params.List, Doc: "canary: the weights it goes through", Elem: params.Obj("a canary step",
		params.Param{Name: "weight", Type: params.Percent, Required: true, Doc: "the share of the instances that are new"},
		params.Param{Name: "for", Type: params.Duration, Default: "0s", Doc: "how long the step holds once its instances are ready"})},
}
