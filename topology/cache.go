package topology

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
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
	Eviction    string
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
}

// Eviction policies.
const (
	EvictLRU    = "lru"
	EvictLFU    = "lfu"
	EvictFIFO   = "fifo"
	EvictRandom = "random"
)

// Evictions lists the eviction policies.
var Evictions = []string{EvictLRU, EvictLFU, EvictFIFO, EvictRandom}

var cacheKind = Kind{
	Name:           "cache",
	Noun:           "cache",
	Decode:         decodeCache,
	Workers:        true,
	NeedsOp:        true,
	SessionStore:   true,
	KeysWhenCalled: true,
}

// Kind implements Spec.
func (*Cache) Kind() *Kind { return &cacheKind }

// Units implements Spec: cache nodes are billed.
func (c *Cache) Units() int { return c.Nodes }

// NeedsKeys implements Spec: a cache stores keys.
func (*Cache) NeedsKeys() bool { return true }

// WorkTimes implements Worked.
func (c *Cache) WorkTimes() []sim.Dist { return []sim.Dist{c.ServiceTime} }

// Footprint implements Spec: its station, its key stores full (or holding
// every key, if fewer), its ring, and a dirty list as long as a store.
func (c *Cache) Footprint(keys int64) float64 {
	held := float64(c.Capacity) * float64(c.Nodes)
	if keys > 0 {
		held = min(held, float64(keys))
	}
	return stationFootprint(c.Nodes) + float64(held*KeyBytes) + float64(float64(c.Nodes*c.VNodes)*ringBytes)
}

// Downstream implements Spec: a cache calls nothing (its users call the
// origin on a miss).
func (*Cache) Downstream() []Target { return nil }

// defaultCacheTime is the service time of a cache node when the file gives
// none: an in-memory lookup with its round trip inside the server.
var defaultCacheTime = sim.Constant{Value: 200e-6}

func decodeCache(d *yamlfile.Decoder, m yamlfile.Map, name string) Spec {
	c := &Cache{Nodes: 1, VNodes: DefaultVNodes, Eviction: EvictLRU, Workers: 1, Queue: Unlimited,
		ServiceTime: defaultCacheTime, FlushInterval: 1}
	what := "cache " + name
	intField(d, m, "nodes", what, &c.Nodes)
	intField(d, m, "vnodes", what, &c.VNodes)
	workersField(d, m, what, &c.Workers)
	queueField(d, m, what, &c.Queue)
	switch {
	case m.Has("capacity") && m.Has("memory"):
		d.Errorf(m.Key("memory"), "%s: give capacity (keys per node) or memory with item_size, not both", what)
	case m.Has("capacity"):
		if v, ok := d.Count(m.Get("capacity"), what+" capacity"); ok {
			c.Capacity = int(math.Min(v, MaxCacheKeys+1))
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
			c.Capacity = int(math.Min(math.Floor(mem/size), MaxCacheKeys+1))
			if c.Capacity < 1 {
				d.Errorf(m.Get("memory"), "%s: memory holds no item of %s", what, m.Get("item_size").Value)
			}
		}
	case m.Has("item_size"):
		// The keys per node then come from the instance type's memory
		// (Topology.sizeFromType).
		c.ItemSize, _ = d.Bytes(m.Get("item_size"), what+" item_size")
	}
	StringField(d, m, "eviction", &c.Eviction)
	DurationField(d, m, "ttl", what, &c.TTL)
	DistField(d, m, "service_time", what, &c.ServiceTime)
	if m.Has("coalesce") {
		c.Coalesce, _ = d.Bool(m.Get("coalesce"))
	}
	if m.Has("warm") {
		c.Warm, _ = d.Bool(m.Get("warm"))
	}
	DurationField(d, m, "flush_interval", what, &c.FlushInterval)
	DistField(d, m, "failures", what, &c.Failures)
	return c
}

