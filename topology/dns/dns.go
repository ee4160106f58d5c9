// Package dns is the dns node kind: a global entry that sends each user to
// one of several regional entries, as Amazon Route 53's routing policies
// do (latency, geolocation, weighted, failover), with health checks on the
// regional entries and clients that hold an answer for its TTL.
//
// A DNS is in no region: a request pays the last mile to it (the users'
// client_rtt), then the way from its user's region to the region of the
// entry the DNS chose, and back. Resolution itself is not timed (a
// client's resolver answers from its cache far more often than not).
package dns

import (
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

func init() { topology.Register(&kind) }

// kind is the dns kind, registered when the package is imported.
var kind = topology.Kind{
	Name:   "dns",
	Noun:   "dns",
	Decode: decode,
	Global: true,
}

// Routing policies, as Route 53 names them.
const (
	Latency  = "latency"  // the healthy target nearest the user's region
	Geo      = "geo"      // the target the user's region is mapped to, else the default
	Weighted = "weighted" // a target drawn by weight among the healthy
	Failover = "failover" // the first target while it is healthy, else the next
)

// Policies are the routing policies, in the order messages list them.
var Policies = []string{Latency, Geo, Weighted, Failover}

// Route 53's defaults: answers cached for 60 s (a common record TTL), a
// health check every 30 s that takes an endpoint out after 3 failures in
// a row and brings it back after as many successes.
const (
	DefaultTTL              = 60.0
	DefaultHealthInterval   = 30.0
	DefaultFailureThreshold = 3
)

// DNS sends each user to one of Targets by Policy.
type DNS struct {
	Policy  string
	Targets []string
	// Weights are the targets' weights (Weighted), in Targets order.
	Weights []float64
	// Geo maps a user region (by the scenario's name) to a target; the
	// key "default" takes the users of other regions (Geo).
	Geo map[string]string
	// TTL is how long a client holds an answer, in seconds.
	TTL float64
	// HealthInterval and FailureThreshold are the health checks of the
	// targets; FailureThreshold 0 checks nothing.
	HealthInterval   float64
	FailureThreshold int
}

// Kind implements topology.Spec.
func (*DNS) Kind() *topology.Kind { return &kind }

// Units implements topology.Spec: one hosted zone.
func (*DNS) Units() int { return 1 }

// NeedsKeys implements topology.Spec.
func (*DNS) NeedsKeys() bool { return false }

// Footprint implements engine.Builder.
func (d *DNS) Footprint(int64) float64 { return float64(256 + 64*len(d.Targets)) }

// Downstream implements topology.Spec: each request goes to one target.
func (d *DNS) Downstream() []topology.Target {
	var out []topology.Target
	for i, t := range d.Targets {
		out = append(out, topology.Target{To: t, OneOf: true, AsIs: true, Field: []string{"targets", strconv.Itoa(i)}})
	}
	return out
}

func decode(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	s := &DNS{Policy: Latency, TTL: DefaultTTL, HealthInterval: DefaultHealthInterval, FailureThreshold: DefaultFailureThreshold}
	what := "dns " + name
	if m.Has("policy") {
		s.Policy = d.OneOf(m.Get("policy"), what+" policy", Policies...)
	}
	if m.Has("targets") {
		s.Targets = topology.DecodeNames(d, m.Get("targets"), "targets")
	}
	if m.Has("weights") {
		if w, ok := d.Mapping(m.Get("weights"), what+" weights", nil...); ok {
			for _, t := range w.Keys() {
				v, _ := d.Float(w.Get(t))
				if i := slices.Index(s.Targets, t); i >= 0 {
					for len(s.Weights) < len(s.Targets) {
						s.Weights = append(s.Weights, 0)
					}
					s.Weights[i] = v
				} else {
					d.Errorf(w.Key(t), "%s weights %q, which is not one of its targets (%s)%s", what, t, strings.Join(s.Targets, ", "), yamlfile.DidYouMean(t, s.Targets))
				}
			}
		}
	}
	if m.Has("geo") {
		if g, ok := d.Mapping(m.Get("geo"), what+" geo", nil...); ok {
			s.Geo = map[string]string{}
			for _, region := range g.Keys() {
				s.Geo[region], _ = d.String(g.Get(region))
			}
		}
	}
	topology.DurationField(d, m, "ttl", what, &s.TTL)
	if m.Has("health_check") {
		if h, ok := d.Mapping(m.Get("health_check"), what+" health_check", "interval", "failure_threshold"); ok {
			topology.DurationField(d, h, "interval", what+" health_check", &s.HealthInterval)
			if h.Has("failure_threshold") {
				s.FailureThreshold, _ = d.Int(h.Get("failure_threshold"), what+" health_check failure_threshold", 1)
			}
		}
	}
	return s
}

// MaxTTL bounds a DNS TTL: a week (Route 53 allows up to 2^31 s, but an
// answer held longer than a run says nothing more).
const MaxTTL = 7 * 24 * 3600.0

// Validate implements topology.Spec.
func (d *DNS) Validate(e field.Errors, c *topology.Checker) {
	what := "dns " + c.Node().Name
	if len(d.Targets) == 0 {
		e.Add("targets", "%s needs targets: the regional entries it sends users to", what)
	}
	seen := map[string]bool{}
	for _, t := range d.Targets {
		if seen[t] {
			e.Add("targets", "%s lists %s twice", what, t)
		}
		seen[t] = true
	}
	switch {
	case d.Policy == Weighted && len(d.Weights) == 0:
		e.Add("policy", "%s with policy weighted needs weights: {TARGET: WEIGHT, ...}", what)
	case d.Policy != Weighted && len(d.Weights) > 0:
		e.Add("weights", "weights go with policy: weighted")
	case d.Policy == Geo && len(d.Geo) == 0:
		e.Add("policy", "%s with policy geo needs geo: {USER_REGION: TARGET, ..., default: TARGET}", what)
	case d.Policy != Geo && len(d.Geo) > 0:
		e.Add("geo", "geo goes with policy: geo")
	case d.Policy == Failover && len(d.Targets) < 2:
		e.Add("targets", "%s with policy failover needs two targets or more: the primary first, then the secondaries", what)
	}
	total := 0.0
	for i, w := range d.Weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			e.Add("weights", "%s weight of %s must be a number from 0", what, d.Targets[i])
		}
		total += w
	}
	if len(d.Weights) > 0 && !(total > 0) {
		e.Add("weights", "%s weights add up to 0: no target would get a user", what)
	}
	for _, region := range slices.Sorted(maps.Keys(d.Geo)) {
		if t := d.Geo[region]; !slices.Contains(d.Targets, t) {
			e.In("geo").Add(region, "%s sends %s to %s, which is not one of its targets (%s)%s", what, region, t, strings.Join(d.Targets, ", "), yamlfile.DidYouMean(t, d.Targets))
		}
	}
	if !(d.TTL >= 0) || d.TTL > MaxTTL {
		e.Add("ttl", "%s ttl must be from 0 to a week (%s)", what, units.FormatDuration(MaxTTL))
	}
	if !(d.HealthInterval >= 1) || math.IsInf(d.HealthInterval, 0) {
		e.In("health_check").Add("interval", "%s health checks need an interval of at least 1s (Route 53 offers 10s and 30s)", what)
	}
	if d.FailureThreshold > 10 {
		e.In("health_check").Add("failure_threshold", "%s failure_threshold is from 1 to 10, as Route 53's", what)
	}
}

