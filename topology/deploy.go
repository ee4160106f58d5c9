package topology

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/units"
)

// Deploy is one entry of a scenario's deploy schedule: at At, every
// instance of a service is replaced by a new one, in the way its Strategy
// says. A new instance is billed from its start and takes work BootTime
// later; an old one taken out drains: it takes no new work, finishes what
// it holds (the requests in service and those queued at it) and leaves.
//
//   - rolling: a Kubernetes Deployment's RollingUpdate ("Deployments",
//     kubernetes.io/docs/concepts/workloads/controllers/deployment/): at
//     most N + MaxSurge instances (N: the fleet's size at At) exist and at
//     least N − MaxUnavailable take work; a percentage of N rounds up for
//     the surge and down for the unavailable, and if both come to 0 one
//     instance may be unavailable (the controller's fenceposts). Old
//     instances are taken out as new ones become ready; an instance that
//     is draining no longer counts, as a terminating pod does not.
//   - blue_green: a second fleet of N is booted at At; when all of it is
//     ready, all traffic goes to it at once, and the old fleet, idle, is
//     kept for Keep (AWS CodeDeploy's blue/green termination wait), then
//     terminated: both fleets are billed for the boot and Keep.
//   - canary: Argo Rollouts' canary without a traffic router, where the
//     weight of a step is reached by the counts of instances: ceil(w × N)
//     new ones and ceil((1 − w) × N) old ones (at most N + MaxSurge in
//     all), so the canary's share of the traffic is its share of the
//     instances taking work. Each step holds For once its instances are
//     ready; after the last one the update finishes as a rolling one.
type Deploy struct {
	At   float64
	Node string
	// Strategy is one of DeployStrategies.
	Strategy string
	// MaxSurge and MaxUnavailable bound a rolling or canary update.
	MaxSurge, MaxUnavailable Budget
	// BootTime is how long a new instance takes before it serves (the
	// node's autoscaler's default, DefaultBootTime).
	BootTime float64
	// Keep is how long blue_green keeps the old fleet after the switch.
	Keep float64
	// Steps are a canary's weights.
	Steps []CanaryStep
	// given are the fields the entry gave, for refusing those that do not
	// go with its strategy.
	given []string
}

// Budget is a count of instances: N, or a share of the fleet's size.
type Budget struct {
	N     int
	Share float64
	// IsShare says the budget is Share (a percentage), not N.
	IsShare bool
}

// String writes the budget as a file does: "25%" or "1".
func (b Budget) String() string {
	if b.IsShare {
		return units.Percent(b.Share)
	}
	return strconv.Itoa(b.N)
}

// zero says the budget allows nothing whatever the fleet's size.
func (b Budget) zero() bool { return (b.IsShare && b.Share == 0) || (!b.IsShare && b.N == 0) }

// Of is the budget for a fleet of n: a share rounded up (a surge) or down
// (unavailable), as Kubernetes' intstr.GetScaledValueFromIntOrPercent.
func (b Budget) Of(n int, up bool) int {
	if !b.IsShare {
		return b.N
	}
	v := float64(b.Share * float64(n))
	// A share written as a percentage is exact in hundredths: round off
	// the binary error before rounding to whole instances.
	v = math.Round(float64(v*1e9)) / 1e9
	if up {
		return int(math.Ceil(v))
	}
	return int(math.Floor(v))
}

// CanaryStep is one step of a canary: Weight of the instances are new,
// for For seconds once they are ready.
type CanaryStep struct {
	Weight, For float64
}

// Deploy strategies.
const (
	StrategyRolling   = "rolling"
	StrategyBlueGreen = "blue_green"
	StrategyCanary    = "canary"
)

// DeployStrategies lists the strategies of a deploy.
var DeployStrategies = []string{StrategyRolling, StrategyBlueGreen, StrategyCanary}

// Deploy defaults: Kubernetes' maxSurge and maxUnavailable (25% each,
// which Argo Rollouts' canary keeps), and the blue/green fleet's keep.
// CodeDeploy lets the termination wait be 0 to 2880 minutes and sets no
// default of its own in its API; 5 minutes is scalesim's.
const (
	DefaultMaxSurge       = 0.25
	DefaultMaxUnavailable = 0.25
	DefaultKeep           = 300.0
)

// deployFields are the fields of a deploy entry.
var deployFields = []string{"at", "node", "strategy", "max_surge", "max_unavailable", "boot_time", "keep", "steps"}

