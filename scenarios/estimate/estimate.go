package estimate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// Estimate is the analytic solution of a scenario: per-node arrival rates
// from the traffic equations, then each station (service instance, cache
// node, database server) as an M/G/c queue, or Mean Value Analysis for a
// closed workload. It is exact for product-form networks (Poisson
// arrivals, exponential service, no caches or limits) and for M/G/1, and an
// approximation otherwise; Notes lists what it leaves out.
type Estimate struct {
	Scenario string `json:"scenario"`
	Method   string `json:"method"`
	// OfferedRate is the request rate solved at: the workload's rate, or,
	// when it changes over time, its mean over the run's window (Window),
	// the rate the run offers on average.
	OfferedRate float64 `json:"offered_rate"`
	Throughput  float64 `json:"throughput"`
	// Window is the run's measurement window (from the end of the
	// warm-up), over which a workload that changes over time is averaged;
	// absent for a constant rate.
	Window *[2]float64 `json:"window,omitempty"`
	// PeakRate is the highest rate of a workload that changes over time
	// within Window, and PeakOverloaded the nodes the estimate finds
	// offered more than their capacity at it (empty: it takes the peak);
	// absent for a constant rate.
	PeakRate       *float64 `json:"peak_rate,omitempty"`
	PeakOverloaded []string `json:"peak_overloaded,omitempty"`
	// Latency is the mean response time; nil when a station is overloaded
	// and there is no steady state.
	Latency *float64 `json:"latency"`
	// Classes are each request class's mean response time, when the
	// workload's mix has more than one class and Latency is given (not
	// by mean value analysis, which solves the classes as one).
	Classes    []ClassEstimate `json:"classes,omitempty"`
	Nodes      []NodeEstimate  `json:"nodes"`
	Bottleneck string          `json:"bottleneck"`
	// Saturated says a station on the request path is offered more than
	// its capacity: requests have no steady state.
	Saturated bool `json:"saturated"`
	// Backlog names the nodes off the request path (consumers behind a
	// queue) offered more than their capacity: their backlog grows
	// without bound, while requests are answered as Latency says.
	Backlog []string `json:"backlog,omitempty"`
	Notes   []string `json:"notes"`
	// Hosts are the machines nodes share, each solved as one station of
	// its cores; absent when none is given.
	Hosts []HostEstimate `json:"hosts,omitempty"`
	// Transfer is the data transfer the run would charge a month (see
	// TransferEstimate); absent when nothing is placed or nothing crosses
	// a priced border.
	Transfer *TransferEstimate `json:"transfer,omitempty"`
}

// NodeEstimate is one node's analytic figures. Stations is the number of
// instances, cache nodes or database servers, each with Workers; Holding
// the mean time a worker is held per visit; Utilization the busy share of
// the workers, λ·holding/(stations·workers), for a database of its busiest
// group (primaries or replicas), as the simulation reports it; Wait the
// mean queueing delay (Erlang C, or MVA).
type NodeEstimate struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	ArrivalRate float64 `json:"arrival_rate"` // visits per second, over all its stations
	topology.Solution
}

// OwnOverloaded says the node is offered more than its capacity by its
// own work: its workers by their holding time, or, when they would wait
// without bound on a node they call (an infinite holding time), by their
// own work alone; or its volume. A node overloaded only by its wait on
// another is not.
func (n NodeEstimate) OwnOverloaded() bool {
	switch {
	case !n.Overloaded:
		return false
	case n.Volume >= 1 || n.Holding < math.Inf(1):
		return true
	}
	return n.ownLoad() >= 1
}

// ownLoad is the share of its workers its own work (Own, its calls left
// out) asks of them; 0 without workers.
func (n NodeEstimate) ownLoad() float64 {
	if n.Stations*n.Workers == 0 {
		return 0
	}
	return n.ArrivalRate * n.Own / float64(n.Stations*n.Workers)
}