// Validate implements Spec: sizes, a capacity the simulation can hold, a
// known eviction policy, a flush period and failures far enough apart.
func (c *Cache) Validate(e field.Errors, ck *Checker) {
	what := "cache " + ck.node.Name
	inRange(e, "nodes", what, c.Nodes, 1, MaxInstances)
	inRange(e, "vnodes", what, c.VNodes, 1, 10_000)
	inRange(e, "workers", what, c.Workers, 1, MaxWorkers)
	checkQueue(e, what, c.Queue)
	switch {
	case c.Capacity < 1:
		e.Add("capacity", "%s needs a capacity (keys per node), e.g. capacity: 100k, or item_size with an instance type from the catalogue", what)
	case c.Capacity*c.Nodes > MaxCacheKeys:
		e.Add("", "%s holds %d keys over its nodes; at most %d are simulated (scale the key count down with it)",
			what, c.Capacity*c.Nodes, MaxCacheKeys)
	}
	oneOf(e, "eviction", "eviction", c.Eviction, Evictions)
	if c.ServiceTime == nil {
		e.Add("service_time", "%s needs a service_time", what)
	}
	if c.FlushInterval <= 0 {
		e.Add("flush_interval", "%s flush_interval must be positive", what)
	}
	if c.Failures != nil && c.Failures.Mean() < MinFailureInterval {
		e.Add("failures", "%s: failures must be at least %gs apart on average", what, MinFailureInterval)
	}
	checkRing(e, what, c.Nodes, c.VNodes)
}

// WorkersPerInstance implements TypeSized.
func (c *Cache) WorkersPerInstance() *int { return &c.Workers }

// SizeFromMemory implements MemorySized: a cache given item_size alone
// holds the type's memory, less what the engine keeps for itself
// (CacheReservedMemory), over item_size keys per node.
func (c *Cache) SizeFromMemory(e field.Errors, node string, in Instance) {
	if c.Capacity != 0 || c.ItemSize <= 0 {
		return
	}
	c.Capacity = int(math.Min(math.Floor(float64(in.Memory*(1-CacheReservedMemory))/c.ItemSize), MaxCacheKeys+1))
	if c.Capacity < 1 {
		e.AddAtKey("item_size", "cache %s: an item of %s does not fit in the %s an %s node gives its items", node,
			units.FormatBytes(c.ItemSize), units.FormatBytes(float64(in.Memory*(1-CacheReservedMemory))), in.Name)
	}
}

// StartsWarm implements Warmed.
func (c *Cache) StartsWarm() bool { return c.Warm }

// HitRatio implements Analytic: over all its nodes' capacity.
func (c *Cache) HitRatio(s Solver, name string) (float64, bool) {
	return StoreHitRatio(s, name, float64(c.Nodes*c.Capacity), c.TTL, c.Eviction), true
}

// Routes implements Analytic: a cache calls nothing.
func (*Cache) Routes(Solver, string, int, Router) {}

// Solve implements Analytic: the cache nodes as M/G/c queues.
func (c *Cache) Solve(s Solver, name string, rate float64, _ []float64) Solution {
	g := StationGroup{Count: c.Nodes, Workers: c.Workers, Rate: rate, Holding: Mean(c.ServiceTime), SCV: SCV(c.ServiceTime)}
	sol := g.Solution()
	g.NoteVariance(s, name)
	sol.Response = PerClass(s, func(int) float64 { return g.Wait + g.Holding })
	h := s.HitRatio(name)
	sol.HitRatio = &h
	return sol
}

// NetworkLegs implements Analytic: none besides its calls.
func (*Cache) NetworkLegs(Solver, string, int) float64 { return 0 }

// Demand implements Analytic.
func (c *Cache) Demand(Solver, string) (Demand, bool) {
	return Demand{Stations: c.Nodes, Workers: c.Workers, Service: Mean(c.ServiceTime)}, true
}

// CapacityNote implements Explainer.
func (*Cache) CapacityNote(Solution) string { return "" }

// Advice implements Explainer: more nodes, unless one hot key makes one
// node the busiest whatever their number.
func (c *Cache) Advice(s Solver, _ string, _ Solution) string {
	if share, hot := hotKey(s, c.Nodes); hot {
		return fmt.Sprintf("The cache's hottest key alone takes %s of its requests, and a key lives on one cache node, so more nodes will not relieve that one: "+
			"keep a copy of the hot key in each app instance (a small local cache with a short TTL), or replicate it under several keys and read one at random.", units.Percent(share))
	}
	return "The cache's nodes are busy: add cache nodes (the hash ring spreads keys over them)."
}