// DecodeDeploys reads a deploy schedule: a list of {at, node, strategy,
// max_surge, max_unavailable, boot_time, keep, steps}.
func DecodeDeploys(d *yamlfile.Decoder, n *yaml.Node) []Deploy {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "deploy must be a list, e.g. [{at: 10m, node: app, strategy: rolling}]")
		return nil
	}
	var out []Deploy
	for _, item := range n.Content {
		m, ok := d.Mapping(item, "deploy", deployFields...)
		if !ok {
			continue
		}
		p := Deploy{Strategy: StrategyRolling, BootTime: DefaultBootTime, Keep: DefaultKeep,
			MaxSurge: Budget{Share: DefaultMaxSurge, IsShare: true}, MaxUnavailable: Budget{Share: DefaultMaxUnavailable, IsShare: true}}
		p.given = m.Keys()
		StringField(d, m, "node", &p.Node)
		if m.Has("at") {
			DurationField(d, m, "at", "deploy", &p.At)
		} else {
			d.Errorf(m.Node, "a deploy needs at: when it starts, e.g. at: 10m")
		}
		if m.Has("strategy") {
			p.Strategy = d.OneOf(m.Get("strategy"), "strategy", DeployStrategies...)
		}
		DurationField(d, m, "boot_time", "deploy", &p.BootTime)
		DurationField(d, m, "keep", "deploy", &p.Keep)
		for _, f := range []struct {
			key string
			to  *Budget
		}{{"max_surge", &p.MaxSurge}, {"max_unavailable", &p.MaxUnavailable}} {
			if m.Has(f.key) {
				if b, ok := decodeBudget(d, m.Get(f.key), "deploy "+f.key); ok {
					*f.to = b
				}
			}
		}
		if m.Has("steps") {
			p.Steps = decodeCanarySteps(d, m.Get("steps"))
		}
		out = append(out, p)
	}
	return out
}

// decodeBudget reads a count of instances or a percentage of the fleet.
func decodeBudget(d *yamlfile.Decoder, n *yaml.Node, what string) (Budget, bool) {
	if n.Kind == yaml.ScalarNode && strings.HasSuffix(strings.TrimSpace(n.Value), "%") {
		v, ok := decodePercent(d, n, what)
		return Budget{Share: v, IsShare: true}, ok
	}
	v, ok := d.Int(n, what, 0)
	return Budget{N: v}, ok
}

// decodeCanarySteps reads a canary's steps: [{weight: 10%, for: 5m}, ...].
func decodeCanarySteps(d *yamlfile.Decoder, n *yaml.Node) []CanaryStep {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "steps must be a list, e.g. [{weight: 10%%, for: 5m}, {weight: 50%%, for: 5m}]")
		return nil
	}
	var out []CanaryStep
	for _, item := range n.Content {
		m, ok := d.Mapping(item, "canary step", "weight", "for")
		if !ok {
			continue
		}
		var s CanaryStep
		if m.Has("weight") {
			s.Weight, _ = decodePercent(d, m.Get("weight"), "canary weight")
		} else {
			d.Errorf(m.Node, "a canary step needs weight: the share of the instances that are new, e.g. weight: 10%%")
		}
		DurationField(d, m, "for", "canary step", &s.For)
		out = append(out, s)
	}
	return out
}

// MaxDeploys bounds a deploy schedule.
const MaxDeploys = 1000

// validateDeploys records what is wrong with the deploy schedule, under
// deploy.N.
func (t *Topology) validateDeploys(e field.Errors) {
	if len(t.Deploys) > MaxDeploys {
		e.Add("deploy", "at most %d deploys, got %d", MaxDeploys, len(t.Deploys))
		return
	}
	for i := range t.Deploys {
		p := &t.Deploys[i]
		pe := e.In("deploy", strconv.Itoa(i))
		node := t.byName[p.Node]
		switch {
		case p.Node == "":
			pe.AddAtKey("", "a deploy needs node: the service whose instances it replaces")
		case node == nil && !contains(t.declared, p.Node):
			pe.Add("node", "deploy of %q, which is not a node%s", p.Node, t.unknownNode(p.Node))
		case node == nil:
		case !node.Kind().Deployed:
			what := "which has no instances of its own to replace"
			if node.Kind().Workers {
				what = "whose instances are not replaced by a deploy here (a deploy replaces a service's)"
			}
			pe.Given(node.Path("kind")).Add("node", "a deploy replaces a service's instances; %s is a %s, %s", p.Node, node.Kind().Noun, what)
		default:
			if a, _ := AutoscaleOf(node.Spec); a != nil {
				pe.Given(node.Path("autoscale")).Add("node", "%s has an autoscaler: a deploy of an autoscaled node is not modelled (Kubernetes scales the old and new ReplicaSets proportionally while the HPA changes the count); deploy a node of fixed instances", p.Node)
			}
		}
		for _, v := range []float64{p.At, p.BootTime, p.Keep} {
			if !(v >= 0) || math.IsInf(v, 0) {
				pe.AddAtKey("", "a deploy's times must be durations of 0 or more")
				break
			}
		}
		p.checkStrategy(pe)
		for j := range i {
			if q := &t.Deploys[j]; q.Node == p.Node && q.At == p.At && p.Node != "" {
				pe.Add("at", "deploy %d of %s starts at the same time as deploy %d (deploy.%d.at): which goes first is not defined; start them apart (a later one replaces what the earlier one left)", i, p.Node, j, j)
				e.In("deploy", strconv.Itoa(j)).Add("at", "deploy %d of %s starts at the same time as deploy %d (deploy.%d.at)", j, p.Node, i, i)
			}
		}
	}
}

