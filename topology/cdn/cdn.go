package cdn

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

func init() { topology.Register(&kind) }

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
	// Warm starts the edge in the steady state of LRU under the
	// workload's key popularity (engine.Network.Warm), instead of empty.
	Warm bool
}

// kind is the cdn kind, registered when the package is imported.
var kind = topology.Kind{
	Name:   "cdn",
	Noun:   "cdn",
	Decode: decodeCDN,
	Egress: true,
	Global: true,
}

// Kind implements Spec.
func (*CDN) Kind() *topology.Kind { return &kind }

// Units implements Spec: one CDN is billed (by usage, mostly).
func (*CDN) Units() int { return 1 }

// NeedsKeys implements Spec: objects are cached by key.
func (*CDN) NeedsKeys() bool { return true }

// Footprint implements engine.Builder: its edge store full (or holding every key).
func (c *CDN) Footprint(keys int64) float64 {
	held := float64(c.Capacity)
	if keys > 0 {
		held = min(held, float64(keys))
	}
	return held * engine.KeyBytes
}

// FetchesForUsers implements topology.EdgeFetcher, for the estimate: its
// fetches from its origin are for the users it serves itself, so the
// origin's replies to it are free (as its runtime's are).
func (*CDN) FetchesForUsers() {}

// Downstream implements Spec: the origin.
func (c *CDN) Downstream() []topology.Target {
	if c.Origin == "" {
		return nil
	}
	return []topology.Target{{To: c.Origin, Field: []string{"origin"}, AsIs: true}}
}

// Validate implements Spec: an origin, a capacity the simulation can hold,
// and cached classes of the workload.
func (c *CDN) Validate(e field.Errors, ck *topology.Checker) {
	what := "cdn " + ck.Node().Name
	if c.Origin == "" {
		e.Add("origin", "%s needs an origin: the node misses go to", what)
	}
	switch {
	case c.Capacity < 1:
		e.Add("capacity", "%s needs a capacity: the objects each edge holds", what)
	case c.Capacity > topology.MaxCacheKeys:
		e.Add("capacity", "%s capacity is at most %d objects", what, topology.MaxCacheKeys)
	}
	ck.UnknownClasses(e, "classes", c.Classes, what+" caches")
}

// caches says whether the CDN caches the class called class.
func (c *CDN) caches(class string) bool {
	return len(c.Classes) == 0 || slices.Contains(c.Classes, class)
}

func decodeCDN(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	c := &CDN{}
	what := "cdn " + name
	topology.StringField(d, m, "origin", &c.Origin)
	if m.Has("classes") {
		c.Classes = topology.DecodeNames(d, m.Get("classes"), "classes")
	}
	if m.Has("capacity") {
		if v, ok := d.Count(m.Get("capacity"), what+" capacity"); ok {
			c.Capacity = int(math.Min(v, topology.MaxCacheKeys+1))
		}
	}
	topology.DurationField(d, m, "ttl", what, &c.TTL)
	topology.DistField(d, m, "edge_latency", what, &c.EdgeLatency)
	topology.DistField(d, m, "origin_latency", what, &c.OriginLatency)
	if m.Has("object_size") {
		c.ObjectSize, _ = d.Bytes(m.Get("object_size"), what+" object_size")
	}
	if m.Has("warm") {
		c.Warm, _ = d.Bool(m.Get("warm"))
	}
	return c
}

// HitRatio implements Analytic: an LRU edge of Capacity objects.
func (c *CDN) HitRatio(s topology.Solver, name string) (float64, bool) {
	return topology.StoreHitRatio(s, name, float64(c.Capacity), c.TTL, topology.EvictLRU), true
}

// missRatio is the share of visits of class c that go on to the origin.
func (c *CDN) missRatio(s topology.Solver, name string, class int) float64 {
	if c.caches(s.Classes()[class]) {
		return 1 - s.HitRatio(name)
	}
	return 1
}

// Routes implements Analytic: misses, and uncached classes, go to the
// origin.
func (c *CDN) Routes(s topology.Solver, name string, class int, route topology.Router) {
	route(c.Origin, c.missRatio(s, name, class), 0)
}

// Solve implements Analytic: no queueing; the edge leg, and the origin leg
// and the origin's response for misses.
func (c *CDN) Solve(s topology.Solver, name string, _ float64, down []float64) topology.Solution {
	h := s.HitRatio(name)
	return topology.Solution{Stations: 1, HitRatio: &h,
		Response: topology.PerClass(s, func(class int) float64 {
			edge, origin := c.legs(s, name)
			return edge + down[class] + float64(c.missRatio(s, name, class)*origin)
		})}
}

