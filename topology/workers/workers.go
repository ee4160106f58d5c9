package workers

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/topology/queue"
	"github.com/scalesim/scalesim/units"
)

func init() {
	kind.Params = workersParams
	topology.Register(&kind)
}

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
	Calls       []topology.Call
	// CallDefaults are as a service's.
	CallDefaults topology.Policies
	FailureRate  float64
	// RetryBackoff is how long a failed message stays invisible (SQS's
	// ChangeMessageVisibility): 0 is visible again at once; nil leaves it
	// to its visibility timeout.
	RetryBackoff *float64
	// Autoscale, when not nil, changes Consumers (the initial count) over
	// time.
	Autoscale *topology.Autoscale
}

// MaxBatch is the most messages one receive takes (SQS's limit).
const MaxBatch = 10

// kind is the workers kind, registered when the package is imported.
var kind = topology.Kind{
	Name:     "workers",
	Noun:     "worker group",
	Decode:   decodeWorkers,
	Workers:  true,
	Consumer: true,
}

// Kind implements Spec.
func (*Workers) Kind() *topology.Kind { return &kind }

// Units implements Spec: its consumers are billed as instances.
func (w *Workers) Units() int { return w.Consumers }

// NeedsKeys implements Spec.
func (*Workers) NeedsKeys() bool { return false }

// CallList implements CallMaker.
func (w *Workers) CallList() []topology.Call { return w.Calls }

// Autoscaler implements Autoscaled: each consumer is one worker.
func (w *Workers) Autoscaler() (*topology.Autoscale, int) { return w.Autoscale, 1 }

// WorkTimes implements Worked.
func (w *Workers) WorkTimes() []sim.Dist { return []sim.Dist{w.ServiceTime} }

// Failures implements queue.ConsumerSpec.
func (w *Workers) Failures() (rate float64, retryBackoff *float64) {
	return w.FailureRate, w.RetryBackoff
}

// PullsFrom names the queue the group takes messages from.
func (w *Workers) PullsFrom() string { return w.From }

// Footprint implements engine.Builder: its pool's.
func (w *Workers) Footprint(keys int64) float64 { return engine.PoolFootprint(w.pool()) }

// Downstream implements Spec: the queue it takes from, and the nodes its
// calls reach.
func (w *Workers) Downstream() []topology.Target {
	out := []topology.Target{{To: w.From, Want: topology.LookupKind("queue"), Field: []string{"from"}, Ref: true}}
	return append(out, w.pool().Downstream()...)
}

// pool is the group as the pool of instances its consumers are: one
// worker each, held while its calls run.
func (w *Workers) pool() *topology.Pool {
	return &topology.Pool{Instances: w.Consumers, Workers: 1, Queue: topology.Unlimited, ServiceTime: w.ServiceTime,
		Calls: w.Calls, Blocking: true, Autoscale: w.Autoscale}
}

// FaultInstances implements topology.InstanceCounted: its consumers, or
// the most its autoscaler may run.
func (w *Workers) FaultInstances() (most int, has string, from []string) {
	most, has, from = w.pool().CountedInstances("consumer", "consumers")
	if w.Autoscale == nil {
		from = []string{"consumers"} // the pool's instances
	}
	return most, has, from
}

func decodeWorkers(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	w := &Workers{Consumers: 1, Batch: 1}
	what := "workers " + name
	topology.StringField(d, m, "from", &w.From)
	topology.IntField(d, m, "consumers", what, &w.Consumers)
	topology.IntField(d, m, "batch", what, &w.Batch)
	topology.DistField(d, m, "service_time", what, &w.ServiceTime)
	if m.Has("calls") {
		w.Calls = topology.DecodeCalls(d, m.Get("calls"), name)
	}
	w.CallDefaults = topology.DecodeCallDefaults(d, m, what, w.Calls)
	if m.Has("failure_rate") {
		w.FailureRate, _ = d.Fraction(m.Get("failure_rate"), what+" failure_rate")
	}
	if m.Has("retry_backoff") {
		if v, ok := d.Duration(m.Get("retry_backoff"), what+" retry_backoff"); ok {
			w.RetryBackoff = &v
		}
	}
	if m.Has("autoscale") {
		w.Autoscale = topology.DecodeAutoscale(d, m.Get("autoscale"), what)
		if !m.Has("consumers") {
			w.Consumers = max(w.Autoscale.Min, 1)
		}
	}
	return w
}

