package topology

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// Helpers for a kind defined outside this package (see ARCHITECTURE.md,
// "How to add a node kind"), as the kinds inside use them: decoding and
// checking its fields, writing its figures, and the test of a growing
// queue.

// IntField decodes the optional whole number at key of m into *to; its
// range is for the model's validation to check (InRange).
func IntField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *int) {
	intField(d, m, key, what, to)
}

// InRange records an error at the field key if v, its value, is outside
// [minimum, maximum]; what names the node ("queue q").
func InRange(e field.Errors, key, what string, v, minimum, maximum int) {
	inRange(e, key, what, v, minimum, maximum)
}

// OneOf records an error at the field key if v, its value, is not one of
// options (with a suggestion); what names the setting ("on_full").
func OneOf(e field.Errors, key, what, v string, options []string) {
	oneOf(e, key, what, v, options)
}

// LoadShares is each part's share of the arrivals (all 0 without any),
// and the largest share over the mean (nil without any): a partitioned
// node's balance.
func LoadShares(arrivals []float64) ([]float64, *float64) { return loadShares(arrivals) }

// FormatRatio writes a ratio with three significant figures: "1.93".
func FormatRatio(v float64) string { return formatRatio(v) }

// FormatCounts writes up to 8 counts, then how many in all.
func FormatCounts(v []int) string { return counts(v) }

// FormatShares writes up to 8 shares as percentages, then how many in all.
func FormatShares(v []float64) string { return shares(v) }

// HashPart is the part of parts that key (0 or more) goes to by hash(key)
// mod parts, as a database's hash partitioning places it.
func HashPart(key int64, parts int) int { return hashPartition(parts).part(key) }

// Mix64 scrambles a 64-bit value (the SplitMix64 finalizer), as the hash
// partitioning of HashPart does, so that consecutive keys hash far apart.
func Mix64(x uint64) uint64 { return mix64(x) }

// ResetTrend starts the trend of a queue's length (a queue's stored
// messages) at now, with the batches a station's queue has.
func ResetTrend(t *sim.Trend, now sim.Time) { t.Reset(now, trendBatch) }

// TrendGrowth judges the trend of a queue's length fed at rate per second
// over the window ending now, as a station's queue is judged (Growth).
func TrendGrowth(t *sim.Trend, now sim.Time, rate float64) Growth {
	return growth(t.FitLast(now, trendShare), rate)
}

// Topology is the topology being checked, for a rule that looks beyond
// the node (the queues a dead letter leads to).
func (c *Checker) Topology() *Topology { return c.t }

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
	if delay, delayed := n.Hop(HopForward, from, inst.st.name, nil, nil); delayed { // only a distance delays a forward
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

// Ring is consistent hashing over parts (see NewRing).
type Ring = ring

// NewRing makes a ring over parts named by ids, vnodes points each: a
// key's part (Ring.Part) is an index of ids.
func NewRing(ids []uint64, vnodes int) *Ring { return newRingOf(ids, vnodes) }

// Part is the index of the part key (0 or more) goes to.
func (r *ring) Part(key int64) int { return r.part(key) }

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

// CoalescedFills is a spec whose gets may wait for another get's fill
// (KeyCache.Coalesces): whether this one's do.
type CoalescedFills interface {
	CoalescesFills() bool
}

// HealthChecked is a spec whose nodes may health-check the instances they
// send to (a load balancer): whether this one does.
type HealthChecked interface {
	HealthChecks() bool
}

// The engine's calls for a kind that keeps keys in stations of its own (a
// cache: see ARCHITECTURE.md, "How to add a node kind"): its fields, its
// station, the call program's key operations and the versions of the
// values it holds.

// WorkersField decodes a kind's workers per instance when it is a number;
// a mapping ({per_vcpu: N}) is read with the node's instance type
// (TypeSized).
func WorkersField(d *yamlfile.Decoder, m yamlfile.Map, what string, to *int) {
	workersField(d, m, what, to)
}

// QueueField decodes a station's queue limit: 0 or more waiting places
// (a file spells Unlimited by leaving the field out).
func QueueField(d *yamlfile.Decoder, m yamlfile.Map, what string, to *int) {
	queueField(d, m, what, to)
}

// CheckQueue records an error for a queue limit that is neither Unlimited
// nor a number of places the simulation can hold.
func CheckQueue(e field.Errors, what string, queue int) { checkQueue(e, what, queue) }

// CheckRing records an error for a hash ring of parts × vnodes points, too
// many to build (MaxRingPoints).
func CheckRing(e field.Errors, what string, parts, vnodes int) { checkRing(e, what, parts, vnodes) }

// WorkersParam and QueueParam describe a station's workers per instance
// and its queue's places, rows of a kind's params table.
var (
	WorkersParam = workersParam
	QueueParam   = queueParam
)

// Byte counts for a kind's Footprint and InUse: RingBytes is a hash ring's
// point, MapEntryBytes an entry of a map[int64]T.
const (
	RingBytes     = ringBytes
	MapEntryBytes = mapEntryBytes
)

// StationFootprint is the bytes of a station of instances (NewStation),
// for a kind's Footprint.
func StationFootprint(instances int) float64 { return stationFootprint(instances) }

// RingShares are each of the parts' shares of r's hash circle (the share
// of a uniform key space each holds), for a warm start (WarmStart.Shares).
func RingShares(r *Ring, parts int) []float64 { return ringShares(r, parts) }

// HotKey is the share of requests the most popular key takes, and whether
// it is hot for a node that spreads keys over parts: at least half an
// even part's share, so that more parts hardly relieve the busiest one.
func HotKey(s Solver, parts int) (share float64, hot bool) { return hotKey(s, parts) }

// NewStation makes a station of instances, each with workers sharing one
// FIFO queue of queue places (Unlimited: no bound), whose service times
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

// KeyOp is what a visit to a key store (a KeyCache) asks of it: the op of
// the call that made it.
type KeyOp uint8

// Key operations.
const (
	NoKeyOp   KeyOp = iota // a visit without an op
	KeyGet                 // look the key up (Job.SetHit)
	KeySet                 // store the key
	KeyDelete              // drop the key
)

// KeyOp is the key operation the visit asks for.
func (j *Job) KeyOp() KeyOp {
	switch j.op {
	case opGet:
		return KeyGet
	case opSet:
		return KeySet
	case opDelete:
		return KeyDelete
	}
	return NoKeyOp
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
