package engine

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// What a kind outside this package that drives stations of its own (a
// database: a primary and a replica station per shard, visits routed to a
// server by key and by read or write) uses of the engine, besides the
// helpers of kindapi.go. The engine's records (Job, Station,
// StationInstance) stay the engine's: the kind reads them and asks the
// engine to change them.

// ServeOperations makes the station serve operations named by request
// class (a database's): a visit that does its class's own operation
// (Network.ClassOperation) draws its service time from byClass (where not
// nil) and carries its size from sizes; part is the index of the shard it
// serves (Station.Part).
func (st *Station) ServeOperations(part int, byClass []sim.Dist, sizes *topology.SizeTable) {
	st.part, st.byClass, st.byNature, st.sizes = part, byClass, true, sizes
}

// Next picks an instance taking work, round-robin.
func (st *Station) Next() *StationInstance { return st.next() }

// AnyDown says an instance of the station is down.
func (st *Station) AnyDown() bool { return st.anyDown() }

// HoldDown holds inst down for one more fault, and says whether it went
// down (it was up): its queued visits fail.
func HoldDown(inst *StationInstance) bool {
	st := inst.st
	inst.heldDown++
	st.faulty = true
	if inst.down {
		return false
	}
	inst.down = true
	inst.downs++
	st.failQueued(inst)
	return true
}

// ReleaseDown lets go of one fault's hold on inst, and says whether it is
// up.
func ReleaseDown(inst *StationInstance) bool {
	inst.heldDown = max(inst.heldDown-1, 0)
	inst.down = inst.heldDown > 0
	inst.st.setFaulty()
	return !inst.down
}

// MoveHolds moves the faults' holds from from to to (a promoted replica's
// server and the failed primary's, which trade places): to goes down, its
// queued visits failing, and from is up, held by none. Both stations'
// fault flags are recomputed from every fault in force on them (errors, a
// slowdown, a latency, an instance down), as ReleaseDown does.
func MoveHolds(from, to *StationInstance) {
	to.heldDown, to.down = from.heldDown, true
	to.downs++
	to.st.failQueued(to)
	from.heldDown, from.down = 0, false
	to.st.setFaulty()
	from.st.setFaulty()
}

// Station is the station j is visiting.
func (j *Job) Station() *Station { return j.st }

// Part is where a call to a node whose parts are placed apart goes (see
// Parted): 0 is the node itself.
func (j *Job) Part() int8 { return j.part }

// SetPart sets Part, as Parted.Aim chooses it.
func (j *Job) SetPart(p int8) { j.part = p }

// Connect pays the connect time of a visit without a pooled connection
// (see Pooled): the first time a visit j reaches to without one, it is
// delivered to to again after a draw of d from rng, and Connect says so;
// false when it holds a pooled connection or has paid already.
func (n *Network) Connect(j *Job, to Component, d sim.Dist, rng *rand.Rand) bool {
	if j.pool != nil || j.connected {
		return false
	}
	j.connected, j.dest = true, to
	n.later(d.Sample(rng), opDeliver, j)
	return true
}

// Writes says visit j writes: a call's set, delete or write, or a visit
// without an operation of its own whose request class writes.
func (n *Network) Writes(j *Job) bool { return n.writes(j) }

// ClassOperation is the request class whose own operation visit j does
// at a node whose operations are named by class (ServeOperations): its
// request's class, unless the request is the system's own (a cache's
// write-back) or the visit is a call whose read or write is not its
// class's (a write class's cache miss, read from the database); -1 then.
func (n *Network) ClassOperation(j *Job) int {
	c := j.req.Class
	if j.req.background || c < 0 || j.op != opAuto && n.writes(j) != n.classWrites(c) {
		return -1
	}
	return c
}

// KeyCount is the workload's count of keys (0: requests carry none).
func (n *Network) KeyCount() int64 { return n.opts.KeyCount }

// Topology is the topology the network runs.
func (n *Network) Topology() *topology.Topology { return n.topo }

// Committed records that visit j's write of its key has just committed,
// for the versions of cached values (a write-back flush, the cache's own
// write, writes the value the cache holds).
func (n *Network) Committed(j *Job) {
	if v := n.versions; v != nil {
		v.committed(j.req, j.Key(), j.req.background && j.parent == nil)
	}
}

