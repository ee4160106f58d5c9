package engine

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// ResetTrend starts the trend of a queue's length (a queue's stored
// messages) at now, with the batches a station's queue has.
func ResetTrend(t *sim.Trend, now sim.Time) { t.Reset(now, trendBatch) }

// TrendGrowth judges the trend of a queue's length fed at rate per second
// over the window ending now, as a station's queue is judged (Growth).
func TrendGrowth(t *sim.Trend, now sim.Time, rate float64) Growth {
	return growth(t.FitLast(now, trendShare), rate)
}

// Changing says the load or the system changes over time (Options):
// figures are not of a stationary series, so no batch-means confidence
// interval is given for their means.
func (n *Network) Changing() bool { return n.opts.Changing }

// Component is the runtime of the node called name, nil for none (for a
// test that drives a node by hand).
func (n *Network) Component(name string) Component {
	for i, node := range n.nodes {
		if node.Name == name {
			return n.comps[i]
		}
	}
	return nil
}

// Name is the name of the station's node.
func (st *Station) Name() string { return st.name }

// Version counts the changes of the instances taking work (Active), for
// a kind that keeps a copy of them (a load balancer's list).
func (st *Station) Version() int { return st.version }

// Active are the instances taking work, in order.
func (st *Station) Active() []*StationInstance { return st.active }

// Instances are the instances that exist (billed): booting, taking work
// or draining.
func (st *Station) Instances() []*StationInstance { return st.insts }

// Part is the index of the database shard the station serves (0 for
// others).
func (st *Station) Part() int { return st.part }

// Station is the station the instance belongs to.
func (inst *instance) Station() *Station { return inst.st }

// Index numbers the instance in its station, from 0 as instances start.
func (inst *instance) Index() int { return inst.index }

// Outstanding is the number of visits at the instance: queued, in
// service or waiting on their calls.
func (inst *instance) Outstanding() int { return inst.outstanding }

// Booting says the instance has started and takes no work until booted.
func (inst *instance) Booting() bool { return inst.booting }

// Forward hands j to inst, picked by from (a load balancer), after the
// way between them (Hop): a forward has no delay of its own.
func (n *Network) Forward(j *Job, from string, inst *StationInstance) {
	if delay, delayed := n.Hop(topology.HopForward, from, inst.st.name, nil, nil); delayed { // only a distance delays a forward
		j.inst = inst
		n.later(delay, opForward, j)
		return
	}
	inst.st.arrive(j, inst)
}

// After schedules an event of h's own (op, data) after delay seconds,
// which is no work under way for the stall check (a health probe): the
// run may stop while it is pending. At is After at the time t.
func (n *Network) After(delay float64, h sim.Handler, op int, data any) sim.Timer {
	return n.k.After(delay, h, op, data)
}

// At schedules an event of h's own at t (see After).
func (n *Network) At(t sim.Time, h sim.Handler, op int, data any) sim.Timer {
	return n.k.At(t, h, op, data)
}

// KeyCache is a component that serves a service's cache operations (a
// call's op get, set or delete; Kind.NeedsOp): what the call program and
// the databases tell it besides the visits it accepts. The call program
// of a get is the get, its on_miss calls, then the fill; a hit skips to
// the step after the fill.
type KeyCache interface {
	Component
	// Coalesces says a get that misses while another get of its key is at
	// the origin waits for that one's fill.
	Coalesces() bool
	// OriginRead records that a get missed (or failed, which its caller
	// takes as a miss) and its caller goes on to read the origin.
	OriginRead()
	// Fill puts key in the cache, with the value r read from the origin
	// after a miss, and answers the gets waiting for it.
	Fill(key int64, r *Request)
	// Abandon answers the gets waiting for a fill of key that will not
	// come: they go to the origin themselves.
	Abandon(key int64)
	// InvalidationFailed records a delete, or a write-through set, that
	// failed after its write committed (the key may be read stale).
	InvalidationFailed()
	// Committed marks key's value stale, if the cache holds it: a write of
	// the key has just committed at a database.
	Committed(key int64)
}

// StationFootprint is the bytes of a station of instances (NewStation),
// for a kind's Footprint.
func StationFootprint(instances int) float64 { return stationFootprint(instances) }

