package topology

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Workers is a consumer group on a queue: Consumers instances, each taking
// up to Batch visible messages at a time (one receive) and processing them
// one after another: ServiceTime, then its Calls in order. A processing
// fails with probability FailureRate (or when a call is rejected): the
// message is left unacknowledged, to be received again after RetryBackoff,
// or after its visibility timeout when there is no backoff. A processing
// that succeeds acknowledges (deletes) the message. A consumer that a
// fault takes down receives nothing until it is back, and the messages it
// held come back when their visibility timeout expires.
type Workers struct {
	From        string
	Consumers   int
	Batch       int
	ServiceTime sim.Dist
	Calls       []Call
	// CallDefaults are as a service's.
	CallDefaults Policies
	FailureRate  float64
	// RetryBackoff is how long a failed message stays invisible (SQS's
	// ChangeMessageVisibility): 0 is visible again at once; nil leaves it
	// to its visibility timeout.
	RetryBackoff *float64
	// Autoscale, when not nil, changes Consumers (the initial count) over
	// time.
	Autoscale *Autoscale
}

// MaxBatch is the most messages one receive takes (SQS's limit).
const MaxBatch = 10

var workersKind = Kind{
	Name:     "workers",
	Noun:     "worker group",
	Fields:   []string{"from", "consumers", "batch", "service_time", "calls", "call_defaults", "failure_rate", "retry_backoff", "autoscale"},
	Decode:   decodeWorkers,
	Workers:  true,
	Consumer: true,
}

// Kind implements Spec.
func (*Workers) Kind() *Kind { return &workersKind }

// Units implements Spec: its consumers are billed as instances.
func (w *Workers) Units() int { return w.Consumers }

// NeedsKeys implements Spec.
func (*Workers) NeedsKeys() bool { return false }

// CallList implements CallMaker.
func (w *Workers) CallList() []Call { return w.Calls }

// Autoscaler implements Autoscaled: each consumer is one worker.
func (w *Workers) Autoscaler() (*Autoscale, int) { return w.Autoscale, 1 }

// WorkTimes implements Worked.
func (w *Workers) WorkTimes() []sim.Dist { return []sim.Dist{w.ServiceTime} }

// PullsFrom names the queue the group takes messages from.
func (w *Workers) PullsFrom() string { return w.From }

// Footprint implements Spec: a service's.
func (w *Workers) Footprint(keys int64) float64 { return w.service().Footprint(keys) }

// Downstream implements Spec: the queue it takes from, and the nodes its
// calls reach.
func (w *Workers) Downstream() []Target {
	out := []Target{{To: w.From, Want: &queueKind, Field: []string{"from"}, Ref: true}}
	return append(out, w.service().Downstream()...)
}

// service is the group as the service its consumers are: one worker each,
// held while its calls run.
func (w *Workers) service() *Service {
	return &Service{Instances: w.Consumers, Workers: 1, Queue: Unlimited, ServiceTime: w.ServiceTime,
		Calls: w.Calls, Blocking: true, Autoscale: w.Autoscale}
}

func decodeWorkers(d *yamlfile.Decoder, m yamlfile.Map, name string) Spec {
	w := &Workers{Consumers: 1, Batch: 1}
	what := "workers " + name
	StringField(d, m, "from", &w.From)
	IntField(d, m, "consumers", what, &w.Consumers)
	IntField(d, m, "batch", what, &w.Batch)
	DistField(d, m, "service_time", what, &w.ServiceTime)
	if m.Has("calls") {
		w.Calls = DecodeCalls(d, m.Get("calls"), name)
	}
	w.CallDefaults = DecodeCallDefaults(d, m, what, w.Calls)
	if m.Has("failure_rate") {
		w.FailureRate, _ = d.Fraction(m.Get("failure_rate"), what+" failure_rate")
	}
	if m.Has("retry_backoff") {
		if v, ok := d.Duration(m.Get("retry_backoff"), what+" retry_backoff"); ok {
			w.RetryBackoff = &v
		}
	}
	if m.Has("autoscale") {
		w.Autoscale = DecodeAutoscale(d, m.Get("autoscale"), what)
		if !m.Has("consumers") {
			w.Consumers = max(w.Autoscale.Min, 1)
		}
	}
	return w
}

