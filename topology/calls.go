package topology

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// Call is a synchronous call from a service to another node.
type Call struct {
	To string
	// Classes limits the call to requests of these classes; empty means all.
	Classes []string
	// Op is the operation of a call to a cache: get, set or delete; empty
	// for calls to other kinds.
	Op string
	// OnMiss are the calls a get makes when the key is not cached (e.g.
	// read the database); then the key is filled (cache-aside).
	OnMiss []Call
	// Write are the calls that store the value of a set or delete (e.g.
	// write the database).
	Write []Call
	// Policy of a set: write_through runs Write before updating the cache;
	// write_back updates the cache and leaves Write to the cache's periodic
	// flush.
	Policy string
	// Latency is the network round trip of the call; nil takes the
	// scenario's default.
	Latency sim.Dist
	// Async marks a publish to a queue or topic: the caller waits for
	// the broker to store the message, not for its consumers. A call to
	// a queue or topic is a publish whether or not it says so.
	Async bool
	// Policies are the call's timeout, retries, circuit breaker and hedge.
	Policies
	// Parallel, when not nil, makes the entry a step of calls sent at
	// once (see parallel.go); it has no target of its own.
	Parallel *Parallel
	// FanOut, when not nil, sends the call to a count of other keys at
	// once.
	FanOut *FanOut
	// Fallback, when not nil, answers the call when it fails.
	Fallback *Fallback
}

// Cache operations and write policies.
const (
	OpGet        = "get"
	OpSet        = "set"
	OpDelete     = "delete"
	WriteThrough = "write_through"
	WriteBack    = "write_back"
)

// walkCalls calls f on each call and each call nested in it, depth first,
// with the call's path below the node (calls.0.on_miss.1).
func walkCalls(calls []Call, path []string, f func(c *Call, at []string)) {
	for i := range calls {
		at := append(slices.Clone(path), strconv.Itoa(i))
		f(&calls[i], at)
		walkCalls(calls[i].OnMiss, append(slices.Clone(at), "on_miss"), f)
		walkCalls(calls[i].Write, append(slices.Clone(at), "write"), f)
		if p := calls[i].Parallel; p != nil {
			walkCalls(p.Calls, append(slices.Clone(at), "parallel", "calls"), f)
		}
	}
}

// CallsOf lists the calls a node makes (a service's or a worker group's),
// nested ones included, depth first; nil for other kinds.
func CallsOf(spec Spec) []*Call {
	cm, ok := spec.(CallMaker)
	if !ok {
		return nil
	}
	var out []*Call
	walkCalls(cm.CallList(), nil, func(c *Call, _ []string) { out = append(out, c) })
	return out
}

// CallAt is the call of spec at path in its node, as engine.CallStats.Call names
// it (calls.1, calls.0.on_miss.0, calls.2.parallel.calls.0), or nil.
func CallAt(spec Spec, path string) *Call {
	cm, ok := spec.(CallMaker)
	if !ok {
		return nil
	}
	var out *Call
	walkCalls(cm.CallList(), []string{"calls"}, func(c *Call, at []string) {
		if strings.Join(at, ".") == path {
			out = c
		}
	})
	return out
}

// CallMaker is a spec whose nodes make calls (a service, a worker group):
// its calls as the file gives them.
type CallMaker interface {
	CallList() []Call
}