// MarshalJSON writes the node's figures, null for those without a finite
// value: the holding time and utilization of a node whose calls reach an
// overloaded station grow without bound.
func (n NodeEstimate) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name        string   `json:"name"`
		Kind        string   `json:"kind"`
		ArrivalRate float64  `json:"arrival_rate"`
		Stations    int      `json:"stations"`
		Workers     int      `json:"workers"`
		Holding     *float64 `json:"holding"`
		Utilization *float64 `json:"utilization"`
		Wait        *float64 `json:"wait"`
		HitRatio    *float64 `json:"hit_ratio,omitempty"`
		Async       *float64 `json:"async_latency,omitempty"`
	}{n.Name, n.Kind, n.ArrivalRate, n.Stations, n.Workers, finite(n.Holding), finite(n.Utilization), n.Wait, n.HitRatio, n.AsyncLatency})
}

// orInfinite writes v with format, or ∞ when it is not finite.
func orInfinite(v float64, format func(float64) string) string {
	if finite(v) == nil {
		return "∞"
	}
	return format(v)
}

// finite is &v, or nil when v is infinite or not a number.
func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

// Model is the analytic model of a scenario: hit ratios, routes and visit
// rates, ready to be solved. It implements topology.Solver, the view each
// node kind's analytic treatment has of the whole.
type Model struct {
	s *scenarios.Scenario
	// keySampler numbers the workload's keys by rank (KeyOf), made when
	// first asked.
	keySampler *workloads.KeySampler
	// rate is the request rate solved at (Estimate.OfferedRate); 0 for
	// a closed workload, whose rate depends on the system.
	rate    float64
	nodes   []*topology.Node
	index   map[string]int
	classes []string
	writes  []bool
	shares  []float64
	keys    struct {
		probs, counts []float64
		total         float64
	}
	// visits[c][i] is the rate of visits of class c at node i: per second
	// for an open workload, per request for a closed one.
	visits [][]float64
	// route[c][i][j] is the expected number of calls node i makes to node
	// j per visit of class c (hit ratios and filters included), and
	// latency[c][i][j] the round trip of the first of them.
	route, latency [][][]float64
	hit            map[string]float64 // hit ratio of each cache and CDN
	shared         map[string]bool    // nodes whose instances share one queue
	turns          map[string]int     // nodes whose instances take turns, among so many others
	resp           [][]float64        // resp[c][i]: mean response per visit, once solved
	solved         []bool
	est            *Estimate
	pending        []bool // cycle guard
	// coreWait is the mean wait for a core of a visit to each node on a
	// host (see solveHosts).
	coreWait map[string]float64
}

// Scenario solves s analytically, in microseconds to milliseconds.
func Scenario(s *scenarios.Scenario) (*Estimate, error) {
	m, err := NewModel(s)
	if err != nil {
		return nil, err
	}
	return m.Solve()
}

// NewModel computes hit ratios, routes and visit rates of s, at its
// workload's rate, or, when that changes over time, at its mean over the
// run's window (RateWindow).
func NewModel(s *scenarios.Scenario) (*Model, error) {
	from, to := RateWindow(s)
	return newModel(s, s.Workload.MeanRate(from, to))
}

// RateWindow is the run's measurement window, from the end of its warm-up
// to the end of its duration, in seconds of simulated time: the window
// whose offered rate the run reports, over which the estimate averages a
// workload that changes over time.
func RateWindow(s *scenarios.Scenario) (from, to sim.Time) {
	warmup := s.Run.WarmupSeconds()
	return sim.Time(warmup), sim.Time(warmup + s.Run.Duration)
}

// newModel computes hit ratios, routes and visit rates of s at the
// request rate given (for an open or session workload).
func newModel(s *scenarios.Scenario, rate float64) (*Model, error) {
	m := &Model{s: s, rate: rate, nodes: s.Topology.Nodes, index: map[string]int{}, classes: s.Workload.ClassNames(),
		writes: s.Workload.IsWrite(), hit: map[string]float64{}, shared: map[string]bool{}, turns: map[string]int{}}
	for i, n := range m.nodes {
		m.index[n.Name] = i
	}
	m.shares = make([]float64, len(m.classes))
	if len(s.Workload.Mix) == 0 {
		m.shares[0] = 1
	}
	for i, c := range s.Workload.Mix {
		m.shares[i] = c.Share
	}
	if k := s.Workload.Keys; k != nil {
		m.keys.probs, m.keys.counts = popularityGroups(k)
		m.keys.total = float64(k.Count)
	}
	m.est = &Estimate{Scenario: s.Name, Notes: []string{}}
	for _, n := range m.nodes {
		if h, ok := n.Spec.HitRatio(m, n.Name); ok {
			m.hit[n.Name] = h
		}
	}
	m.buildRoutes()
	lambda := rate
	if s.Workload.Model == workloads.Closed {
		lambda = 1 // visits per request
	}
	if err := m.solveTraffic(lambda); err != nil {
		return nil, err
	}
	return m, nil
}

