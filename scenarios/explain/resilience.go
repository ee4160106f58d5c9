package explain

import (
	"fmt"
	"slices"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// envoyBudgetAmplification is the most attempts per call an Envoy retry
// budget of 20% allows while every attempt fails and lasts the call's
// timeout: retries in flight are at most a fifth of all attempts in
// flight, so retries are at most a quarter of the calls.
const envoyBudgetAmplification = 1.25

// missingResilience names what the scenario lacks where its run shows the
// failure that it prevents: a balancer without health checks that kept
// sending to a down instance, retries without a budget that multiplied the
// load (or held a metastable state), local sessions that logged users out.
func missingResilience(s *scenarios.Scenario, rep *simulate.Report) []string {
	var out []string
	nodes := map[string]*simulate.NodeReport{}
	for i := range rep.Nodes {
		nodes[rep.Nodes[i].Name] = &rep.Nodes[i]
	}
	downed := map[string]bool{} // nodes an instance fault took down
	for i := range s.Topology.Faults {
		if f := &s.Topology.Faults[i]; f.TakesInstancesDown() {
			for _, n := range f.Strikes() {
				downed[n] = true
			}
		}
	}
	metastable := false
	for _, tr := range rep.Triggers {
		metastable = metastable || tr.Metastable
	}
	unchecked := uncheckedBalancers(s, nodes, downed)
	for _, node := range s.Topology.Nodes {
		if b := unchecked[s.Topology.WrittenName(node.Name)]; b != nil && !b.said {
			b.said = true
			out = append(out, b.finding())
		}
		calls := callStats(nodes[node.Name])
		for i, cs := range calls {
			if cs.Amplification == nil || !unbudgeted(node.Spec, cs) {
				continue
			}
			if amp := *cs.Amplification; amp > envoyBudgetAmplification || (metastable && cs.Retries > 0) {
				held := ""
				if metastable {
					held = ", and held the system down after its trigger ended (metastable)"
				}
				out = append(out, fmt.Sprintf("%s retries its calls to %s without a budget: they made ×%.3g attempts per call%s. "+
					"Add budget: 20%% (Envoy's retry budget) or token_bucket: {tokens: 10, ratio: 0.1} (gRPC's retry throttling), "+
					"so that retries stop while most attempts fail; or a circuit_breaker (resilience4j).", node.Name, engine.CallLabel(calls, i), amp, held))
			}
		}
		if ss := sessionStats(nodes[node.Name]); ss != nil && ss.Lost > 0 {
			if store := ss.Store; store != "" {
				out = append(out, fmt.Sprintf("%s keeps sessions in cache %s, which logged users out %s (evicted, or a node of it failed): "+
					"give it room for every active user; if a node's failure must not log users out, keep them in a database (sessions: {store: DB}).", node.Name, store, units.Plural(ss.Lost, "time", "times")))
			} else {
				out = append(out, fmt.Sprintf("%s keeps sessions on its instances and logged users out %s (a request reached another instance, or its instance went down): "+
					"keep them in a shared store (sessions: {store: NODE}) so that any instance can serve any user.", node.Name, units.Plural(ss.Lost, "time", "times")))
			}
		}
	}
	return out
}

// detailOf is a node report's detail as a T, if it is one.
func detailOf[T topology.Detail](n *simulate.NodeReport) (T, bool) {
	var zero T
	if n == nil {
		return zero, false
	}
	d, ok := n.Detail.(T)
	return d, ok
}

// callStats are the figures of a node's calls with resilience policies.
func callStats(n *simulate.NodeReport) []engine.CallStats {
	if d, ok := detailOf[engine.PolicyCalls](n); ok {
		return d.PolicyCalls()
	}
	return nil
}

// sessionStats are the figures of the sessions a node keeps; nil when it
// keeps none.
func sessionStats(n *simulate.NodeReport) *engine.SessionStats {
	if d, ok := detailOf[engine.SessionsKept](n); ok {
		return d.SessionsKept()
	}
	return nil
}

// unbudgeted says the node's call cs is retried with neither a retry
// budget nor a token bucket (found by its path: several calls may go to
// one node, some with a budget).
func unbudgeted(spec topology.Spec, cs engine.CallStats) bool {
	c := topology.CallAt(spec, cs.Call)
	return c != nil && c.Retries != nil && c.Retries.Max > 0 && c.Retries.Budget == nil && c.Retries.TokenBucket == nil
}

// unchecked is a balancer as written (a fleet's copies together) without
// health checks, and what its copies kept sending to down instances.
type unchecked struct {
	name    string   // as written: the node whose field health_check is
	copies  int      // its copies in the topology; 0 for a node in one place
	senders []string // the copies (or the node) that sent to down instances
	targets []string // the nodes down instances of which they sent to
	written []string // those targets as written (app for app@us-east-1)
	failed  int64    // the visits that failed at those targets
	said    bool
}

// uncheckedBalancers finds the balancers without health checks that kept
// sending to the instances an instance fault took down, by their name as
// written: a fleet's copies have one health_check field, the fleet's.
func uncheckedBalancers(s *scenarios.Scenario, nodes map[string]*simulate.NodeReport, downed map[string]bool) map[string]*unchecked {
	byName := map[string]*unchecked{}
	for _, node := range s.Topology.Nodes {
		hc, ok := node.Spec.(topology.HealthChecked)
		if !ok || hc.HealthChecks() {
			continue
		}
		written := s.Topology.WrittenName(node.Name)
		b := byName[written]
		if b == nil {
			b = &unchecked{name: written}
			byName[written] = b
		}
		if written != node.Name {
			b.copies++
		}
		for _, tg := range node.Spec.Downstream() {
			if t, n := tg.To, nodes[tg.To]; n != nil && downed[t] && n.Errors > 0 {
				if !slices.Contains(b.senders, node.Name) {
					b.senders = append(b.senders, node.Name)
				}
				if !slices.Contains(b.targets, t) { // a copy's visits once, if two senders share it
					b.targets = append(b.targets, t)
					b.failed += n.Errors
				}
				if w := s.Topology.WrittenName(t); !slices.Contains(b.written, w) {
					b.written = append(b.written, w)
				}
			}
		}
	}
	for name, b := range byName {
		if len(b.senders) == 0 {
			delete(byName, name)
		}
	}
	return byName
}

// finding says what the balancer lacks and what its run showed: of the
// node as written, whose field the advice adds; of a fleet's copies, once
// of them all when every copy kept sending to down instances ("each of its
// copies", the targets as written), else naming the copies that did.
func (b *unchecked) finding() string {
	who, targets := "it", b.targets
	switch {
	case b.copies > 0 && len(b.senders) == b.copies:
		who, targets = "each of its copies", b.written
	case b.copies > 0 && len(b.senders) == 1:
		who = "its copy " + b.senders[0]
	case b.copies > 0:
		who = "its copies " + joinAnd(b.senders)
	}
	instances := targets[0] + "'s instances"
	if len(targets) > 1 {
		instances = "the instances of " + joinAnd(targets)
	}
	return fmt.Sprintf("%s has no health check, so %s kept sending to %s while they were down (%s failed there): "+
		"add health_check: {interval: 10s, unhealthy_after: 2, timeout: 2s} (AWS target groups), which takes a dead instance out within 22 s (two probes 10 s apart, each failing after 2 s).",
		b.name, who, instances, units.Plural(b.failed, "visit", "visits"))
}
