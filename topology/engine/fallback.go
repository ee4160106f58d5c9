package engine

import (
	"math/rand/v2"
	"strconv"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// fallback is the runtime of a call's fallback: the step of its call to
// another node, or the time of its static reply.
type fallback struct {
	step  step // with no policies (edge) or fallback of its own
	reply sim.Dist
	rng   *rand.Rand
}

// newFallback makes the runtime of the fallback of call st (the step
// compiled from c), or nil without one. A fallback's call goes through no
// connection pool, and takes the scenario's network latency.
func (s *instancePool) newFallback(c *topology.Call, st *step, byName map[string]Component, latency *rand.Rand) *fallback {
	f := c.Fallback
	if f == nil {
		return nil
	}
	fb := &fallback{reply: f.Reply, rng: sim.NewStream(s.net.opts.Seed, s.node.Name+"/fallback/"+strconv.Itoa(len(s.prog)))}
	if f.To != "" {
		fb.step = step{to: byName[f.To], from: s.node.Name, toName: f.To, classes: st.classes, op: st.op,
			latency: s.net.opts.DefaultLatency, rng: latency, pool: -1}
	}
	return fb
}

// fallBack answers j's call st, which failed, by its fallback: the
// request is degraded, and goes on after the static reply's time, or
// when the fallback's call answers (failing if that fails).
func (s *instancePool) fallBack(j *Job, st *step) {
	fb := st.fallback
	j.req.Degraded = true
	if e := st.edge; e != nil {
		e.fallbacks++
	}
	if fb.reply != nil {
		s.net.later(sample(fb.reply, fb.rng), opRetry, j) // goes on past the call
		return
	}
	child := s.net.newJob(j.req, j)
	child.op, child.step, child.sent = fb.step.op, &fb.step, s.net.k.Now()
	if child.op == opAuto {
		child.op = j.op
	}
	s.net.send(child)
}
