package topology

import (
	"fmt"

	"github.com/scalesim/scalesim/sim"
)

// Outcome is how a request ended.
type Outcome int

// Request outcomes.
const (
	Completed Outcome = iota // the reply arrived
	Rejected                 // a full queue turned it away
	TimedOut                 // the client stopped waiting
)

// Request is one request from the workload, from its arrival at the entry
// node to its reply. Records are pooled and reused: an Observer must not keep
// one after Finished returns.
type Request struct {
	Class   int
	User    int32
	Arrived sim.Time
	refs    int  // the root job and a pending timeout event
	ended   bool // Finished has been called
}

// Observer is told when each request ends.
type Observer interface {
	Finished(r *Request, now sim.Time, outcome Outcome)
}

// job is one visit of a request to a node: it queues, is served, makes the
// node's calls one after another, and replies to its parent job (or ends the
// request if it has none).
type job struct {
	req      *Request
	parent   *job
	svc      *service
	inst     *instance
	next     int // index of the next call to consider
	arrived  sim.Time
	started  sim.Time
	holding  bool // holds a worker
	rejected bool // a downstream node rejected this job's request
}

// component is the runtime behaviour of a node.
type component interface {
	// accept takes a job arriving now.
	accept(j *job)
	stats(window float64, now sim.Time) NodeStats
	resetStats(now sim.Time)
}

// Limits bound the resources a run may use, so an overloaded system ends in
// bounded time and memory.
type Limits struct {
	// MaxInFlight is the most requests that may be in the system at once;
	// past it the run stops early with an overload verdict.
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
}

// Network runs a Topology on a kernel.
type Network struct {
	k        *sim.Kernel
	obs      Observer
	opts     Options
	comps    []component // in topology order
	names    []string
	entry    component
	freeReqs []*Request
	freeJobs []*job
	inFlight int
	overload string // why the run was stopped, if it was
}

// Opcodes of the network's events.
const (
	opServiceDone = iota
	opTimeout
)

// NewNetwork builds the components of t on kernel k. Each node draws from its
// own random stream, derived from the seed and the node's name, so adding a
// node leaves the numbers the others draw unchanged.
func NewNetwork(t *Topology, k *sim.Kernel, opts Options, obs Observer) (*Network, error) {
	n := &Network{k: k, obs: obs, opts: opts}
	seed := opts.Seed
	byName := map[string]component{}
	// Services first: balancers point at their instances.
	for _, node := range t.Nodes {
		if node.Service != nil {
			c := newService(n, node, sim.NewStream(seed, node.Name), opts.Classes)
			byName[node.Name] = c
		}
	}
	for _, node := range t.Nodes {
		if node.Balancer != nil {
			b, err := newBalancer(node, byName, sim.NewStream(seed, node.Name))
			if err != nil {
				return nil, err
			}
			byName[node.Name] = b
		}
	}
	for _, node := range t.Nodes {
		c := byName[node.Name]
		if c == nil {
			return nil, fmt.Errorf("topology: node %s of kind %q has no runtime component", node.Name, node.Kind)
		}
		n.comps = append(n.comps, c)
		n.names = append(n.names, node.Name)
	}
	// Calls are resolved once all components exist.
	for _, c := range n.comps {
		if s, ok := c.(*service); ok {
			for i, call := range s.spec.Calls {
				s.calls[i].to = byName[call.To]
			}
		}
	}
	n.entry = byName[t.Entry]
	if n.entry == nil {
		return nil, fmt.Errorf("topology: entry %q is not a node", t.Entry)
	}
	return n, nil
}