// Solve queues the visits NewModel found and returns the estimate. It is
// called once per Model.
func (m *Model) Solve() (*Estimate, error) {
	est, err := m.solve()
	if est != nil {
		est.Notes = m.s.Topology.NotesAsWritten(est.Notes)
	}
	return est, err
}

// solve is Solve.
func (m *Model) solve() (*Estimate, error) {
	s := m.s
	if len(s.Topology.Faults) > 0 {
		m.Note("the fault schedule is left out: the estimate is of the system without faults")
	}
	if len(s.Topology.Deploys) > 0 {
		m.Note("the deploys are left out: the estimate is of the fleet between deploys")
	}
	if s.Workload.Model == workloads.Closed {
		est, err := m.closed()
		if err == nil {
			est.Transfer = m.transfer(est.Throughput)
		}
		return est, err
	}
	m.est.Method = "traffic equations, then M/G/c per station (Erlang C, × (1 + SCV)/2 for service-time variance)"
	m.est.OfferedRate = m.rate
	m.stations()
	m.verdict()
	if s.Workload.Shape() != nil {
		if err := m.peak(); err != nil {
			return nil, err
		}
	}
	if !m.est.Saturated {
		mean := 0.0
		entry := m.index[s.Topology.Entry]
		for c := range m.classes {
			mean += float64(m.shares[c] * m.resp[c][entry])
		}
		mean += m.clientLegs()
		m.est.Latency = &mean
		m.est.Throughput = m.est.OfferedRate
		m.est.Classes = m.classLatencies(entry)
	}
	m.est.Transfer = m.transfer(1)
	return m.est, nil
}

// peak notes what the estimate would find at the highest rate of a
// workload that changes over time, within the run's window: the estimate
// itself is of the window's mean rate, which the run offers on average.
func (m *Model) peak() error {
	from, to := RateWindow(m.s)
	rate := maxRate(m.s.Workload, from, to)
	at, err := newModel(m.s, rate)
	if err != nil {
		return err
	}
	at.stations()
	var over []string
	for _, ne := range at.est.Nodes {
		if ne.Overloaded {
			over = append(over, ne.Name)
		}
	}
	m.est.Window, m.est.PeakRate, m.est.PeakOverloaded = &[2]float64{float64(from), float64(to)}, &rate, over
	takes := "below every node's capacity"
	switch {
	case len(over) == 1:
		takes = "at which " + over[0] + " would be offered more than its capacity"
	case len(over) > 1:
		takes = "at which " + strings.Join(over, ", ") + " would be offered more than their capacity"
	}
	m.Note("the workload changes over time: the estimate is of its mean rate over the run's window; its peak there is %s, %s", units.Rate(rate), takes)
	return nil
}

// maxRate is the highest offered request rate of w over [from, to): its
// shape's (Shape.MaxRate) in the units of its offered rate (sessions make
// several requests each), as Spec.MeanRate averages it.
func maxRate(w *workloads.Spec, from, to sim.Time) float64 {
	sh := w.Shape()
	if sh == nil || to <= from || w.Rate == 0 {
		return w.OfferedRate()
	}
	return w.OfferedRate() / w.Rate * sh.MaxRate(from, to)
}

// Classes implements topology.Solver.
func (m *Model) Classes() []string { return m.classes }

// Writes implements topology.Solver.
func (m *Model) Writes(c int) bool { return m.writes[c] }

// ArrivalRate implements topology.Solver.
func (m *Model) ArrivalRate() float64 { return m.rate }

// DefaultLatency implements topology.Solver.
func (m *Model) DefaultLatency() float64 { return mean(m.s.Latency) }

// UserRegions implements topology.Solver.
func (m *Model) UserRegions() (names []string, shares []float64) {
	for _, r := range m.s.Workload.Regions {
		names, shares = append(names, r.Name), append(shares, r.Share)
	}
	return names, shares
}