// legs are the mean delays of the edge leg (a client to the edge) and of
// the origin leg (the edge to the origin).
func (c *CDN) legs(s topology.Solver, name string) (edge, origin float64) {
	origin = s.Hop(topology.HopOriginFetch, name, c.Origin, topology.Mean(c.OriginLatency)) + s.Hop(topology.HopReply, c.Origin, name, 0)
	// The edges are near every user: a miss goes from the user's region
	// to the origin's and back.
	names, shares := s.UserRegions()
	for u, region := range names {
		origin += float64(shares[u] * 2 * s.Hop(topology.HopClient, region, c.Origin, 0))
	}
	return s.Hop(topology.HopEdge, "", name, topology.Mean(c.EdgeLatency)), origin
}

// NetworkLegs implements Analytic: the edge leg of every visit, the origin
// leg of a miss.
func (c *CDN) NetworkLegs(s topology.Solver, name string, class int) float64 {
	edge, origin := c.legs(s, name)
	return edge + float64(c.missRatio(s, name, class)*origin)
}

// Demand implements Analytic: no workers.
func (*CDN) Demand(topology.Solver, string) (topology.Demand, bool) { return topology.Demand{}, false }

// CapacityNote implements Explainer.
func (*CDN) CapacityNote(topology.Solution) string { return "" }

// Advice implements Explainer: a CDN scales out of sight.
func (*CDN) Advice(topology.Solver, string, topology.Solution) string { return "" }

// cdn is the runtime of a CDN node: an edge cache with no queueing (a CDN
// scales out of sight), latency to the user and to the origin.
type cdn struct {
	net    *engine.Network
	node   *topology.Node
	spec   *CDN
	origin engine.Component
	store  *engine.KeyStore
	cached []bool // by class; nil: every class
	rng    *rand.Rand
	halves engine.HitHalves

	requests, cachedRequests, hits, originFetches int64
	egress                                        float64   // bytes
	egressBy                                      []float64 // bytes, by the user's region (Request.Region)
}

// Build implements engine.Builder.
func (spec *CDN) Build(net *engine.Network, node *topology.Node) engine.Component {
	c := &cdn{net: net, node: node, spec: spec, rng: net.Stream(node.Name)}
	c.store = engine.NewKeyStore(topology.EvictLRU, c.spec.Capacity, c.spec.TTL, nil)
	c.cached = engine.ClassFilter(c.spec.Classes, net.Classes(), nil)
	if spec.Warm {
		net.Warm(engine.WarmStart{Node: node.Name, Stores: []*engine.KeyStore{c.store},
			NodeOf: func(int64) int { return 0 }, Classes: c.cached, Stream: net.Stream(node.Name + "/warm")})
	}
	return c
}

// Link finds the origin.
func (c *cdn) Link(byName map[string]engine.Component) error {
	c.origin = byName[c.spec.Origin]
	return nil
}

// FetchesForUsers implements topology.EdgeFetcher: the origin's replies to
// the edges are free (AWS bills nothing from an AWS origin to CloudFront),
// and the CDN's per_gb prices what it sends the users.
func (c *cdn) FetchesForUsers() {}

func (c *cdn) Stations() []*engine.Station { return nil }

func (c *cdn) InUse() float64 { return 0 }

func (c *cdn) isCached(class int) bool { return c.cached == nil || c.cached[class] }

// Accept serves a cached class from the edge when the object is there and
// fresh; everything else goes on to the origin.
func (c *cdn) Accept(j *engine.Job) {
	c.requests++
	r := j.Request()
	delay, _ := c.net.Hop(topology.HopEdge, "", c.node.Name, c.spec.EdgeLatency, c.rng)
	if c.isCached(r.Class) {
		c.cachedRequests++
		hit, _ := c.store.Get(r.Key, c.net.Now())
		c.halves.Add(c.net.Now(), hit)
		if hit {
			c.hits++
			c.sent(r)
			c.net.ReplyAfter(delay, j)
			return
		}
	}
	c.originFetches++
	origin, _ := c.net.Hop(topology.HopOriginFetch, c.node.Name, c.spec.Origin, c.spec.OriginLatency, c.rng)
	c.net.PassOn(j, c, c.origin, delay+origin+c.away(r))
}