// NewStation makes a station of instances, each with workers sharing one
// FIFO queue of queue places (topology.Unlimited: no bound), whose service times
// are read's for reads and write's for writes, drawn from rng. A visit
// comes by Arrive; when its service time has elapsed owner is told
// (Server.Served), and ends the visit with Finish.
func NewStation(net *Network, owner Server, rng *rand.Rand, instances, workers, queue int, read, write sim.Dist) *Station {
	return newStation(net, owner, rng, instances, workers, queue, read, write)
}

// Arrive queues j at inst, starts it if a worker is free, or rejects it if
// the queue is full; a visit to a down instance (or one a fault's errors
// strike) fails at once.
func (st *Station) Arrive(j *Job, inst *StationInstance) { st.arrive(j, inst) }

// Finish ends j's visit at the station: its worker, if it still holds
// one, goes to the next queued visit. The owner then replies
// (Network.Reply), or holds the visit for later.
func (st *Station) Finish(j *Job) { st.finish(j) }

// Stats are the station's figures over the measurement window ending now,
// window seconds long.
func (st *Station) Stats(window float64, now sim.Time) NodeStats { return st.stats(window, now) }

// ResetStats starts the station's measurement window at now.
func (st *Station) ResetStats(now sim.Time) { st.resetStats(now) }

// SetDown takes the instance down, failing the visits queued at it, or
// brings it back (on false), for a kind that takes its instances down its
// own way (a cache's node loses its keys: Downer). Once its
// instances have changed, the kind calls FaultsChanged on their station.
func (inst *instance) SetDown(on bool) {
	inst.down = on
	if on {
		inst.downs++
		inst.st.failQueued(inst)
	}
}

// FaultsChanged notes whether some fault is in force on the station after
// a kind took its instances down or brought them back (SetDown).
func (st *Station) FaultsChanged() { st.setFaulty() }

// Arrivals are the visits that arrived at the instance over the
// measurement window.
func (inst *instance) Arrivals() int64 { return inst.arrivals }

// Instance is the instance of its station the visit is at (nil before it
// arrives at one).
func (j *Job) Instance() *StationInstance { return j.inst }

// KeyOp is the key operation the visit asks for.
func (j *Job) KeyOp() topology.KeyOp {
	switch j.op {
	case opGet:
		return topology.KeyGet
	case opSet:
		return topology.KeySet
	case opDelete:
		return topology.KeyDelete
	}
	return topology.NoKeyOp
}

// OpKey is the key the visit's key operation reads or writes: its own
// (Key), or its request's user's session key (negative, apart from the
// workload's keys) when the call reads or writes a session.
func (j *Job) OpKey() int64 { return keyOf(j) }

// SetHit records whether a get found its key: its caller skips the calls
// its miss would make.
func (j *Job) SetHit(hit bool) { j.hit = hit }

// Abandoned says the visit's caller stopped waiting (its call's timeout):
// its reply will be dropped.
func (j *Job) Abandoned() bool { return j.abandoned }

// WriteBack are the nodes a write_back set writes its key to when it is
// flushed; nil for other visits.
func (j *Job) WriteBack() []Component {
	if j.step == nil {
		return nil
	}
	return j.step.writeBack
}

// WriteBehind sends a write of key to the component to on the system's own
// behalf (a write-back flush): no client waits for it.
func (n *Network) WriteBehind(to Component, key int64) { n.background(to, key, -1) }

// KeepVersions registers c, a cache, with the versions of cached values:
// every commit of a key at a database then marks it stale in c
// (KeyCache.Committed), and StaleValue tells whether a value c stores is
// already stale.
func (n *Network) KeepVersions(c KeyCache) {
	if n.versions == nil {
		n.versions = newVersions()
	}
	n.versions.caches = append(n.versions.caches, c)
}

// StaleValue says whether the value r would store for key in a cache now
// is stale: read from a database before the key's latest commit (see
// KeepVersions).
func (n *Network) StaleValue(r *Request, key int64) bool { return n.versions.staleValue(r, key) }

// VersionsInUse is the bytes the versions of cached values hold (the keys
// requests in flight hold), counted by the first cache registered
// (KeepVersions) and 0 for the others.
func (n *Network) VersionsInUse(c KeyCache) float64 {
	if v := n.versions; v.caches[0] == c {
		return v.inUse()
	}
	return 0
}