// clientLegs is the mean way from the users to the entry and back, over
// their regions: the last mile and the distance, by the topology's Hop.
func (m *Model) clientLegs() float64 {
	legs := 0.0
	w := m.s.Workload
	for _, r := range w.Regions {
		legs += float64(r.Share * 2 * m.s.Topology.Hop(topology.HopClient, r.Name, m.s.Topology.Entry, float64(w.ClientRTT/2)))
	}
	return legs
}

// Hop implements topology.Solver: the topology's rule.
func (m *Model) Hop(kind topology.HopKind, from, to string, own float64) float64 {
	return m.s.Topology.Hop(kind, from, to, own)
}

// Keys implements topology.Solver.
func (m *Model) Keys() (probs, counts []float64, total float64) {
	return m.keys.probs, m.keys.counts, m.keys.total
}

// KeyOf implements topology.Solver.
func (m *Model) KeyOf(rank int64) int64 {
	if m.keySampler == nil {
		m.keySampler = workloads.NewKeySampler(m.s.Workload.Keys)
	}
	return m.keySampler.Key(rank)
}

// HitRatio implements topology.Solver.
func (m *Model) HitRatio(node string) float64 { return m.hit[node] }

// Visits implements topology.Solver.
func (m *Model) Visits(c int, node string) float64 { return m.visits[c][m.index[node]] }

// Lookup implements topology.Solver.
func (m *Model) Lookup(name string) *topology.Node { return m.s.Topology.Lookup(name) }

// Consumer implements topology.Solver.
func (m *Model) Consumer(queue string) string { return m.s.Topology.Consumer(queue) }

// ShareQueue implements topology.Solver.
func (m *Model) ShareQueue(node string) { m.shared[node] = true }

// SharedQueue implements topology.Solver.
func (m *Model) SharedQueue(node string) bool { return m.shared[node] }

// Balanced implements topology.Solver: some node sends each request to
// one of node's instances (a load balancer's targets).
func (m *Model) Balanced(node string) bool {
	for _, n := range m.nodes {
		for _, t := range n.Spec.Downstream() {
			if t.OneOf && t.To == node {
				return true
			}
		}
	}
	return false
}

// BehindBalancer implements topology.Solver: a load balancer is in front
// of node (its target asks for a kind that may stand behind one).
func (m *Model) BehindBalancer(node string) bool {
	for _, n := range m.nodes {
		for _, t := range n.Spec.Downstream() {
			if t.OneOf && t.Balanced && t.To == node {
				return true
			}
		}
	}
	return false
}

// TakeTurns implements topology.Solver.
func (m *Model) TakeTurns(node string, others int) { m.turns[node] = others }

// Turns implements topology.Solver.
func (m *Model) Turns(node string) (int, bool) {
	others, ok := m.turns[node]
	return others, ok
}

// Note implements topology.Solver.
func (m *Model) Note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	if !slices.Contains(m.est.Notes, n) {
		m.est.Notes = append(m.est.Notes, n)
	}
}

// popularityGroups lists key probabilities in groups of equal popularity:
// the top 10 000 ranks one by one, then geometric bins of ranks 1% wide,
// so that Che's approximation costs the same for 10⁴ or 10¹² keys.
func popularityGroups(k *workloads.Keys) (probs, counts []float64) {
	pop := k.Popularity()
	const exact = 10_000
	for r := int64(0); r < min(k.Count, exact); r++ {
		probs, counts = append(probs, pop(r)), append(counts, 1)
	}
	for lo := int64(exact); lo < k.Count; {
		hi := min(k.Count, max(lo+1, int64(float64(lo)*1.01)))
		mid := (lo + hi - 1) / 2
		probs, counts = append(probs, pop(mid)), append(counts, float64(hi-lo))
		lo = hi
	}
	return probs, counts
}

// buildRoutes fills route[c][i][j] and latency[c][i][j] from each node's
// routes.
func (m *Model) buildRoutes() {
	n := len(m.nodes)
	square := func() [][]float64 {
		r := make([][]float64, n)
		for i := range r {
			r[i] = make([]float64, n)
		}
		return r
	}
	m.route = make([][][]float64, len(m.classes))
	m.latency = make([][][]float64, len(m.classes))
	for c := range m.classes {
		r, lat := square(), square()
		for i, node := range m.nodes {
			node.Spec.Routes(m, node.Name, c, func(to string, calls, latency float64) {
				j := m.index[to]
				if r[i][j] == 0 {
					lat[i][j] = latency
				}
				r[i][j] += calls
			})
		}
		m.route[c], m.latency[c] = r, lat
	}
}

