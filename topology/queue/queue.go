package queue

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"unsafe"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

func init() {
	kind.Params = queueParams
	topology.Register(&kind)
}

// Queue is a message queue with the semantics of Amazon SQS (standard
// queues): a publish stores a message until a consumer group (a Workers
// node whose From names the queue) receives it; a received message is
// invisible to other consumers for VisibilityTimeout and becomes visible
// again (a redelivery) unless the consumer acknowledges (deletes) it first;
// after MaxReceives receives a message is moved to DeadLetter instead of
// being delivered again; a message older than Retention is dropped.
type Queue struct {
	// PublishTime is how long the broker takes to store a publish, on
	// the publisher's path besides the call's network round trip; nil is
	// none.
	PublishTime sim.Dist
	// Capacity is the most messages stored at once (visible, in flight or
	// waiting out a retry backoff); 0 is unlimited. A publish to a full
	// queue is rejected, or with OnFull block waits for room.
	Capacity int
	OnFull   string
	// VisibilityTimeout, Retention: seconds.
	VisibilityTimeout float64
	// MaxReceives is how many times a message is delivered at most (SQS's
	// maxReceiveCount); 0 is no limit.
	MaxReceives int
	// DeadLetter is the queue messages go to after MaxReceives; empty
	// drops them (and counts them).
	DeadLetter string
	Retention  float64
	// Brokers are the billed units, for a queue priced by the hour (a
	// Kafka cluster); SQS is priced per million requests.
	Brokers int
	// Partitions, when positive, orders delivery by key, as SQS FIFO
	// message groups and Kafka partitions do: a message goes to
	// partition hash(key) mod Partitions, and a partition delivers its
	// next message only once the one before is acknowledged or given
	// up (a failed message is delivered again before the rest).
	Partitions int
}

// MaxPartitions bounds a queue's partitions.
const MaxPartitions = 100_000

// What a full queue does with a publish.
const (
	OnFullReject = "reject"
	OnFullBlock  = "block"
)

// SQS's defaults and limits (Amazon SQS Developer Guide: visibility
// timeout 30 s by default, at most 12 hours; retention 4 days by default,
// 60 s to 14 days; maxReceiveCount 1 to 1000).
const (
	DefaultVisibilityTimeout = 30.0
	MaxVisibilityTimeout     = 12 * 3600.0
	DefaultRetention         = 4 * 86400.0
	MinRetention             = 60.0
	MaxRetention             = 14 * 86400.0
	MaxReceivesLimit         = 1000
)

// kind is the queue kind, registered when the package is imported.
var kind = topology.Kind{
	Name:       "queue",
	Noun:       "queue",
	Decode:     decodeQueue,
	Broker:     true,
	Subscribes: true,
}

// Kind implements Spec.
func (*Queue) Kind() *topology.Kind { return &kind }

// Units implements Spec: its brokers.
func (q *Queue) Units() int { return q.Brokers }

// NeedsKeys implements Spec: partitions are chosen by key.
func (q *Queue) NeedsKeys() bool { return q.Partitions > 0 }

// Footprint implements engine.Builder: its partitions; messages are counted as they
// are stored (inUse).
func (q *Queue) Footprint(int64) float64 {
	return 512 + float64(float64(q.Partitions)*float64(unsafe.Sizeof(partition{})+4))
}

// Downstream implements Spec: its dead-letter queue, which messages reach
// on their own, not as calls.
func (q *Queue) Downstream() []topology.Target {
	if q.DeadLetter == "" {
		return nil
	}
	return []topology.Target{{To: q.DeadLetter, Want: &kind, Field: []string{"dead_letter"}, Ref: true}}
}

func decodeQueue(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	q := &Queue{OnFull: OnFullReject, VisibilityTimeout: DefaultVisibilityTimeout, Retention: DefaultRetention, Brokers: 1}
	what := "queue " + name
	topology.DistField(d, m, "publish_time", what, &q.PublishTime)
	topology.IntField(d, m, "capacity", what, &q.Capacity)
	topology.StringField(d, m, "on_full", &q.OnFull)
	topology.DurationField(d, m, "visibility_timeout", what, &q.VisibilityTimeout)
	if m.Has("max_receives") {
		// As SQS's maxReceiveCount, 1 at least: 0 would deliver nothing
		// (leaving it out is no limit).
		q.MaxReceives, _ = d.Int(m.Get("max_receives"), what+" max_receives (leave it out for no limit)", 1)
	}
	topology.StringField(d, m, "dead_letter", &q.DeadLetter)
	topology.DurationField(d, m, "retention", what, &q.Retention)
	topology.IntField(d, m, "brokers", what, &q.Brokers)
	topology.IntField(d, m, "partitions", what, &q.Partitions)
	return q
}