// checkStrategy records the fields that do not go with the strategy and
// the values it refuses, under the deploy's path e.
func (p *Deploy) checkStrategy(e field.Errors) {
	own := map[string][]string{
		StrategyRolling:   {"max_surge", "max_unavailable", "boot_time"},
		StrategyBlueGreen: {"boot_time", "keep"},
		StrategyCanary:    {"max_surge", "max_unavailable", "boot_time", "steps"},
	}[p.Strategy]
	if own == nil {
		return // refused when decoded
	}
	for _, k := range p.given {
		if !contains([]string{"at", "node", "strategy"}, k) && !contains(own, k) {
			e.Add(k, "%s goes with strategy %s, not %s", k, strategyOf(k), p.Strategy)
		}
	}
	if p.Strategy != StrategyBlueGreen {
		for _, b := range []struct {
			key string
			v   Budget
		}{{"max_surge", p.MaxSurge}, {"max_unavailable", p.MaxUnavailable}} {
			switch {
			case b.v.IsShare && !(b.v.Share <= 1):
				e.Add(b.key, "%s is at most 100%% of the instances", b.key)
			case !b.v.IsShare && b.v.N > MaxInstances:
				e.Add(b.key, "%s is at most %d instances", b.key, MaxInstances)
			}
		}
		if p.MaxSurge.zero() && p.MaxUnavailable.zero() {
			// As the Deployment's validation refuses it.
			e.Add("max_unavailable", "max_surge and max_unavailable cannot both be 0: no instance could be replaced")
		}
	}
	if p.Strategy != StrategyCanary {
		return
	}
	if len(p.Steps) == 0 {
		e.AddAtKey("", "a canary needs steps: the weights it goes through, e.g. steps: [{weight: 10%%, for: 5m}]")
	}
	if len(p.Steps) > MaxDeploys {
		e.Add("steps", "at most %d steps", MaxDeploys)
		return
	}
	last := 0.0
	for i, s := range p.Steps {
		se := e.In("steps", strconv.Itoa(i))
		switch {
		case !(s.Weight > 0 && s.Weight <= 1):
			se.Add("weight", "a canary weight is a share above 0%% and at most 100%%")
		case s.Weight < last:
			se.Add("weight", "a canary's weights must not go down (%s after %s)", units.Percent(s.Weight), units.Percent(last))
		}
		if !(s.For >= 0) || math.IsInf(s.For, 0) {
			se.Add("for", "a canary step's for must be a duration of 0 or more")
		}
		last = max(last, s.Weight)
	}
}

// strategyOf names the strategy a deploy field goes with.
func strategyOf(key string) string {
	switch key {
	case "keep":
		return StrategyBlueGreen
	case "steps":
		return StrategyCanary
	}
	return StrategyRolling + " or " + StrategyCanary
}

// Describe says what the deploy is, in a few words: "deploy of app:
// rolling, surge 25%, unavailable 25%".
func (p *Deploy) Describe() string {
	switch p.Strategy {
	case StrategyBlueGreen:
		return fmt.Sprintf("deploy of %s: blue_green, keep %s", p.Node, units.FormatDuration(p.Keep))
	case StrategyCanary:
		var w []string
		for _, s := range p.Steps {
			w = append(w, units.Percent(s.Weight))
		}
		return fmt.Sprintf("deploy of %s: canary %s", p.Node, strings.Join(w, ", "))
	}
	return fmt.Sprintf("deploy of %s: rolling, max surge %s, max unavailable %s", p.Node, p.MaxSurge, p.MaxUnavailable)
}