// HitRatio implements topology.Analytic.
func (*DNS) HitRatio(topology.Solver, string) (float64, bool) { return 0, false }

// shares are the share of the users each target gets with every target
// healthy, and the mean one-way delay from the users it gets to it.
func (d *DNS) shares(s topology.Solver) (share, delay []float64) {
	share, delay = make([]float64, len(d.Targets)), make([]float64, len(d.Targets))
	names, users := s.UserRegions()
	if len(names) == 0 {
		names, users = []string{""}, []float64{1}
	}
	for u, region := range names {
		each := make([]float64, len(d.Targets)) // the share of u's users each target gets
		switch d.Policy {
		case Weighted:
			total := 0.0
			for _, w := range d.Weights {
				total += w
			}
			for i, w := range d.Weights {
				each[i] = w / total
			}
		default:
			each[d.pick(region, func(t string) float64 { return s.Hop(topology.HopClient, region, t, 0) }, nil)] = 1
		}
		for i, p := range each {
			share[i] += float64(users[u] * p)
			delay[i] += float64(users[u] * p * s.Hop(topology.HopClient, region, d.Targets[i], 0))
		}
	}
	for i := range delay {
		if share[i] > 0 {
			delay[i] /= share[i]
		}
	}
	return share, delay
}

// Routes implements topology.Analytic: each target its share of the
// users with every target healthy, with the way there and back.
func (d *DNS) Routes(s topology.Solver, _ string, _ int, route topology.Router) {
	share, delay := d.shares(s)
	for i, t := range d.Targets {
		route(t, share[i], 2*delay[i])
	}
	s.Note("dns: every target healthy, clients spread by their regions' shares")
}

// Solve implements topology.Analytic: no queueing.
func (d *DNS) Solve(s topology.Solver, _ string, _ float64, down []float64) topology.Solution {
	return topology.Solution{Response: topology.PerClass(s, func(c int) float64 { return down[c] })}
}

// NetworkLegs implements topology.Analytic: none besides its routes, whose
// latency is already the way to the target and back (Routes).
func (*DNS) NetworkLegs(topology.Solver, string, int) float64 { return 0 }