// cache is the runtime of a Cache node: a station whose instances are the
// cache nodes, each with its own key store, keys placed on nodes by
// consistent hashing.
type cache struct {
	net   *Network
	node  *Node
	spec  *Cache
	st    *Station
	ring  *ring
	nodes []*cacheNode
	// pending holds, per key with a coalesced miss in progress, the gets
	// waiting for its fill.
	pending map[int64][]*Job
	hot     *sim.HeavyHitters
	failRng *rand.Rand
	halves  HitHalves

	gets, hits, originReads, coalesced int64
	sets, deletes, lostWrites, fails   int64
	invalidationFails, staleHits       int64
}

// cacheNode is one node of a cache: its keys, and the writes it holds back.
type cacheNode struct {
	store *KeyStore
	// dirty keys, in the order first written since the last flush, with the
	// step whose flush targets they go to.
	dirty     []int64
	dirtyStep map[int64]*step
	unflushed int64 // writes absorbed since the last flush
	flushing  bool  // a flush is scheduled
}

// Cache event opcodes.
const (
	opFlush = iota // data: the *cacheNode to flush
	opFail         // data: the *cacheNode that fails
)

// hotSampleMask: one get in eight feeds the hottest-key estimate.
const hotSampleMask = 7

func (spec *Cache) Build(net *Network, node *Node) Component {
	seed := net.opts.Seed
	c := &cache{net: net, node: node, spec: spec, pending: map[int64][]*Job{}, hot: sim.NewHeavyHitters(32)}
	c.st = newStation(net, c, sim.NewStream(seed, node.Name), spec.Nodes, spec.Workers, spec.Queue, spec.ServiceTime, spec.ServiceTime)
	c.ring = newRing(c.spec.Nodes, c.spec.VNodes)
	if net.versions == nil {
		net.versions = newVersions()
	}
	net.versions.caches = append(net.versions.caches, c)
	evict := sim.NewStream(seed, node.Name+"/evict")
	for range c.spec.Nodes {
		c.nodes = append(c.nodes, &cacheNode{
			store:     NewKeyStore(c.spec.Eviction, c.spec.Capacity, c.spec.TTL, evict),
			dirtyStep: map[int64]*step{},
		})
	}
	if spec.Warm {
		stores := make([]*KeyStore, len(c.nodes))
		for i, cn := range c.nodes {
			stores[i] = cn.store
		}
		net.Warm(WarmStart{Node: node.Name, Stores: stores, NodeOf: c.nodeOf,
			Shares: ringShares(c.ring, spec.Nodes), Stream: net.Stream(node.Name + "/warm")})
	}
	if c.spec.Failures != nil {
		fail := sim.NewStream(seed, node.Name+"/failures")
		for _, cn := range c.nodes {
			net.k.After(c.spec.Failures.Sample(fail), c, opFail, cn)
		}
		c.failRng = fail
	}
	return c
}

func (c *cache) Link(map[string]Component) error { return nil }

func (c *cache) Stations() []*Station { return []*Station{c.st} }

// InUse is the misses waiting for a coalesced fill and the keys waiting
// for a write-back flush; the first cache counts the keys held by
// requests for the versions of cached values too.
func (c *cache) InUse() float64 {
	dirty := 0
	for _, cn := range c.nodes {
		dirty += len(cn.dirty)
	}
	f := float64(float64(len(c.pending)+dirty) * mapEntryBytes)
	if v := c.net.versions; v.caches[0] == c {
		f += v.inUse()
	}
	return f
}

// nodeOf is the index of the node that holds key.
func (c *cache) nodeOf(key int64) int {
	if len(c.nodes) == 1 {
		return 0
	}
	return c.ring.part(key)
}

func (c *cache) Accept(j *Job) { c.st.arrive(j, c.st.insts[c.nodeOf(keyOf(j))]) }

// Served implements Server: it performs j's operation on its node's store.
func (c *cache) Served(j *Job) {
	cn := c.nodes[j.inst.index]
	key, now := keyOf(j), c.net.k.Now()
	switch j.op {
	case opGet:
		c.gets++
		if c.gets&hotSampleMask == 0 {
			c.hot.Add(key)
		}
		hit, stale := cn.store.Get(key, now)
		c.halves.Add(now, hit)
		switch {
		case hit:
			c.hits++
			j.hit = true
			if stale {
				c.staleHits++
			}
		case c.spec.Coalesce && !j.abandoned:
			// (A get its caller gave up on reads no origin, and so will
			// fill nothing: others must not wait for it.)
			if waiters, ok := c.pending[key]; ok {
				// Another get of this key is at the origin: wait for its fill.
				c.coalesced++
				c.pending[key] = append(waiters, j)
				c.st.finish(j)
				return
			}
			c.pending[key] = nil
		}
	case opSet:
		c.sets++
		cn.store.Put(key, now, c.net.versions.staleValue(j.req, key))
		if j.step != nil && j.step.writeBack != nil {
			c.markDirty(cn, key, j.step)
		}
	case opDelete:
		c.deletes++
		cn.store.Remove(key)
	}
	c.st.finish(j)
	c.net.reply(j)
}