// Validate implements Spec.
func (w *Workers) Validate(e field.Errors, c *topology.Checker) {
	what := "workers " + c.Node().Name
	if w.From == "" {
		e.Add("from", "%s needs from: the queue it takes messages from", what)
	}
	topology.InRange(e, "consumers", what, w.Consumers, 1, topology.MaxInstances)
	topology.InRange(e, "batch", what, w.Batch, 1, MaxBatch)
	if w.ServiceTime == nil {
		e.Add("service_time", "%s needs a service_time: the work one message takes, e.g. {dist: exponential, mean: 200ms}", what)
	}
	if !(w.FailureRate >= 0 && w.FailureRate <= 1) {
		e.Add("failure_rate", "%s: failure_rate must be from 0 to 100%%", what)
	}
	if b := w.RetryBackoff; b != nil && !(*b >= 0 && *b <= queue.MaxVisibilityTimeout) {
		e.Add("retry_backoff", "%s: retry_backoff must be from 0 to %s", what, units.FormatDuration(queue.MaxVisibilityTimeout))
	}
	if a := w.Autoscale; a != nil {
		a.Validate(e, w.Consumers, true)
	}
	topology.ValidateCalls(e, c, w.Calls, w.CallDefaults)
}

// HitRatio implements Analytic.
func (*Workers) HitRatio(topology.Solver, string) (float64, bool) { return 0, false }

// Routes implements Analytic: the calls each delivery makes.
func (w *Workers) Routes(sv topology.Solver, name string, c int, route topology.Router) {
	topology.RouteCalls(sv, name, w.Calls, c, route)
}

// Solve implements Analytic: the consumers as one M/G/c queue (they take
// from one queue), by the Allen–Cunneen approximation with Poisson
// deliveries; a consumer is held for its own work and its calls; with an
// autoscaler, at the consumers it settles on for the load.
func (w *Workers) Solve(sv topology.Solver, name string, rate float64, down []float64) topology.Solution {
	sol := topology.SolveHeld(sv, name, rate, down, topology.HeldStation{Own: w.ServiceTime, Instances: w.Consumers, Autoscale: w.Autoscale, Calls: len(w.Calls) > 0, Held: "consumers"})
	if w.Batch > 1 {
		sv.Note("%s: batches taken as single messages", name)
	}
	return sol
}

// CallTime implements CallTimer, as its consumers' pool does.
func (w *Workers) CallTime(sv topology.Solver, name string, c int, resp func(string) float64) (float64, bool) {
	return w.pool().CallTime(sv, name, c, resp)
}

// NetworkLegs implements Analytic.
func (*Workers) NetworkLegs(topology.Solver, string, int) float64 { return 0 }

// Demand implements Analytic: consumers are off the request path, so a
// closed workload's users never wait for them.
func (*Workers) Demand(sv topology.Solver, name string) (topology.Demand, bool) {
	sv.Note("%s: off the request path, left out of MVA", name)
	return topology.Demand{}, false
}

// CapacityNote implements Explainer.
func (*Workers) CapacityNote(topology.Solution) string { return "" }

// Advice implements Explainer: the pattern for more messages than the
// consumers take, not a claim that they fall behind (explain says so
// where the run shows it).
func (w *Workers) Advice(_ topology.Solver, name string, est topology.Solution) string {
	if a := w.Autoscale; a != nil {
		return topology.AutoscaleAdvice(name, a, est.Workers, est.Overloaded)
	}
	return "For more messages than the consumers take: add consumers, or scale them on the backlog (as KEDA does), and make sure what they call can take the load."
}

