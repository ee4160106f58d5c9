package topology

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
)

// cache is the runtime of a Cache node: a station whose instances are the
// cache nodes, each with its own key store, keys placed on nodes by
// consistent hashing.
type cache struct {
	net   *Network
	node  *Node
	spec  *Cache
	st    *station
	ring  *ring
	nodes []*cacheNode
	// pending holds, per key with a coalesced miss in progress, the gets
	// waiting for its fill.
	pending map[int64][]*job
	hot     *sim.HeavyHitters
	failRng *rand.Rand

	gets, hits, originReads, coalesced int64
	sets, deletes, lostWrites, fails   int64
}

// cacheNode is one node of a cache: its keys, and the writes it holds back.
type cacheNode struct {
	store *keyStore
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

func newCache(net *Network, node *Node, rng *rand.Rand, seed uint64) *cache {
	c := &cache{net: net, node: node, spec: node.Cache, pending: map[int64][]*job{}, hot: sim.NewHeavyHitters(32)}
	c.st = newStation(net, c, rng, c.spec.Nodes, c.spec.Workers, c.spec.Queue, c.spec.ServiceTime, c.spec.ServiceTime)
	c.ring = newRing(c.spec.Nodes, c.spec.VNodes)
	evict := sim.NewStream(seed, node.Name+"/evict")
	for range c.spec.Nodes {
		c.nodes = append(c.nodes, &cacheNode{
			store:     newKeyStore(c.spec.Eviction, c.spec.Capacity, c.spec.TTL, evict),
			dirtyStep: map[int64]*step{},
		})
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

// nodeOf is the index of the node that holds key.
func (c *cache) nodeOf(key int64) int {
	if len(c.nodes) == 1 {
		return 0
	}
	return c.ring.part(key)
}

func (c *cache) accept(j *job) { c.st.arrive(j, c.st.insts[c.nodeOf(j.req.Key)]) }

// served performs j's operation on its node's store.
func (c *cache) served(j *job) {
	cn := c.nodes[j.inst.index]
	key, now := j.req.Key, c.net.k.Now()
	switch j.op {
	case opGet:
		c.gets++
		if c.gets&hotSampleMask == 0 {
			c.hot.Add(key)
		}
		switch {
		case cn.store.get(key, now):
			c.hits++
			j.hit = true
		case c.spec.Coalesce:
			if waiters, ok := c.pending[key]; ok {
				// Another get of this key is at the origin: wait for its fill.
				c.coalesced++
				c.pending[key] = append(waiters, j)
				c.st.finish(j)
				return
			}
			c.pending[key] = nil
			c.originReads++
		default:
			c.originReads++
		}
	case opSet:
		c.sets++
		cn.store.put(key, now)
		if j.step != nil && j.step.writeBack != nil {
			c.markDirty(cn, key, j.step)
		}
	case opDelete:
		c.deletes++
		cn.store.remove(key)
	}
	c.st.finish(j)
	c.net.reply(j)
}

// fill puts key in the cache after a miss was served from the origin, and
// answers the gets that were waiting for it.
func (c *cache) fill(key int64) {
	c.nodes[c.nodeOf(key)].store.put(key, c.net.k.Now())
	c.wake(key, true)
}

// abandon answers the gets waiting for a fill that will not come: they go
// to the origin themselves.
func (c *cache) abandon(key int64) { c.wake(key, false) }

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
		// The node restarts empty: its keys and unflushed writes are lost.
		c.fails++
		c.lostWrites += cn.unflushed
		c.clearDirty(cn)
		cn.store.clear()
		if c.spec.Failures != nil {
			c.net.k.After(c.spec.Failures.Sample(c.failRng), c, opFail, cn)
		}
	}
}

func (c *cache) clearDirty(cn *cacheNode) {
	cn.dirty = cn.dirty[:0]
	clear(cn.dirtyStep)
	cn.unflushed = 0
}

func (c *cache) resetStats(now sim.Time) {
	c.st.resetStats(now)
	c.hot.Reset()
	c.gets, c.hits, c.originReads, c.coalesced = 0, 0, 0, 0
	c.sets, c.deletes, c.lostWrites, c.fails = 0, 0, 0, 0
	for _, cn := range c.nodes {
		cn.store.evictions, cn.store.expirations = 0, 0
	}
}

// CacheStats are a cache's figures over the measurement window.
type CacheStats struct {
	Gets     int64   `json:"gets"`
	Hits     int64   `json:"hits"`
	HitRatio float64 `json:"hit_ratio"`
	// OriginReads are misses that went on to the origin; Coalesced misses
	// waited for another's fill instead.
	OriginReads int64 `json:"origin_reads"`
	Coalesced   int64 `json:"coalesced"`
	Sets        int64 `json:"sets"`
	Deletes     int64 `json:"deletes"`
	Evictions   int64 `json:"evictions"`
	Expirations int64 `json:"expirations"`
	// Failures of cache nodes, and the write-back writes they lost.
	Failures   int64 `json:"failures"`
	LostWrites int64 `json:"lost_writes"`
	Keys       int   `json:"keys"` // held at the end
	// HottestKeyShare is the most requested key's share of gets (estimated
	// from one get in eight).
	HottestKeyShare float64   `json:"hottest_key_share"`
	NodeLoad        []float64 `json:"node_load"` // each node's share of operations
	Imbalance       float64   `json:"imbalance"` // busiest node's load ÷ the mean
}

func (c *cache) stats(window float64, now sim.Time) NodeStats {
	s := c.st.stats(window, now)
	cs := &CacheStats{Gets: c.gets, Hits: c.hits, HitRatio: share(float64(c.hits), float64(c.gets)),
		OriginReads: c.originReads, Coalesced: c.coalesced, Sets: c.sets, Deletes: c.deletes,
		Failures: c.fails, LostWrites: c.lostWrites}
	for _, cn := range c.nodes {
		cs.Evictions += cn.store.evictions
		cs.Expirations += cn.store.expirations
		cs.Keys += cn.store.len()
	}
	_, top, n := c.hot.Top()
	cs.HottestKeyShare = share(float64(top), float64(n))
	arrivals := make([]float64, len(c.st.insts))
	for i, inst := range c.st.insts {
		arrivals[i] = float64(inst.arrivals)
	}
	cs.NodeLoad, cs.Imbalance = loadShares(arrivals)
	s.Cache = cs
	return s
}

// loadShares is each part's share of the arrivals, and the largest share
// over the mean.
func loadShares(arrivals []float64) ([]float64, float64) {
	var total, most float64
	for _, a := range arrivals {
		total += a
		most = max(most, a)
	}
	out := make([]float64, len(arrivals))
	for i, a := range arrivals {
		out[i] = share(a, total)
	}
	return out, share(most, total/float64(len(arrivals)))
}
