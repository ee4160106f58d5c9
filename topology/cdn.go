package topology

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
)

// cdn is the runtime of a CDN node: an edge cache with no queueing (a CDN
// scales out of sight), latency to the user and to the origin.
type cdn struct {
	net    *Network
	node   *Node
	spec   *CDN
	origin component
	store  *keyStore
	cached []bool // by class; nil: every class
	rng    *rand.Rand

	requests, cachedRequests, hits, originFetches int64
	egress                                        float64 // bytes
}

func newCDN(net *Network, node *Node, rng *rand.Rand) *cdn {
	c := &cdn{net: net, node: node, spec: node.CDN, rng: rng}
	c.store = newKeyStore(EvictLRU, c.spec.Capacity, c.spec.TTL, nil)
	c.cached = classFilter(c.spec.Classes, net.opts.Classes, nil)
	return c
}

func (c *cdn) isCached(class int) bool { return c.cached == nil || c.cached[class] }

// accept serves a cached class from the edge when the object is there and
// fresh; everything else goes on to the origin.
func (c *cdn) accept(j *job) {
	c.requests++
	j.owner = c
	delay := c.spec.EdgeLatency.Sample(c.rng)
	if c.isCached(j.req.Class) {
		c.cachedRequests++
		if c.store.get(j.req.Key, c.net.k.Now()) {
			c.hits++
			c.egress += c.spec.ObjectSize
			c.net.k.After(delay, c.net, opReply, j)
			return
		}
	}
	c.originFetches++
	child := c.net.newJob(j.req, j)
	child.op, child.dest = j.op, c.origin
	delay += c.spec.OriginLatency.Sample(c.rng)
	c.net.k.After(delay, c.net, opDeliver, child)
}

// resume stores the origin's answer at the edge and replies.
func (c *cdn) resume(j *job, child *job) {
	if child.rejected {
		j.rejected = true
	} else if c.isCached(j.req.Class) {
		c.store.put(j.req.Key, c.net.k.Now())
		c.egress += c.spec.ObjectSize
	}
	c.net.reply(j)
}

func (c *cdn) resetStats(sim.Time) {
	c.requests, c.cachedRequests, c.hits, c.originFetches, c.egress = 0, 0, 0, 0, 0
	c.store.evictions, c.store.expirations = 0, 0
}

// CDNStats are a CDN's figures over the measurement window.
type CDNStats struct {
	Requests       int64 `json:"requests"`
	CachedRequests int64 `json:"cached_requests"` // of the cached classes
	EdgeHits       int64 `json:"edge_hits"`
	OriginFetches  int64 `json:"origin_fetches"`
	// EdgeHitRatio is edge hits over cached-class requests.
	EdgeHitRatio float64 `json:"edge_hit_ratio"`
	// OriginOffload is the share of all requests the origin did not see.
	OriginOffload float64 `json:"origin_offload"`
	EgressBytes   float64 `json:"egress_bytes"`
}

func (c *cdn) stats(window float64, _ sim.Time) NodeStats {
	s := NodeStats{Instances: 1, Arrivals: c.requests, Completed: c.requests}
	s.CDN = &CDNStats{Requests: c.requests, CachedRequests: c.cachedRequests, EdgeHits: c.hits,
		OriginFetches: c.originFetches, EdgeHitRatio: share(float64(c.hits), float64(c.cachedRequests)),
		OriginOffload: 1 - share(float64(c.originFetches), float64(c.requests)), EgressBytes: c.egress}
	if c.requests == 0 {
		s.CDN.OriginOffload = 0
	}
	if window > 0 {
		s.Throughput = float64(c.requests) / window
		s.Usage = Usage{RequestsPerSecond: s.Throughput, EgressBytesPerSec: c.egress / window}
	}
	return s
}