// Demand implements topology.Analytic.
func (*DNS) Demand(topology.Solver, string) (topology.Demand, bool) { return topology.Demand{}, false }

// CapacityNote implements topology.Explainer.
func (*DNS) CapacityNote(topology.Solution) string { return "" }

// Advice implements topology.Explainer.
func (*DNS) Advice(topology.Solver, string, topology.Solution) string { return "" }

// pick is the target the policy answers a user of region with (Weighted
// aside): far gives a target's distance from the user, healthy (nil: all)
// says which targets are healthy. With no healthy target every target is
// taken as healthy, as Route 53 does.
func (d *DNS) pick(region string, far func(string) float64, healthy []bool) int {
	ok := func(i int) bool { return healthy == nil || healthy[i] }
	if healthy != nil && !slices.Contains(healthy, true) {
		ok = func(int) bool { return true }
	}
	switch d.Policy {
	case Failover:
		for i := range d.Targets {
			if ok(i) {
				return i
			}
		}
	case Geo:
		t, found := d.Geo[region]
		if !found {
			t = d.Geo["default"]
		}
		if i := slices.Index(d.Targets, t); i >= 0 && ok(i) {
			return i
		}
		if i := slices.Index(d.Targets, d.Geo["default"]); i >= 0 && ok(i) {
			return i
		}
		fallthrough
	default: // Latency, or a geo answer that is unhealthy
		best := -1
		for i, t := range d.Targets {
			if ok(i) && (best < 0 || far(t) < far(d.Targets[best])) {
				best = i
			}
		}
		if best >= 0 {
			return best
		}
	}
	return 0
}

// answer is what a region's users are told, and what they were told
// before: after a change at since, the share still holding the old answer
// falls linearly from 1 to 0 over one TTL (the clients' cached answers
// are of ages spread evenly over the TTL).
type answer struct {
	now, before int
	since       sim.Time
	changed     bool
}

// dns is the runtime of a DNS.
type dns struct {
	net     *engine.Network
	node    *topology.Node
	spec    *DNS
	rng     *rand.Rand
	targets []engine.Component
	regions []string // the users' regions, by the scenario's names
	// healthy, failures and successes are each target's standing with the
	// health checks.
	healthy             []bool
	failures, successes []int
	answers             []answer // per user region (one for users nowhere)
	// sent counts the requests sent to each target in the window;
	// switches the times an answer changed.
	sent     []int64
	switches []Switch
}

// Switch is a change of the answer a region's users get.
type Switch struct {
	At     float64 `json:"at"`
	Region string  `json:"region,omitempty"`
	From   string  `json:"from"`
	To     string  `json:"to"`
}

// Build implements engine.Builder.
func (d *DNS) Build(net *engine.Network, node *topology.Node) engine.Component {
	c := &dns{net: net, node: node, spec: d, rng: net.Stream(node.Name), regions: net.UserRegions()}
	n := len(d.Targets)
	c.healthy, c.failures, c.successes, c.sent = make([]bool, n), make([]int, n), make([]int, n), make([]int64, n)
	for i := range c.healthy {
		c.healthy[i] = true
	}
	c.answers = make([]answer, max(1, len(c.regions)))
	for u := range c.answers {
		a := c.pick(u)
		c.answers[u] = answer{now: a, before: a}
	}
	if d.FailureThreshold > 0 {
		net.Kernel().At(sim.Time(d.HealthInterval), c, 0, nil)
	}
	return c
}

// regionName is the name of user region u ("" for users nowhere, and for
// the system's own requests, such as a queue consumer's, which have none).
func (c *dns) regionName(u int) string {
	if u >= 0 && u < len(c.regions) {
		return c.regions[u]
	}
	return ""
}

// pick is the policy's answer for user region u now (Weighted aside).
func (c *dns) pick(u int) int {
	region := c.regionName(u)
	return c.spec.pick(region, func(t string) float64 {
		d, _ := c.net.Hop(topology.HopClient, region, t, nil, nil)
		return d
	}, c.healthy)
}

// Link finds the targets.
func (c *dns) Link(byName map[string]engine.Component) error {
	for _, t := range c.spec.Targets {
		c.targets = append(c.targets, byName[t])
	}
	return nil
}