// Validate implements Spec.
func (q *Queue) Validate(e field.Errors, c *topology.Checker) {
	what := "queue " + c.Node().Name
	topology.InRange(e, "capacity", what, q.Capacity, 0, math.MaxInt32)
	topology.OneOf(e, "on_full", "on_full", q.OnFull, []string{OnFullReject, OnFullBlock})
	if !(q.VisibilityTimeout > 0 && q.VisibilityTimeout <= MaxVisibilityTimeout) {
		e.Add("visibility_timeout", "%s: visibility_timeout must be above 0 and at most %s", what, units.FormatDuration(MaxVisibilityTimeout))
	}
	topology.InRange(e, "max_receives", what, q.MaxReceives, 0, MaxReceivesLimit)
	if !(q.Retention >= MinRetention && q.Retention <= MaxRetention) {
		e.Add("retention", "%s: retention must be from %s to %s", what, units.FormatDuration(MinRetention), units.FormatDuration(MaxRetention))
	}
	topology.InRange(e, "brokers", what, q.Brokers, 1, topology.MaxInstances)
	topology.InRange(e, "partitions", what, q.Partitions, 0, MaxPartitions)
	if q.DeadLetter != "" {
		if q.MaxReceives == 0 {
			e.Add("dead_letter", "%s: a dead_letter queue needs max_receives: the deliveries after which a message goes there", what)
		}
		if q.DeadLetter == c.Node().Name {
			e.Add("dead_letter", "%s cannot be its own dead_letter queue", what)
		} else if deadLetterLoops(c.Topology(), c.Node().Name) {
			e.Add("dead_letter", "%s: its dead_letter queues lead back to it (a message would move from queue to queue for ever)", what)
		}
	}
	if len(c.Topology().Consumers(c.Node().Name)) > 1 {
		e.AddAtKey("", "%s has more than one workers node taking from it; a message goes to one consumer group: give each group its own queue, subscribed to a topic, for a copy each", what)
	}
}

// deadLetterLoops says that following dead_letter from the queue called
// name comes back to it.
func deadLetterLoops(t *topology.Topology, name string) bool {
	seen := map[string]bool{}
	for at := name; ; {
		n := t.Lookup(at)
		q, ok := n.Spec.(*Queue)
		if !ok || q.DeadLetter == "" || seen[at] {
			return false
		}
		seen[at] = true
		if q.DeadLetter == name {
			return true
		}
		if t.Lookup(q.DeadLetter) == nil {
			return false
		}
		at = q.DeadLetter
	}
}

// HitRatio implements Analytic.
func (*Queue) HitRatio(topology.Solver, string) (float64, bool) { return 0, false }

// Routes implements Analytic: each publish is delivered to the consumer
// group (1 + f + … + f^(k−1) = (1 − f^k) ÷ (1 − f) times when a delivery
// fails with probability f and a message is delivered at most k times).
func (q *Queue) Routes(sv topology.Solver, name string, _ int, route topology.Router) {
	consumer, w := consumerOf(sv, name)
	if w == nil {
		return
	}
	f, _ := w.Failures()
	per := Deliveries(f, q.MaxReceives)
	if math.IsInf(per, 1) {
		per = 1 // and Solve says the consumers are overloaded
	}
	route(consumer, per, 0)
}

// consumerOf names the worker group that takes from the queue called
// name, with its spec; "" and nil when none does.
func consumerOf(sv topology.Solver, name string) (string, ConsumerSpec) {
	consumer := sv.Consumer(name)
	if consumer == "" {
		return "", nil
	}
	w, _ := sv.Lookup(consumer).Spec.(ConsumerSpec)
	return consumer, w
}

// ConsumerSpec is the spec of a consumer group (a workers node) as a
// queue's estimate sees it.
type ConsumerSpec interface {
	// Failures are the probability that a processing fails, and how long
	// a failed message stays invisible before it is delivered again (nil:
	// its visibility timeout).
	Failures() (rate float64, retryBackoff *float64)
}

// Deliveries is the mean number of times a message is delivered when each
// delivery fails independently with probability f and a message is
// delivered at most k times (k = 0: until it succeeds): the geometric sum
// (1 − f^k) ÷ (1 − f), or 1 ÷ (1 − f) without a limit.
func Deliveries(f float64, k int) float64 {
	if f >= 1 {
		if k == 0 {
			return math.Inf(1)
		}
		return float64(k)
	}
	if k == 0 {
		return 1 / (1 - f)
	}
	return (1 - math.Pow(f, float64(k))) / (1 - f)
}