// DecodeCalls reads a list of calls: {to: NAME, classes: [read]} or a bare
// NAME.
func DecodeCalls(d *yamlfile.Decoder, n *yaml.Node, from string) []Call {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "calls of %s must be a list, e.g. [{to: db}]", from)
		return nil
	}
	var calls []Call
	for _, item := range n.Content {
		var c Call
		if item.Kind == yaml.ScalarNode {
			c.To, _ = d.String(item)
			calls = append(calls, c)
			continue
		}
		m, ok := d.Mapping(item, "call from "+from, "to", "classes", "op", "on_miss", "write", "policy", "latency", "async", "timeout", "retries", "circuit_breaker", "hedge", "parallel", "fan_out", "fallback")
		if !ok {
			continue
		}
		if m.Has("parallel") {
			decodeParallelEntry(d, m, from, &c)
		}
		if m.Has("fan_out") {
			c.FanOut = decodeFanOut(d, m.Get("fan_out"))
		}
		if m.Has("to") {
			c.To, _ = d.String(m.Get("to"))
		}
		if m.Has("classes") {
			c.Classes = DecodeNames(d, m.Get("classes"), "classes")
		}
		if m.Has("op") {
			c.Op = d.OneOf(m.Get("op"), "op", OpGet, OpSet, OpDelete)
		}
		if m.Has("policy") {
			c.Policy = d.OneOf(m.Get("policy"), "policy", WriteThrough, WriteBack)
		}
		if m.Has("latency") {
			c.Latency = d.Dist(m.Get("latency"), "call latency", yamlfile.Seconds)
		}
		if m.Has("async") {
			c.Async, _ = d.Bool(m.Get("async"))
		}
		if m.Has("fallback") {
			c.Fallback = decodeFallback(d, m.Get("fallback"))
		}
		decodePolicies(d, m, &c.Policies)
		if m.Has("on_miss") {
			c.OnMiss = nonNil(DecodeCalls(d, m.Get("on_miss"), from))
		}
		if m.Has("write") {
			c.Write = nonNil(DecodeCalls(d, m.Get("write"), from))
		}
		calls = append(calls, c)
	}
	return calls
}

// ValidateCalls checks the calls of a node that makes them: each has a
// target, names classes of the workload, has an operation that suits the
// node called, and sound policies (those from defaults checked once, at
// call_defaults).
func ValidateCalls(e field.Errors, c *Checker, calls []Call, defaults Policies) {
	if defaults != (Policies{}) {
		defaults.validate(e.In("call_defaults"), Policies{})
	}
	walkCalls(calls, []string{"calls"}, func(call *Call, at []string) {
		ce := e.In(at...)
		if call.Parallel != nil {
			c.UnknownClasses(ce, "classes", call.Classes, fmt.Sprintf("parallel calls from %s name", c.node.Name))
			validateParallel(ce, call.Parallel)
			return
		}
		if call.FanOut != nil {
			call.FanOut.validate(ce.In("fan_out"))
		}
		if call.To == "" {
			ce.Add("", "a call from %s needs \"to\": the node it calls", c.node.Name)
			return
		}
		c.UnknownClasses(ce, "to", call.Classes, fmt.Sprintf("call from %s to %s names", c.node.Name, call.To))
		checkOp(ce, c, call)
		call.Policies.validate(ce, defaults)
		if call.Fallback != nil {
			call.Fallback.validate(ce, c, call)
		}
		if cache, ok := c.t.byName[call.To]; ok && call.Op == OpGet {
			if spec, ok := cache.Spec.(CoalescedFills); ok && spec.CoalescesFills() && getsFrom(c.t, call.OnMiss, call.To, map[string]bool{}) {
				ce.Add("to", "the miss path of this get from cache %s gets from %s again: with coalesce, the request would wait for its own fill (a cycle through a coalesced fill)",
					call.To, call.To)
			}
		}
	})
}

// getsFrom says calls, or any node they reach, make a get on the cache
// called cache.
func getsFrom(t *Topology, calls []Call, cache string, seen map[string]bool) bool {
	for _, call := range calls {
		if call.To == cache && call.Op == OpGet {
			return true
		}
		if getsFrom(t, call.OnMiss, cache, seen) || getsFrom(t, call.Write, cache, seen) || nodeGetsFrom(t, call.To, cache, seen) {
			return true
		}
		if call.Parallel != nil && getsFrom(t, call.Parallel.Calls, cache, seen) {
			return true
		}
	}
	return false
}

