package topology

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// CDN is an edge cache in front of an origin node: requests of its cached
// classes are served at the edge when the object is there; everything else
// goes on to the origin.
type CDN struct {
	Origin string
	// Classes are the cached (static) classes; empty means every class.
	Classes       []string
	Capacity      int      // objects at the edge
	TTL           float64  // seconds an object stays fresh; 0 forever
	EdgeLatency   sim.Dist // to the user; nil is none
	OriginLatency sim.Dist // to the origin, on a miss; nil is none
	ObjectSize    float64  // bytes per response, for egress
}

var cdnKind = Kind{
	Name:   "cdn",
	Noun:   "cdn",
	Fields: []string{"origin", "classes", "capacity", "ttl", "edge_latency", "origin_latency", "object_size"},
	Decode: decodeCDN,
	Egress: true,
}

// Kind implements Spec.
func (*CDN) Kind() *Kind { return &cdnKind }

// Units implements Spec: one CDN is billed (by usage, mostly).
func (*CDN) Units() int { return 1 }

// NeedsKeys implements Spec: objects are cached by key.
func (*CDN) NeedsKeys() bool { return true }

// Footprint implements Spec: its edge store full (or holding every key).
func (c *CDN) Footprint(keys int64) float64 {
	held := float64(c.Capacity)
	if keys > 0 {
		held = min(held, float64(keys))
	}
	return held * keyBytes
}

// Downstream implements Spec: the origin.
func (c *CDN) Downstream() []Target {
	if c.Origin == "" {
		return nil
	}
	return []Target{{To: c.Origin, Field: []string{"origin"}, AsIs: true}}
}

// Validate implements Spec: an origin, a capacity the simulation can hold,
// and cached classes of the workload.
func (c *CDN) Validate(e field.Errors, ck *Checker) {
	what := "cdn " + ck.node.Name
	if c.Origin == "" {
		e.Add("origin", "%s needs an origin: the node misses go to", what)
	}
	switch {
	case c.Capacity < 1:
		e.Add("capacity", "%s needs a capacity: the objects each edge holds", what)
	case c.Capacity > MaxCacheKeys:
		e.Add("capacity", "%s capacity is at most %d objects", what, MaxCacheKeys)
	}
	ck.unknownClasses(e, "classes", c.Classes, what+" caches")
}

// caches says whether the CDN caches the class called class.
func (c *CDN) caches(class string) bool { return len(c.Classes) == 0 || contains(c.Classes, class) }

func decodeCDN(d *yamlfile.Decoder, m yamlfile.Map, name string) Spec {
	c := &CDN{}
	what := "cdn " + name
	stringField(d, m, "origin", &c.Origin)
	if m.Has("classes") {
		c.Classes = DecodeNames(d, m.Get("classes"), "classes")
	}
	if m.Has("capacity") {
		if v, ok := d.Count(m.Get("capacity"), what+" capacity"); ok {
			c.Capacity = int(math.Min(v, MaxCacheKeys+1))
		}
	}
	durationField(d, m, "ttl", what, &c.TTL)
	DistField(d, m, "edge_latency", what, &c.EdgeLatency)
	DistField(d, m, "origin_latency", what, &c.OriginLatency)
	if m.Has("object_size") {
		c.ObjectSize, _ = d.Bytes(m.Get("object_size"), what+" object_size")
	}
	return c
}

// HitRatio implements Analytic: an LRU edge of Capacity objects.
func (c *CDN) HitRatio(s Solver, name string) (float64, bool) {
	return storeHitRatio(s, name, float64(c.Capacity), c.TTL, EvictLRU), true
}

// missRatio is the share of visits of class c that go on to the origin.
func (c *CDN) missRatio(s Solver, name string, class int) float64 {
	if c.caches(s.Classes()[class]) {
		return 1 - s.HitRatio(name)
	}
	return 1
}

// Routes implements Analytic: misses, and uncached classes, go to the
// origin.
func (c *CDN) Routes(s Solver, name string, class int, route Router) {
	route(c.Origin, c.missRatio(s, name, class), 0)
}

// Solve implements Analytic: no queueing; the edge leg, and the origin leg
// and the origin's response for misses.
func (c *CDN) Solve(s Solver, name string, _ float64, down []float64) Solution {
	h := s.HitRatio(name)
	return Solution{Stations: 1, HitRatio: &h,
		Response: PerClass(s, func(class int) float64 {
			edge, origin := c.legs(s, name)
			return edge + down[class] + float64(c.missRatio(s, name, class)*origin)
		})}
}

// legs are the mean delays of the edge leg (a client to the edge) and of
// the origin leg (the edge to the origin).
func (c *CDN) legs(s Solver, name string) (edge, origin float64) {
	return s.Hop(HopEdge, "", name, Mean(c.EdgeLatency)), s.Hop(HopOriginFetch, name, c.Origin, Mean(c.OriginLatency))
}