// solveTraffic solves the traffic equations x = γ + Pᵀx for each class,
// with γ the class's arrival rate at the entry node. Validation refuses
// call cycles, so P is the matrix of a directed acyclic graph and the
// equations are solved exactly by visiting the nodes in call order:
// x_j = γ_j + Σ_i P_ij·x_i once every caller i of j is known. Each product
// is rounded on its own, so the visit rates have the same bits on every
// machine (a general solver's fused multiply-adds would not).
func (m *Model) solveTraffic(lambda float64) error {
	n := len(m.nodes)
	order, err := m.callOrder()
	if err != nil {
		return err
	}
	entry := m.index[m.s.Topology.Entry]
	m.visits = make([][]float64, len(m.classes))
	for c := range m.classes {
		x := make([]float64, n)
		x[entry] = float64(lambda * m.shares[c])
		for _, i := range order {
			for j, w := range m.route[c][i] {
				if w != 0 {
					x[j] += float64(w * x[i])
				}
			}
		}
		m.visits[c] = x
	}
	return nil
}

// callOrder lists the nodes so that every node comes after all the nodes
// that route to it in any class (Kahn's algorithm, lowest index first
// among the ready).
func (m *Model) callOrder() ([]int, error) {
	n := len(m.nodes)
	calls := make([][]bool, n)
	callers := make([]int, n)
	for i := range n {
		calls[i] = make([]bool, n)
		for j := range n {
			for c := range m.classes {
				calls[i][j] = calls[i][j] || m.route[c][i][j] != 0
			}
			if calls[i][j] {
				callers[j]++
			}
		}
	}
	var order, ready []int
	for i := range n {
		if callers[i] == 0 {
			ready = append(ready, i)
		}
	}
	for len(ready) > 0 {
		i := ready[0]
		ready = ready[1:]
		order = append(order, i)
		for j := range n {
			if calls[i][j] {
				if callers[j]--; callers[j] == 0 {
					ready = append(ready, j)
				}
			}
		}
	}
	if len(order) < n {
		return nil, fmt.Errorf("estimate: %s: the calls form a cycle, so the traffic equations have no finite solution", m.s.Name)
	}
	return order, nil
}

// stations solves every node's queues, leaves first, and fills in the
// node estimates. The bottleneck is the busiest node with workers, by
// its workers or, when busier, the stations besides them (a database's
// volumes).
func (m *Model) stations() {
	n := len(m.nodes)
	m.resp = make([][]float64, len(m.classes))
	for c := range m.resp {
		m.resp[c] = make([]float64, n)
	}
	m.solved, m.pending = make([]bool, n), make([]bool, n)
	m.est.Nodes = make([]NodeEstimate, n)
	m.solveHosts()
	worst, worstAny, anyName := -1.0, -1.0, ""
	worstHeld := false
	for i, node := range m.nodes {
		m.solveNode(i)
		ne := &m.est.Nodes[i]
		u := max(ne.Utilization, ne.Volume)
		// A node whose workers wait without bound on another (its
		// holding time infinite, its own volume not over) has an
		// infinite utilization that is the other's doing: it ranks by
		// its own work, and if that leaves it below saturation, as just
		// saturated, after the node it waits on.
		held := false
		if math.IsInf(ne.Holding, 1) && ne.Volume < 1 {
			own := ne.ownLoad()
			u, held = max(own, 1), own < 1
		}
		if node.Kind().Workers && (u > worst || u == worst && worstHeld && !held) {
			worst, worstHeld, m.est.Bottleneck = u, held, node.Name
		}
		if u > worstAny {
			worstAny, anyName = u, node.Name
		}
	}
	if m.est.Bottleneck == "" {
		// No node serves with workers (a function behind a DNS, say): the
		// busiest node, as the run names it.
		m.est.Bottleneck = anyName
	}
}