// group is the runtime of a Workers node: a service (a station of
// consumers and the program of its calls) fed from a queue.
type group struct {
	net  *engine.Network
	node *topology.Node
	spec *Workers
	svc  *engine.Consumers
	q    *queue.Runtime
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
	inst  *engine.StationInstance
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
func consumerAt(inst *engine.StationInstance) *consumer {
	c, _ := inst.Payload.(*consumer)
	if c == nil {
		c = &consumer{inst: inst}
		inst.Payload = c
	}
	return c
}

// Build implements engine.Builder.
func (w *Workers) Build(net *engine.Network, node *topology.Node) engine.Component {
	g := &group{net: net, node: node, spec: w, rng: net.Stream(node.Name + "/failures")}
	g.svc = engine.NewConsumers(net, node, w.pool(), g.Pull)
	return g
}

// Link compiles the consumers' calls and attaches the group to its queue.
func (w *group) Link(byName map[string]engine.Component) error {
	w.q = byName[w.spec.From].(*queue.Runtime)
	w.q.Attach(w)
	return w.svc.Link(byName)
}

// Accept implements component; nothing calls a worker group.
func (w *group) Accept(j *engine.Job) { w.svc.Accept(j) }

func (w *group) Stations() []*engine.Station { return w.svc.Stations() }
func (w *group) InUse() float64              { return 0 }

// Pull implements queue.Consumer: it gives what the queue can deliver to
// idle consumers.
func (w *group) Pull() {
	if w.busy {
		w.missed = true
		return
	}
	w.busy = true
	act := w.svc.Active()
	for n := 0; n < len(act) && w.q.Receivable(); n++ {
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
func (w *group) done() {
	w.busy = false
	if w.missed {
		w.missed = false
		w.Pull()
	}
}

// take receives up to a batch of messages for the idle consumer c and
// starts on the first.
func (w *group) take(c *consumer) {
	for c.pending() < w.spec.Batch {
		m, receipt := w.q.Receive()
		if m == nil {
			break
		}
		c.inbox = append(c.inbox, delivery{m, receipt})
	}
	if c.pending() == 0 {
		return
	}
	w.q.Received()
	w.start(c)
}

// delivery is a message a consumer received, with the receive count it
// was received at (its receipt).
type delivery struct {
	m       *queue.Message
	receipt int32
}

// start processes the next message of c's batch: a visit to the
// consumer's station, whose end comes to Resume.
func (w *group) start(c *consumer) {
	d := c.inbox[c.next]
	c.inbox[c.next] = delivery{}
	c.next++
	if c.next == len(c.inbox) {
		c.inbox, c.next = c.inbox[:0], 0
	}
	c.cur = d
	w.svc.Process(c.inst, w, c, d.m.Class(), d.m.User(), d.m.Key())
}

// Resume implements caller: a message's processing ended. The consumer
// goes on with its batch, or takes more. A consumer that went down during
// the processing neither acknowledges nor fails the message, nor the rest
// of its batch: they come back when their visibility timeout expires.
func (w *group) Resume(holder *engine.Job, child *engine.Job) {
	c := holder.Payload().(*consumer)
	d, inst := c.cur, c.inst
	c.cur = delivery{}
	w.busy = true
	switch {
	case inst.Down():
		w.interrupted++
	case child.Err() != engine.NoCause || (w.spec.FailureRate > 0 && w.rng.Float64() < w.spec.FailureRate):
		w.failures++
		if b := w.spec.RetryBackoff; b != nil {
			w.q.Fail(d.m, d.receipt, *b)
		}
	default:
		w.q.Ack(d.m)
	}
	w.q.Unhold(d.m)
	w.svc.End(holder)
	switch {
	case inst.Down():
		for _, d := range c.inbox[c.next:] {
			w.q.Unhold(d.m)
		}
		c.clear()
	case !inst.Taking():
		// A consumer leaving gives back the rest of its batch.
		for _, d := range c.inbox[c.next:] {
			w.q.Release(d.m, d.receipt)
			w.q.Unhold(d.m)
		}
		c.clear()
	case c.pending() > 0:
		w.start(c)
	default:
		w.take(c)
	}
	w.done()
}

// Backlog implements queue.Consumer: it records the messages the queue
// holds (visible or not), for an autoscaler that follows them.
func (w *group) Backlog(now sim.Time, stored int) { w.svc.SetBacklog(now, stored) }

// Name implements queue.Consumer.
func (w *group) Name() string { return w.node.Name }

// Restarted implements engine.Restarted: consumers a fault took down (what they
// were processing failed when its service time ended, as at a service,
// and they received nothing meanwhile) take messages again. Errors,
// slowdowns and latencies act on the processings as at a service.
func (w *group) Restarted(sim.Time) { w.Pull() }

func (w *group) ResetStats(now sim.Time) {
	w.svc.ResetStats(now)
	w.failures, w.interrupted = 0, 0
}

// Stats are a worker group's own figures over the measurement
// window.
type Stats struct {
	From string `json:"from"`
	// Failures are processings that failed (drawn, or a call failed).
	Failures int64 `json:"failures"`
	// Interrupted are processings cut off by a fault that took their
	// consumer down: their messages come back after their visibility
	// timeout.
	Interrupted int64 `json:"interrupted"`
	// Calls are its calls that have a timeout, retries, a circuit breaker
	// or a hedge.
	Calls []engine.CallStats `json:"calls,omitempty"`
	// Parallel are its parallel steps and fan-outs (see GatherStats).
	Parallel []engine.GatherStats `json:"parallel,omitempty"`
}

func (w *group) Stats(window float64, now sim.Time) engine.NodeStats {
	s := w.svc.Stats(window, now)
	s.Detail = &Stats{From: w.spec.From, Failures: w.failures, Interrupted: w.interrupted, Calls: w.svc.CallStats(),
		Parallel: w.svc.GatherStats()}
	// What the consumers are offered is every message published, with
	// its redeliveries, not only those they got to: a backlog that grows
	// shows as an offered load of 1 or more.
	// The station's offered load is of the deliveries it got; scale it
	// to the deliveries the messages published need.
	if published, delivered, ended := w.q.Counts(); s.Arrivals > 0 && ended > 0 {
		needed := float64(published) * float64(delivered) / float64(ended)
		s.OfferedLoad = max(s.OfferedLoad, float64(s.OfferedLoad*needed)/float64(s.Arrivals))
		s.OwnLoad = max(s.OwnLoad, float64(s.OwnLoad*needed)/float64(s.Arrivals))
	}
	// A partition is worked on by one consumer at a time, so the busiest
	// partition's share of the messages is all one consumer can take of
	// them: with k consumers, that consumer is offered share × k times
	// the average (k ÷ P with P even partitions, fewer than the
	// consumers; more for a hot key's partition).
	if total, most := w.q.PartitionLoad(); total > 0 {
		if scale := float64(float64(most)/float64(total)) * float64(s.Instances); scale > 1 {
			s.OfferedLoad, s.OwnLoad = float64(s.OfferedLoad*scale), float64(s.OwnLoad*scale)
		}
	}
	return s
}

// JSONKey implements Detail.
func (*Stats) JSONKey() string { return "workers" }

// PolicyCalls implements engine.PolicyCalls: Calls.
func (s *Stats) PolicyCalls() []engine.CallStats { return s.Calls }

// WriteText implements Detail.
func (s *Stats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s takes from %s; %s failed", node, s.From, units.Plural(s.Failures, "processing", "processings"))
	if s.Interrupted > 0 {
		fmt.Fprintf(w, ", %d cut off by a fault (back after their visibility timeout)", s.Interrupted)
	}
	fmt.Fprintln(w)
	engine.WriteCalls(w, "", s.Calls)
	engine.WriteGathers(w, "", s.Parallel)
}
