package engine

import (
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// The engine's calls for a kind that drives a station of its own (see
// ARCHITECTURE.md, "How to add a node kind"): a worker group gives its
// consumers the messages of a queue, where a service's instances are given
// visits by calls.

// StationInstance is one instance of a station (a service's instance, a
// worker group's consumer), as a kind that drives the station (Consumers)
// sees it.
type StationInstance = instance

// Down says a fault has taken the instance down.
func (inst *instance) Down() bool { return inst.down }

// Taking says the instance takes new work: booted, not draining and not
// held by a deploy.
func (inst *instance) Taking() bool { return inst.taking() }

// Idle says no visit is at the instance: none queued, in service or
// waiting on its calls.
func (inst *instance) Idle() bool { return inst.outstanding == 0 }

// Payload is the state of the kind that owns the visit, set by
// Consumers.Process (a consumer's delivery); nil for others. A pointer is
// held as it is, without an allocation.
func (j *Job) Payload() any { return j.payload }

// Consumers is a topology.Pool's runtime (a station of instances and the program
// of their calls) that a kind drives itself: it gives the instances their
// work (Process) instead of calls bringing it, as a worker group feeds its
// consumers from a queue. Its figures are the pool's.
type Consumers struct {
	svc *instancePool
}

// NewConsumers builds the runtime of spec for node on net, as NewPool
// does; onActive, when not nil, is told whenever the instances taking work
// change (an autoscaler added some, or took some out).
func NewConsumers(net *Network, node *topology.Node, spec *topology.Pool, onActive func()) *Consumers {
	svc := newInstancePool(net, node, spec)
	svc.st.onActive = onActive
	return &Consumers{svc: svc}
}

// Active are the instances taking work, in order. The slice is replaced
// (not changed) when they change.
func (c *Consumers) Active() []*StationInstance { return c.svc.st.active }

// Process starts work at inst that no call brought: a background request
// of the class, user and key (no client waits for it, and it is not
// reported) visits the station there, its service time and then its
// program of calls, and when the visit ends owner is resumed with a
// holder job, whose Payload is payload, and the visit (Job.Err says
// whether it failed). The owner then ends the work with End.
func (c *Consumers) Process(inst *StationInstance, owner Caller, payload any, class int, user int32, key int64) {
	net := c.svc.net
	r := net.newRequest(class, user, -1, key)
	r.background = true
	holder := net.newJob(r, nil)
	holder.owner, holder.payload = owner, payload
	c.svc.st.arrive(net.newJob(r, holder), inst)
}

// End frees the holder job of work Process started, and its request, once
// its owner has been resumed with it.
func (c *Consumers) End(holder *Job) {
	r := holder.req
	c.svc.net.freeJob(holder)
	c.svc.net.release(r)
}

// SetBacklog records the work waiting for the instances outside the
// station, n items at now (the messages a worker group's queue holds), for
// an autoscaler that follows it (backlog_per_consumer).
func (c *Consumers) SetBacklog(now sim.Time, n int) {
	if st := c.svc.st; st.scaler != nil {
		st.cum.backlog.Set(now, float64(n))
	}
}

// Link compiles the program of calls once every component exists.
func (c *Consumers) Link(byName map[string]Component) error { return c.svc.Link(byName) }

// Accept implements Component, as a pool's.
func (c *Consumers) Accept(j *Job) { c.svc.Accept(j) }

// Stations implements Component: its one station.
func (c *Consumers) Stations() []*Station { return c.svc.Stations() }

// ResetStats starts the measurement window at now.
func (c *Consumers) ResetStats(now sim.Time) { c.svc.ResetStats(now) }

// Stats are the node's figures over the window ending now, as a
// pool's (whose Detail, the calls' figures, the kind replaces with its
// own).
func (c *Consumers) Stats(window float64, now sim.Time) NodeStats { return c.svc.Stats(window, now) }

// CallStats are the figures of its calls that have a timeout, retries, a
// circuit breaker or a hedge (see WriteCalls).
func (c *Consumers) CallStats() []CallStats { return c.svc.callStats() }

// GatherStats are the figures of its parallel steps and fan-outs (see
// WriteGathers).
func (c *Consumers) GatherStats() []GatherStats { return c.svc.gatherStats() }

// Restarted is a component told when a fault that took instances of its
// stations down ends, once they are back (a worker group's consumers take
// messages again). A kind that takes its instances down its own way does
// not need it.
type Restarted interface {
	Restarted(now sim.Time)
}