// verdict sorts the overloaded nodes: one on the request path leaves
// requests without a steady state (Saturated); one reached only through a
// broker (a queue's consumers, what they call) grows a backlog while
// requests are answered (Backlog).
func (m *Model) verdict() {
	onPath := m.requestPath()
	for i, ne := range m.est.Nodes {
		switch {
		case !ne.Overloaded:
		case onPath[i] && !m.nodes[i].Kind().Broker:
			m.est.Saturated = true
		default:
			m.est.Backlog = append(m.est.Backlog, ne.Name)
		}
	}
}

// requestPath marks the nodes a request waits on: those the entry reaches
// by calls, a broker included (a publish waits for it to store the
// message) but not what its consumers do.
func (m *Model) requestPath() []bool {
	on := make([]bool, len(m.nodes))
	var visit func(i int)
	visit = func(i int) {
		if on[i] {
			return
		}
		on[i] = true
		if m.nodes[i].Kind().Broker {
			return
		}
		for c := range m.classes {
			for j, w := range m.route[c][i] {
				if w > 0 {
					visit(j)
				}
			}
		}
	}
	visit(m.index[m.s.Topology.Entry])
	return on
}

// mean is the mean of d, 0 for nil.
func mean(d sim.Dist) float64 {
	if d == nil {
		return 0
	}
	return d.Mean()
}

// downstream is the expected time a visit of class c at node i spends in
// the calls it makes: Σⱼ route·(latency + response of j), or what the
// node says when its calls overlap (topology.CallTimer: parallel steps).
func (m *Model) downstream(c, i int) float64 {
	t := 0.0
	for j, w := range m.route[c][i] {
		if w > 0 {
			m.solveNode(j)
			t += float64(w * (m.latency[c][i][j] + m.resp[c][j]))
		}
	}
	if ct, ok := m.nodes[i].Spec.(topology.CallTimer); ok {
		resp := func(to string) float64 { return m.resp[c][m.index[to]] }
		if own, ok := ct.CallTime(m, m.nodes[i].Name, c, resp); ok {
			return own
		}
	}
	return t
}

// solveNode computes node i's queues and per-class response times, after
// those of the nodes it calls.
func (m *Model) solveNode(i int) {
	if m.solved[i] || m.pending[i] {
		return
	}
	m.pending[i] = true
	node := m.nodes[i]
	ne := NodeEstimate{Name: node.Name, Kind: node.Kind().Name}
	for c := range m.classes {
		ne.ArrivalRate += m.visits[c][i]
	}
	down := make([]float64, len(m.classes))
	for c := range m.classes {
		down[c] = m.downstream(c, i)
	}
	ne.Solution = node.Spec.Solve(m, node.Name, ne.ArrivalRate, down)
	m.onHost(node.Name, &ne.Solution)
	for c := range m.classes {
		m.resp[c][i] = ne.Response[c]
	}
	m.est.Nodes[i] = ne
	m.solved[i], m.pending[i] = true, false
}

// NetworkTime is the mean time a request spends on network round trips
// and a node's own network legs (such as a CDN's), by the estimate.
func (m *Model) NetworkTime() float64 {
	total := 0.0
	for c := range m.classes {
		for i, node := range m.nodes {
			for j, w := range m.route[c][i] {
				total += float64(m.visits[c][i] * w * m.latency[c][i][j])
			}
			if legs := node.Spec.NetworkLegs(m, node.Name, c); legs != 0 {
				total += float64(m.visits[c][i] * legs)
			}
		}
	}
	if m.rate <= 0 {
		return 0
	}
	return total / m.rate
}