// NetworkLegs implements Analytic: the edge leg of every visit, the origin
// leg of a miss.
func (c *CDN) NetworkLegs(s Solver, name string, class int) float64 {
	edge, origin := c.legs(s, name)
	return edge + float64(c.missRatio(s, name, class)*origin)
}

// Demand implements Analytic: no workers.
func (*CDN) Demand(Solver, string) (Demand, bool) { return Demand{}, false }

// CapacityNote implements Explainer.
func (*CDN) CapacityNote(Solution) string { return "" }

// Advice implements Explainer: a CDN scales out of sight.
func (*CDN) Advice(Solver, string, Solution) string { return "" }

// cdn is the runtime of a CDN node: an edge cache with no queueing (a CDN
// scales out of sight), latency to the user and to the origin.
type cdn struct {
	net    *Network
	node   *Node
	spec   *CDN
	origin Component
	store  *keyStore
	cached []bool // by class; nil: every class
	rng    *rand.Rand

	requests, cachedRequests, hits, originFetches int64
	egress                                        float64 // bytes
}

func (spec *CDN) Build(net *Network, node *Node) Component {
	c := &cdn{net: net, node: node, spec: spec, rng: sim.NewStream(net.opts.Seed, node.Name)}
	c.store = newKeyStore(EvictLRU, c.spec.Capacity, c.spec.TTL, nil)
	c.cached = classFilter(c.spec.Classes, net.opts.Classes, nil)
	return c
}

// Link finds the origin.
func (c *cdn) Link(byName map[string]Component) error {
	c.origin = byName[c.spec.Origin]
	return nil
}

func (c *cdn) Stations() []*Station { return nil }

func (c *cdn) InUse() float64 { return 0 }

func (c *cdn) isCached(class int) bool { return c.cached == nil || c.cached[class] }

// Accept serves a cached class from the edge when the object is there and
// fresh; everything else goes on to the origin.
func (c *cdn) Accept(j *Job) {
	c.requests++
	j.owner = c
	delay, _ := c.net.hop(HopEdge, "", c.node.Name, c.spec.EdgeLatency, c.rng)
	if c.isCached(j.req.Class) {
		c.cachedRequests++
		if hit, _ := c.store.get(j.req.Key, c.net.k.Now()); hit {
			c.hits++
			c.egress += c.spec.ObjectSize
			c.net.later(delay, opReply, j)
			return
		}
	}
	c.originFetches++
	child := c.net.newJob(j.req, j)
	child.op, child.dest = j.op, c.origin
	origin, _ := c.net.hop(HopOriginFetch, c.node.Name, c.spec.Origin, c.spec.OriginLatency, c.rng)
	c.net.later(delay+origin, opDeliver, child)
}

// Resume stores the origin's answer at the edge and replies.
func (c *cdn) Resume(j *Job, child *Job) {
	if child.err != NoCause {
		j.err = child.err
	} else if c.isCached(j.req.Class) {
		c.store.put(j.req.Key, c.net.k.Now(), false)
		c.egress += c.spec.ObjectSize
	}
	c.net.reply(j)
}

func (c *cdn) ResetStats(sim.Time) {
	c.requests, c.cachedRequests, c.hits, c.originFetches, c.egress = 0, 0, 0, 0, 0
	c.store.evictions, c.store.expirations = 0, 0
}

// CDNStats are a CDN's figures over the measurement window.
type CDNStats struct {
	Requests       int64 `json:"requests"`
	CachedRequests int64 `json:"cached_requests"` // of the cached classes
	EdgeHits       int64 `json:"edge_hits"`
	OriginFetches  int64 `json:"origin_fetches"`
	// EdgeHitRatio is edge hits over cached-class requests; null without
	// any.
	EdgeHitRatio *float64 `json:"edge_hit_ratio"`
	// OriginOffload is the share of all requests the origin did not see;
	// null without requests.
	OriginOffload *float64 `json:"origin_offload"`
	EgressBytes   float64  `json:"egress_bytes"`
}

func (c *cdn) Stats(window float64, _ sim.Time) NodeStats {
	s := NodeStats{Instances: 1, Arrivals: c.requests, Completed: c.requests}
	cs := &CDNStats{Requests: c.requests, CachedRequests: c.cachedRequests, EdgeHits: c.hits,
		OriginFetches: c.originFetches, EdgeHitRatio: ratio(float64(c.hits), float64(c.cachedRequests)),
		OriginOffload: ratio(float64(c.requests-c.originFetches), float64(c.requests)), EgressBytes: c.egress}
	s.Detail = cs
	if window > 0 {
		s.Throughput = float64(c.requests) / window
		s.Usage = Usage{RequestsPerSecond: s.Throughput, EgressBytesPerSec: c.egress / window}
	}
	return s
}

// JSONKey implements Detail.
func (*CDNStats) JSONKey() string { return "cdn" }

// WriteText implements Detail.
func (c *CDNStats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s edge hit ratio %s, origin offload %s, egress %.4g GB\n",
		node, units.OrUnknown(c.EdgeHitRatio, units.Percent), units.OrUnknown(c.OriginOffload, units.Percent), c.EgressBytes/1e9)
}
