package balancer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
)

func init() {
	kind.Params = balancerParams
	topology.Register(&kind)
}

// Balancer spreads requests over the instances of its target services.
type Balancer struct {
	Algorithm string
	Targets   []string
	// HealthCheck, when not nil, takes failed instances out of rotation.
	HealthCheck *HealthCheck
	// RateLimit, when not nil, turns away requests beyond a rate.
	RateLimit *topology.RateLimit
	// Weights, when not nil, give each target its share of requests
	// (weighted round robin, weightedRR): a whole number per target.
	Weights map[string]int
}

// Load-balancing algorithms.
const (
	RoundRobin = "round_robin"
	Random     = "random"
	LeastConn  = "least_conn"
	PowerOfTwo = "power_of_two"
	// IPHash pins each user to an instance by consistent hashing (nginx's
	// ip_hash, with a ring so that a change of instances re-pins only the
	// users of the instances that changed); requests without a user go
	// round-robin.
	IPHash      = "ip_hash"
	DefaultAlgo = RoundRobin
)

// Algorithms lists the load-balancing algorithms.
var Algorithms = []string{RoundRobin, Random, LeastConn, PowerOfTwo, IPHash}

// kind is the load_balancer kind, registered when the package is imported.
var kind = topology.Kind{
	Name:   "load_balancer",
	Noun:   "load balancer",
	Decode: decodeBalancer,
}

// Kind implements Spec.
func (*Balancer) Kind() *topology.Kind { return &kind }

// Units implements Spec: one balancer is billed.
func (*Balancer) Units() int { return 1 }

// NeedsKeys implements Spec.
func (*Balancer) NeedsKeys() bool { return false }

// HealthChecks implements HealthChecked.
func (b *Balancer) HealthChecks() bool { return b.HealthCheck != nil }

// Footprint implements engine.Builder: the list of instances it picks from (at most
// MaxInstances per target), and with weights each target's own.
func (b *Balancer) Footprint(int64) float64 {
	lists := 1.0
	if b.Weights != nil {
		lists = 2
	}
	return float64(len(b.Targets)) * topology.MaxInstances * 8 * lists
}

// Downstream implements Spec: nodes that may stand behind a balancer
// only (Kind.Balanced: services).
func (b *Balancer) Downstream() []topology.Target {
	var out []topology.Target
	for i, t := range b.Targets {
		out = append(out, topology.Target{To: t, Balanced: true, OneOf: true, Field: []string{"targets", strconv.Itoa(i)}, AsIs: true})
	}
	return out
}

func decodeBalancer(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	b := &Balancer{Algorithm: DefaultAlgo}
	if m.Has("algorithm") {
		if a, ok := d.String(m.Get("algorithm")); ok {
			b.Algorithm = a
		}
	}
	if m.Has("targets") {
		b.Targets = topology.DecodeNames(d, m.Get("targets"), "targets")
	}
	if m.Has("health_check") {
		b.HealthCheck = decodeHealthCheck(d, m.Get("health_check"), "load balancer "+name)
	}
	if m.Has("rate_limit") {
		b.RateLimit = topology.DecodeRateLimit(d, m.Get("rate_limit"), "load balancer "+name)
	}
	if m.Has("weights") {
		b.Weights = decodeWeights(d, m.Get("weights"), "load balancer "+name)
	}
	return b
}

// Validate implements Spec: a known algorithm and some targets.
func (b *Balancer) Validate(e field.Errors, c *topology.Checker) {
	if !slices.Contains(Algorithms, b.Algorithm) {
		e.Add("algorithm", "load balancer %s: unknown algorithm %q (one of %s)%s",
			c.Node().Name, b.Algorithm, strings.Join(Algorithms, ", "), yamlfile.DidYouMean(b.Algorithm, Algorithms))
	}
	if b.HealthCheck != nil {
		b.HealthCheck.validate(e.In("health_check"))
	}
	if b.RateLimit != nil {
		b.RateLimit.Validate(e.In("rate_limit"))
	}
	if len(b.Targets) == 0 {
		e.Add("targets", "load balancer %s needs targets: the service(s) it spreads requests over", c.Node().Name)
	}
	b.validateWeights(e, c.Node().Name)
}

// HitRatio implements Analytic.
func (*Balancer) HitRatio(topology.Solver, string) (float64, bool) { return 0, false }