// closed solves a closed workload by exact MVA over the stations, each
// multi-worker station by Seidmann's approximation: a c-worker station of
// demand D becomes a queue of demand D/c and a delay of D(c−1)/c
// (Seidmann, Schweitzer and Shalev-Oren, "Computerized closed queueing
// network models of flexible manufacturing systems", Large Scale Systems
// 12, 1987). A database's volumes are single-server stations of their own,
// one a server (the open estimate's Volume), their latency a delay; its
// workers' demand is their own work, and their busy share counts the time
// they wait on the volume besides.
func (m *Model) closed() (*Estimate, error) {
	w := m.s.Workload
	m.est.Method = "mean value analysis (exact MVA, Seidmann's approximation for multi-worker stations)"
	var demands []float64
	var counts []int
	delay := 0.0
	type group struct {
		node     int
		stations int
		workers  int
		visits   float64 // per request, over the node
		demand   float64 // per request, per station
		// volume says the group is the node's volumes, latency a request's
		// mean time in their latency, per station.
		volume  bool
		latency float64
		// limit and reads are the volume's Demand.VolumeLimit and
		// VolumeReads.
		limit, reads string
	}
	var groups []group
	for i, node := range m.nodes {
		v := 0.0
		for c := range m.classes {
			v += m.visits[c][i]
		}
		dm, ok := node.Spec.Demand(m, node.Name)
		if !ok {
			continue
		}
		if dm.Volume > 0 {
			dv := v * dm.Volume / float64(dm.Stations)
			demands, counts = append(demands, dv), append(counts, dm.Stations)
			delay += float64(v * dm.VolumeLatency)
			groups = append(groups, group{node: i, stations: dm.Stations, workers: 1, visits: v, demand: dv,
				volume: true, latency: float64(v*dm.VolumeLatency) / float64(dm.Stations), limit: dm.VolumeLimit, reads: dm.VolumeReads})
		}
		if node.Host != "" {
			continue // a node on a host: its host's cores are its station (below)
		}
		count, workers := dm.Stations, dm.Workers
		d := v * dm.Service / float64(count)
		demands, counts = append(demands, d/float64(workers)), append(counts, count)
		delay += float64(v*dm.Service*float64(workers-1)) / float64(workers)
		groups = append(groups, group{node: i, stations: count, workers: workers, visits: v, demand: d})
	}
	hostsAt := len(groups)
	for _, h := range m.s.Topology.Hosts {
		g := m.s.Topology.HostGroup(m, h)
		d := float64(g.Rate * g.Holding) // per request
		demands, counts = append(demands, d/float64(h.Cores)), append(counts, 1)
		delay += float64(d*float64(h.Cores-1)) / float64(h.Cores)
		groups = append(groups, group{node: -1, stations: 1, workers: h.Cores, visits: g.Rate, demand: d})
	}
	res, err := analytic.MVAGroups(demands, counts, mean(w.Think)+delay, w.Population)
	if err != nil {
		return nil, fmt.Errorf("estimate: %s: %w", m.s.Name, err)
	}
	if math.IsInf(res.Throughput, 0) || math.IsNaN(res.Throughput) {
		return nil, scenarios.Invalid(fmt.Errorf("estimate: %s: requests take no time and users do not think, so the throughput of a closed workload has no bound", m.s.Name))
	}
	lat := res.Response + delay
	m.est.Latency, m.est.Throughput, m.est.OfferedRate = &lat, res.Throughput, res.Throughput
	m.est.Nodes = make([]NodeEstimate, len(m.nodes))
	for i, n := range m.nodes {
		m.est.Nodes[i] = NodeEstimate{Name: n.Name, Kind: n.Kind().Name}
	}
	worst := -1.0
	// A request's time on a node's volume, per server, for its workers'
	// busy share: they hold on while their reads are there.
	io := make([]float64, len(m.nodes))
	for k, g := range groups {
		if g.volume {
			ne := &m.est.Nodes[g.node]
			ne.Volume = res.Throughput * g.demand
			ne.VolumeLimit, ne.VolumeReads = g.limit, g.reads
			io[g.node] = res.Residence[k] + g.latency
			if ne.Volume > worst {
				worst, m.est.Bottleneck = ne.Volume, ne.Name
			}
		}
	}
	for k, g := range groups {
		switch {
		case g.volume:
			continue
		case g.node < 0:
			h := m.s.Topology.Hosts[k-hostsAt]
			wait := math.Max(0, res.Residence[k]-g.demand/float64(g.workers))
			if u := m.closedHost(h, res.Throughput, g.visits, g.demand, wait); u > worst {
				worst, m.est.Bottleneck = u, m.est.Hosts[k-hostsAt].Nodes[0] // validation gives every host a node
			}
			continue
		}
		ne := &m.est.Nodes[g.node]
		ne.Stations, ne.Workers = g.stations, g.workers
		ne.Utilization = res.Throughput * (g.demand + io[g.node]) / float64(g.workers)
		ne.ArrivalRate = res.Throughput * g.visits
		wait := math.Max(0, res.Residence[k]-g.demand/float64(g.workers))
		ne.Wait = &wait
		if ne.Utilization > worst {
			worst, m.est.Bottleneck = ne.Utilization, ne.Name
		}
	}
	return m.est, nil
}

