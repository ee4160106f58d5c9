// Package cache is the cache node kind: a key-value cache of nodes, keys
// spread over them by consistent hashing, that a service's calls get
// from, set and delete (op: get, set, delete). It holds the kind's spec,
// its runtime, its analytic treatment and its advice, and the fault that
// takes one of its nodes down (cache_node); it registers itself with
// package topology.
package cache

import (
	"fmt"
	"math"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// Cache is a key-value cache of Nodes nodes, keys spread over them by
// consistent hashing. Each node holds Capacity keys, evicting by Eviction,
// and serves one operation at a time per worker.
type Cache struct {
	Nodes    int
	VNodes   int // points per node on the hash ring
	Capacity int // keys per node
	// ItemSize is the bytes of one value, when the capacity was given as
	// memory; 0 otherwise.
	ItemSize    float64
	Eviction    string  // one of topology.Evictions
	TTL         float64 // seconds a filled key stays valid; 0 forever
	ServiceTime sim.Dist
	Workers     int
	Queue       int
	// Coalesce collapses concurrent misses of one key into one origin read.
	Coalesce bool
	// FlushInterval is how often each node writes its dirty keys back.
	FlushInterval float64
	// Failures is the time between failures of each node, which loses the
	// node's contents and its writes not yet flushed; nil never fails.
	Failures sim.Dist
	// Warm starts each node in the steady state of its eviction policy
	// under the workload's key popularity (Network.Warm), instead of
	// empty.
	Warm bool

	// tooBig says SizeFromMemory refused item_size (no item fits a
	// node), which leaves the capacity unset: not refused again.
	tooBig bool
}

// ReservedMemory is the share of a cache node's memory its engine keeps
// for itself (replication buffers, forks for snapshots) and not for
// items: ElastiCache's reserved-memory-percent, 25% by default for Redis
// OSS ("Managing reserved memory", Amazon ElastiCache User Guide). A cache
// that takes its capacity from its type holds (1 − this) × the type's
// memory ÷ item_size keys per node.
const ReservedMemory = 0.25

// MinFailureInterval is the shortest mean time between a cache node's
// failures: failures are events, and a run must end in bounded time.
const MinFailureInterval = 1.0

var kind = topology.Kind{
	Name:           "cache",
	Noun:           "cache",
	Decode:         decode,
	Workers:        true,
	NeedsOp:        true,
	SessionStore:   true,
	KeysWhenCalled: true,
}

func init() {
	kind.Params = cacheParams
	topology.Register(&kind)
	topology.RegisterFault(&nodeFault)
}

// Kind implements topology.Spec.
func (*Cache) Kind() *topology.Kind { return &kind }

// Units implements topology.Spec: cache nodes are billed.
func (c *Cache) Units() int { return c.Nodes }

// NeedsKeys implements topology.Spec: a cache stores keys.
func (*Cache) NeedsKeys() bool { return true }

// WorkTimes implements topology.Worked.
func (c *Cache) WorkTimes() []sim.Dist { return []sim.Dist{c.ServiceTime} }

// Footprint implements engine.Builder: its station, its key stores full
// (or holding every key, if fewer), its ring, and a dirty list as long as
// a store.
func (c *Cache) Footprint(keys int64) float64 {
	held := float64(c.Capacity) * float64(c.Nodes)
	if keys > 0 {
		held = min(held, float64(keys))
	}
	return engine.StationFootprint(c.Nodes) + float64(held*engine.KeyBytes) + float64(float64(c.Nodes*c.VNodes)*engine.RingBytes)
}

// Downstream implements topology.Spec: a cache calls nothing (its users
// call the origin on a miss).
func (*Cache) Downstream() []topology.Target { return nil }

// defaultTime is the service time of a cache node when the file gives
// none: an in-memory lookup with its round trip inside the server.
var defaultTime = sim.Constant{Value: 200e-6}

func decode(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	c := &Cache{Nodes: 1, VNodes: topology.DefaultVNodes, Eviction: topology.EvictLRU, Workers: 1, Queue: topology.Unlimited,
		ServiceTime: defaultTime, FlushInterval: 1}
	what := "cache " + name
	topology.IntField(d, m, "nodes", what, &c.Nodes)
	topology.IntField(d, m, "vnodes", what, &c.VNodes)
	topology.WorkersField(d, m, what, &c.Workers)
	topology.QueueField(d, m, what, &c.Queue)
	switch {
	case m.Has("capacity") && m.Has("memory"):
		d.Errorf(m.Key("memory"), "%s: give capacity (keys per node) or memory with item_size, not both", what)
	case m.Has("capacity"):
		if v, ok := d.Count(m.Get("capacity"), what+" capacity"); ok {
			c.Capacity = int(math.Min(v, topology.MaxCacheKeys+1))
		}
		if m.Has("item_size") {
			c.ItemSize, _ = d.Bytes(m.Get("item_size"), what+" item_size")
		}
	case m.Has("memory"):
		mem, ok1 := d.Bytes(m.Get("memory"), what+" memory")
		if !m.Has("item_size") {
			d.Errorf(m.Key("memory"), "%s: memory needs item_size, the bytes of one cached value", what)
			break
		}
		size, ok2 := d.Bytes(m.Get("item_size"), what+" item_size")
		if ok1 && ok2 {
			c.ItemSize = size
			c.Capacity = int(math.Min(math.Floor(mem/size), topology.MaxCacheKeys+1))
			if c.Capacity < 1 {
				d.Errorf(m.Get("memory"), "%s: memory holds no item of %s", what, m.Get("item_size").Value)
			}
		}
	case m.Has("item_size"):
		// The keys per node then come from the instance type's memory
		// (SizeFromMemory).
		c.ItemSize, _ = d.Bytes(m.Get("item_size"), what+" item_size")
	}
	topology.StringField(d, m, "eviction", &c.Eviction)
	topology.DurationField(d, m, "ttl", what, &c.TTL)
	topology.DistField(d, m, "service_time", what, &c.ServiceTime)
	if m.Has("coalesce") {
		c.Coalesce, _ = d.Bool(m.Get("coalesce"))
	}
	if m.Has("warm") {
		c.Warm, _ = d.Bool(m.Get("warm"))
	}
	topology.DurationField(d, m, "flush_interval", what, &c.FlushInterval)
	topology.DistField(d, m, "failures", what, &c.Failures)
	return c
}

// Validate implements topology.Spec: sizes, a capacity the simulation can
// hold, a known eviction policy, a flush period and failures far enough
// apart.
func (c *Cache) Validate(e field.Errors, ck *topology.Checker) {
	what := "cache " + ck.Node().Name
	topology.InRange(e, "nodes", what, c.Nodes, 1, topology.MaxInstances)
	topology.InRange(e, "vnodes", what, c.VNodes, 1, 10_000)
	topology.InRange(e, "workers", what, c.Workers, 1, topology.MaxWorkers)
	topology.CheckQueue(e, what, c.Queue)
	switch {
	case c.tooBig: // refused at item_size
	case c.Capacity < 1:
		// With item_size, it rests on the instance type: an override of
		// it is named.
		node := ck.Node()
		e.Given(node.Path("instance"), node.Path("host")).Add("capacity", "%s needs a capacity (keys per node), e.g. capacity: 100k, or item_size with an instance type from the catalogue", what)
	case c.Capacity*c.Nodes > topology.MaxCacheKeys:
		e.Add("", "%s holds %d keys over its nodes; at most %d are simulated (scale the key count down with it)",
			what, c.Capacity*c.Nodes, topology.MaxCacheKeys)
	}
	topology.OneOf(e, "eviction", "eviction", c.Eviction, topology.Evictions)
	if c.ServiceTime == nil {
		e.Add("service_time", "%s needs a service_time", what)
	}
	if c.FlushInterval <= 0 {
		e.Add("flush_interval", "%s flush_interval must be positive", what)
	}
	if c.Failures != nil && c.Failures.Mean() < MinFailureInterval {
		e.Add("failures", "%s: failures must be at least %gs apart on average", what, MinFailureInterval)
	}
	topology.CheckRing(e, what, c.Nodes, c.VNodes)
}

// WorkersPerInstance implements topology.TypeSized.
func (c *Cache) WorkersPerInstance() *int { return &c.Workers }

// SizeFromMemory implements topology.MemorySized: a cache given item_size
// alone holds the type's memory, less what the engine keeps for itself
// (ReservedMemory), over item_size keys per node.
func (c *Cache) SizeFromMemory(e field.Errors, node string, in topology.Instance) {
	if c.Capacity != 0 || c.ItemSize <= 0 {
		return
	}
	c.Capacity = int(math.Min(math.Floor(float64(in.Memory*(1-ReservedMemory))/c.ItemSize), topology.MaxCacheKeys+1))
	if c.Capacity < 1 {
		c.tooBig = true
		e.AddAtKey("item_size", "cache %s: an item of %s does not fit in the %s a %s node gives its items", node,
			units.FormatBytes(c.ItemSize), units.FormatBytes(float64(in.Memory*(1-ReservedMemory))), in.Name)
	}
}

// StartsWarm implements engine.Warmed.
func (c *Cache) StartsWarm() bool { return c.Warm }

// CoalescesFills implements topology.CoalescedFills: coalesce.
func (c *Cache) CoalescesFills() bool { return c.Coalesce }

// HitRatio implements topology.Analytic: over all its nodes' capacity.
func (c *Cache) HitRatio(s topology.Solver, name string) (float64, bool) {
	return topology.StoreHitRatio(s, name, float64(c.Nodes*c.Capacity), c.TTL, c.Eviction), true
}

// Routes implements topology.Analytic: a cache calls nothing.
func (*Cache) Routes(topology.Solver, string, int, topology.Router) {}

// Solve implements topology.Analytic: the cache nodes as M/G/c queues.
func (c *Cache) Solve(s topology.Solver, name string, rate float64, _ []float64) topology.Solution {
	g := topology.StationGroup{Count: c.Nodes, Workers: c.Workers, Rate: rate, Holding: topology.Mean(c.ServiceTime), SCV: topology.SCV(c.ServiceTime)}
	sol := g.Solution()
	g.NoteVariance(s, name)
	sol.Response = topology.PerClass(s, func(int) float64 { return g.Wait + g.Holding })
	h := s.HitRatio(name)
	sol.HitRatio = &h
	return sol
}

// NetworkLegs implements topology.Analytic: none besides its calls.
func (*Cache) NetworkLegs(topology.Solver, string, int) float64 { return 0 }

// Demand implements topology.Analytic.
func (c *Cache) Demand(topology.Solver, string) (topology.Demand, bool) {
	return topology.Demand{Stations: c.Nodes, Workers: c.Workers, Service: topology.Mean(c.ServiceTime)}, true
}

// CapacityNote implements topology.Explainer.
func (*Cache) CapacityNote(topology.Solution) string { return "" }

// Advice implements topology.Explainer: more nodes, unless one hot key
// makes one node the busiest whatever their number.
func (c *Cache) Advice(s topology.Solver, _ string, _ topology.Solution) string {
	if share, hot := topology.HotKey(s, c.Nodes); hot {
		return fmt.Sprintf("The cache's hottest key alone takes %s of its requests, and a key lives on one cache node, so more nodes will not relieve that one: "+
			"keep a copy of the hot key in each app instance (a small local cache with a short TTL), or replicate it under several keys and read one at random.", units.Percent(share))
	}
	return "The cache's nodes are busy: add cache nodes (the hash ring spreads keys over them)."
}
