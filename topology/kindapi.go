package topology

import (
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

// PartDowner is a component whose parts a fault takes down one by one (a
// cache's nodes): PartDown takes part i (from 0) down, losing what it
// holds, or brings it back (on false).
type PartDowner interface {
	PartDown(i int, on bool)
}

// HealthChecked is a spec whose nodes may health-check the instances they
// send to (a load balancer): whether this one does.
type HealthChecked interface {
	HealthChecks() bool
}