// Submit sends a new request of the given class into the entry node now.
// It reports false if the network refused it because the in-flight limit is
// reached; the run should then stop (see Overload).
func (n *Network) Submit(class int, user int32) bool {
	if max := n.opts.Limits.MaxInFlight; max > 0 && n.inFlight >= max {
		n.overload = fmt.Sprintf("more than %d requests were in the system at once", max)
		return false
	}
	r := n.newRequest()
	r.Class, r.User, r.Arrived = class, user, n.k.Now()
	r.refs = 1
	if n.opts.Timeout > 0 {
		r.refs++
		n.k.After(n.opts.Timeout, n, opTimeout, r)
	}
	n.inFlight++
	j := n.newJob(r, nil)
	n.entry.accept(j)
	return true
}

// Overload says why the run had to stop early, or "".
func (n *Network) Overload() string { return n.overload }

// InFlight is the number of requests in the system.
func (n *Network) InFlight() int { return n.inFlight }

// Handle implements sim.Handler.
func (n *Network) Handle(now sim.Time, op int, data any) {
	switch op {
	case opServiceDone:
		j := data.(*job)
		j.svc.served(j)
	case opTimeout:
		r := data.(*Request)
		if !r.ended {
			r.ended = true
			n.obs.Finished(r, now, TimedOut)
		}
		n.release(r)
	}
}

// reply delivers a job's result to its parent, or ends the request.
func (n *Network) reply(j *job) {
	parent, r, rejected := j.parent, j.req, j.rejected
	n.freeJob(j)
	if parent != nil {
		parent.svc.resume(parent, rejected)
		return
	}
	n.inFlight--
	if !r.ended {
		r.ended = true
		outcome := Completed
		if rejected {
			outcome = Rejected
		}
		n.obs.Finished(r, n.k.Now(), outcome)
	}
	n.release(r)
}

func (n *Network) release(r *Request) {
	r.refs--
	if r.refs == 0 {
		*r = Request{}
		n.freeReqs = append(n.freeReqs, r)
	}
}

func (n *Network) newRequest() *Request {
	if k := len(n.freeReqs); k > 0 {
		r := n.freeReqs[k-1]
		n.freeReqs = n.freeReqs[:k-1]
		return r
	}
	return &Request{}
}

func (n *Network) newJob(r *Request, parent *job) *job {
	var j *job
	if k := len(n.freeJobs); k > 0 {
		j = n.freeJobs[k-1]
		n.freeJobs = n.freeJobs[:k-1]
	} else {
		j = &job{}
	}
	j.req, j.parent, j.arrived = r, parent, n.k.Now()
	return j
}

func (n *Network) freeJob(j *job) {
	*j = job{}
	n.freeJobs = append(n.freeJobs, j)
}

// ResetStats starts the measurement window at now (the end of the warm-up).
func (n *Network) ResetStats(now sim.Time) {
	for _, c := range n.comps {
		c.resetStats(now)
	}
}

// Stats reports each node over a window of the given length ending now, in
// topology order.
func (n *Network) Stats(window float64, now sim.Time) []NodeStats {
	out := make([]NodeStats, len(n.comps))
	for i, c := range n.comps {
		out[i] = c.stats(window, now)
		out[i].Name = n.names[i]
	}
	return out
}

// MostQueued names the node with the longest queue now, the likely culprit
// of an overload.
func (n *Network) MostQueued() string {
	best, most := "", -1
	for i, c := range n.comps {
		if s, ok := c.(*service); ok && s.queued > most {
			best, most = n.names[i], s.queued
		}
	}
	return best
}

// NodeStats are one node's figures over the measurement window.
type NodeStats struct {
	Name      string
	Kind      string
	Instances int
	// Utilization is the time-average share of workers busy.
	Utilization float64
	// OfferedLoad is arrivals per second × mean worker holding time ÷
	// workers: the utilization the node would need to serve everything
	// offered to it. At 1 or more it cannot keep up.
	OfferedLoad float64
	// Throughput is completed visits per second.
	Throughput float64
	// QueueLength is the time-average number of requests waiting.
	QueueLength float64
	// Wait is the time a request queued before a worker took it.
	WaitMean, WaitP99             float64
	Arrivals, Completed, Rejected int64
}