// Handle implements sim.Handler: the targets' health checks, and the
// answers they change.
func (c *dns) Handle(now sim.Time, _ int, _ any) {
	for i, t := range c.spec.Targets {
		if c.net.Serving(t) {
			c.failures[i], c.successes[i] = 0, c.successes[i]+1
			if !c.healthy[i] && c.successes[i] >= c.spec.FailureThreshold {
				c.healthy[i] = true
			}
		} else {
			c.successes[i], c.failures[i] = 0, c.failures[i]+1
			if c.healthy[i] && c.failures[i] >= c.spec.FailureThreshold {
				c.healthy[i] = false
			}
		}
	}
	if c.spec.Policy != Weighted {
		for u := range c.answers {
			a := &c.answers[u]
			if next := c.pick(u); next != a.now {
				// Clients still on an earlier change are taken to hold
				// the answer it gave.
				a.before, a.now, a.since, a.changed = a.now, next, now, true
				if len(c.switches) < maxSwitches {
					c.switches = append(c.switches, Switch{At: float64(now), Region: c.regionName(u), From: c.spec.Targets[a.before], To: c.spec.Targets[next]})
				}
			}
		}
	}
	c.net.Kernel().After(c.spec.HealthInterval, c, 0, nil)
}

// maxSwitches bounds the switches a DNS records.
const maxSwitches = 1000

// Accept sends the request to the target its user's answer names, after
// the way from the user's region to the target's.
func (c *dns) Accept(j *engine.Job) {
	r := j.Request()
	u := int(r.Region)
	if u < 0 {
		u = 0
	}
	var i int
	if c.spec.Policy == Weighted {
		i = c.weighted()
	} else {
		a := c.answers[u]
		i = a.now
		// The clients whose cached answer is older than the change still
		// use the one before: a share 1 − age/TTL of them.
		if a.changed && c.spec.TTL > 0 {
			if age := float64(c.net.Now() - a.since); age < c.spec.TTL && c.rng.Float64() >= age/c.spec.TTL {
				i = a.before
			}
		}
	}
	c.sent[i]++
	t := c.spec.Targets[i]
	delay, _ := c.net.Hop(topology.HopClient, c.regionName(int(r.Region)), t, nil, nil)
	c.net.PassOn(j, c, c.targets[i], delay)
}

// weighted draws a healthy target by weight (any, by weight, when none is
// healthy).
func (c *dns) weighted() int {
	total := 0.0
	anyHealthy := slices.Contains(c.healthy, true)
	for i, w := range c.spec.Weights {
		if c.healthy[i] || !anyHealthy {
			total += w
		}
	}
	x := c.rng.Float64() * total
	last := 0
	for i, w := range c.spec.Weights {
		if c.healthy[i] || !anyHealthy {
			if w > 0 {
				last = i
			}
			if x < w {
				return i
			}
			x -= w
		}
	}
	return last
}

// Resume passes the target's reply back to the user, after the way from
// the target's region to the user's.
func (c *dns) Resume(j *engine.Job, child *engine.Job) {
	if child.Err() != engine.NoCause {
		j.Fail(child.Err())
	}
	r := j.Request()
	i := slices.Index(c.targets, child.Dest())
	delay := 0.0
	if i >= 0 {
		delay, _ = c.net.Hop(topology.HopClient, c.regionName(int(r.Region)), c.spec.Targets[i], nil, nil)
	}
	c.net.ReplyAfter(delay, j)
}

func (c *dns) Stations() []*engine.Station { return nil }
func (c *dns) InUse() float64              { return 0 }
func (c *dns) ResetStats(sim.Time) {
	clear(c.sent)
}

// Stats are a DNS's figures over the measurement window.
type Stats struct {
	Policy string `json:"policy"`
	// Sent counts the requests sent to each target, in targets order.
	Sent    []int64  `json:"sent"`
	Targets []string `json:"targets"`
	// Switches are the changes of answer, over the whole run.
	Switches []Switch `json:"switches"`
}

// Stats implements engine.Component.
func (c *dns) Stats(window float64, _ sim.Time) engine.NodeStats {
	total := int64(0)
	for _, n := range c.sent {
		total += n
	}
	s := engine.NodeStats{Instances: 1, Arrivals: total, Completed: total,
		Detail: &Stats{Policy: c.spec.Policy, Sent: slices.Clone(c.sent), Targets: c.spec.Targets, Switches: slices.Clone(c.switches)}}
	if window > 0 {
		s.Throughput = float64(total) / window
	}
	return s
}

// JSONKey implements topology.Detail.
func (*Stats) JSONKey() string { return "dns" }

// WriteText implements topology.Detail.
func (s *Stats) WriteText(w io.Writer, node string) {
	var parts []string
	for i, t := range s.Targets {
		parts = append(parts, fmt.Sprintf("%s %d", t, s.Sent[i]))
	}
	fmt.Fprintf(w, "%-11s %s routing: %s\n", node, s.Policy, strings.Join(parts, ", "))
	for _, sw := range s.Switches {
		who := "users"
		if sw.Region != "" {
			who = sw.Region + " users"
		}
		fmt.Fprintf(w, "%-11s at %s %s sent to %s instead of %s\n", "", units.FormatDuration(sw.At), who, sw.To, sw.From)
	}
}