// nodeGetsFrom says the node called name, or a node it reaches, makes a
// get on cache.
func nodeGetsFrom(t *Topology, name, cache string, seen map[string]bool) bool {
	n := t.byName[name]
	if n == nil || seen[name] {
		return false
	}
	seen[name] = true
	if cm, ok := n.Spec.(CallMaker); ok {
		return getsFrom(t, cm.CallList(), cache, seen)
	}
	for _, tg := range n.Spec.Downstream() {
		if nodeGetsFrom(t, tg.To, cache, seen) {
			return true
		}
	}
	return false
}

// checkOp checks that a call's op and its fields suit the node it calls:
// operations go to caches, and a cache needs one.
func checkOp(e field.Errors, c *Checker, call *Call) {
	target := c.t.byName[call.To]
	if target == nil {
		return // reported already
	}
	from := c.node.Name
	if call.Async && !target.Kind().Broker {
		e.Add("to", "async: true publishes to a queue or topic; %s is a %s (to have its work done off the request path, publish to a queue that workers consume)",
			call.To, target.Kind().Name)
		return
	}
	switch needsOp := target.Kind().NeedsOp; {
	case needsOp && call.Op == "":
		e.Add("to", "call from %s to %s %s needs an op: get, set or delete", from, target.Kind().Noun, call.To)
	case !needsOp && call.Op != "":
		e.Add("to", "op %q applies to calls to a cache; %s is a %s", call.Op, call.To, target.Kind().Name)
	case call.OnMiss != nil && call.Op != OpGet:
		e.Add("to", "on_miss goes with op: get (the calls made when the key is not cached)")
	case call.Write != nil && call.Op != OpSet && call.Op != OpDelete:
		e.Add("to", "write goes with op: set or delete (the calls that store the value)")
	case call.Policy != "" && call.Op != OpSet:
		e.Add("to", "policy goes with op: set")
	case call.Policy == WriteBack && len(call.Write) == 0:
		e.Add("to", "a write_back set needs write: the calls the cache's flush makes, e.g. [db]")
	}
	if call.Policy == WriteBack {
		for i, w := range call.Write {
			if len(w.OnMiss)+len(w.Write) > 0 || w.Op != "" {
				e.In("write", strconv.Itoa(i)).Add("to", "a write_back flush makes plain calls; %s cannot have an op, on_miss or write", w.To)
			}
		}
	}
}

// RouteCalls reports the calls of class c among calls.
func RouteCalls(sv Solver, from string, calls []Call, c int, route Router) {
	class := sv.Classes()[c]
	var add func(calls []Call, w float64)
	add = func(calls []Call, w float64) {
		for _, call := range calls {
			if len(call.Classes) > 0 && !contains(call.Classes, class) {
				continue
			}
			if call.Parallel != nil {
				add(call.Parallel.Calls, w)
				continue
			}
			w := float64(w * fanOutWeight(sv, from, &call))
			lat := sv.DefaultLatency()
			if call.Latency != nil {
				lat = call.Latency.Mean()
			}
			to := AimedPart(sv, from, call.To, c) // a database's part nearest the caller
			route(call.To, w, sv.Hop(HopCall, from, to, lat)+sv.Hop(HopReply, to, from, 0))
			if call.Retries != nil || call.Timeout > 0 || call.Hedge != nil || call.CircuitBreaker != nil {
				sv.Note("calls to %s: their timeout, retries, hedging and circuit breaker are left out (each call is one attempt that waits for its reply)", call.To)
			}
			switch call.Op {
			case OpGet:
				add(call.OnMiss, w*(1-sv.HitRatio(call.To)))
			case OpSet, OpDelete:
				if call.Policy == WriteBack {
					sv.Note("%s: write-back writes are left out (the flush coalesces them)", call.To)
					continue
				}
				add(call.Write, w)
			}
		}
	}
	add(calls, 1)
}
