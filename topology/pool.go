package topology

import (
	"github.com/scalesim/scalesim/sim"
)

// Pool is a pool of identical instances, each with a number of workers
// sharing one FIFO queue, that serve a visit for its service time and then
// make its calls in order, waiting for each reply: the settings of a node
// that runs a program of calls. A kind builds its runtime with
// engine.NewPool (a service) or engine.NewConsumers (a worker group, whose
// consumers it feeds from a queue), and may embed it in its spec for the
// methods below, which suit any such node.
type Pool struct {
	Instances   int
	Workers     int
	Queue       int // waiting places per instance; Unlimited for no limit
	ServiceTime sim.Dist
	// ServiceTimeByClass are the service times of the request classes
	// with their own; the others take ServiceTime, which may be nil when
	// every class has its own.
	ServiceTimeByClass map[string]sim.Dist
	// Size is the bytes of its requests and replies, by class.
	Size  Sizes
	Calls []Call
	// Blocking: a worker is held while the request's calls run
	// (thread-per-request); otherwise it is freed after the service time
	// (event loop).
	Blocking bool
	// Autoscale, when not nil, changes Instances (the initial count) over
	// time.
	Autoscale *Autoscale
	// RateLimit, when not nil, turns away requests beyond a rate (over
	// all instances); Shedding turns them away before they queue.
	RateLimit *RateLimit
	Shedding
	// Sessions says where the users' sessions live.
	Sessions Sessions
}

// MaxInstances bounds the instances of one pool, each simulated with its
// own queue.
const MaxInstances = 10_000

// MaxWorkers bounds the workers of one instance or server, and
// MaxServiceWorkers those of all a pool's instances together.
const (
	MaxWorkers        = 1 << 20
	MaxServiceWorkers = 10_000_000
)

// Unlimited is the Queue of a pool without a waiting-room limit.
const Unlimited = -1

// Capacity is the number of requests the pool can work on at once.
func (p *Pool) Capacity() int { return p.Instances * p.Workers }

// Downstream are the nodes it sends to (see Spec.Downstream): its session
// store, and every node its calls and their fallbacks reach.
func (p *Pool) Downstream() []Target {
	var out []Target
	if p.Sessions.Store != "" {
		out = append(out, Target{To: p.Sessions.Store, Field: []string{"sessions", "store"}})
	}
	return append(append(out, callTargets(p.Calls)...), fallbackTargets(p.Calls)...)
}

// Routes are the calls of class c a visit makes (see Analytic.Routes): the
// read of its session from its store, then its calls, a cache get's
// on-miss calls weighted by the cache's miss ratio; write-back writes are
// left to the cache's flush.
func (p *Pool) Routes(sv Solver, name string, c int, route Router) {
	RouteCalls(sv, name, append(p.SessionRead(), p.Calls...), c, route)
}

// SessionRead is the call that reads a request's session from the pool's
// store, made before its own calls; none without a store.
func (p *Pool) SessionRead() []Call {
	if p.Sessions.Store == "" {
		return nil
	}
	return []Call{{To: p.Sessions.Store}}
}

// SizeTable implements OperationSized: its sizes over the classes.
func (p *Pool) SizeTable(classes []string) *SizeTable { return p.Size.table(classes) }