// Solve implements Analytic: a publish takes the publish time; what the
// consumers do (down) is the messages' async latency, not the publisher's.
func (q *Queue) Solve(sv topology.Solver, name string, rate float64, down []float64) topology.Solution {
	pub := topology.Mean(q.PublishTime)
	sol := topology.Solution{Response: topology.PerClass(sv, func(int) float64 { return pub })}
	_, w := consumerOf(sv, name)
	var f float64
	var retryBackoff *float64
	if w != nil {
		f, retryBackoff = w.Failures()
	}
	switch {
	case w == nil:
		sv.Note("%s: no workers take from it, so its messages only accumulate", name)
	case f >= 1 && q.MaxReceives == 0:
		sol.Overloaded = true
		sv.Note("%s: every delivery fails and max_receives does not limit redeliveries: its consumers are offered work without end", name)
	case len(down) > 0:
		// Every class's message is consumed alike: down[0] is the time
		// its deliveries take; between two deliveries a failed message
		// waits out the retry backoff, or its visibility timeout
		// without one.
		retryWait := q.VisibilityTimeout
		if retryBackoff != nil {
			retryWait = *retryBackoff
		}
		async := float64(down[0]) + float64((Deliveries(f, q.MaxReceives)-1)*retryWait)
		if !math.IsInf(async, 0) && !math.IsNaN(async) {
			sol.AsyncLatency = &async
		}
		if f > 0 && q.MaxReceives > 0 {
			sv.Note("%s: the async latency counts dead-lettered messages as if they were acknowledged", name)
		}
	}
	if q.Capacity > 0 {
		sv.Note("%s: its capacity is ignored (no rejected publishes)", name)
	}
	if q.Partitions > 0 {
		sv.Note("%s: its partitions are left out (one consumer at a time per partition: a hot key waits longer)", name)
	}
	return sol
}

// NetworkLegs implements Analytic.
func (*Queue) NetworkLegs(topology.Solver, string, int) float64 { return 0 }

// Demand implements Analytic: a queue has no workers.
func (*Queue) Demand(topology.Solver, string) (topology.Demand, bool) {
	return topology.Demand{}, false
}

// CapacityNote implements Explainer.
func (*Queue) CapacityNote(topology.Solution) string { return "" }

// Advice implements Explainer.
func (*Queue) Advice(topology.Solver, string, topology.Solution) string {
	return "A queue absorbs bursts; its consumers must keep up on average: add consumers, or scale them on the backlog."
}

// Message is one message stored in a queue, from its publish until it is
// acknowledged, dead-lettered or dropped. Records are pooled; one is
// freed when it is gone and nothing holds it (the queue's lists, a
// consumer working on it, a pending timer): a consumer holds one from its
// receive (Runtime.Receive) until it lets go of it (Runtime.Unhold).
type Message struct {
	q         *Runtime
	class     int
	user      int32
	key       int64
	seq       uint64 // publish order in the queue
	part      int32  // its partition, when the queue has partitions
	published sim.Time
	goneAt    sim.Time
	receives  int32
	state     msgState
	acked     bool
	// inVisible and inAll say the queue's lists hold it; holders counts
	// the consumers working on it.
	inVisible, inAll bool
	holders          int32
	timer            sim.Timer // visibility timeout or retry backoff
}

// Class is the class of the request that published m.
func (m *Message) Class() int { return m.class }

// User is the user of the request that published m, or -1.
func (m *Message) User() int32 { return m.user }

// Key is the key of the request that published m, or -1.
func (m *Message) Key() int64 { return m.key }

type msgState uint8

const (
	msgVisible  msgState = iota // may be received
	msgInFlight                 // received, not yet acknowledged
	msgDelayed                  // waiting out a retry backoff
	msgGone                     // acknowledged, dead-lettered or dropped
)

// Runtime is the runtime of a Queue: what its consumer group takes
// messages from.
type Runtime struct {
	net  *engine.Network
	node *topology.Node
	spec *Queue
	rng  *rand.Rand
	dead *Runtime // the dead-letter queue, if any
	// consumer is told when messages become visible; nil when no workers
	// take from the queue.
	consumer Consumer
	// visible holds the messages that may be received, oldest first
	// (a message acknowledged while visible is dropped when it comes up);
	// all holds every stored message in publish order, for retention and
	// the oldest message's age.
	visible, all sim.FIFO[*Message]
	free         engine.FreeList[Message]
	live         int // message records in use
	// stored counts messages not gone; nVisible those visible.
	stored, nVisible int
	blocked          sim.FIFO[*engine.Job] // publishers waiting for room
	expiry           sim.Timer             // the retention of the oldest message
	seq              uint64                // messages stored so far
	// parts are the partitions of a queue that has them (visible is
	// unused then); ready lists those that may deliver (none of their
	// messages out, one visible), each once.
	parts []partition
	ready sim.FIFO[int32]
	// partRoom is the room the partitions' lists have grown to.
	partRoom int

	// Figures over the measurement window.
	backlog, inFlight                                       sim.TimeAverage
	storedTrend                                             sim.Trend // the drift of the messages stored
	maxBacklog                                              int
	maxAge                                                  float64
	published, delivered, acked, redelivered, deadLettered  int64
	droppedFull, expired, duplicates, blockedCount, apiCall int64
	outOfOrder                                              int64
	async                                                   sim.Durations
	// smp are the figures of the current sample window.
	smpBacklog           sim.TimeAverage
	smpAge               float64
	smpPublished, smpAck int64
}