// sent counts an object sent to the user of r, by the user's region.
func (c *cdn) sent(r *engine.Request) {
	c.egress += c.spec.ObjectSize
	if r.Region >= 0 {
		if c.egressBy == nil {
			c.egressBy = make([]float64, len(c.net.UserRegions()))
		}
		c.egressBy[r.Region] += c.spec.ObjectSize
	}
}

// away is the way, one-way, from the edge near the user of r to the
// origin: the distance between the user's region and the origin's (the
// edges are in every region); 0 for users nowhere.
func (c *cdn) away(r *engine.Request) float64 {
	if r.Region < 0 {
		return 0
	}
	d, _ := c.net.Hop(topology.HopClient, c.net.UserRegions()[r.Region], c.spec.Origin, nil, nil)
	return d
}

// Resume stores the origin's answer at the edge and replies.
func (c *cdn) Resume(j *engine.Job, child *engine.Job) {
	if child.Err() != engine.NoCause {
		j.Fail(child.Err())
	} else if r := j.Request(); c.isCached(r.Class) {
		c.store.Put(r.Key, c.net.Now(), false)
		c.sent(r)
	}
	if d := c.away(j.Request()); d > 0 {
		c.net.ReplyAfter(d, j)
		return
	}
	c.net.Reply(j)
}

func (c *cdn) ResetStats(now sim.Time) {
	c.halves.Reset(now)
	c.requests, c.cachedRequests, c.hits, c.originFetches, c.egress = 0, 0, 0, 0, 0
	clear(c.egressBy)
	c.store.Evictions, c.store.Expirations = 0, 0
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
	// HitRatioHalves are the edge hit ratios of the first and the second
	// half of the window (engine.HitHalves); null when a half is too
	// short to tell. StillWarming says the second is higher beyond
	// chance: the edge had not reached its steady state.
	HitRatioHalves *[2]float64 `json:"hit_ratio_halves"`
	StillWarming   bool        `json:"still_warming"`
	// OriginOffload is the share of all requests the origin did not see;
	// null without requests.
	OriginOffload *float64 `json:"origin_offload"`
	EgressBytes   float64  `json:"egress_bytes"`
	// EgressByRegion is the part of EgressBytes sent to the users of each
	// region (by region code; those in no region left out), which
	// CloudFront prices by geographic zone.
	EgressByRegion map[string]float64 `json:"egress_bytes_by_region,omitempty"`
}

func (c *cdn) Stats(window float64, now sim.Time) engine.NodeStats {
	s := engine.NodeStats{Instances: 1, Arrivals: c.requests, Completed: c.requests}
	cs := &CDNStats{Requests: c.requests, CachedRequests: c.cachedRequests, EdgeHits: c.hits,
		OriginFetches: c.originFetches, EdgeHitRatio: topology.Ratio(float64(c.hits), float64(c.cachedRequests)),
		OriginOffload: topology.Ratio(float64(c.requests-c.originFetches), float64(c.requests)), EgressBytes: c.egress}
	for i, b := range c.egressBy {
		if b > 0 {
			if cs.EgressByRegion == nil {
				cs.EgressByRegion = map[string]float64{}
			}
			cs.EgressByRegion[c.net.RegionCode(c.net.UserRegions()[i])] += b
		}
	}
	cs.HitRatioHalves, cs.StillWarming = c.halves.Verdict(now)
	s.Detail = cs
	if window > 0 {
		s.Throughput = float64(c.requests) / window
		s.Usage = topology.Usage{RequestsPerSecond: s.Throughput, EgressBytesPerSec: c.egress / window}
		for region, b := range cs.EgressByRegion {
			if s.Usage.EgressByRegion == nil {
				s.Usage.EgressByRegion = map[string]float64{}
			}
			s.Usage.EgressByRegion[region] = b / window
		}
	}
	return s
}

// JSONKey implements Detail.
func (*CDNStats) JSONKey() string { return "cdn" }

// WriteText implements Detail.
func (c *CDNStats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s edge hit ratio %s, origin offload %s, egress %s GB\n",
		node, units.OrUnknown(c.EdgeHitRatio, units.Percent), units.OrUnknown(c.OriginOffload, units.Percent), units.Figures(c.EgressBytes/1e9, 4, units.MaxFigure))
	if c.StillWarming {
		fmt.Fprintf(w, "%-11s %s\n", "", engine.WarmingNote(c.HitRatioHalves))
	}
}

// StartsWarm implements engine.Warmed.
func (c *CDN) StartsWarm() bool { return c.Warm }
