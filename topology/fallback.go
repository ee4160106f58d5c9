package topology

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// Fallback is what a call does when it fails, after its retries, whatever
// the cause (its circuit breaker open, its timeout, an error, a full
// queue): call another node instead, or answer with a static default
// after a delay. The request goes on as if the call had answered, and its
// reply is degraded (Request.Degraded). These are the fallbacks of
// resilience4j (a fallback method called with the exception of any
// failed call, a call not permitted by an open breaker included) and of
// Hystrix (getFallback on a failure, a timeout, a rejection or a short
// circuit).
type Fallback struct {
	// To is the node called instead; "" for a static reply.
	To string
	// Reply is the time the static default takes; nil with To.
	Reply sim.Dist
}

// decodeFallback reads {to: NODE} or {reply: DELAY}.
func decodeFallback(d *yamlfile.Decoder, n *yaml.Node) *Fallback {
	f := &Fallback{}
	m, ok := d.Mapping(n, "fallback", "to", "reply")
	if !ok {
		return f
	}
	if m.Has("to") {
		f.To, _ = d.String(m.Get("to"))
	}
	DistField(d, m, "reply", "fallback", &f.Reply)
	return f
}

// validate checks the fallback of call, made by c's node, under the
// call's errors e: one of to and reply, on a plain call, to a node that
// serves plain calls, neither the caller (a loop) nor the node whose call
// failed, nor a node that calls back the caller (a loop, also a call
// cycle).
func (f *Fallback) validate(e field.Errors, c *Checker, call *Call) {
	fe := e.In("fallback")
	from := c.node.Name
	switch {
	case (f.To == "") == (f.Reply == nil):
		fe.Add("", "a fallback is {to: NODE}, a call to another node instead, or {reply: DELAY}, a static default after a delay: one of them")
	case call.Op != "" || call.Async || call.FanOut != nil:
		fe.Add("", "a fallback goes on a plain call, not on a cache operation, a publish or a fan-out")
	case f.To == from:
		fe.Add("to", "the fallback of %s's call to %s is %s itself: it would loop back to its caller", from, call.To, from)
	case f.To != "" && c.t.Reaches(f.To, from):
		fe.Add("to", "the fallback of %s's call to %s is %s, which calls %s: it would loop back to its caller", from, call.To, f.To, from)
	case f.To != "" && f.To == call.To:
		fe.Add("to", "the fallback of %s's call to %s is %s again: retries call it again; a fallback goes elsewhere", from, call.To, f.To)
	}
	if target := c.t.byName[f.To]; target != nil && (target.Kind().NeedsOp || target.Kind().Broker) {
		fe.Add("to", "a fallback makes a plain call, to a service or a database; %s is a %s", f.To, target.Kind().Name)
	}
}

// fallbackTargets are the nodes the calls fall back to, each at its
// field (calls.0.fallback.to).
func fallbackTargets(calls []Call) []Target {
	var out []Target
	walkCalls(calls, []string{"calls"}, func(c *Call, at []string) {
		if c.Fallback != nil && c.Fallback.To != "" {
			out = append(out, Target{To: c.Fallback.To, Field: append(slices.Clone(at), "fallback", "to")})
		}
	})
	return out
}