// Routes implements Analytic: each target gets its share of the instances.
// A least-connections balancer makes its targets' instances one shared
// queue; a round-robin one has them take requests in turn; the others
// spread them at random (power of two choices, taken so, waits less).
func (b *Balancer) Routes(s topology.Solver, name string, _ int, route topology.Router) {
	for _, t := range b.Targets {
		route(t, b.share(s, t), s.Hop(topology.HopForward, name, t, 0)+s.Hop(topology.HopReply, t, name, 0))
		switch b.Algorithm {
		case LeastConn:
			s.ShareQueue(t)
		case RoundRobin:
			s.TakeTurns(t, b.turns(s, t))
		case PowerOfTwo:
			s.Note("%s: power-of-two-choices balancing taken as a random choice, which waits longer", name)
		}
	}
}

// Solve implements Analytic: a balancer forwards at once.
func (*Balancer) Solve(_ topology.Solver, _ string, _ float64, down []float64) topology.Solution {
	return topology.Solution{Stations: 1, Response: down}
}

// NetworkLegs implements Analytic: none besides its calls.
func (*Balancer) NetworkLegs(topology.Solver, string, int) float64 { return 0 }

// Demand implements Analytic: no workers.
func (*Balancer) Demand(topology.Solver, string) (topology.Demand, bool) {
	return topology.Demand{}, false
}

// CapacityNote implements Explainer.
func (*Balancer) CapacityNote(topology.Solution) string { return "" }

// Advice implements Explainer: a balancer has no workers to saturate.
func (*Balancer) Advice(topology.Solver, string, topology.Solution) string { return "" }

// balancer is the runtime of a load balancer: it forwards each request, in no
// time, to one instance of its target services.
type balancer struct {
	net  *engine.Network
	node *topology.Node
	spec *Balancer
	// dirty says an instance's health changed, so insts must be rebuilt;
	// failing are the instances whose probe is failing; unhealthy and
	// healthy count the changes over the measurement window.
	dirty              bool
	failing            []*engine.StationInstance
	unhealthy, healthy int64
	healthEvents       []HealthEvent // the changes in the window, the first maxHealthEventsReported
	limit              *engine.Limiter
	limited            int64 // requests its rate limit turned away
	// insts are the instances of the targets taking work, as of the
	// targets' versions (an autoscaler changes them).
	insts     []*engine.StationInstance
	targets   []*engine.Station
	versions  []int
	pick      func(j *engine.Job) *engine.StationInstance
	ring      *topology.Ring // ip_hash's ring over insts
	wrr       *weightedRR    // with weights
	rng       *rand.Rand
	rr        int
	forwarded int64
}

// Build implements engine.Builder.
func (spec *Balancer) Build(net *engine.Network, node *topology.Node) engine.Component {
	b := &balancer{net: net, node: node, spec: spec, rng: net.Stream(node.Name), limit: engine.NewLimiter(spec.RateLimit)}
	if hc := spec.HealthCheck; hc != nil {
		net.At(sim.Time(hc.Interval), b, opProbe, nil)
	}
	return b
}

// Link finds the instances of the target services.
func (b *balancer) Link(byName map[string]engine.Component) error {
	for _, t := range b.spec.Targets {
		sts := byName[t].Stations()
		if len(sts) != 1 {
			return fmt.Errorf("topology: load balancer %s targets %s, which is not a service", b.node.Name, t)
		}
		b.targets = append(b.targets, sts[0])
	}
	b.versions = make([]int, len(b.targets))
	if b.spec.Weights != nil {
		b.wrr = newWeightedRR(b.spec)
	}
	b.refresh()
	switch b.spec.Algorithm {
	case RoundRobin:
		b.pick = b.roundRobin
		if b.wrr != nil {
			b.pick = b.weighted
		}
	case Random:
		b.pick = b.random
	case LeastConn:
		b.pick = b.leastConn
	case PowerOfTwo:
		b.pick = b.powerOfTwo
	case IPHash:
		b.pick = b.ipHash
	default:
		return fmt.Errorf("topology: load balancer %s: unknown algorithm %q", b.node.Name, b.spec.Algorithm)
	}
	return nil
}

func (b *balancer) Stations() []*engine.Station { return nil }

func (b *balancer) InUse() float64 { return 0 }

// refresh rebuilds insts if a target's instances changed.
func (b *balancer) refresh() {
	changed := b.insts == nil || b.dirty
	b.dirty = false
	for i, st := range b.targets {
		if st.Version() != b.versions[i] {
			changed, b.versions[i] = true, st.Version()
		}
	}
	if !changed {
		return
	}
	b.insts = b.insts[:0]
	for _, st := range b.targets {
		for _, inst := range st.Active() {
			if !unhealthy(inst) {
				b.insts = append(b.insts, inst)
			}
		}
	}
	if len(b.insts) == 0 {
		// Every instance is unhealthy: fail open, to all of them.
		for _, st := range b.targets {
			b.insts = append(b.insts, st.Active()...)
		}
	}
	if b.rr >= len(b.insts) {
		b.rr = 0
	}
	b.ring = nil // rebuilt on the next pick
	if b.wrr != nil {
		b.wrr.rebuild(b.targets)
	}
}