// ReadKey records that visit j has just read its key, stale or not, for
// the versions of cached values.
func (n *Network) ReadKey(j *Job, stale bool) {
	if v := n.versions; v != nil {
		v.read(j.req, j.Key(), stale)
	}
}

// Span gathers the failed requests of an episode of failure (a database's
// failover) as the run goes, for its recovery objectives (Recovery).
type Span = failureSpan

// OpenSpan starts watching the failed requests of an episode beginning
// now.
func (n *Network) OpenSpan(now sim.Time) *Span { return n.openSpan(now) }

// CloseSpan ends the episode of sp now (nil: none): requests arriving from
// now on are not its own.
func (n *Network) CloseSpan(sp *Span) { n.closeSpan(sp) }

// FailsWrite counts j's request, if it fails, among the requests that
// failed for want of writes in the episode (see WritesFailed): the failed
// primary refused or dropped a write of it.
func (sp *failureSpan) FailsWrite(j *Job) { j.req.writeSpan = sp.id }

// WritesFailed counts the episode's failed requests a write of which the
// failed primary refused or dropped (FailsWrite).
func (sp *failureSpan) WritesFailed() int64 { return sp.writesFailed }

// Requests sets rc's figures of the recovery time from the span: its
// failed requests, the first and the last, and the time between them
// (null when recovered is false: not recovered by the run's end).
func (sp *failureSpan) Requests(rc *Recovery, recovered bool) { sp.requests(rc, recovered) }

// add folds one station's figures into s: counts, rates and queues add up;
// utilization, offered load and waits are the busiest station's, own
// demand the highest, growth the fastest growing queue's.
func (s *NodeStats) add(st NodeStats) {
	if st.Utilization >= s.Utilization {
		s.Utilization, s.WaitMean, s.WaitP99, s.Waits = st.Utilization, st.WaitMean, st.WaitP99, st.Waits
	}
	s.OfferedLoad = max(s.OfferedLoad, st.OfferedLoad)
	s.OwnLoad = max(s.OwnLoad, st.OwnLoad)
	if st.Draws > 0 && (s.Draws == 0 || float64(st.Draws)/st.ServiceSCV < float64(s.Draws)/s.ServiceSCV) {
		s.Draws, s.ServiceSCV = st.Draws, st.ServiceSCV // the station least sampled for its tail
	}
	if st.Growth.Grows && (!s.Growth.Grows || st.Growth.PerSecond > s.Growth.PerSecond) {
		s.Growth = st.Growth // the fastest growing station's
	}
	s.QueueLength += st.QueueLength
	s.Throughput += st.Throughput
	s.Arrivals += st.Arrivals
	s.Completed += st.Completed
	s.Rejected += st.Rejected
	s.Failed += st.Failed
	s.RateLimited += st.RateLimited
	s.Shed += st.Shed
}

// Add folds one station's figures into s (a node of several stations):
// counts, rates and queues add up; utilization, offered load and waits are
// the busiest station's, own demand the highest, growth the fastest
// growing queue's.
func (s *NodeStats) Add(st NodeStats) { s.add(st) }

// SetTransfer sets s's egress (for per_gb prices) from the bytes stations
// received and sent over window seconds, and its Transfer figures when
// shown.
func (s *NodeStats) SetTransfer(window float64, shown bool, stations ...*Station) {
	s.transfer(window, shown, stations...)
}

// Footprints of the engine's records, for a kind's Footprint and InUse.
const (
	InstanceBytes = instanceBytes // an instance and its place in its station's lists
)

// Popularity is the workload's key popularity (nil: not known).
func (n *Network) Popularity() *Popularity { return n.opts.Popularity }

// FailNow ends j's visit with a failure (a fault: its instance went
// down), its worker freed if it held one, and replies.
func (st *Station) FailNow(j *Job) { st.failNow(j) }

// SizeOf is the size of j's request and reply at st.
func (st *Station) SizeOf(j *Job) topology.Size { return st.sizeOf(j) }
