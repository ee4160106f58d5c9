package topology

import (
	"fmt"
	"math"
	"slices"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Solver is the analytic solution of a whole network as one node's
// analytic treatment sees it: the workload, the visit rates the traffic
// equations give, the hit ratios of caches, and a place for notes on what
// the estimate approximates. The estimator implements it.
type Solver interface {
	// Classes are the workload's request classes, in order.
	Classes() []string
	// Writes says whether requests of class c write.
	Writes(c int) bool
	// ArrivalRate is the offered rate of requests at the entry node.
	ArrivalRate() float64
	// DefaultLatency is the mean network round trip of a call that gives
	// none.
	DefaultLatency() float64
	// Hop is the mean delay of a message of kind from node from to node
	// to whose own setting's mean is own: the topology's Hop, the rule
	// the simulation times every message by.
	Hop(kind HopKind, from, to string, own float64) float64
	// UserRegions are the regions the users are in, by the scenario's
	// names, with their shares; nil without regions.
	UserRegions() (names []string, shares []float64)
	// Keys describes the workload's key popularity in groups of equal
	// popularity: probs[i] is the probability of each of counts[i] keys,
	// and total the number of keys; all nil and 0 without keys.
	Keys() (probs, counts []float64, total float64)
	// KeyOf is the key number of popularity rank (0 the most popular),
	// as the workload's generator numbers keys.
	KeyOf(rank int64) int64
	// HitRatio is the hit ratio found for a cache or CDN node.
	HitRatio(node string) float64
	// Visits is the rate of visits of class c to node.
	Visits(c int, node string) float64
	// Lookup returns the node called name.
	Lookup(name string) *Node
	// Consumer names the workers node that takes messages from the queue
	// called name, or "".
	Consumer(queue string) string
	// ShareQueue says that requests reach node's instances as if they
	// waited in one queue in front of all of them (a least-connections
	// balancer); SharedQueue says whether something said so.
	ShareQueue(node string)
	SharedQueue(node string) bool
	// TakeTurns says that requests reach node's instances in turn (round
	// robin), among its own instances and others more (a balancer's other
	// targets'); Turns gives others, and whether something said so.
	TakeTurns(node string, others int)
	Turns(node string) (others int, ok bool)
	// Note records an approximation the estimate makes, once.
	Note(format string, args ...any)
	// Balanced says a node spreads each request over node's instances,
	// as a load balancer does.
	Balanced(node string) bool
	// BehindBalancer says a load balancer is among those nodes: one that
	// asks of node, its target, a kind that may stand behind a balancer
	// (Target.Balanced). A node a dns sends to straight (the copies of a
	// fleet, say) is Balanced alone.
	BehindBalancer(node string) bool
}

// Router receives the calls a visit of a node makes: to a node, the
// expected number of calls per visit, and the mean network round trip of
// each.
type Router func(to string, calls, latency float64)

// Analytic is a kind's treatment in the analytic estimate. The estimator
// finds hit ratios, then routes, solves the traffic equations for visit
// rates, and solves each node after the nodes it calls.
type Analytic interface {
	// HitRatio is the share of requests a cache or CDN serves itself; ok
	// is false for other kinds.
	HitRatio(s Solver, name string) (ratio float64, ok bool)
	// Routes reports, through route, the calls a visit of class c makes.
	Routes(s Solver, name string, c int, route Router)
	// Solve queues the node's visits: rate per second over all classes,
	// and down[c] the mean time a visit of class c spends in the calls it
	// makes (round trips and the callees' responses).
	Solve(s Solver, name string, rate float64, down []float64) Solution
	// NetworkLegs is the mean time a visit of class c spends on the
	// node's own network legs (a CDN's edge and origin), besides the round
	// trips of the calls it routes.
	NetworkLegs(s Solver, name string, c int) float64
	// Demand is what a visit asks of the node's workers, for mean value
	// analysis of a closed workload; ok is false for nodes without
	// workers.
	Demand(s Solver, name string) (d Demand, ok bool)
}

// CallTimer is a spec whose calls may overlap (a service's or worker
// group's parallel steps), so that the time a visit spends in them is not
// the sum of its routes: CallTime is that mean time for a visit of class
// c, given each callee's mean response; ok is false when nothing overlaps
// (the estimate then sums the routes).
type CallTimer interface {
	CallTime(s Solver, name string, c int, resp func(to string) float64) (t float64, ok bool)
}

// Explainer is what explain says of a kind's nodes.
type Explainer interface {
	// CapacityNote adds to "stations × workers ÷ holding time" what else
	// limits the node's capacity, or "".
	CapacityNote(est Solution) string
	// Advice names the scaling pattern that addresses the node when it
	// saturates first, in a sentence or two.
	Advice(s Solver, name string, est Solution) string
}

// Solution is a node's analytic figures.
type Solution struct {
	// Stations is the number of identical queues the visits spread over
	// (instances, cache nodes, database servers), each with Workers.
	Stations int `json:"stations"`
	Workers  int `json:"workers"`
	// Holding is the mean time a worker is held per visit.
	Holding float64 `json:"holding"`
	// Utilization is the busy share of the workers.
	Utilization float64 `json:"utilization"`
	// Wait is the mean queueing delay; null when a station is overloaded
	// and the queue has no steady state.
	Wait     *float64 `json:"wait"`
	HitRatio *float64 `json:"hit_ratio,omitempty"`
	// AsyncLatency is a queue's mean time from publish to
	// acknowledgement: the consumers' wait, work and calls for each
	// delivery, and the waits before redeliveries.
	AsyncLatency *float64 `json:"async_latency,omitempty"`
	// Response is the mean response time of a visit, by class, calls
	// included.
	Response []float64 `json:"-"`
	// Own is the mean of a visit's own work (its service time, calls
	// left out), over its classes; 0 where the kind does not give it.
	Own float64 `json:"-"`
	// Overloaded says a station is offered more than its capacity, so
	// there is no steady state.
	Overloaded bool `json:"-"`
	// Volume is the busy share of the busiest of the node's stations
	// besides its workers, a database server's volume (its page reads a
	// second ÷ its IOPS, and its scans' bytes ÷ its throughput, above 1
	// when they outrun them); 0 for a node without one. Its load grows
	// with the node's visits, so it saturates at about the arrival rate ÷
	// Volume, before the workers when Volume is above Utilization.
	Volume float64 `json:"-"`
	// VolumeLimit says what bounds the volume, for messages: "" for its
	// IOPS, or such as "throughput"; VolumeReads what a visit reads from
	// it: "" for its pages, or such as "scans".
	VolumeLimit, VolumeReads string `json:"-"`
}

// Demand is the work a visit asks of a node with workers.
type Demand struct {
	Stations, Workers int
	// Service is the mean service time of a visit.
	Service float64
	// Volume is the mean time a visit keeps its server's volume busy
	// (its pages from the volume ÷ the volume's rate of page reads, and
	// its scans' service), one volume a
	// station, and VolumeLatency its mean time in the volume's latency
	// besides, a delay; both 0 for a node without a volume or whose
	// pages are all in memory. Service leaves them out.
	Volume, VolumeLatency float64
	// VolumeLimit and VolumeReads are as Solution's.
	VolumeLimit, VolumeReads string
}

// StationGroup is a group of identical M/G/c queues a node's visits spread
// over evenly.
type StationGroup struct {
	Count, Workers int
	Rate           float64 // visits per second over the group
	Holding        float64 // mean time a worker is held per visit
	// SCV is the squared coefficient of variation of the holding time:
	// 1 for exponential (M/M/c), 0 for constant.
	SCV float64
	// Turns, when above 1, says each station takes every Turns-th of a
	// Poisson stream of visits (round robin over Turns stations), so its
	// interarrival times are Erlang-Turns, of SCV 1/Turns; 0 or 1 for
	// Poisson arrivals at each (random spreading).
	Turns int
	Wait  float64 // mean queueing delay, once solved
}

// Solve computes the group's mean wait, by Erlang C scaled by
// (ca² + SCV)/2 (Allen–Cunneen: exact for M/M/c and, by
// Pollaczek–Khinchine, for M/G/1) and, for arrivals taken in turn,
// Krämer–Langenbach-Belz's correction; false when it is overloaded.
func (g *StationGroup) Solve() bool {
	if g.Rate == 0 || g.Holding == 0 {
		return true
	}
	ca2 := 1.0
	if g.Turns > 1 {
		ca2 = 1 / float64(g.Turns)
	}
	if !(g.Holding < math.Inf(1)) {
		// Its workers wait for good on an overloaded callee (a holding
		// time summed with an infinite wait may come out NaN).
		g.Holding, g.Wait = math.Inf(1), math.Inf(1)
		return false
	}
	g.Wait = analytic.KLBWait(g.Rate/float64(g.Count), 1/g.Holding, g.Workers, ca2, g.SCV)
	if !(g.Wait < math.Inf(1)) { // a NaN (from an infinite moment) is no steady state either
		g.Wait = math.Inf(1)
		return false
	}
	return true
}

// NoteVariance notes where the group's wait for a holding time of SCV
// other than 1 is an approximation: over several workers, Allen–Cunneen's
// scaling of Erlang C, rather than the exact Pollaczek–Khinchine of one
// worker.
func (g *StationGroup) NoteVariance(s Solver, name string) {
	if g.SCV != 1 && g.Workers > 1 && g.Queues() {
		s.Note("%s: service-time variance (SCV %.3g) over %d workers by the Allen–Cunneen approximation", name, g.SCV, g.Workers)
	}
}

// Queues says the group's visits wait long enough for the way their wait
// is approximated to matter: more than 1% of the holding time (or without
// bound). Notes on the wait's approximations are made only then.
func (g *StationGroup) Queues() bool { return g.Wait > float64(0.01*g.Holding) }

// Moments adds up a holding time that is a mixture (of classes, of
// reads and writes): each part's weight, mean and second moment. A
// mixture of equal parts keeps their SCV as it is, unrounded.
type Moments struct {
	weight, first, second float64
	parts                 int
	mean0, scv0           float64 // the first part's
	mixed                 bool    // a part differs from the first
}

// Add adds a part of weight w whose holding time has mean m and squared
// coefficient of variation scv: its second moment is m²(1 + scv). A part
// of no weight is left out.
func (h *Moments) Add(w, m, scv float64) {
	if w == 0 {
		return
	}
	if h.parts == 0 {
		h.mean0, h.scv0 = m, scv
	}
	h.parts++
	h.mixed = h.mixed || m != h.mean0 || scv != h.scv0
	h.weight += w
	h.first += float64(w * m)
	h.second += float64(float64(w*m*m) * (1 + scv))
}

// Weight is the sum of the parts' weights.
func (h Moments) Weight() float64 { return h.weight }

// Mean is the mixture's mean, 0 without weight.
func (h Moments) Mean() float64 {
	if h.weight == 0 {
		return 0
	}
	return h.first / h.weight
}

// SCV is the mixture's squared coefficient of variation, E[H²]/E[H]² − 1;
// 1 (exponential) when it has no mean to divide by.
func (h Moments) SCV() float64 {
	switch {
	case h.parts > 0 && !h.mixed:
		return h.scv0
	case h.first == 0 || math.IsInf(h.first, 0):
		return 1
	}
	m := h.first / h.weight
	return math.Max(0, h.second/h.weight/(m*m)-1)
}

// WithCalls is the squared coefficient of variation of a blocking worker's
// holding time: work of mean own and SCV scv, then calls taking d on
// average, taken as exponential and independent of the work:
// E[(S + D)²] = E[S²] + 2·E[S]·d + 2d². It is scv without calls, and 1
// (no figure to give) when d is infinite.
func WithCalls(own, scv, d float64) float64 {
	m := own + d
	switch {
	case d == 0:
		return scv
	case math.IsInf(m, 0):
		return 1
	}
	second := float64(float64(own*own)*(1+scv)) + float64(2*own*d) + float64(2*d*d)
	return second/(m*m) - 1
}

// SCV is the squared coefficient of variation of d, 1 (exponential) for
// nil.
func SCV(d sim.Dist) float64 {
	if d == nil {
		return 1
	}
	return d.SCV()
}

// Utilization is the busy share of the group's workers.
func (g *StationGroup) Utilization() float64 {
	return g.Rate * g.Holding / float64(g.Count*g.Workers)
}

// Solution solves the group and describes it.
func (g *StationGroup) Solution() Solution {
	ok := g.Solve()
	return Solution{Stations: g.Count, Workers: g.Workers, Holding: g.Holding,
		Utilization: g.Utilization(), Wait: steadyWait(g.Wait), Overloaded: !ok}
}

// steadyWait is a mean wait as a solution reports it: nil for the infinite
// wait of an overloaded station.
func steadyWait(w float64) *float64 {
	if math.IsInf(w, 0) {
		return nil
	}
	return &w
}

// PerClass is a slice of one value per class of s.
func PerClass(s Solver, f func(c int) float64) []float64 {
	out := make([]float64, len(s.Classes()))
	for c := range out {
		out[c] = f(c)
	}
	return out
}

// Mean is the mean of d, 0 for nil.
func Mean(d sim.Dist) float64 {
	if d == nil {
		return 0
	}
	return d.Mean()
}

// StoreHitRatio is the hit ratio of a key store of capacity keys (over all
// its nodes) under the workload's key popularity: Che's approximation for
// LRU, the most popular keys for LFU, the TTL renewal formula when every
// key fits and entries expire.
func StoreHitRatio(s Solver, name string, capacity, ttl float64, policy string) float64 {
	probs, counts, total := s.Keys()
	if probs == nil {
		s.Note("%s: the workload has no keys, so nothing is counted as a hit", name)
		return 0
	}
	h := analytic.CheLRUGrouped(probs, counts, capacity)
	switch {
	case capacity >= total && ttl > 0:
		h = ttlHitRatio(s, name, probs, counts, ttl)
	case policy == EvictLFU:
		h = topShare(probs, counts, capacity)
		s.Note("%s: LFU taken as holding the most popular keys", name)
	case policy != EvictLRU:
		s.Note("%s: %s eviction estimated with LRU's hit ratio (Che), which it is close to", name, policy)
	}
	if ttl > 0 && capacity < total {
		s.Note("%s: TTL ignored where capacity binds", name)
	}
	return h
}

// ttlHitRatio is the TTL renewal hit ratio Σ pᵢ·λpᵢT/(1 + λpᵢT) at the
// rate of requests the node sees, which needs the traffic solution; it is
// taken at the entry rate, an upper bound for nodes deeper in the call
// graph.
func ttlHitRatio(s Solver, name string, probs, counts []float64, ttl float64) float64 {
	rate := s.ArrivalRate()
	hit := 0.0
	for i, p := range probs {
		x := float64(p * rate * ttl)
		hit += float64(counts[i]*p*x) / (1 + x)
	}
	s.Note("%s: TTL hit ratio taken at the full request rate", name)
	return hit
}

// topShare is the request share of the capacity most popular keys.
func topShare(probs, counts []float64, capacity float64) float64 {
	share := 0.0
	for i, p := range probs {
		take := math.Min(counts[i], capacity)
		share += float64(take * p)
		if capacity -= take; capacity <= 0 {
			break
		}
	}
	return math.Min(share, 1)
}

// AutoscaledInstances is the number of instances (a worker group's
// consumers) an autoscaler settles on at a steady load, and notes it.
// group(n) is the node's stations with n instances, rate its visits per
// second and stay the mean time a visit is held besides its wait (for the
// metrics that count what an instance holds). The count is the fewest from min to max
// whose metric per instance is at most the target: the HPA's rule
// desired = ceil(ready × metric ÷ target) reaches it from below, and for
// utilization it is ceil(rate × holding ÷ (workers × target)) (Kubernetes,
// "Horizontal Pod Autoscaling", algorithm details). A step policy settles
// below its lowest scale-up threshold. Without such a threshold, or a
// steady load, it is the initial count.
func AutoscaledInstances(s Solver, name string, a *Autoscale, initial int, rate, stay float64, group func(n int) StationGroup) int {
	target := a.Target
	if a.Policy == PolicyStep {
		target = math.Inf(1)
		for _, st := range a.Steps {
			if st.IsAbove {
				target = math.Min(target, st.Above)
			}
		}
	}
	if rate == 0 || math.IsInf(target, 1) {
		s.Note("%s: solved at its initial %s; the autoscaler (%d to %d) is not modelled", name, units.Plural(initial, "instance", "instances"), a.Min, a.Max)
		return initial
	}
	metric := func(n int) float64 {
		g := group(n)
		switch a.Metric {
		case MetricRPSPerInstance:
			return rate / float64(n)
		case MetricUtilization:
			return g.Utilization()
		}
		if !g.Solve() {
			return math.Inf(1)
		}
		if a.Metric == MetricQueueLength {
			return float64(rate*g.Wait) / float64(n)
		}
		return float64(rate*(g.Wait+stay)) / float64(n) // in flight, or a queue's backlog
	}
	lo, hi := max(a.Min, 1), max(a.Max, 1)
	if metric(hi) > target {
		s.Note("%s: solved at its autoscaler's max of %s, where its %s is still above the target", name, units.Plural(hi, "instance", "instances"), a.Metric)
		return hi
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if metric(mid) <= target {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	s.Note("%s: solved at the %s its autoscaler (%d to %d) settles on at this load; the time it takes to scale is left out", name, units.Plural(lo, "instance", "instances"), a.Min, a.Max)
	if len(a.Schedule) > 0 {
		s.Note("%s: its autoscaler's scheduled bounds are left out", name)
	}
	return lo
}

// AutoscaleOf is the autoscaler of a service or worker group, and the
// workers one of its instances (one of its consumers) adds; nil and 0 for
// a fixed fleet or another kind.
func AutoscaleOf(spec Spec) (a *Autoscale, workersEach int) {
	if s, ok := spec.(Autoscaled); ok {
		return s.Autoscaler()
	}
	return nil, 0
}

// Autoscaled is a spec whose nodes may have an autoscaler (services,
// worker groups): it, nil for none, and the workers one instance adds.
type Autoscaled interface {
	Autoscaler() (a *Autoscale, workersEach int)
}

// Worked is a spec whose nodes' workers do work of their own per visit:
// the distributions of that work (a database's reads and writes), calls
// left out, nil ones included.
type Worked interface {
	WorkTimes() []sim.Dist
}

// MostInstances is the most instances an autoscaler may run: its max, or
// a larger one a schedule sets.
func (a *Autoscale) MostInstances() int {
	most := a.Max
	for _, b := range a.Schedule {
		if b.HasMax {
			most = max(most, b.Max)
		}
	}
	return most
}

// ServiceTimes are the distributions of the work a node's workers do per
// visit (a database's reads and writes), calls left out; none for kinds
// without workers.
func ServiceTimes(spec Spec) []sim.Dist {
	w, ok := spec.(Worked)
	if !ok {
		return nil
	}
	return slices.DeleteFunc(w.WorkTimes(), func(d sim.Dist) bool { return d == nil })
}

// hotKey is the share of requests the most popular key takes, and
// whether it is hot for a node that spreads keys over parts (shards,
// cache nodes): a key lives on one part, so when it alone is at least half
// of an even part's share (share × parts ≥ ½), more parts hardly relieve
// the busiest one, which keeps that key.
func hotKey(s Solver, parts int) (share float64, hot bool) {
	probs, _, _ := s.Keys()
	if len(probs) == 0 {
		return 0, false
	}
	share = slices.Max(probs)
	return share, float64(share*float64(parts)) >= 0.5
}

// AutoscaleAdvice is the advice for an autoscaled node that saturates
// first, solved at the n instances its autoscaler settles on.
func AutoscaleAdvice(name string, a *Autoscale, n int, overloaded bool) string {
	if overloaded && n >= a.Max {
		return fmt.Sprintf("%s autoscales, but even at its max of %s it cannot take this load: raise max, and make sure what it calls can take the load too.", name, units.Plural(a.Max, "instance", "instances"))
	}
	return fmt.Sprintf("%s autoscales (%d to %d instances) and can be sized for this load (%s at its target): where it saturated in the run, its autoscaler lagged behind the load: "+
		"a lower target or larger scale-up steps react sooner, a shorter boot time serves sooner, and a higher min absorbs a sudden spike.", name, a.Min, a.Max, units.Plural(n, "instance", "instances"))
}

// HeldStation is a node that is one station of instances of one worker
// each (a worker group's consumers), each held for its own work and then
// its calls, as SolveHeld solves it.
type HeldStation struct {
	// Own is the work of a visit; Instances the instances, or with
	// Autoscale the instances it starts at.
	Own       sim.Dist
	Instances int
	Autoscale *Autoscale
	// Calls says a visit makes calls, which its worker waits on; Held
	// names the workers so held in notes ("consumers").
	Calls bool
	Held  string
}

// SolveHeld solves h as one M/G/c queue fed at rate visits per second, by
// the Allen–Cunneen approximation with Poisson arrivals: a worker is held
// for its own work and its calls (down[c], the mean time class c's calls
// take, taken as exponential); with an autoscaler, at the instances it
// settles on for the load.
func SolveHeld(sv Solver, name string, rate float64, down []float64, h HeldStation) Solution {
	own, scv := Mean(h.Own), SCV(h.Own)
	var m Moments
	for c := range down {
		m.Add(sv.Visits(c, name), own+down[c], WithCalls(own, scv, down[c]))
	}
	group := func(n int) StationGroup {
		return StationGroup{Count: 1, Workers: n, Rate: rate, Holding: m.Mean(), SCV: m.SCV()}
	}
	n := h.Instances
	if h.Autoscale != nil {
		n = AutoscaledInstances(sv, name, h.Autoscale, h.Instances, rate, m.Mean(), group)
	}
	g := group(n)
	sol := g.Solution()
	if h.Calls && g.Queues() {
		sv.Note("%s: the calls its %s wait on taken as exponential in its holding time", name, h.Held)
	}
	g.NoteVariance(sv, name)
	sol.Stations = 1
	sol.Response = PerClass(sv, func(c int) float64 { return g.Wait + own + down[c] })
	return sol
}