// WriteJSON writes the estimate as indented JSON.
func (est *Estimate) WriteJSON(w io.Writer) error { return output.WriteJSON(w, est, "estimate") }

// WriteTable writes the estimate for people.
func (est *Estimate) WriteTable(w io.Writer) error {
	var b strings.Builder
	dur := units.FormatDuration
	fmt.Fprintf(&b, "scenario    %s (analytic estimate)\n", est.Scenario)
	fmt.Fprintf(&b, "method      %s\n", est.Method)
	over := ""
	if w := est.Window; w != nil {
		over = fmt.Sprintf(" (the workload's mean over the run's window, %s to %s)", dur(w[0]), dur(w[1]))
	}
	fmt.Fprintf(&b, "rates       offered %s%s, throughput %s\n", units.Rate(est.OfferedRate), over, units.Rate(est.Throughput))
	if est.Latency != nil {
		fmt.Fprintf(&b, "latency     mean %s\n", dur(*est.Latency))
		writeClasses(&b, est.Classes)
		b.WriteString("\n")
	} else {
		fmt.Fprintf(&b, "latency     none: a station is offered more than its capacity (no steady state)\n\n")
	}
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKIND\tARRIVALS\tSTATIONS × WORKERS\tHOLDING\tUTIL\tWAIT\tHIT RATIO")
	for _, n := range est.Nodes {
		hit := "-"
		if n.HitRatio != nil {
			hit = units.Percent(*n.HitRatio)
		}
		if n.Workers == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t-\t%s\n", n.Name, n.Kind, units.Rate(n.ArrivalRate), hit)
			continue
		}
		wait := "∞"
		if n.Wait != nil {
			wait = dur(*n.Wait)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d × %d\t%s\t%s\t%s\t%s\n", n.Name, n.Kind, units.Rate(n.ArrivalRate), n.Stations, n.Workers,
			orInfinite(n.Holding, dur), orInfinite(n.Utilization, units.Percent), wait, hit)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writeHosts(&b, est.Hosts); err != nil {
		return err
	}
	b.WriteString("\n")
	for _, n := range est.Nodes {
		switch {
		case n.Volume >= 1:
			fmt.Fprintf(&b, "volume      %s: the busiest server's volume is offered %s of its %s (no steady state)\n", n.Name, units.Percent(n.Volume), VolumeLimit(n.Solution))
		case n.Volume > 0:
			fmt.Fprintf(&b, "volume      %s: the busiest server's volume %s busy; it saturates at about %s\n", n.Name, units.Percent(n.Volume), units.Rate(n.ArrivalRate/n.Volume))
		}
	}
	fmt.Fprintf(&b, "bottleneck  %s\n", est.Bottleneck)
	writeTransfer(&b, est.Transfer)
	for _, n := range est.Nodes {
		switch {
		case n.AsyncLatency != nil:
			fmt.Fprintf(&b, "async       %s: mean %s from publish to acknowledgement\n", n.Name, dur(*n.AsyncLatency))
		case slices.Contains(est.Backlog, n.Name) && n.Workers > 0:
			fmt.Fprintf(&b, "backlog     %s: offered %s of its capacity, off the request path: its backlog grows without bound\n", n.Name, orInfinite(n.Utilization, units.Percent))
		case slices.Contains(est.Backlog, n.Name):
			fmt.Fprintf(&b, "backlog     %s: its consumers are offered work without end: its backlog grows without bound\n", n.Name)
		}
	}
	for i, n := range est.Notes {
		label := "            "
		if i == 0 {
			label = "approximate "
		}
		fmt.Fprintf(&b, "%s%s\n", label, n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// VolumeLimit is what bounds a node's volume, for messages: its IOPS,
// its throughput, or both.
func VolumeLimit(s topology.Solution) string { return cmp.Or(s.VolumeLimit, "IOPS") }

// VolumeReads is what a visit reads from a node's volume, for messages:
// its pages, its scans, or both.
func VolumeReads(s topology.Solution) string { return cmp.Or(s.VolumeReads, "pages") }