// Validate implements Spec.
func (w *Workers) Validate(e field.Errors, c *Checker) {
	what := "workers " + c.Node().Name
	if w.From == "" {
		e.Add("from", "%s needs from: the queue it takes messages from", what)
	}
	InRange(e, "consumers", what, w.Consumers, 1, MaxInstances)
	InRange(e, "batch", what, w.Batch, 1, MaxBatch)
	if w.ServiceTime == nil {
		e.Add("service_time", "%s needs a service_time: the work one message takes, e.g. {dist: exponential, mean: 200ms}", what)
	}
	if !(w.FailureRate >= 0 && w.FailureRate <= 1) {
		e.Add("failure_rate", "%s: failure_rate must be from 0 to 100%%", what)
	}
	if b := w.RetryBackoff; b != nil && !(*b >= 0 && *b <= MaxVisibilityTimeout) {
		e.Add("retry_backoff", "%s: retry_backoff must be from 0 to %s", what, units.FormatDuration(MaxVisibilityTimeout))
	}
	if a := w.Autoscale; a != nil {
		a.Validate(e, w.Consumers, true)
	}
	ValidateCalls(e, c, w.Calls, w.CallDefaults)
}

// HitRatio implements Analytic.
func (*Workers) HitRatio(Solver, string) (float64, bool) { return 0, false }

// Routes implements Analytic: the calls each delivery makes.
func (w *Workers) Routes(sv Solver, name string, c int, route Router) {
	RouteCalls(sv, name, w.Calls, c, route)
}

// Solve implements Analytic: the consumers as one M/G/c queue (they take
// from one queue), by the Allen–Cunneen approximation with Poisson
// deliveries; a consumer is held for its own work and its calls; with an
// autoscaler, at the consumers it settles on for the load.
func (w *Workers) Solve(sv Solver, name string, rate float64, down []float64) Solution {
	sol := SolveHeld(sv, name, rate, down, HeldStation{Own: w.ServiceTime, Instances: w.Consumers, Autoscale: w.Autoscale, Calls: len(w.Calls) > 0, Held: "consumers"})
	if w.Batch > 1 {
		sv.Note("%s: batches taken as single messages", name)
	}
	return sol
}

// CallTime implements CallTimer, as its consumers' service does.
func (w *Workers) CallTime(sv Solver, name string, c int, resp func(string) float64) (float64, bool) {
	return w.service().CallTime(sv, name, c, resp)
}

// NetworkLegs implements Analytic.
func (*Workers) NetworkLegs(Solver, string, int) float64 { return 0 }

// Demand implements Analytic: consumers are off the request path, so a
// closed workload's users never wait for them.
func (*Workers) Demand(sv Solver, name string) (Demand, bool) {
	sv.Note("%s: off the request path, left out of MVA", name)
	return Demand{}, false
}

// CapacityNote implements Explainer.
func (*Workers) CapacityNote(Solution) string { return "" }

// Advice implements Explainer: the pattern for more messages than the
// consumers take, not a claim that they fall behind (explain says so
// where the run shows it).
func (w *Workers) Advice(_ Solver, name string, est Solution) string {
	if a := w.Autoscale; a != nil {
		return AutoscaleAdvice(name, a, est.Workers, est.Overloaded)
	}
	return "For more messages than the consumers take: add consumers, or scale them on the backlog (as KEDA does), and make sure what they call can take the load."
}

// workers is the runtime of a Workers node: a service (a station of
// consumers and the program of its calls) fed from a queue.
type workers struct {
	net  *Network
	node *Node
	spec *Workers
	svc  *Consumers
	q    *queue
	rng  *rand.Rand // failure draws
	// cursor is where the search for an idle consumer starts. busy says
	// the group is handing out messages or ending a processing: a pull
	// asked for meanwhile (a message let in by an acknowledgement, say)
	// is put off until then (missed), so that no consumer is given work
	// twice.
	cursor       int
	busy, missed bool
	failures     int64
	// interrupted counts the processings a fault cut off.
	interrupted int64
}