// Build implements engine.Builder.
func (q *Queue) Build(net *engine.Network, node *topology.Node) engine.Component {
	rt := &Runtime{net: net, node: node, spec: q, rng: net.Stream(node.Name)}
	if q.Partitions > 0 {
		rt.parts = make([]partition, q.Partitions)
	}
	return rt
}

// partition is one ordered lane of a partitioned queue.
type partition struct {
	// msgs are its visible messages in publish order (a message
	// acknowledged while visible is dropped when it comes up); again is
	// a message to deliver before them, back after a failure or its
	// visibility timeout.
	msgs  sim.FIFO[*Message]
	again *Message
	// out counts its messages received and not yet settled (in flight
	// or waiting out a backoff): while any is, it delivers nothing more.
	out      int32
	listed   bool // in the queue's ready list
	visible  int
	stored   int64  // published in the window
	lastAck  uint64 // seq of the latest message processed
	anyAcked bool
}

// Link finds the dead-letter queue.
func (q *Runtime) Link(byName map[string]engine.Component) error {
	if q.spec.DeadLetter != "" {
		q.dead = byName[q.spec.DeadLetter].(*Runtime)
	}
	return nil
}

// Waiters implements engine.Waiters: the publishers blocked until the
// queue has room.
func (q *Runtime) Waiters() int { return q.blocked.Len() }

// Stations implements engine.Component: a queue has none.
func (q *Runtime) Stations() []*engine.Station { return nil }

// InUse implements component: the message records and the lists' room.
func (q *Runtime) InUse() float64 {
	return q.free.Bytes(q.live, float64(unsafe.Sizeof(Message{}))+8) +
		float64(8*(q.visible.Room()+q.all.Room()+q.blocked.Room()+q.partRoom)+4*q.ready.Room())
}

// Accept takes a publish: after the publish time the message is stored
// and the publisher answered, or the publish is rejected (or waits) when
// the queue is full.
func (q *Runtime) Accept(j *engine.Job) {
	if q.net.Publishing(j, q, q.spec.PublishTime, q.rng) {
		return
	}
	q.apiCall++
	if q.spec.Capacity > 0 && q.stored >= q.spec.Capacity {
		if q.spec.OnFull == OnFullBlock {
			q.blockedCount++
			q.blocked.Push(j)
			return
		}
		q.droppedFull++
		j.Fail(engine.CauseRejected)
		q.net.Reply(j)
		return
	}
	q.store(j.Request().Class, j.Request().User, j.Key())
	q.net.Reply(j)
}

// store adds a message published now.
func (q *Runtime) store(class int, user int32, key int64) {
	now := q.net.Now()
	m := q.free.Get()
	q.live++
	q.seq++
	*m = Message{q: q, class: class, user: user, key: key, seq: q.seq, published: now, inAll: true}
	if q.parts != nil {
		m.part = int32(topology.HashPart(max(key, 0), len(q.parts)))
		q.parts[m.part].stored++
	}
	q.published++
	q.smpPublished++
	q.stored++
	q.all.Push(m)
	if q.all.Len() == 1 {
		q.expiry = q.net.FireAt(q.expiresAt(m), q)
	}
	q.makeVisible(m, now)
}

// Offer stores a message from elsewhere (a topic's copy, a dead letter),
// dropping it when the queue is full: no publisher waits for it.
func (q *Runtime) Offer(class int, user int32, key int64) {
	q.apiCall++
	if q.spec.Capacity > 0 && q.stored >= q.spec.Capacity {
		q.droppedFull++
		return
	}
	q.store(class, user, key)
}

// makeVisible lets m be received, and tells the consumers when the queue
// had nothing for them.
func (q *Runtime) makeVisible(m *Message, now sim.Time) {
	m.state = msgVisible
	m.inVisible = true
	q.nVisible++
	if q.parts == nil {
		q.visible.Push(m)
		q.setBacklog(now)
		if q.nVisible == 1 && q.consumer != nil {
			q.consumer.Pull()
		}
		return
	}
	p := &q.parts[m.part]
	p.visible++
	if m.receives > 0 && p.again == nil {
		p.again = m // delivered before the rest, to keep the order
	} else {
		room := p.msgs.Room()
		p.msgs.Push(m)
		q.partRoom += p.msgs.Room() - room
	}
	q.setBacklog(now)
	q.list(m.part)
}

