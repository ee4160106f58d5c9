package cache

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// cache is the runtime of a Cache node: a station whose instances are the
// cache nodes, each with its own key store, keys placed on nodes by
// consistent hashing.
type cache struct {
	net   *engine.Network
	node  *topology.Node
	spec  *Cache
	st    *engine.Station
	ring  *topology.Ring
	nodes []*cacheNode
	// pending holds, per key with a coalesced miss in progress, the gets
	// waiting for its fill; waiting counts them.
	pending map[int64][]*engine.Job
	waiting int
	hot     *sim.HeavyHitters
	failRng *rand.Rand
	halves  engine.HitHalves

	gets, hits, originReads, coalesced int64
	sets, deletes, lostWrites, fails   int64
	invalidationFails, staleHits       int64
}

// cacheNode is one node of a cache: its keys, and the writes it holds back.
type cacheNode struct {
	store *engine.KeyStore
	// dirty keys, in the order first written since the last flush, with
	// the nodes their flush writes them to (the write_back set's).
	dirty     []int64
	dirtyTo   map[int64][]engine.Component
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

// Build implements engine.Builder.
func (spec *Cache) Build(net *engine.Network, node *topology.Node) engine.Component {
	c := &cache{net: net, node: node, spec: spec, pending: map[int64][]*engine.Job{}, hot: sim.NewHeavyHitters(32)}
	c.st = engine.NewStation(net, c, net.Stream(node.Name), spec.Nodes, spec.Workers, spec.Queue, spec.ServiceTime, spec.ServiceTime)
	ids := make([]uint64, spec.Nodes)
	for i := range ids {
		ids[i] = uint64(i)
	}
	c.ring = topology.NewRing(ids, spec.VNodes)
	net.KeepVersions(c)
	evict := net.Stream(node.Name + "/evict")
	for range spec.Nodes {
		c.nodes = append(c.nodes, &cacheNode{
			store:   engine.NewKeyStore(spec.Eviction, spec.Capacity, spec.TTL, evict),
			dirtyTo: map[int64][]engine.Component{},
		})
	}
	if spec.Warm {
		stores := make([]*engine.KeyStore, len(c.nodes))
		for i, cn := range c.nodes {
			stores[i] = cn.store
		}
		net.Warm(engine.WarmStart{Node: node.Name, Stores: stores, NodeOf: c.nodeOf,
			Shares: topology.RingShares(c.ring, spec.Nodes), Stream: net.Stream(node.Name + "/warm")})
	}
	if spec.Failures != nil {
		fail := net.Stream(node.Name + "/failures")
		for _, cn := range c.nodes {
			net.After(spec.Failures.Sample(fail), c, opFail, cn)
		}
		c.failRng = fail
	}
	return c
}

// Link implements engine.Component: a cache calls nothing.
func (c *cache) Link(map[string]engine.Component) error { return nil }

// Stations implements engine.Component: its nodes are one station's
// instances.
func (c *cache) Stations() []*engine.Station { return []*engine.Station{c.st} }

// InUse implements engine.Component: the misses waiting for a coalesced
// fill and the keys waiting for a write-back flush; the first cache counts
// the keys held by requests for the versions of cached values too.
func (c *cache) InUse() float64 {
	dirty := 0
	for _, cn := range c.nodes {
		dirty += len(cn.dirty)
	}
	f := float64(float64(len(c.pending)+dirty) * engine.MapEntryBytes)
	return f + c.net.VersionsInUse(c)
}

// nodeOf is the index of the node that holds key.
func (c *cache) nodeOf(key int64) int {
	if len(c.nodes) == 1 {
		return 0
	}
	return c.ring.Part(key)
}

// Accept implements engine.Component: a visit goes to the node that
// holds its key.
func (c *cache) Accept(j *engine.Job) {
	c.st.Arrive(j, c.st.Instances()[c.nodeOf(j.OpKey())])
}

// Served implements engine.Server: it performs j's operation on its
// node's store.
func (c *cache) Served(j *engine.Job) {
	cn := c.nodes[j.Instance().Index()]
	key, now := j.OpKey(), c.net.Now()
	switch j.KeyOp() {
	case topology.KeyGet:
		c.gets++
		if c.gets&hotSampleMask == 0 {
			c.hot.Add(key)
		}
		hit, stale := cn.store.Get(key, now)
		c.halves.Add(now, hit)
		switch {
		case hit:
			c.hits++
			j.SetHit(true)
			if stale {
				c.staleHits++
			}
		case c.spec.Coalesce && !j.Abandoned():
			// (A get its caller gave up on reads no origin, and so will
			// fill nothing: others must not wait for it.)
			if waiters, ok := c.pending[key]; ok {
				// Another get of this key is at the origin: wait for its fill.
				c.coalesced++
				c.waiting++
				c.pending[key] = append(waiters, j)
				c.st.Finish(j)
				return
			}
			c.pending[key] = nil
		}
	case topology.KeySet:
		c.sets++
		cn.store.Put(key, now, c.net.StaleValue(j.Request(), key))
		if to := j.WriteBack(); to != nil {
			c.markDirty(cn, key, to)
		}
	case topology.KeyDelete:
		c.deletes++
		cn.store.Remove(key)
	}
	c.st.Finish(j)
	c.net.Reply(j)
}

// Waiters implements engine.Waiters: the gets waiting for a coalesced
// fill.
func (c *cache) Waiters() int { return c.waiting }

// OriginRead implements engine.KeyCache.
func (c *cache) OriginRead() { c.originReads++ }

// Coalesces implements engine.KeyCache: the spec's coalesce.
func (c *cache) Coalesces() bool { return c.spec.Coalesce }

// InvalidationFailed implements engine.KeyCache: it records a delete,
// or a write-through set, that failed after its write committed: the key
// may be read stale, but the write stands (its request goes on), as when
// an application logs a failed cache invalidation and carries on.
func (c *cache) InvalidationFailed() { c.invalidationFails++ }

// Fill implements engine.KeyCache: it puts key in the cache, with the
// value r read from the origin after a miss, and answers the gets that
// were waiting for it.
func (c *cache) Fill(key int64, r *engine.Request) {
	if n := c.nodeOf(key); !c.st.Instances()[n].Down() {
		c.nodes[n].store.Put(key, c.net.Now(), c.net.StaleValue(r, key))
	}
	c.wake(key, true)
}

// Committed implements engine.KeyCache: it marks key's value stale, if
// the cache holds it: a write of the key has just committed.
func (c *cache) Committed(key int64) { c.nodes[c.nodeOf(key)].store.MarkStale(key) }

// Abandon implements engine.KeyCache: it answers the gets waiting for a
// fill that will not come: they go to the origin themselves.
func (c *cache) Abandon(key int64) { c.wake(key, false) }

func (c *cache) wake(key int64, hit bool) {
	waiters, ok := c.pending[key]
	if !ok {
		return
	}
	delete(c.pending, key)
	c.waiting -= len(waiters)
	for _, w := range waiters {
		w.SetHit(hit)
		c.net.Reply(w)
	}
}

// markDirty records a write-back write of key, which its flush writes to
// the nodes to, scheduling the node's flush.
func (c *cache) markDirty(cn *cacheNode, key int64, to []engine.Component) {
	cn.unflushed++
	if _, ok := cn.dirtyTo[key]; !ok {
		cn.dirty = append(cn.dirty, key)
	}
	cn.dirtyTo[key] = to
	if !cn.flushing {
		cn.flushing = true
		c.net.After(c.spec.FlushInterval, c, opFlush, cn)
	}
}

// Handle implements sim.Handler for flushes and failures.
func (c *cache) Handle(_ sim.Time, op int, data any) {
	cn := data.(*cacheNode)
	switch op {
	case opFlush:
		// Each dirty key is written once, however often it was set.
		for _, key := range cn.dirty {
			for _, to := range cn.dirtyTo[key] {
				c.net.WriteBehind(to, key)
			}
		}
		c.clearDirty(cn)
		cn.flushing = false
	case opFail:
		c.restart(cn)
		if c.spec.Failures != nil {
			c.net.After(c.spec.Failures.Sample(c.failRng), c, opFail, cn)
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

// Down implements engine.Downer: cache nodes that go down (the first
// count ones, or all) lose their keys; while down, a get on them fails,
// which a caller takes as a miss.
func (c *cache) Down(_ *engine.Faulter, count int, on bool, _ sim.Time) {
	nodes := c.st.Instances()
	if count > 0 {
		nodes = nodes[:min(count, len(nodes))]
	}
	c.nodesDown(nodes, on)
}

// partDown takes node i down, losing its keys, or brings it back (a
// cache_node fault).
func (c *cache) partDown(i int, on bool) { c.nodesDown(c.st.Instances()[i:i+1], on) }

// nodesDown takes nodes down, each losing its keys, or brings them back.
func (c *cache) nodesDown(nodes []*engine.StationInstance, on bool) {
	for _, inst := range nodes {
		inst.SetDown(on)
		if on {
			c.restart(c.nodes[inst.Index()])
		}
	}
	c.st.FaultsChanged()
}

func (c *cache) clearDirty(cn *cacheNode) {
	cn.dirty = cn.dirty[:0]
	clear(cn.dirtyTo)
	cn.unflushed = 0
}

// ResetStats implements engine.Component.
func (c *cache) ResetStats(now sim.Time) {
	c.st.ResetStats(now)
	c.hot.Reset()
	c.halves.Reset(now)
	c.gets, c.hits, c.originReads, c.coalesced = 0, 0, 0, 0
	c.sets, c.deletes, c.lostWrites, c.fails = 0, 0, 0, 0
	c.invalidationFails, c.staleHits = 0, 0
	for _, cn := range c.nodes {
		cn.store.Evictions, cn.store.Expirations = 0, 0
	}
}

// Stats are a cache's figures over the measurement window.
type Stats struct {
	Gets int64 `json:"gets"`
	Hits int64 `json:"hits"`
	// HitRatio is hits over gets; null without gets.
	HitRatio *float64 `json:"hit_ratio"`
	// HitRatioHalves are the hit ratios of the first and the second half
	// of the window (engine.HitHalves); null when a half is too short
	// to tell. StillWarming says the second is higher beyond chance: the
	// cache had not reached its steady state (warm: true starts it
	// there).
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

// Stats implements engine.Component: the station's figures, with the
// cache's own as its Detail.
func (c *cache) Stats(window float64, now sim.Time) engine.NodeStats {
	s := c.st.Stats(window, now)
	cs := &Stats{Gets: c.gets, Hits: c.hits, HitRatio: topology.Ratio(float64(c.hits), float64(c.gets)),
		OriginReads: c.originReads, Coalesced: c.coalesced, Sets: c.sets, Deletes: c.deletes,
		Failures: c.fails, LostWrites: c.lostWrites, InvalidationFailures: c.invalidationFails,
		StaleReads: c.staleHits, StaleFraction: topology.Ratio(float64(c.staleHits), float64(c.hits))}
	cs.HitRatioHalves, cs.StillWarming = c.halves.Verdict(now)
	for _, cn := range c.nodes {
		cs.Evictions += cn.store.Evictions
		cs.Expirations += cn.store.Expirations
		cs.Keys += cn.store.Len()
	}
	_, top, n := c.hot.Top()
	cs.HottestKeyAtMost = topology.Ratio(float64(top), float64(n))
	if hot := cs.HottestKeyAtMost; hot != nil && *hot > 2/float64(c.hot.Size()) && top >= minHotSamples {
		cs.HottestKeyShare = hot
	}
	insts := c.st.Instances()
	arrivals := make([]float64, len(insts))
	for i, inst := range insts {
		arrivals[i] = float64(inst.Arrivals())
	}
	cs.NodeLoad, cs.Imbalance = topology.LoadShares(arrivals)
	s.Detail, s.Lost = cs, cs.LostWrites
	return s
}

// JSONKey implements topology.Detail.
func (*Stats) JSONKey() string { return "cache" }

// WriteText implements topology.Detail.
func (c *Stats) WriteText(w io.Writer, node string) {
	hottest := units.OrUnknown(c.HottestKeyShare, units.Percent)
	if c.HottestKeyShare == nil && c.HottestKeyAtMost != nil {
		hottest = "at most " + units.Percent(*c.HottestKeyAtMost)
	}
	fmt.Fprintf(w, "%-11s hit ratio %s of %s; %d reached the origin, %d coalesced; %s, %s; hottest key %s of gets\n",
		node, units.OrUnknown(c.HitRatio, units.Percent), units.Plural(c.Gets, "get", "gets"), c.OriginReads, c.Coalesced,
		units.Plural(c.Evictions, "eviction", "evictions"), units.Plural(c.Expirations, "expiration", "expirations"), hottest)
	if c.StillWarming {
		fmt.Fprintf(w, "%-11s %s\n", "", engine.WarmingNote(c.HitRatioHalves))
	}
	if c.StaleReads > 0 {
		fmt.Fprintf(w, "%-11s stale reads %s of hits (%d): values older than their key's latest committed write\n", "",
			units.OrUnknown(c.StaleFraction, units.Percent), c.StaleReads)
	}
	if len(c.NodeLoad) > 1 {
		fmt.Fprintf(w, "%-11s node load %s (imbalance %s)\n", "", topology.FormatShares(c.NodeLoad), units.OrUnknown(c.Imbalance, topology.FormatRatio))
	}
	if c.Failures > 0 || c.LostWrites > 0 {
		fmt.Fprintf(w, "%-11s %s lost %s\n", "", units.Plural(c.Failures, "node failure", "node failures"), units.Plural(c.LostWrites, "write-back write", "write-back writes"))
	}
	if c.InvalidationFailures > 0 {
		fmt.Fprintf(w, "%-11s %s failed after their write committed (the write stands; the key may be read stale)\n", "", units.Plural(c.InvalidationFailures, "invalidation", "invalidations"))
	}
}