// consumer is what the group keeps of one consumer, on its instance
// (StationInstance.Payload): its batch of received messages, of which
// those from next on are still to be processed, and the one it
// processes.
type consumer struct {
	inst  *StationInstance
	inbox []delivery
	next  int
	cur   delivery
}

// pending is the number of messages of the consumer's batch still to be
// processed.
func (c *consumer) pending() int { return len(c.inbox) - c.next }

// clear empties the consumer's batch.
func (c *consumer) clear() {
	clear(c.inbox)
	c.inbox, c.next = c.inbox[:0], 0
}

// consumerAt is the group's record of the consumer inst, made the first
// time it is asked for.
func consumerAt(inst *StationInstance) *consumer {
	c, _ := inst.Payload.(*consumer)
	if c == nil {
		c = &consumer{inst: inst}
		inst.Payload = c
	}
	return c
}

func (w *Workers) Build(net *Network, node *Node) Component {
	g := &workers{net: net, node: node, spec: w, rng: net.Stream(node.Name + "/failures")}
	g.svc = NewConsumers(net, node, w.service(), g.pull)
	return g
}

// Link compiles the consumers' calls and attaches the group to its queue.
func (w *workers) Link(byName map[string]Component) error {
	w.q = byName[w.spec.From].(*queue)
	w.q.consumer = w
	return w.svc.Link(byName)
}

// Accept implements component; nothing calls a worker group.
func (w *workers) Accept(j *Job) { w.svc.Accept(j) }

func (w *workers) Stations() []*Station { return w.svc.Stations() }
func (w *workers) InUse() float64       { return 0 }

// pull gives what the queue can deliver to idle consumers.
func (w *workers) pull() {
	if w.busy {
		w.missed = true
		return
	}
	w.busy = true
	act := w.svc.Active()
	for n := 0; n < len(act) && w.q.receivable(); n++ {
		if w.cursor >= len(act) {
			w.cursor = 0
		}
		inst := act[w.cursor]
		w.cursor++
		if c := consumerAt(inst); inst.Idle() && c.pending() == 0 && !inst.Down() {
			w.take(c)
		}
	}
	w.done()
}

// done ends a busy stretch, making the pull it put off.
func (w *workers) done() {
	w.busy = false
	if w.missed {
		w.missed = false
		w.pull()
	}
}

// take receives up to a batch of messages for the idle consumer c and
// starts on the first.
func (w *workers) take(c *consumer) {
	for c.pending() < w.spec.Batch {
		m, receipt := w.q.receive()
		if m == nil {
			break
		}
		c.inbox = append(c.inbox, delivery{m, receipt})
	}
	if c.pending() == 0 {
		return
	}
	w.q.apiCall++ // the receive
	w.start(c)
}

// delivery is a message a consumer received, with the receive count it
// was received at (its receipt).
type delivery struct {
	m       *message
	receipt int32
}

// start processes the next message of c's batch: a visit to the
// consumer's station, whose end comes to Resume.
func (w *workers) start(c *consumer) {
	d := c.inbox[c.next]
	c.inbox[c.next] = delivery{}
	c.next++
	if c.next == len(c.inbox) {
		c.inbox, c.next = c.inbox[:0], 0
	}
	c.cur = d
	w.svc.Process(c.inst, w, c, d.m.class, d.m.user, d.m.key)
}

// Resume implements caller: a message's processing ended. The consumer
// goes on with its batch, or takes more. A consumer that went down during
// the processing neither acknowledges nor fails the message, nor the rest
// of its batch: they come back when their visibility timeout expires.
func (w *workers) Resume(holder *Job, child *Job) {
	c := holder.Payload().(*consumer)
	d, inst := c.cur, c.inst
	c.cur = delivery{}
	w.busy = true
	switch {
	case inst.Down():
		w.interrupted++
	case child.Err() != NoCause || (w.spec.FailureRate > 0 && w.rng.Float64() < w.spec.FailureRate):
		w.failures++
		if b := w.spec.RetryBackoff; b != nil {
			w.q.fail(d.m, d.receipt, *b)
		}
	default:
		w.q.ack(d.m)
	}
	w.q.unhold(d.m)
	w.svc.End(holder)
	switch {
	case inst.Down():
		for _, d := range c.inbox[c.next:] {
			w.q.unhold(d.m)
		}
		c.clear()
	case !inst.Taking():
		// A consumer leaving gives back the rest of its batch.
		for _, d := range c.inbox[c.next:] {
			w.q.release(d.m, d.receipt)
			w.q.unhold(d.m)
		}
		c.clear()
	case c.pending() > 0:
		w.start(c)
	default:
		w.take(c)
	}
	w.done()
}

