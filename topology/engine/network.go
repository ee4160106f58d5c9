package engine

import (
	"fmt"
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// Outcome is how a request ended.
type Outcome int

// Request outcomes.
const (
	Completed    Outcome = iota // the reply arrived
	Rejected                    // a full queue turned it away
	TimedOut                    // the client stopped waiting
	Failed                      // a node failed it (a fault: an instance down, injected errors)
	CallTimedOut                // a call on its way gave up waiting (the call's own timeout)
	RateLimited                 // a rate limit turned it away
	Shed                        // load shedding turned it away
	CircuitOpen                 // an open circuit breaker refused a call on its way
	NodeTimedOut                // a node's own time limit ended its work (a function's timeout)
	// Outcomes is the number of outcomes.
	Outcomes
)

// Cause is why a visit failed, and so the request, unless a retry
// recovers it.
type Cause uint8

// Causes of a failed visit.
const (
	NoCause          Cause = iota
	CauseRejected          // a full queue turned it away
	CauseFailed            // a node failed it (a fault)
	CauseCallTimeout       // the call's timeout expired first
	CauseRateLimited       // a rate limit turned it away
	CauseShed              // load shedding turned it away
	CauseCircuitOpen       // an open circuit breaker refused the call
	CauseNodeTimeout       // the node's own time limit ended its work (a function's timeout)
	causes
)

// outcome is how a request whose root visit ended with cause c ended.
func (c Cause) outcome() Outcome {
	return [causes]Outcome{Completed, Rejected, Failed, CallTimedOut, RateLimited, Shed, CircuitOpen, NodeTimedOut}[c]
}

// Request is one request from the workload, from its arrival at the entry
// node to its reply. Records are pooled and reused: an Observer must not keep
// one after Finished returns.
type Request struct {
	Class int
	// User is who sent it, or -1; Client is the closed-workload user or
	// session waiting for the reply, or -1.
	User, Client int32
	// Key is the key it touches, or -1.
	Key     int64
	Arrived sim.Time
	// Seq numbers the requests in the order they were submitted, from 1
	// (0 for the system's own).
	Seq int64
	// timeout is the client's timeout event while it is pending; the reply
	// cancels it, so a finished request leaves memory at once.
	timeout sim.Timer
	// version is the version of its key's value it got at a database, and
	// staleValue says that value was already stale; held says it holds
	// its key in the network's versions (see versions).
	version uint64
	// refs counts what holds the record: its root job and, while it is
	// pending, its timeout event. (The small fields are packed together:
	// a million requests in flight are a few hundred megabytes.)
	refs             int32
	ended            bool // Finished has been called
	held, staleValue bool
	// background requests are the system's own (write-back flushes): no
	// client waits for them and they are not reported.
	background bool
	// Degraded says a fallback answered one of its calls (see topology.Fallback):
	// its reply, if it gets one, is degraded.
	Degraded bool
	// Region is where the user who sent it is, an index of
	// Options.UserRegions; -1: nowhere.
	Region int8
	// writeSpan is the failover (its span's id) whose failed primary
	// refused a write of it, or 0 (see failedRequest).
	writeSpan int32
}

// Observer is told when each request ends.
type Observer interface {
	Finished(r *Request, now sim.Time, outcome Outcome)
}

// opKind is what a job asks of the node it visits.
type opKind uint8

const (
	opAuto  opKind = iota // read or write according to the request's class
	opRead                // a read, whatever the class (a cache miss's origin read)
	opWrite               // a write, whatever the class
	opGet                 // cache operations
	opSet
	opDelete
)

// Job is one visit of a request to a node: it queues, is served, makes the
// node's calls one after another, and replies to its parent job (or ends the
// request if it has none).
type Job struct {
	req    *Request
	parent *Job
	owner  Caller // resumes j when a call it made returns
	st     *Station
	inst   *instance
	dest   Component // where a delayed send goes
	step   *step     // the caller's step that made this call
	pool   *connPool // the connection this visit holds or waits for
	// filling is the get step whose coalesced miss this job must fill.
	filling *step
	// join, on a member of a parallel step (a branch: one of its calls,
	// or one visit of a fan-out), is the step's gathering of replies,
	// which the branch ends into instead of replying to a parent.
	join      *gather
	pc        int // the next step of the owner's program
	arrived   sim.Time
	started   sim.Time
	holding   bool  // holds a worker
	connected bool  // has paid its database connect time
	err       Cause // why this visit failed (here or downstream), if it did
	hit       bool  // a cache get found the key
	op        opKind
	// abandoned says the caller stopped waiting (the call's timeout), so
	// its reply is dropped; withdrawn says a station dropped the visit
	// before serving it, its caller having gone on (a parallel step's
	// cancel).
	abandoned, withdrawn bool
	attempts             int8 // see first
	// retries counts the retries of the call being made (a caller's) or
	// made (a callee's attempt): at most topology.MaxRetriesPerCall.
	retries int16
	// part is where a call to a node whose parts are placed apart goes (a
	// database's replicas or primary in a region: see Parted); 0 is
	// the node itself.
	part int8
	// mark says whether the visit is in its own service time
	// (markServing) and, in its other bits, its station's statistics
	// epoch when it took a worker (see Station.carried); one byte, so
	// that the record does not grow.
	mark uint8
	// keys, when above 0, is the number of keys a visit of a fan-out
	// carries (its work grows with them), and key its own key, in place
	// of its request's; the visits it makes inherit both.
	keys int32
	key  int64
	// sent is when a call's attempt was sent; sibling is the other
	// attempt of a hedged call while both are out. A caller's first and
	// attempts are its hedged call's first attempt and the attempts out,
	// and hedgeTimer the pending hedge.
	sent       sim.Time
	sibling    *Job
	first      *Job
	hedgeTimer sim.Timer
	// payload is the state of the kind that owns the visit (see
	// Job.Payload).
	payload any
	// timer is a pending event about this visit that must not outlive it,
	// such as a per-call timeout: freeJob cancels it, so that it never
	// fires on the record once it is reused for another visit.
	timer sim.Timer
}

// Caller is a component that makes calls and is resumed by their replies.
type Caller interface {
	Resume(j *Job, child *Job)
}

// Limits bound the resources a run may use.
type Limits struct {
	// MaxInFlight, when positive, is the most requests that may be in the
	// system at once; Submit refuses more (see Overload).
	MaxInFlight int
}

// Options configure a Network.
type Options struct {
	// Seed from which each node's random stream is derived.
	Seed uint64
	// Classes are the workload's request classes, in order: a request's
	// Class indexes this list.
	Classes []string
	// Timeout is how long clients wait for a reply; 0 means forever.
	Timeout float64
	Limits  Limits
	// Writes says, by class, whether a request writes.
	Writes []bool
	// KeyCount is the size of the workload's key space (0: no keys).
	KeyCount int64
	// Keys draws keys from the workload's popularity, for fan-outs to
	// other keys; nil without keys.
	Keys KeyDrawer
	// Popularity is the workload's key popularity, for the caches that
	// start warm (Network.Warm); nil leaves them empty.
	Popularity *Popularity
	// DefaultLatency is the network round trip of calls that give none;
	// nil is none.
	DefaultLatency sim.Dist
	// Sampled says the run is sampled over time (Network.Sample): the
	// stations keep figures per sample window too.
	Sampled bool
	// UserRegions are the regions the users are in, by the names the
	// scenario uses (SubmitFrom's region indexes them), and ClientRTT the
	// round trip of their last mile, in seconds.
	UserRegions []string
	ClientRTT   float64
	// Changing says the load or the system changes over time (a shaped
	// workload, faults): figures are not of a stationary series, so no
	// batch-means confidence interval is given for their means.
	Changing bool
}

// Network runs a Topology on a kernel.
type Network struct {
	k         *sim.Kernel
	topo      *topology.Topology // its nodes' placement, for Hop
	entryName string
	// clientLegs are the one-way delays between the users of each region
	// (Options.UserRegions) and the entry.
	clientLegs []float64
	obs        Observer
	opts       Options
	comps      []Component // in topology order
	nodes      []*topology.Node
	entry      Component
	freeReqs   FreeList[Request]
	freeJobs   FreeList[Job]
	// versions, with a cache in the topology, tell which cached values
	// are stale.
	versions *versions
	inFlight int
	// submitted counts the requests submitted (Request.Seq); measuredFrom
	// is its count when the measurement window began (ResetStats): the
	// requests after it are the window's, and only those count in an
	// episode of failure (see failedRequest).
	submitted, measuredFrom int64
	liveJobs                int // visit records in use
	// working counts the pending events that move a visit on (service
	// completions, deliveries, replies). With requests in flight and none
	// of these pending, nothing can ever finish them: the run has stalled.
	working  int
	overload string // why the run was stopped, if it was
	stalled  string
	// hosts are the machines nodes share (see topology.Host).
	hosts []*hostRun
	// deploys replace services' instances as scheduled (see topology.Deploy).
	deploys []*deployer
	// spans are the episodes of failure whose failed requests are being
	// gathered, allSpans every one so far (see recovery.go); outages the
	// region faults' runtimes.
	spans, allSpans []*failureSpan
	outages         []*outage
}

// Opcodes of the network's events.
const (
	opServiceDone = iota // data: the *job whose service time elapsed
	opTimeout            // data: the *Request whose client stops waiting
	opDeliver            // data: a *job to hand to its dest
	opReply              // data: a *job whose reply is due
	opFire               // data: a Firer, a component's own timer (a queue's retention, a message's visibility)
	opCallTimeout        // data: the *job of a call attempt whose timeout expires
	opRetry              // data: a caller's *job whose call is tried again
	opHedge              // data: a caller's *job whose call gets a second attempt
	opReturn             // data: a *job whose reply reaches its caller after its hop
	opForward            // data: a *job a balancer forwards to its inst, after its hop
)

// NewNetwork builds the components of t on kernel k. Each node draws from its
// own random stream, derived from the seed and the node's name, so adding a
// node leaves the numbers the others draw unchanged.
func NewNetwork(t *topology.Topology, k *sim.Kernel, opts Options, obs Observer) (*Network, error) {
	n := &Network{k: k, obs: obs, opts: opts, topo: t}
	byName := map[string]Component{}
	for _, node := range t.Nodes {
		c := builder(node).Build(n, node)
		byName[node.Name] = c
		n.comps = append(n.comps, c)
		n.nodes = append(n.nodes, node)
	}
	// References are resolved once all components exist.
	for _, c := range n.comps {
		if err := c.Link(byName); err != nil {
			return nil, err
		}
	}
	n.placeOnHosts(t, byName)
	n.entry, n.entryName = byName[t.Entry], t.Entry
	for _, region := range opts.UserRegions {
		n.clientLegs = append(n.clientLegs, t.Hop(topology.HopClient, region, t.Entry, float64(opts.ClientRTT/2)))
	}
	if n.entry == nil {
		return nil, fmt.Errorf("engine: entry %q is not a node", t.Entry)
	}
	n.scheduleFaults(t, byName)
	n.scheduleDeploys(t, byName)
	return n, nil
}

// Submit sends a new request into the entry node now. It reports false if
// the network refused it because the in-flight limit is reached; the run
// should then stop (see Overload).
func (n *Network) Submit(class int, user, client int32, key int64) bool {
	return n.SubmitFrom(-1, class, user, client, key)
}

// SubmitFrom is Submit for a user in region (an index of
// Options.UserRegions; -1: nowhere): the request reaches the entry, and
// its reply the user, after the way between them (the last mile and the
// distance from the user's region to the entry's, by Hop).
func (n *Network) SubmitFrom(region int, class int, user, client int32, key int64) bool {
	if max := n.opts.Limits.MaxInFlight; max > 0 && n.inFlight >= max {
		n.overload = fmt.Sprintf("in-flight cap reached: %s in the system at once (run.max_in_flight)", units.Plural(max, "request was", "requests were"))
		return false
	}
	r := n.newRequest(class, user, client, key)
	n.submitted++
	r.Seq = n.submitted
	if n.opts.Timeout > 0 {
		r.refs++
		r.timeout = n.k.After(n.opts.Timeout, n, opTimeout, r)
	}
	n.inFlight++
	j := n.newJob(r, nil)
	if region >= 0 {
		r.Region = int8(region)
		if d := n.clientLegs[region]; d > 0 {
			j.dest = n.entry
			n.later(d, opDeliver, j)
			return true
		}
	}
	n.entry.Accept(j)
	return true
}

// background sends a write of key to a node on the system's own behalf (a
// write-back flush): no client waits for it.
func (n *Network) background(to Component, key int64, user int32) {
	r := n.newRequest(0, user, -1, key)
	r.background = true
	j := n.newJob(r, nil)
	j.op, j.dest = opWrite, to
	to.Accept(j)
}

// Overload says why the run had to stop early, or "".
func (n *Network) Overload() string { return n.overload }

// InFlight is the number of requests in the system.
func (n *Network) InFlight() int { return n.inFlight }

// Handle implements sim.Handler.
func (n *Network) Handle(now sim.Time, op int, data any) {
	if op != opTimeout {
		n.working--
		defer n.checkStall()
	}
	switch op {
	case opServiceDone:
		j := data.(*Job)
		j.st.served(j)
		if on := j.st.host; on != nil {
			on.served(j) // its core is free
		}
		if j.inst.down {
			j.st.failNow(j) // its instance went down during the service
			break
		}
		j.st.owner.Served(j)
	case opDeliver:
		j := data.(*Job)
		j.dest.Accept(j)
	case opReply:
		n.reply(data.(*Job))
	case opFire:
		data.(Firer).Fire(now)
	case opCallTimeout:
		n.callTimedOut(data.(*Job))
	case opRetry:
		j := data.(*Job)
		j.owner.(program).run(j)
	case opHedge:
		j := data.(*Job)
		j.owner.(program).hedge(j)
	case opReturn:
		n.returned(data.(*Job))
	case opForward:
		j := data.(*Job)
		j.inst.st.arrive(j, j.inst)
	case opTimeout:
		r := data.(*Request)
		if !r.ended {
			r.ended = true
			n.obs.Finished(r, now, TimedOut)
			n.failedRequest(r, now)
		}
		n.release(r)
	}
}

// Firer is what a component's own timer (Network.FireAt) hands back when
// it fires: the network counts it as work under way until then (it may let
// a blocked publisher on), and knows nothing else of it. A pointer to the
// component's own record (a message) is handed over as it is, without an
// allocation.
type Firer interface {
	Fire(now sim.Time)
}

// program is a component that runs a program of calls for its visits (a
// service, a worker group's): a retry runs the call again, a hedge sends
// its second attempt, and a call whose attempt child timed out (its step
// st) goes on without it.
type program interface {
	run(j *Job)
	hedge(j *Job)
	timedOut(j, child *Job, st *step)
}

// The engine's calls for a kind defined outside this package (see
// ARCHITECTURE.md, "How to add a node kind"): a visit's outcome, and the
// ways a component hands a visit on.

// Err is why the visit failed (here or downstream), or NoCause.
func (j *Job) Err() Cause { return j.err }

// Fail marks the visit failed with cause c (NoCause: not failed).
func (j *Job) Fail(c Cause) { j.err = c }

// Request is the request j is a visit of.
func (j *Job) Request() *Request { return j.req }

// Key is the key the visit addresses: its own when it is a visit of a
// fan-out to other keys (or made by one), else its request's (-1: none).
func (j *Job) Key() int64 {
	if j.keys > 0 {
		return j.key
	}
	return j.req.Key
}

// Stream is the random stream of the node called name, derived from the
// run's seed and the name: adding a node does not perturb the others.
func (n *Network) Stream(name string) *rand.Rand { return sim.NewStream(n.opts.Seed, name) }

// Now is the simulated time.
func (n *Network) Now() sim.Time { return n.k.Now() }

// Classes are the workload's request classes, in order: a request's Class
// indexes them.
func (n *Network) Classes() []string { return n.opts.Classes }

// Reply ends j's visit now: its reply goes to its caller.
func (n *Network) Reply(j *Job) { n.reply(j) }

// ReplyAfter ends j's visit after delay seconds.
func (n *Network) ReplyAfter(delay float64, j *Job) { n.later(delay, opReply, j) }

// PassOn sends j's request on to the component to, as it is, after delay
// seconds, as a visit of its own whose reply resumes owner with j.
func (n *Network) PassOn(j *Job, owner Caller, to Component, delay float64) {
	j.owner = owner
	child := n.newJob(j.req, j)
	child.op, child.dest = j.op, to
	n.later(delay, opDeliver, child)
}

// later schedules an event that moves visit j on (opServiceDone,
// opDeliver, opReply) after delay seconds.
func (n *Network) later(delay float64, op int, j *Job) {
	n.working++
	n.k.After(delay, n, op, j)
}

// timer schedules an event of the network's (opCallTimeout, opHedge) on
// data after delay seconds. It counts as work under way.
func (n *Network) timer(delay float64, op int, data any) sim.Timer {
	n.working++
	return n.k.At(n.k.Now()+sim.Time(delay), n, op, data)
}

// FireAt schedules f's own timer at t (see Firer), and FireAfter after
// delay seconds: a component's timers (a queue's retention, a message's
// visibility timeout) go through the network, so that they count as work
// under way for the stall check. The Timer returned cancels it.
func (n *Network) FireAt(t sim.Time, f Firer) sim.Timer {
	n.working++
	return n.k.At(t, n, opFire, f)
}

// FireAfter is FireAt delay seconds from now.
func (n *Network) FireAfter(delay float64, f Firer) sim.Timer {
	return n.FireAt(n.k.Now()+sim.Time(delay), f)
}

// CancelTimer withdraws a timer scheduled by FireAt (or one of the
// network's own), if it is pending; the zero Timer is none.
func (n *Network) CancelTimer(t sim.Timer) {
	if n.k.Cancel(t) {
		n.working--
	}
}

// callTimedOut abandons the call attempt child, whose timeout expired:
// its caller goes on without it (a retry or a failure), while the attempt
// runs to its end, holding its request's record, and its reply is dropped.
func (n *Network) callTimedOut(child *Job) {
	child.timer = sim.Timer{}
	parent, st := child.parent, child.step
	n.abandon(child)
	st.edge.ended(int(child.retries), CauseCallTimeout)
	parent.owner.(program).timedOut(parent, child, st)
}

// abandon detaches a call's attempt from its caller: it runs to its end,
// holding its request's record, and its reply is dropped.
func (n *Network) abandon(child *Job) {
	n.CancelTimer(child.timer)
	child.timer = sim.Timer{}
	child.parent, child.abandoned = nil, true
	child.req.refs++
}

// checkStall stops the run when requests are in flight and no event that
// could finish any of them is pending: each waits, directly or not, for
// something that will never happen, such as a cache fill that waits for
// itself.
func (n *Network) checkStall() {
	if n.working > 0 || n.inFlight == 0 || n.stalled != "" {
		return
	}
	them := "them"
	if n.inFlight == 1 {
		them = "it"
	}
	n.stalled = fmt.Sprintf("stalled: %s in flight and no work is under way that could finish %s (a deadlock)", units.Plural(n.inFlight, "request is", "requests are"), them)
	n.k.Halt()
}

// Stalled says why the run stalled, or "".
func (n *Network) Stalled() string { return n.stalled }

// send delivers a call's job to the node its step calls, after the hop's
// delay (the call's latency, drawn from the caller's stream).
func (n *Network) send(j *Job) {
	st := j.step
	to := st.toName
	if p, ok := st.to.(Parted); ok && n.topo.Distance != nil {
		to = p.Aim(j, st.from) // the part it goes to, as a client picks an endpoint
	}
	delay, delayed := n.Hop(topology.HopCall, st.from, to, st.latency, st.rng)
	if !delayed {
		st.to.Accept(j)
		return
	}
	j.dest = st.to
	n.later(delay, opDeliver, j)
}

// Publishing holds a publish j, on its arrival at the broker to, for the
// broker's publish time drawn from d, and reports whether it did; the
// publish comes back to to.accept when the time has passed (j.pc is 1).
func (n *Network) Publishing(j *Job, to Component, d sim.Dist, rng *rand.Rand) bool {
	if j.pc != 0 {
		return false
	}
	t := sample(d, rng)
	if t <= 0 {
		return false
	}
	j.pc, j.dest = 1, to
	n.later(t, opDeliver, j)
	return true
}

// sample draws from d, or is 0 for a nil d (no delay).
func sample(d sim.Dist, rng *rand.Rand) float64 {
	if d == nil {
		return 0
	}
	return d.Sample(rng)
}

// writes reports whether j is a write: by its op if that says, or else by
// its request's class.
func (n *Network) writes(j *Job) bool {
	switch j.op {
	case opWrite, opSet, opDelete:
		return true
	case opAuto:
		return n.opts.Writes != nil && n.opts.Writes[j.req.Class]
	}
	return false
}

// reply delivers a job's result to its parent, or ends the request.
func (n *Network) reply(j *Job) {
	if j.pool != nil {
		if next := j.pool.release(); next != nil {
			n.send(next)
		}
	}
	// A reply has no delay of its own: only a distance between its nodes
	// can delay it (see Hop), so without placement it is handed over at
	// once, without looking up its ends.
	if j.parent == nil && j.req.Region >= 0 && !j.abandoned {
		if d := n.clientLegs[j.req.Region]; d > 0 {
			n.later(d, opReturn, j) // the way back to the user
			return
		}
	} else if n.topo.Distance != nil && !j.abandoned && !j.req.background {
		from, to := n.replyEnds(j)
		if delay, delayed := n.Hop(topology.HopReply, from, to, nil, nil); delayed {
			n.later(delay, opReturn, j)
			return
		}
	}
	n.returned(j)
}

// replyEnds names the node j's reply leaves and the one it goes to (""
// for the client, or where the visit came from no call of a program).
func (n *Network) replyEnds(j *Job) (from, to string) {
	switch {
	case j.step != nil && j.part != 0:
		return j.step.to.(Parted).PartName(j.part), j.step.from
	case j.step != nil:
		return j.step.toName, j.step.from
	case j.parent == nil:
		return n.entryName, ""
	}
	return "", ""
}

// returned hands j's reply, arrived, to its caller, or ends its request.
func (n *Network) returned(j *Job) {
	parent, r := j.parent, j.req
	if j.abandoned {
		if st := j.step; st != nil && st.edge != nil && j.err == NoCause {
			// Its latency counts too: hedging needs that of all attempts.
			st.edge.latency.Add(float64(n.k.Now() - j.sent))
		}
		n.freeJob(j)
		n.release(r) // the abandoned attempt held the record
		return
	}
	if parent != nil {
		parent.owner.Resume(parent, j)
		n.freeJob(j)
		return
	}
	cause := j.err
	n.freeJob(j)
	if r.background {
		n.release(r)
		return
	}
	n.inFlight--
	if n.k.Cancel(r.timeout) {
		r.refs-- // the timeout event held the record
	}
	if !r.ended {
		r.ended = true
		n.obs.Finished(r, n.k.Now(), cause.outcome())
		if cause != NoCause {
			n.failedRequest(r, n.k.Now())
		}
	}
	if len(n.spans) > 0 {
		n.requestReturned(r)
	}
	n.release(r)
}

func (n *Network) release(r *Request) {
	r.refs--
	if r.refs == 0 {
		if r.held {
			n.versions.release(r)
		}
		*r = Request{}
		n.freeReqs.Put(r)
	}
}

// newRequest takes a request record from the pool, arrived now and held by
// its root job.
func (n *Network) newRequest(class int, user, client int32, key int64) *Request {
	r := n.freeReqs.Get()
	r.Class, r.User, r.Client, r.Key, r.Arrived = class, user, client, key, n.k.Now()
	r.refs, r.Region = 1, -1
	return r
}

func (n *Network) newJob(r *Request, parent *Job) *Job {
	n.liveJobs++
	j := n.freeJobs.Get()
	j.req, j.parent, j.arrived = r, parent, n.k.Now()
	if parent != nil && parent.keys > 0 {
		j.key, j.keys = parent.key, parent.keys
	}
	return j
}

func (n *Network) freeJob(j *Job) {
	n.liveJobs--
	n.CancelTimer(j.timer)
	n.CancelTimer(j.hedgeTimer)
	*j = Job{}
	n.freeJobs.Put(j)
}

// ResetStats starts the measurement window at now (the end of the warm-up).
func (n *Network) ResetStats(now sim.Time) {
	n.measuredFrom = n.submitted
	for _, sp := range n.spans {
		sp.resetStats() // an episode in force now counts the window's failures only
	}
	for _, c := range n.comps {
		c.ResetStats(now)
	}
	n.resetHosts(now)
	for _, d := range n.deploys {
		d.resetStats(now)
	}
}

// Stats reports each node over a window of the given length ending now, in
// topology order.
func (n *Network) Stats(window float64, now sim.Time) []NodeStats {
	out := make([]NodeStats, len(n.comps))
	for i, c := range n.comps {
		out[i] = c.Stats(window, now)
		out[i].Name, out[i].Kind = n.nodes[i].Name, n.nodes[i].Kind().Name
		if window > 0 && out[i].Usage.RequestsPerSecond == 0 {
			out[i].Usage.RequestsPerSecond = float64(out[i].Arrivals) / window
		}
	}
	return out
}

// Queued is the number of visits waiting now for a worker, at every
// station of the network, for a connection of a client's pool, for a core
// of their host, or in a node that holds them waiting (Waiters: a
// coalesced fill, room in a full queue): what grows without bound when a
// node is overloaded, where the requests in the system (InFlight) also
// grow while a stable system fills, for as long as it holds a request.
func (n *Network) Queued() int {
	sum := 0
	for _, c := range n.comps {
		if w, ok := c.(Waiters); ok {
			sum += w.Waiters()
		}
		for _, st := range c.Stations() {
			sum += st.queued
			for _, inst := range st.insts {
				for _, p := range inst.pools {
					sum += p.waiting.Len()
				}
			}
		}
	}
	for _, h := range n.hosts {
		sum += h.waiting.Len()
	}
	return sum
}

// MostQueued names the node with the longest queue now (a station's, or
// the visits it holds waiting: Waiters), the likely culprit of an
// overload.
func (n *Network) MostQueued() string {
	best, most := "", -1
	for i, c := range n.comps {
		if w, ok := c.(Waiters); ok && w.Waiters() > most {
			best, most = n.nodes[i].Name, w.Waiters()
		}
		for _, st := range c.Stations() {
			if st.queued > most {
				best, most = n.nodes[i].Name, st.queued
			}
		}
	}
	return best
}

// NodeStats are one node's figures over the measurement window. For nodes
// made of several stations (a database's primaries and replicas), the
// queueing figures are those of the busiest one, where the node saturates
// first.
type NodeStats struct {
	Name      string
	Kind      string
	Instances int
	// Utilization is the time-average share of workers busy.
	Utilization float64
	// OfferedLoad is arrivals per second × mean worker holding time ÷
	// workers: the utilization the node would need to serve everything
	// offered to it. At 1 or more it cannot keep up. It is at least the
	// share of workers held through the whole window by visits that have
	// not ended (OwnLoad: by those still in their own service time),
	// which no arrival or holding time of the window records.
	OfferedLoad float64
	// OwnLoad is the node's own demand: arrivals per second (but those
	// turned away before any work) × mean service time ÷ workers, without
	// the time a blocking worker waits on its calls. At 1 or more its own
	// work is more than it can do; a node whose OfferedLoad is high but
	// OwnLoad low is held waiting on what it calls.
	OwnLoad float64
	// Growth is the drift of its queue (a queue's: its stored messages)
	// over the window.
	Growth Growth
	// Draws are the service times drawn in the window, from distributions
	// whose squared coefficient of variation is at most ServiceSCV: the
	// mean of n draws is known to ±√(SCV ÷ n) of itself (one standard
	// error), so a heavy tail needs many draws before it shows.
	Draws      int64
	ServiceSCV float64
	// Throughput is completed visits per second.
	Throughput float64
	// QueueLength is the time-average number of requests waiting.
	QueueLength float64
	// Wait is the time a request queued before a worker took it, over
	// Waits requests (0: unknown).
	WaitMean, WaitP99             float64
	Waits                         int64
	Arrivals, Completed, Rejected int64
	// Usage is what usage-based prices charge for.
	Usage topology.Usage
	// Transfer is the bytes it received and sent, for a node that gives
	// sizes of its own or prices its egress; nil otherwise.
	Transfer *Transfer
	// Crossed are the bytes per second that crossed a priced border, by
	// topology.TransferKind (see topology.TransferMonthly); all 0 without placement.
	Crossed [topology.TransferKinds]float64
	// Lost counts requests the node acknowledged but lost, such as a
	// write-back cache's unflushed writes when a node fails.
	Lost int64
	// Failed counts the visits a fault failed at the node (an instance
	// down, injected errors); RateLimited and Shed those its rate limit
	// or load shedding turned away; TimedOut those its own time limit
	// ended (a function's timeout).
	Failed, RateLimited, Shed, TimedOut int64
	// Detail is the kind's own figures; nil for kinds without.
	Detail topology.Detail
	// Scaling is what an autoscaled service did; nil for others.
	Scaling *Scaling
}

// FreeList keeps released records for reuse, so that a network in steady
// state allocates none. A kind keeps its own records (a queue's messages)
// in one too.
type FreeList[T any] []*T

// Get returns a released record, or a new zero one.
func (f *FreeList[T]) Get() *T {
	if k := len(*f); k > 0 {
		x := (*f)[k-1]
		*f = (*f)[:k-1]
		return x
	}
	return new(T)
}

// Put releases x, which the caller has cleared.
func (f *FreeList[T]) Put(x *T) { *f = append(*f, x) }

// Bytes is about what the records of the list's kind take, live of them
// in use and the rest kept by the list, each of size bytes with its
// pointer; and the list's spare room.
func (f FreeList[T]) Bytes(live int, size float64) float64 {
	return float64(float64(live+len(f))*size) + float64(float64(cap(f)-len(f))*8)
}