// list puts partition i in the ready list if it may deliver, and tells
// the consumers when the list had nothing for them.
func (q *Runtime) list(i int32) {
	p := &q.parts[i]
	if p.listed || p.out > 0 || p.visible == 0 {
		return
	}
	p.listed = true
	q.ready.Push(i)
	if q.ready.Len() == 1 && q.consumer != nil {
		q.consumer.Pull()
	}
}

// settle records that m, out (in flight or waiting out a backoff), is no
// longer: its partition may deliver again.
func (q *Runtime) settle(m *Message) {
	if q.parts == nil {
		return
	}
	q.parts[m.part].out--
	q.list(m.part)
}

// hidden records that the visible message m is taken or gone.
func (q *Runtime) hidden(m *Message) {
	q.nVisible--
	if q.parts != nil {
		q.parts[m.part].visible--
	}
}

// Consumer is the consumer group that takes messages from a queue (a
// workers node), attached to it by Attach.
type Consumer interface {
	// Pull is told when the queue had nothing to deliver and now has.
	Pull()
	// Backlog is told the messages stored (visible or not) whenever they
	// change, for an autoscaler that follows them.
	Backlog(now sim.Time, stored int)
	// Name is the consumer group's node.
	Name() string
}

// Attach makes c the queue's consumer group.
func (q *Runtime) Attach(c Consumer) { q.consumer = c }

// Received counts a receive that got messages (an API request).
func (q *Runtime) Received() { q.apiCall++ }

// Counts are the messages published, delivered (redeliveries included) and
// ended (acknowledged or dead-lettered) over the measurement window.
func (q *Runtime) Counts() (published, delivered, ended int64) {
	return q.published, q.delivered, q.acked + q.deadLettered
}

// PartitionLoad are the messages published over the measurement window
// in all partitions and in the busiest one; 0 without partitions.
func (q *Runtime) PartitionLoad() (total, most int64) {
	for _, p := range q.parts {
		total += p.stored
		most = max(most, p.stored)
	}
	return total, most
}

// Receivable says a receive now may deliver a message.
func (q *Runtime) Receivable() bool {
	if q.parts != nil {
		return q.ready.Len() > 0
	}
	return q.nVisible > 0
}

// setBacklog records a change of the visible messages.
func (q *Runtime) setBacklog(now sim.Time) {
	q.backlog.Set(now, float64(q.nVisible))
	q.storedTrend.Set(now, float64(q.stored))
	q.smpBacklog.Set(now, float64(q.nVisible))
	q.inFlight.Set(now, float64(q.stored-q.nVisible))
	q.maxBacklog = max(q.maxBacklog, q.nVisible)
	if q.consumer != nil {
		q.consumer.Backlog(now, q.stored)
	}
}

// Receive hands the oldest visible message to a consumer, or nil when
// there is none. A message delivered MaxReceives times already goes to the
// dead-letter queue instead, as SQS moves it when it would be received
// once more.
func (q *Runtime) Receive() (*Message, int32) {
	now := q.net.Now()
	for {
		m := q.nextVisible()
		if m == nil {
			return nil, 0
		}
		if k := q.spec.MaxReceives; k > 0 && int(m.receives) >= k {
			q.deadLetterMsg(m, now)
			continue
		}
		q.hidden(m)
		if q.parts != nil {
			// The partition delivers nothing more until m is settled.
			q.parts[m.part].out++
			q.parts[m.part].listed = false
			q.ready.Pop()
		}
		m.receives++
		m.state = msgInFlight
		m.holders++
		q.delivered++
		if m.receives > 1 {
			q.redelivered++
		}
		m.timer = q.net.FireAfter(q.spec.VisibilityTimeout, m)
		q.setBacklog(now)
		return m, m.receives
	}
}

// nextVisible takes the next message that may be received off its list:
// the oldest visible one or, with partitions, the first of the first
// ready partition (which stays listed until the message is delivered).
// Messages gone while visible are dropped on the way.
func (q *Runtime) nextVisible() *Message {
	if q.parts == nil {
		return q.firstVisible(&q.visible)
	}
	for q.ready.Len() > 0 {
		p := &q.parts[q.ready.Peek()]
		if m := p.again; m != nil {
			p.again, m.inVisible = nil, false
			if m.state == msgVisible {
				return m
			}
			q.drop(m)
			continue
		}
		if m := q.firstVisible(&p.msgs); m != nil {
			return m
		}
		p.listed = false
		q.ready.Pop()
	}
	return nil
}

// firstVisible pops the first visible message of list, or nil.
func (q *Runtime) firstVisible(list *sim.FIFO[*Message]) *Message {
	for list.Len() > 0 {
		m := list.Pop()
		m.inVisible = false
		if m.state == msgVisible {
			return m
		}
		q.drop(m)
	}
	return nil
}