// OriginRead implements KeyCache.
func (c *cache) OriginRead() { c.originReads++ }

// Coalesces implements KeyCache: the spec's coalesce.
func (c *cache) Coalesces() bool { return c.spec.Coalesce }

// CoalescesFills implements CoalescedFills: coalesce.
func (c *Cache) CoalescesFills() bool { return c.Coalesce }

// InvalidationFailed implements KeyCache: it records a delete, or a write-through set, that failed
// after its write committed: the key may be read stale, but the write
// stands (its request goes on), as when an application logs a failed
// cache invalidation and carries on.
func (c *cache) InvalidationFailed() { c.invalidationFails++ }

// Fill implements KeyCache: it puts key in the cache, with the value r read from the origin after
// a miss, and answers the gets that were waiting for it.
func (c *cache) Fill(key int64, r *Request) {
	if n := c.nodeOf(key); !c.st.insts[n].down {
		c.nodes[n].store.Put(key, c.net.k.Now(), c.net.versions.staleValue(r, key))
	}
	c.wake(key, true)
}

// Committed implements KeyCache: it marks key's value stale, if the cache holds it: a write of the
// key has just committed.
func (c *cache) Committed(key int64) { c.nodes[c.nodeOf(key)].store.MarkStale(key) }

// Abandon implements KeyCache: it answers the gets waiting for a fill that will not come: they go
// to the origin themselves.
func (c *cache) Abandon(key int64) { c.wake(key, false) }

func (c *cache) wake(key int64, hit bool) {
	waiters, ok := c.pending[key]
	if !ok {
		return
	}
	delete(c.pending, key)
	for _, w := range waiters {
		w.hit = hit
		c.net.reply(w)
	}
}

// markDirty records a write-back write, scheduling the node's flush.
func (c *cache) markDirty(cn *cacheNode, key int64, st *step) {
	cn.unflushed++
	if _, ok := cn.dirtyStep[key]; !ok {
		cn.dirty = append(cn.dirty, key)
	}
	cn.dirtyStep[key] = st
	if !cn.flushing {
		cn.flushing = true
		c.net.k.After(c.spec.FlushInterval, c, opFlush, cn)
	}
}

// Handle implements sim.Handler for flushes and failures.
func (c *cache) Handle(_ sim.Time, op int, data any) {
	cn := data.(*cacheNode)
	switch op {
	case opFlush:
		// Each dirty key is written once, however often it was set.
		for _, key := range cn.dirty {
			for _, to := range cn.dirtyStep[key].writeBack {
				c.net.background(to, key, -1)
			}
		}
		c.clearDirty(cn)
		cn.flushing = false
	case opFail:
		c.restart(cn)
		if c.spec.Failures != nil {
			c.net.k.After(c.spec.Failures.Sample(c.failRng), c, opFail, cn)
		}
	}
}

// restart empties a failed node: its keys and unflushed writes are lost.
func (c *cache) restart(cn *cacheNode) {
	c.fails++
	c.lostWrites += cn.unflushed
	c.clearDirty(cn)
	cn.store.Clear()
}

// Down implements Downer: cache nodes that go down (the first count ones,
// or all) lose their keys; while down, a get on them fails, which a caller
// takes as a miss.
func (c *cache) Down(_ *Faulter, count int, on bool, _ sim.Time) {
	nodes := c.st.insts
	if count > 0 {
		nodes = nodes[:min(count, len(nodes))]
	}
	c.nodesDown(nodes, on)
}

// nodesDown takes nodes down, each losing its keys, or brings them back.
func (c *cache) nodesDown(nodes []*instance, on bool) {
	for _, inst := range nodes {
		inst.down = on
		if on {
			inst.downs++
			c.st.failQueued(inst)
			c.restart(c.nodes[inst.index])
		}
	}
	c.st.setFaulty()
}