// weighted picks by the weights, or goes round robin when no target of
// positive weight has an instance.
func (b *balancer) weighted(j *engine.Job) *engine.StationInstance {
	if inst := b.wrr.pick(); inst != nil {
		return inst
	}
	return b.roundRobin(j)
}

// Accept forwards j to the instance the algorithm picks, unless the rate
// limit turns it away or no instance takes work.
func (b *balancer) Accept(j *engine.Job) {
	if b.limit != nil && !b.limit.Take(b.net.Now()) {
		b.limited++
		j.Fail(engine.CauseRateLimited)
		b.net.Reply(j)
		return
	}
	b.forwarded++
	b.refresh()
	if len(b.insts) == 0 {
		// No target takes work (a deploy took every instance out): no
		// endpoint, the request fails.
		j.Fail(engine.CauseFailed)
		b.net.Reply(j)
		return
	}
	inst := b.pick(j)
	b.net.Forward(j, b.node.Name, inst)
}

// ipHashVNodes are the ring points per instance of ip_hash.
const ipHashVNodes = 64

// ipHash picks the instance a user is pinned to.
func (b *balancer) ipHash(j *engine.Job) *engine.StationInstance {
	if j.Request().User < 0 {
		return b.roundRobin(j)
	}
	if b.ring == nil {
		ids := make([]uint64, len(b.insts))
		for i, inst := range b.insts {
			ids[i] = uint64(inst.Station().Part())<<24 ^ uint64(inst.Index()) ^ uint64(slices.Index(b.targets, inst.Station()))<<40
		}
		b.ring = topology.NewRing(ids, ipHashVNodes)
	}
	return b.insts[b.ring.Part(int64(j.Request().User))]
}

func (b *balancer) roundRobin(*engine.Job) *engine.StationInstance {
	inst := b.insts[b.rr]
	b.rr = (b.rr + 1) % len(b.insts)
	return inst
}

func (b *balancer) random(*engine.Job) *engine.StationInstance {
	return b.insts[b.rng.IntN(len(b.insts))]
}

// leastConn picks the instance with the fewest outstanding requests; ties go
// to the first found scanning from a rotating start, so they spread evenly.
func (b *balancer) leastConn(*engine.Job) *engine.StationInstance {
	n := len(b.insts)
	start := b.rr
	b.rr = (b.rr + 1) % n
	best := b.insts[start]
	for i := 1; i < n && best.Outstanding() > 0; i++ {
		if c := b.insts[(start+i)%n]; c.Outstanding() < best.Outstanding() {
			best = c
		}
	}
	return best
}

// powerOfTwo samples two distinct instances at random and picks the one with
// fewer outstanding requests (Mitzenmacher, "The power of two choices in
// randomized load balancing", IEEE TPDS 12(10), 2001).
func (b *balancer) powerOfTwo(*engine.Job) *engine.StationInstance {
	n := len(b.insts)
	if n == 1 {
		return b.insts[0]
	}
	i := b.rng.IntN(n)
	k := b.rng.IntN(n - 1)
	if k >= i {
		k++
	}
	if b.insts[k].Outstanding() < b.insts[i].Outstanding() {
		return b.insts[k]
	}
	return b.insts[i]
}

func (b *balancer) ResetStats(sim.Time) {
	b.forwarded, b.unhealthy, b.healthy, b.limited, b.healthEvents = 0, 0, 0, 0, nil
}

func (b *balancer) Stats(window float64, _ sim.Time) engine.NodeStats {
	// Its arrivals are all that came, those its rate limit turned away
	// included (as a station's are), so that the share turned away is of
	// them all.
	st := engine.NodeStats{Instances: 1, Arrivals: b.forwarded + b.limited, Completed: b.forwarded, RateLimited: b.limited}
	if b.spec.HealthCheck != nil {
		out := 0
		for _, t := range b.targets {
			for _, inst := range t.Instances() {
				if unhealthy(inst) {
					out++
				}
			}
		}
		events := b.healthEvents
		if events == nil {
			events = []HealthEvent{}
		}
		st.Detail = &Stats{MarkedUnhealthy: b.unhealthy, MarkedHealthy: b.healthy, UnhealthyEnd: out, Events: events}
	}
	if window > 0 {
		st.Throughput = float64(b.forwarded) / window
	}
	return st
}