// deadLetterMsg moves m to the dead-letter queue, or drops it.
func (q *Runtime) deadLetterMsg(m *Message, now sim.Time) {
	q.deadLettered++
	q.remove(m, now)
	if q.dead != nil {
		q.dead.Offer(m.class, m.user, m.key)
	}
	q.drop(m)
}

// Ack is a consumer's acknowledgement of m, whichever delivery it
// processed: the first deletes the message; a later one (the message was
// redelivered and processed again) counts a duplicate.
func (q *Runtime) Ack(m *Message) {
	now := q.net.Now()
	q.apiCall++
	if q.parts != nil {
		// Processings (duplicates too) take effect in publish order
		// unless one comes after a later message's.
		p := &q.parts[m.part]
		if p.anyAcked && m.seq < p.lastAck {
			q.outOfOrder++
		} else {
			p.lastAck, p.anyAcked = m.seq, true
		}
	}
	if m.acked {
		q.duplicates++
		return
	}
	m.acked = true
	q.acked++
	q.smpAck++
	lat := float64(now - m.published)
	q.async.Add(lat)
	if m.state != msgGone {
		q.remove(m, now)
	}
}

// Fail is a consumer's failure to process m under the given receipt: the
// message becomes visible again after backoff (SQS's
// ChangeMessageVisibility; 0 is at once). A stale receipt (the message was
// redelivered since) changes nothing.
func (q *Runtime) Fail(m *Message, receipt int32, backoff float64) {
	if m.state != msgInFlight || m.receives != receipt {
		return
	}
	if backoff == 0 {
		q.Release(m, receipt)
		return
	}
	q.net.CancelTimer(m.timer)
	m.state = msgDelayed
	m.timer = q.net.FireAfter(backoff, m)
}

// Release gives m back at once, unprocessed (a consumer leaving with
// messages of its batch).
func (q *Runtime) Release(m *Message, receipt int32) {
	if m.state != msgInFlight || m.receives != receipt {
		return
	}
	q.net.CancelTimer(m.timer)
	m.timer = sim.Timer{}
	q.makeVisible(m, q.net.Now())
	q.settle(m)
}

// Unhold records that a consumer is done with m.
func (q *Runtime) Unhold(m *Message) {
	m.holders--
	q.drop(m)
}

// Fire implements engine.Firer: m's visibility timeout or retry backoff ends.
func (m *Message) Fire(sim.Time) { m.q.timerFired(m) }

// Fire implements engine.Firer: the oldest message reaches its retention.
func (q *Runtime) Fire(now sim.Time) { q.expire(now) }

// timerFired handles m's visibility timeout or retry backoff.
func (q *Runtime) timerFired(m *Message) {
	m.timer = sim.Timer{}
	if m.state == msgInFlight || m.state == msgDelayed {
		// Back in its partition's place first, then the partition may
		// deliver: m comes before the messages after it.
		q.makeVisible(m, q.net.Now())
		q.settle(m)
	}
}

// remove ends m's life in the queue (acknowledged, dead-lettered or
// expired), making room for a blocked publisher.
func (q *Runtime) remove(m *Message, now sim.Time) {
	out := m.state == msgInFlight || m.state == msgDelayed
	if m.state == msgVisible {
		q.hidden(m)
	}
	if m.timer != (sim.Timer{}) {
		q.net.CancelTimer(m.timer)
		m.timer = sim.Timer{}
	}
	m.state, m.goneAt = msgGone, now
	q.stored--
	q.setBacklog(now)
	q.trim(now)
	for q.blocked.Len() > 0 && (q.spec.Capacity == 0 || q.stored < q.spec.Capacity) {
		j := q.blocked.Pop()
		q.store(j.Request().Class, j.Request().User, j.Key())
		q.net.Reply(j)
	}
	if out {
		q.settle(m)
	}
}

// trim drops the gone messages at the front of the publish-order list,
// noting the age each had when it went, and keeps the retention timer on
// the oldest message left.
func (q *Runtime) trim(now sim.Time) {
	popped := false
	for q.all.Len() > 0 && q.all.Peek().state == msgGone {
		popped = true
		m := q.all.Pop()
		m.inAll = false
		age := float64(m.goneAt - m.published)
		q.maxAge, q.smpAge = max(q.maxAge, age), max(q.smpAge, age)
		q.drop(m)
	}
	if !popped && q.expiry != (sim.Timer{}) {
		return // the oldest message is the same
	}
	q.net.CancelTimer(q.expiry)
	q.expiry = sim.Timer{}
	if q.all.Len() > 0 {
		q.expiry = q.net.FireAt(q.expiresAt(q.all.Peek()), q)
	}
}