// cacheNodeFault is the kind of CacheNodeDown.
var cacheNodeFault = FaultKind{Name: "cache_node", Decode: decodeCacheNodeDown, On: &cacheKind, Part: true,
	Param: params.Param{Type: params.Int, Doc: "a cache's node (by number) goes down, losing its keys"}}

// CacheNodeDown takes down node Node of a cache (0 is the first), which
// loses its keys.
type CacheNodeDown struct{ Node int }

func decodeCacheNodeDown(d *yamlfile.Decoder, n *yaml.Node) (FaultEffect, bool) {
	i, ok := d.Int(n, "fault cache_node", 0)
	return CacheNodeDown{i}, ok
}

// Kind implements FaultEffect.
func (CacheNodeDown) Kind() *FaultKind { return &cacheNodeFault }

// Describe implements FaultEffect.
func (x CacheNodeDown) Describe() string { return fmt.Sprintf("cache node %d down", x.Node) }

func (x CacheNodeDown) Check(e field.Errors) bool {
	if x.Node < 0 {
		e.Add("cache_node", "a fault's cache_node is numbered from 0")
		return false
	}
	return true
}

func (x CacheNodeDown) Fit(e field.Errors, node *Node) {
	if nodes := node.Spec.Units(); x.Node >= nodes {
		e.Add("cache_node", "cache %s has %d nodes (numbered from 0)", node.Name, nodes)
	}
}

func (x CacheNodeDown) Strike(fl *Faulter, on bool, _ sim.Time) {
	fl.comp.(PartDowner).PartDown(x.Node, on)
}

// PartDown implements PartDowner: node i goes down, losing its keys, or
// comes back.
func (c *cache) PartDown(i int, on bool) { c.nodesDown(c.st.insts[i:i+1], on) }

func (c *cache) clearDirty(cn *cacheNode) {
	cn.dirty = cn.dirty[:0]
	clear(cn.dirtyStep)
	cn.unflushed = 0
}

func (c *cache) ResetStats(now sim.Time) {
	c.st.resetStats(now)
	c.hot.Reset()
	c.halves.Reset(now)
	c.gets, c.hits, c.originReads, c.coalesced = 0, 0, 0, 0
	c.sets, c.deletes, c.lostWrites, c.fails = 0, 0, 0, 0
	c.invalidationFails, c.staleHits = 0, 0
	for _, cn := range c.nodes {
		cn.store.Evictions, cn.store.Expirations = 0, 0
	}
}

// CacheStats are a cache's figures over the measurement window.
type CacheStats struct {
	Gets int64 `json:"gets"`
	Hits int64 `json:"hits"`
	// HitRatio is hits over gets; null without gets.
	HitRatio *float64 `json:"hit_ratio"`
	// HitRatioHalves are the hit ratios of the first and the second half
	// of the window (HitHalves); null when a half is too short to tell.
	// StillWarming says the second is higher beyond chance: the cache had
	// not reached its steady state (warm: true starts it there).
	HitRatioHalves *[2]float64 `json:"hit_ratio_halves"`
	StillWarming   bool        `json:"still_warming"`
	// OriginReads are misses (and failed gets, taken as misses) whose
	// caller went on to read the origin: a get abandoned on its timeout
	// is not one. Coalesced misses waited for another's fill instead
	// (those whose fill failed went on to the origin: origin reads too).
	OriginReads int64 `json:"origin_reads"`
	Coalesced   int64 `json:"coalesced"`
	Sets        int64 `json:"sets"`
	Deletes     int64 `json:"deletes"`
	Evictions   int64 `json:"evictions"`
	Expirations int64 `json:"expirations"`
	// Failures of cache nodes, and the write-back writes they lost.
	Failures   int64 `json:"failures"`
	LostWrites int64 `json:"lost_writes"`
	// StaleReads are hits whose value was older than the latest write of
	// its key committed at a database (not invalidated, or refilled with
	// a value read before that write); StaleFraction is their share of
	// hits, null without any.
	StaleReads    int64    `json:"stale_reads"`
	StaleFraction *float64 `json:"stale_fraction"`
	// InvalidationFailures are deletes and write-through sets that failed
	// (after their retries) once their write had committed: the write
	// stands and its request goes on, but the key may be read stale.
	InvalidationFailures int64 `json:"invalidation_failures"`
	Keys                 int   `json:"keys"` // held at the end
	// HottestKeyAtMost bounds the most requested key's share of gets from
	// above: Space-Saving's estimate from one get in eight, which
	// overestimates by at most 1/32 of the gets sampled. HottestKeyShare is
	// that estimate when it is more than twice the possible overestimate
	// and rests on at least minHotSamples sampled gets of the key, so that
	// it measures a key that stands out; null when no key does (as with
	// uniform keys) or there were too few gets to tell.
	HottestKeyShare  *float64 `json:"hottest_key_share"`
	HottestKeyAtMost *float64 `json:"hottest_key_at_most"`
	// NodeLoad is each node's share of operations, and Imbalance the
	// busiest node's load over the mean; null without operations.
	NodeLoad  []float64 `json:"node_load"`
	Imbalance *float64  `json:"imbalance"`
}