// backlog records the messages the queue holds (visible or not), for an
// autoscaler that follows them.
func (w *workers) backlog(now sim.Time, stored int) { w.svc.SetBacklog(now, stored) }

// Restarted implements Restarted: consumers a fault took down (what they
// were processing failed when its service time ended, as at a service,
// and they received nothing meanwhile) take messages again. Errors,
// slowdowns and latencies act on the processings as at a service.
func (w *workers) Restarted(sim.Time) { w.pull() }

func (w *workers) ResetStats(now sim.Time) {
	w.svc.ResetStats(now)
	w.failures, w.interrupted = 0, 0
}

// WorkersStats are a worker group's own figures over the measurement
// window.
type WorkersStats struct {
	From string `json:"from"`
	// Failures are processings that failed (drawn, or a call failed).
	Failures int64 `json:"failures"`
	// Interrupted are processings cut off by a fault that took their
	// consumer down: their messages come back after their visibility
	// timeout.
	Interrupted int64 `json:"interrupted"`
	// Calls are its calls that have a timeout, retries, a circuit breaker
	// or a hedge.
	Calls []CallStats `json:"calls,omitempty"`
	// Parallel are its parallel steps and fan-outs (see GatherStats).
	Parallel []GatherStats `json:"parallel,omitempty"`
}

func (w *workers) Stats(window float64, now sim.Time) NodeStats {
	s := w.svc.Stats(window, now)
	s.Detail = &WorkersStats{From: w.spec.From, Failures: w.failures, Interrupted: w.interrupted, Calls: w.svc.CallStats(),
		Parallel: w.svc.GatherStats()}
	// What the consumers are offered is every message published, with
	// its redeliveries, not only those they got to: a backlog that grows
	// shows as an offered load of 1 or more.
	// The station's offered load is of the deliveries it got; scale it
	// to the deliveries the messages published need.
	if ended := w.q.acked + w.q.deadLettered; s.Arrivals > 0 && ended > 0 {
		needed := float64(w.q.published) * float64(w.q.delivered) / float64(ended)
		s.OfferedLoad = max(s.OfferedLoad, float64(s.OfferedLoad*needed)/float64(s.Arrivals))
		s.OwnLoad = max(s.OwnLoad, float64(s.OwnLoad*needed)/float64(s.Arrivals))
	}
	// A partition is worked on by one consumer at a time, so the busiest
	// partition's share of the messages is all one consumer can take of
	// them: with k consumers, that consumer is offered share × k times
	// the average (k ÷ P with P even partitions, fewer than the
	// consumers; more for a hot key's partition).
	var total, most int64
	for _, p := range w.q.parts {
		total += p.stored
		most = max(most, p.stored)
	}
	if total > 0 {
		if scale := float64(float64(most)/float64(total)) * float64(s.Instances); scale > 1 {
			s.OfferedLoad, s.OwnLoad = float64(s.OfferedLoad*scale), float64(s.OwnLoad*scale)
		}
	}
	return s
}

// JSONKey implements Detail.
func (*WorkersStats) JSONKey() string { return "workers" }

// WriteText implements Detail.
func (s *WorkersStats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s takes from %s; %d processings failed", node, s.From, s.Failures)
	if s.Interrupted > 0 {
		fmt.Fprintf(w, ", %d cut off by a fault (back after their visibility timeout)", s.Interrupted)
	}
	fmt.Fprintln(w)
	WriteCalls(w, "", s.Calls)
	WriteGathers(w, "", s.Parallel)
}