// expire drops the messages past their retention.
func (q *Runtime) expire(now sim.Time) {
	q.expiry = sim.Timer{}
	for q.all.Len() > 0 {
		m := q.all.Peek()
		if m.state == msgGone {
			q.trim(now) // and reschedules
			continue
		}
		if now < q.expiresAt(m) { // the instant its timer was set for
			break
		}
		q.expired++
		q.remove(m, now) // trims m, and reschedules
	}
	if q.expiry == (sim.Timer{}) && q.all.Len() > 0 {
		q.expiry = q.net.FireAt(q.expiresAt(q.all.Peek()), q)
	}
}

// expiresAt is when m reaches its retention: computed one way everywhere,
// so its expiry event finds it expired (now − published may round below
// the retention where published + retention does not).
func (q *Runtime) expiresAt(m *Message) sim.Time { return m.published + sim.Time(q.spec.Retention) }

// drop frees m once it is gone and nothing holds it.
func (q *Runtime) drop(m *Message) {
	if m.state != msgGone || m.inVisible || m.inAll || m.holders > 0 || m.timer != (sim.Timer{}) {
		return
	}
	*m = Message{}
	q.free.Put(m)
	q.live--
}

// oldestAge is the age of the oldest stored message now, 0 when none.
func (q *Runtime) oldestAge(now sim.Time) float64 {
	if q.all.Len() == 0 {
		return 0
	}
	return float64(now - q.all.Peek().published)
}

// ResetStats implements engine.Component.
func (q *Runtime) ResetStats(now sim.Time) {
	for i := range q.parts {
		q.parts[i].stored = 0
	}
	q.outOfOrder = 0
	q.backlog.Reset(now)
	q.inFlight.Reset(now)
	engine.ResetTrend(&q.storedTrend, now)
	q.maxBacklog, q.maxAge = q.nVisible, q.oldestAge(now)
	q.published, q.delivered, q.acked, q.redelivered, q.deadLettered = 0, 0, 0, 0, 0
	q.droppedFull, q.expired, q.duplicates, q.blockedCount, q.apiCall = 0, 0, 0, 0, 0
	q.async = sim.Durations{}
}

// Stats are a queue's figures over the measurement window.
type Stats struct {
	Published int64 `json:"published"`
	// Delivered counts receives, Redelivered those of a message received
	// before (after a visibility timeout or a failure).
	Delivered   int64 `json:"delivered"`
	Redelivered int64 `json:"redelivered"`
	// Acknowledged messages were processed and deleted; Duplicates are
	// further successful processings of a message already acknowledged
	// (its visibility timeout expired while a consumer still worked on it).
	Acknowledged int64 `json:"acknowledged"`
	Duplicates   int64 `json:"duplicates"`
	DeadLettered int64 `json:"dead_lettered"`
	// DroppedFull were refused for want of room, Expired outlived the
	// retention; Blocked publishes waited for room.
	DroppedFull int64 `json:"dropped_full"`
	Expired     int64 `json:"expired"`
	Blocked     int64 `json:"blocked"`
	// Backlog is the number of visible messages: time-average, most, and
	// at the end; InFlightEnd those received and not yet acknowledged at
	// the end.
	BacklogMean float64 `json:"backlog_mean"`
	BacklogMax  int     `json:"backlog_max"`
	BacklogEnd  int     `json:"backlog_end"`
	InFlightEnd int     `json:"in_flight_end"`
	// OldestAge is the age of the oldest stored message: most, and at
	// the end (seconds).
	OldestAgeMax float64 `json:"oldest_age_max"`
	OldestAgeEnd float64 `json:"oldest_age_end"`
	// AsyncLatency is from the message's publish being stored to its
	// acknowledgement; null when none was acknowledged.
	AsyncLatency *AsyncLatency `json:"async_latency"`
	// Consumer is the workers node taking from the queue, or "".
	Consumer string `json:"consumer,omitempty"`
	// With partitions: each one's share of the messages published, the
	// busiest one's load over the mean, each one's visible messages at
	// the end, and the successful processings (duplicates included) of a
	// message published before one already processed in its partition:
	// order broken, as when a visibility timeout shorter than the work
	// lets a duplicate finish after the next message; absent without.
	PartitionLoad      []float64 `json:"partition_load,omitempty"`
	PartitionImbalance *float64  `json:"partition_imbalance,omitempty"`
	PartitionBacklog   []int     `json:"partition_backlog,omitempty"`
	OutOfOrder         *int64    `json:"out_of_order,omitempty"`
}

// AsyncLatency summarises the time from publish to acknowledgement.
type AsyncLatency struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	// MeanCI95 is the 95% confidence interval of the mean by batch
	// means; null when too few messages were acknowledged for one, or
	// the run changes over time (Options.Changing).
	MeanCI95 *[2]float64 `json:"mean_ci95"`
}