// minHotSamples is how many sampled gets of one key make its share a
// measure rather than a bound: with fewer, one get more or less moves it
// by more than a quarter (a key sampled once in 6 gets is not 16.7% of
// them).
const minHotSamples = 16

func (c *cache) Stats(window float64, now sim.Time) NodeStats {
	s := c.st.stats(window, now)
	cs := &CacheStats{Gets: c.gets, Hits: c.hits, HitRatio: Ratio(float64(c.hits), float64(c.gets)),
		OriginReads: c.originReads, Coalesced: c.coalesced, Sets: c.sets, Deletes: c.deletes,
		Failures: c.fails, LostWrites: c.lostWrites, InvalidationFailures: c.invalidationFails,
		StaleReads: c.staleHits, StaleFraction: Ratio(float64(c.staleHits), float64(c.hits))}
	cs.HitRatioHalves, cs.StillWarming = c.halves.Verdict(now)
	for _, cn := range c.nodes {
		cs.Evictions += cn.store.Evictions
		cs.Expirations += cn.store.Expirations
		cs.Keys += cn.store.Len()
	}
	_, top, n := c.hot.Top()
	cs.HottestKeyAtMost = Ratio(float64(top), float64(n))
	if hot := cs.HottestKeyAtMost; hot != nil && *hot > 2/float64(c.hot.Size()) && top >= minHotSamples {
		cs.HottestKeyShare = hot
	}
	arrivals := make([]float64, len(c.st.insts))
	for i, inst := range c.st.insts {
		arrivals[i] = float64(inst.arrivals)
	}
	cs.NodeLoad, cs.Imbalance = loadShares(arrivals)
	s.Detail, s.Lost = cs, cs.LostWrites
	return s
}

// JSONKey implements Detail.
func (*CacheStats) JSONKey() string { return "cache" }

// WriteText implements Detail.
func (c *CacheStats) WriteText(w io.Writer, node string) {
	hottest := units.OrUnknown(c.HottestKeyShare, units.Percent)
	if c.HottestKeyShare == nil && c.HottestKeyAtMost != nil {
		hottest = "at most " + units.Percent(*c.HottestKeyAtMost)
	}
	fmt.Fprintf(w, "%-11s hit ratio %s of %d gets; %d reached the origin, %d coalesced; %d evictions, %d expirations; hottest key %s of gets\n",
		node, units.OrUnknown(c.HitRatio, units.Percent), c.Gets, c.OriginReads, c.Coalesced, c.Evictions, c.Expirations, hottest)
	if c.StillWarming {
		fmt.Fprintf(w, "%-11s %s\n", "", WarmingNote(c.HitRatioHalves))
	}
	if c.StaleReads > 0 {
		fmt.Fprintf(w, "%-11s stale reads %s of hits (%d): values older than their key's latest committed write\n", "",
			units.OrUnknown(c.StaleFraction, units.Percent), c.StaleReads)
	}
	if len(c.NodeLoad) > 1 {
		fmt.Fprintf(w, "%-11s node load %s (imbalance %s)\n", "", shares(c.NodeLoad), units.OrUnknown(c.Imbalance, formatRatio))
	}
	if c.Failures > 0 || c.LostWrites > 0 {
		fmt.Fprintf(w, "%-11s %d node failures lost %d write-back writes\n", "", c.Failures, c.LostWrites)
	}
	if c.InvalidationFailures > 0 {
		fmt.Fprintf(w, "%-11s %d invalidations failed after their write committed (the write stands; the key may be read stale)\n", "", c.InvalidationFailures)
	}
}