// Stats implements engine.Component: the queue's figures, its Detail a Stats.
func (q *Runtime) Stats(window float64, now sim.Time) engine.NodeStats {
	qs := &Stats{Published: q.published, Delivered: q.delivered, Redelivered: q.redelivered,
		Acknowledged: q.acked, Duplicates: q.duplicates, DeadLettered: q.deadLettered,
		DroppedFull: q.droppedFull, Expired: q.expired, Blocked: q.blockedCount,
		BacklogMean: q.backlog.Mean(now), BacklogMax: q.maxBacklog, BacklogEnd: q.nVisible,
		InFlightEnd: q.stored - q.nVisible, OldestAgeMax: max(q.maxAge, q.oldestAge(now)), OldestAgeEnd: q.oldestAge(now)}
	if q.consumer != nil {
		qs.Consumer = q.consumer.Name()
	}
	if q.parts != nil {
		load := make([]float64, len(q.parts))
		qs.PartitionBacklog = make([]int, len(q.parts))
		for i := range q.parts {
			load[i] = float64(q.parts[i].stored)
			qs.PartitionBacklog[i] = q.parts[i].visible
		}
		qs.PartitionLoad, qs.PartitionImbalance = topology.LoadShares(load)
		ooo := q.outOfOrder
		qs.OutOfOrder = &ooo
	}
	if q.acked > 0 {
		a := &q.async
		qs.AsyncLatency = &AsyncLatency{Mean: a.Mean(), P50: a.Quantile(0.5), P99: a.Quantile(0.99), Max: a.Max()}
		if !q.net.Changing() {
			qs.AsyncLatency.MeanCI95 = a.MeanCI95()
		}
	}
	s := engine.NodeStats{Instances: q.spec.Brokers, Arrivals: q.published, Completed: q.acked, Rejected: q.droppedFull, Detail: qs}
	if window > 0 {
		s.Growth = engine.TrendGrowth(&q.storedTrend, now, float64(q.published)/window)
		s.Throughput = float64(q.acked) / window
		s.Usage.RequestsPerSecond = float64(q.apiCall) / window
	}
	return s
}

// JSONKey implements Detail.
func (*Stats) JSONKey() string { return "queue" }

// ConsumedBy implements engine.Backlog: Consumer.
func (s *Stats) ConsumedBy() string { return s.Consumer }

// Full implements engine.Backlog: DroppedFull and Blocked.
func (s *Stats) Full() (turnedAway, held int64) { return s.DroppedFull, s.Blocked }

// Handoff implements engine.Backlog: AsyncLatency's mean, median and
// 99th percentile, and Acknowledged.
func (s *Stats) Handoff() (mean, p50, p99 float64, acknowledged int64, ok bool) {
	if a := s.AsyncLatency; a != nil {
		return a.Mean, a.P50, a.P99, s.Acknowledged, true
	}
	return 0, 0, 0, s.Acknowledged, false
}

// WriteText implements Detail.
func (s *Stats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s %d published, %d delivered (%d redelivered), %d acknowledged, %s, %d dead-lettered, %d dropped full, %d expired\n",
		node, s.Published, s.Delivered, s.Redelivered, s.Acknowledged, units.Plural(s.Duplicates, "duplicate", "duplicates"), s.DeadLettered, s.DroppedFull, s.Expired)
	fmt.Fprintf(w, "%-11s backlog mean %.1f, max %d, at end %d (+%d in flight); oldest message %s at most, %s at end\n",
		"", s.BacklogMean, s.BacklogMax, s.BacklogEnd, s.InFlightEnd, units.FormatDuration(s.OldestAgeMax), units.FormatDuration(s.OldestAgeEnd))
	if a := s.AsyncLatency; a != nil {
		fmt.Fprintf(w, "%-11s async latency (publish to acknowledgement) p50 %s, p99 %s, mean %s\n",
			"", units.FormatDuration(a.P50), units.FormatDuration(a.P99), units.FormatDuration(a.Mean))
	}
	if s.OutOfOrder != nil {
		fmt.Fprintf(w, "%-11s partition load %s (imbalance %s); backlog at end %s; %d processed out of order\n",
			"", topology.FormatShares(s.PartitionLoad), units.OrUnknown(s.PartitionImbalance, topology.FormatRatio), topology.FormatCounts(s.PartitionBacklog), *s.OutOfOrder)
	}
}

// SampleQueue implements engine.QueueSampler.
func (q *Runtime) SampleQueue(now sim.Time) engine.QueueSample {
	s := engine.QueueSample{Name: q.node.Name, Backlog: q.smpBacklog.Mean(now), OldestAge: max(q.smpAge, q.oldestAge(now)),
		Published: q.smpPublished, Acknowledged: q.smpAck}
	q.smpBacklog.Reset(now)
	q.smpAge, q.smpPublished, q.smpAck = q.oldestAge(now), 0, 0
	return s
}
