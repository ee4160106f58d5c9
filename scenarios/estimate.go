package scenarios

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/mat"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// Estimate is the analytic solution of a scenario: per-node arrival rates
// from the traffic equations, then each station (service instance, cache
// node, database server) as an M/M/c queue, or Mean Value Analysis for a
// closed workload. It is exact for product-form networks (Poisson
// arrivals, exponential service, no caches or limits) and an approximation
// otherwise; Notes lists what it leaves out.
type Estimate struct {
	Scenario    string  `json:"scenario"`
	Method      string  `json:"method"`
	OfferedRate float64 `json:"offered_rate"`
	Throughput  float64 `json:"throughput"`
	// Latency is the mean response time; nil when a station is overloaded
	// and there is no steady state.
	Latency    *float64       `json:"latency"`
	Nodes      []NodeEstimate `json:"nodes"`
	Bottleneck string         `json:"bottleneck"`
	Saturated  bool           `json:"saturated"`
	Notes      []string       `json:"notes"`
}

// NodeEstimate is one node's analytic figures.
type NodeEstimate struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	ArrivalRate float64 `json:"arrival_rate"` // visits per second, over all its stations
	Stations    int     `json:"stations"`     // instances, cache nodes or database servers
	Workers     int     `json:"workers"`      // per station
	Holding     float64 `json:"holding"`      // mean time a worker is held per visit
	// Utilization is the busy share of the workers, λ·holding/(stations·
	// workers); for a database, of its busiest group (primaries or
	// replicas), as the simulation reports it.
	Utilization float64 `json:"utilization"`
	// Wait is the mean queueing delay (Erlang C, or MVA).
	Wait     float64  `json:"wait"`
	HitRatio *float64 `json:"hit_ratio,omitempty"` // caches and CDNs
}

// estimator holds the per-class solution while it is computed.
type estimator struct {
	s       *Scenario
	nodes   []*topology.Node
	index   map[string]int
	classes []string
	writes  []bool
	shares  []float64
	// visits[c][i] is the rate of visits of class c at node i.
	visits [][]float64
	// route[c][i][j] is the expected number of calls node i makes to node
	// j per visit of class c (hit ratios and filters included).
	route   [][][]float64
	hit     map[string]float64 // hit ratio of each cache and CDN
	resp    [][]float64        // resp[c][i]: mean response per visit, once solved
	solved  []bool
	est     *Estimate
	pending []bool // cycle guard
}

// EstimateScenario solves s analytically in microseconds to milliseconds.
func EstimateScenario(s *Scenario) (*Estimate, error) {
	e, err := newEstimator(s)
	if err != nil {
		return nil, err
	}
	return e.solve()
}

// solve queues the visits newEstimator found and returns the estimate.
func (e *estimator) solve() (*Estimate, error) {
	s := e.s
	if s.Workload.Model == workloads.Closed {
		return e.closed()
	}
	if s.Workload.Shape() != nil {
		e.note("the workload varies over time; the estimate uses its starting rate")
	}
	e.est.Method = "traffic equations, then M/M/c per station (Erlang C)"
	e.est.OfferedRate = s.Workload.OfferedRate()
	e.stations()
	if !e.est.Saturated {
		mean := 0.0
		entry := e.index[s.Topology.Entry]
		for c := range e.classes {
			mean += e.shares[c] * e.resp[c][entry]
		}
		e.est.Latency = &mean
		e.est.Throughput = e.est.OfferedRate
	}
	return e.est, nil
}

// newEstimator computes hit ratios, routes and visit rates: per second for
// an open workload, per request for a closed one.
func newEstimator(s *Scenario) (*estimator, error) {
	e := &estimator{s: s, nodes: s.Topology.Nodes, index: map[string]int{}, classes: s.Workload.ClassNames(),
		writes: s.Workload.IsWrite(), hit: map[string]float64{}}
	for i, n := range e.nodes {
		e.index[n.Name] = i
	}
	e.shares = make([]float64, len(e.classes))
	if len(s.Workload.Mix) == 0 {
		e.shares[0] = 1
	}
	for i, c := range s.Workload.Mix {
		e.shares[i] = c.Share
	}
	e.est = &Estimate{Scenario: s.Name, Notes: []string{}}
	e.hitRatios()
	e.buildRoutes()
	lambda := s.Workload.OfferedRate()
	if s.Workload.Model == workloads.Closed {
		lambda = 1
	}
	if err := e.solveTraffic(lambda); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *estimator) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	if !slices.Contains(e.est.Notes, n) {
		e.est.Notes = append(e.est.Notes, n)
	}
}

// hitRatios computes each cache's and CDN's hit ratio from the key
// popularity: Che's approximation for LRU, the top keys for LFU, the TTL
// renewal formula when everything fits.
func (e *estimator) hitRatios() {
	keys := e.s.Workload.Keys
	for _, n := range e.nodes {
		var capacity, ttl float64
		policy := topology.EvictLRU
		switch {
		case n.Cache != nil:
			capacity, ttl, policy = float64(n.Cache.Nodes*n.Cache.Capacity), n.Cache.TTL, n.Cache.Eviction
		case n.CDN != nil:
			capacity, ttl = float64(n.CDN.Capacity), n.CDN.TTL
		default:
			continue
		}
		if keys == nil {
			e.hit[n.Name] = 0
			e.note("%s: the workload has no keys, so nothing is counted as a hit", n.Name)
			continue
		}
		probs, counts := popularityGroups(keys)
		h := analytic.CheLRUGrouped(probs, counts, capacity)
		switch {
		case capacity >= float64(keys.Count) && ttl > 0:
			h = e.ttlHitRatio(n, probs, counts, ttl)
		case policy == topology.EvictLFU:
			h = topShare(probs, counts, capacity)
			e.note("%s: LFU taken as holding the most popular keys", n.Name)
		case policy != topology.EvictLRU:
			e.note("%s: %s eviction estimated with LRU's hit ratio (Che), which it is close to", n.Name, policy)
		}
		if ttl > 0 && capacity < float64(keys.Count) {
			e.note("%s: TTL ignored where capacity binds", n.Name)
		}
		e.hit[n.Name] = h
	}
}

// ttlHitRatio is the TTL renewal hit ratio at the rate of gets the node
// sees, which needs the traffic solution; it is solved on the class mix
// at the entry rate, an upper bound for nodes deeper in the call graph.
func (e *estimator) ttlHitRatio(n *topology.Node, probs, counts []float64, ttl float64) float64 {
	rate := e.s.Workload.OfferedRate()
	hit := 0.0
	for i, p := range probs {
		x := p * rate * ttl
		hit += counts[i] * p * x / (1 + x)
	}
	e.note("%s: TTL hit ratio taken at the full request rate", n.Name)
	return hit
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

// topShare is the request share of the capacity most popular keys.
func topShare(probs, counts []float64, capacity float64) float64 {
	share := 0.0
	for i, p := range probs {
		take := math.Min(counts[i], capacity)
		share += take * p
		if capacity -= take; capacity <= 0 {
			break
		}
	}
	return math.Min(share, 1)
}

// buildRoutes fills route[c][i][j] from the call graph.
func (e *estimator) buildRoutes() {
	n := len(e.nodes)
	e.route = make([][][]float64, len(e.classes))
	for c, class := range e.classes {
		r := make([][]float64, n)
		for i := range r {
			r[i] = make([]float64, n)
		}
		for i, node := range e.nodes {
			switch {
			case node.Balancer != nil:
				total := 0
				for _, t := range node.Balancer.Targets {
					total += e.nodes[e.index[t]].Service.Instances
				}
				for _, t := range node.Balancer.Targets {
					r[i][e.index[t]] += float64(e.nodes[e.index[t]].Service.Instances) / float64(total)
				}
			case node.CDN != nil:
				miss := 1.0
				if len(node.CDN.Classes) == 0 || slices.Contains(node.CDN.Classes, class) {
					miss = 1 - e.hit[node.Name]
				}
				r[i][e.index[node.CDN.Origin]] += miss
			case node.Service != nil:
				e.addCalls(r[i], node.Service.Calls, class, 1)
			}
		}
		e.route[c] = r
	}
}

// addCalls adds the calls a service makes per visit, each weighted by the
// probability w that it is made.
func (e *estimator) addCalls(row []float64, calls []topology.Call, class string, w float64) {
	for _, call := range calls {
		if len(call.Classes) > 0 && !slices.Contains(call.Classes, class) {
			continue
		}
		row[e.index[call.To]] += w
		switch call.Op {
		case topology.OpGet:
			e.addCalls(row, call.OnMiss, class, w*(1-e.hit[call.To]))
		case topology.OpSet, topology.OpDelete:
			if call.Policy == topology.WriteBack {
				e.note("%s: write-back writes are left out (the flush coalesces them)", call.To)
				continue
			}
			e.addCalls(row, call.Write, class, w)
		}
	}
}

// solveTraffic solves the traffic equations x = γ + Pᵀx for each class,
// with γ the class's arrival rate at the entry node.
func (e *estimator) solveTraffic(lambda float64) error {
	n := len(e.nodes)
	entry := e.index[e.s.Topology.Entry]
	e.visits = make([][]float64, len(e.classes))
	for c := range e.classes {
		a := mat.NewDense(n, n, nil)
		for i := range n {
			for j := range n {
				v := -e.route[c][j][i]
				if i == j {
					v++
				}
				a.Set(i, j, v)
			}
		}
		gamma := mat.NewVecDense(n, nil)
		gamma.SetVec(entry, lambda*e.shares[c])
		var x mat.VecDense
		if err := x.SolveVec(a, gamma); err != nil {
			return fmt.Errorf("scenarios: %s: solving the traffic equations: %w", e.s.Name, err)
		}
		e.visits[c] = make([]float64, n)
		for i := range n {
			e.visits[c][i] = math.Max(0, x.AtVec(i))
		}
	}
	return nil
}

// station is a group of identical M/M/c queues a node's visits spread over.
type station struct {
	count, workers int
	rate           float64 // visits per second over the group
	holding        float64
	wait           float64
}

// solve computes the group's Erlang C wait; false when overloaded.
func (st *station) solve() bool {
	if st.rate == 0 || st.holding == 0 {
		return true
	}
	q := analytic.MMc{Lambda: st.rate / float64(st.count), Mu: 1 / st.holding, C: st.workers}
	if q.Rho() >= 1 {
		st.wait = math.Inf(1)
		return false
	}
	st.wait = q.MeanWait()
	return true
}

func (st *station) utilization() float64 {
	return st.rate * st.holding / float64(st.count*st.workers)
}

// stations solves every node's queues, leaves first, and fills in the
// node estimates.
func (e *estimator) stations() {
	n := len(e.nodes)
	e.resp = make([][]float64, len(e.classes))
	for c := range e.resp {
		e.resp[c] = make([]float64, n)
	}
	e.solved, e.pending = make([]bool, n), make([]bool, n)
	e.est.Nodes = make([]NodeEstimate, n)
	worst := -1.0
	for i := range e.nodes {
		e.solveNode(i)
		if u := e.est.Nodes[i].Utilization; u > worst && e.nodes[i].Balancer == nil && e.nodes[i].CDN == nil {
			worst, e.est.Bottleneck = u, e.nodes[i].Name
		}
	}
}

// mean is the mean of d, 0 for nil.
func mean(d sim.Dist) float64 {
	if d == nil {
		return 0
	}
	return d.Mean()
}

// callLatency is the mean network round trip of the calls from node i to
// node j of class c, per call.
func (e *estimator) callLatency(i, j int) float64 {
	node := e.nodes[i]
	if node.Service == nil {
		return 0
	}
	lat := -1.0
	var walk func(calls []topology.Call)
	walk = func(calls []topology.Call) {
		for _, call := range calls {
			if call.To == e.nodes[j].Name && lat < 0 {
				lat = mean(call.Latency)
				if call.Latency == nil {
					lat = mean(e.s.Latency)
				}
			}
			walk(call.OnMiss)
			walk(call.Write)
		}
	}
	walk(node.Service.Calls)
	return math.Max(lat, 0)
}

// downstream is the expected time a visit of class c at node i spends in
// the calls it makes: Σⱼ route·(latency + response of j).
func (e *estimator) downstream(c, i int) float64 {
	t := 0.0
	for j, w := range e.route[c][i] {
		if w > 0 {
			e.solveNode(j)
			t += w * (e.callLatency(i, j) + e.resp[c][j])
		}
	}
	return t
}

// solveNode computes node i's queues and per-class response times, after
// those of the nodes it calls.
func (e *estimator) solveNode(i int) {
	if e.solved[i] || e.pending[i] {
		return
	}
	e.pending[i] = true
	node := e.nodes[i]
	ne := NodeEstimate{Name: node.Name, Kind: node.Kind, Stations: 1}
	for c := range e.classes {
		ne.ArrivalRate += e.visits[c][i]
	}
	var down = make([]float64, len(e.classes))
	for c := range e.classes {
		down[c] = e.downstream(c, i)
	}
	switch {
	case node.Service != nil:
		sv := node.Service
		st := station{count: sv.Instances, workers: sv.Workers, rate: ne.ArrivalRate}
		if e.pooled(node.Name) && sv.Instances > 1 {
			// Joining the least busy instance behaves much like one queue
			// in front of all the workers.
			st.count, st.workers = 1, sv.Instances*sv.Workers
			e.note("%s: least-connections balancing taken as one shared queue over all %d instances", node.Name, sv.Instances)
		}
		s := mean(sv.ServiceTime)
		for c := range e.classes {
			h := s
			if sv.Blocking {
				h += down[c]
			}
			st.holding += e.visits[c][i] * h
		}
		if ne.ArrivalRate > 0 {
			st.holding /= ne.ArrivalRate
		}
		e.finish(&ne, &st)
		ne.Stations, ne.Workers = sv.Instances, sv.Workers
		for c := range e.classes {
			e.resp[c][i] = st.wait + s + down[c]
		}
		if sv.Queue != topology.Unlimited {
			e.note("%s: its queue limit is ignored (no rejections)", node.Name)
		}
	case node.Cache != nil:
		st := station{count: node.Cache.Nodes, workers: node.Cache.Workers, rate: ne.ArrivalRate, holding: mean(node.Cache.ServiceTime)}
		e.finish(&ne, &st)
		for c := range e.classes {
			e.resp[c][i] = st.wait + st.holding
		}
		h := e.hit[node.Name]
		ne.HitRatio = &h
	case node.Database != nil:
		e.solveDatabase(i, &ne)
	case node.CDN != nil:
		cdn := node.CDN
		for c, class := range e.classes {
			e.resp[c][i] = mean(cdn.EdgeLatency) + down[c]
			miss := 1.0
			if len(cdn.Classes) == 0 || slices.Contains(cdn.Classes, class) {
				miss = 1 - e.hit[node.Name]
			}
			e.resp[c][i] += miss * mean(cdn.OriginLatency)
		}
		h := e.hit[node.Name]
		ne.HitRatio = &h
	default: // a load balancer forwards at once
		for c := range e.classes {
			e.resp[c][i] = down[c]
		}
	}
	e.est.Nodes[i] = ne
	e.solved[i], e.pending[i] = true, false
}

// solveDatabase splits a database's visits into writes at the primaries and
// reads at the primaries or replicas, evenly over shards.
func (e *estimator) solveDatabase(i int, ne *NodeEstimate) {
	db := e.nodes[i].Database
	var reads, writes float64
	for c := range e.classes {
		if e.writes[c] {
			writes += e.visits[c][i]
		} else {
			reads += e.visits[c][i]
		}
	}
	onPrimary := 1.0
	if db.Replicas > 0 {
		switch db.ReadFrom {
		case topology.ReadReplicas:
			onPrimary = 0
		case topology.ReadAny:
			onPrimary = 1 / float64(1+db.Replicas)
		}
	}
	rt, wt := mean(db.ReadTime), mean(db.WriteTime)
	prim := station{count: db.Shards, workers: db.Workers, rate: writes + reads*onPrimary}
	if prim.rate > 0 {
		prim.holding = (writes*wt + reads*onPrimary*rt) / prim.rate
	}
	repl := station{count: max(1, db.Shards*db.Replicas), workers: db.Workers, rate: reads * (1 - onPrimary), holding: rt}
	okP, okR := prim.solve(), repl.solve()
	e.est.Saturated = e.est.Saturated || !okP || !okR
	ne.Stations, ne.Workers = db.Shards*(1+db.Replicas), db.Workers
	busy := prim.rate*prim.holding + repl.rate*repl.holding
	// Like the simulation's report, the busiest server's figures.
	ne.Utilization, ne.Wait = prim.utilization(), prim.wait
	if db.Replicas > 0 && repl.utilization() > ne.Utilization {
		ne.Utilization, ne.Wait = repl.utilization(), repl.wait
	}
	if ne.ArrivalRate > 0 {
		ne.Holding = busy / ne.ArrivalRate
	}
	for c := range e.classes {
		if e.writes[c] {
			e.resp[c][i] = prim.wait + wt
		} else {
			e.resp[c][i] = onPrimary*(prim.wait+rt) + (1-onPrimary)*(repl.wait+rt)
		}
	}
	if db.Shards > 1 {
		e.note("%s: load taken as spread evenly over shards (hot keys make some shards busier)", e.nodes[i].Name)
	}
	if db.Pool > 0 || db.ConnectTime != nil {
		e.note("%s: connection pools and connect times are left out", e.nodes[i].Name)
	}
}

// pooled says a least-connections balancer spreads requests over service.
func (e *estimator) pooled(service string) bool {
	for _, n := range e.nodes {
		if n.Balancer != nil && n.Balancer.Algorithm == topology.LeastConn && slices.Contains(n.Balancer.Targets, service) {
			return true
		}
	}
	return false
}

// finish solves a station group and records it in the node estimate.
func (e *estimator) finish(ne *NodeEstimate, st *station) {
	if !st.solve() {
		e.est.Saturated = true
	}
	ne.Stations, ne.Workers, ne.Holding = st.count, st.workers, st.holding
	ne.Utilization, ne.Wait = st.utilization(), st.wait
}

// closed solves a closed workload by exact MVA over the stations, each
// multi-worker station by Seidmann's approximation: a c-worker station of
// demand D becomes a queue of demand D/c and a delay of D(c−1)/c
// (Seidmann, Schweitzer and Shalev-Oren, "Computerized closed queueing
// network models of flexible manufacturing systems", Large Scale Systems
// 12, 1987).
func (e *estimator) closed() (*Estimate, error) {
	w := e.s.Workload
	e.est.Method = "mean value analysis (exact MVA, Seidmann's approximation for multi-worker stations)"
	var demands []float64
	delay := 0.0
	type group struct {
		node     int
		stations int
		workers  int
		visits   float64 // per request, over the node
		demand   float64 // per request, per station
	}
	var groups []group
	for i, node := range e.nodes {
		v := 0.0
		for c := range e.classes {
			v += e.visits[c][i]
		}
		var s float64
		count, workers := 1, 1
		switch {
		case node.Service != nil:
			s, count, workers = mean(node.Service.ServiceTime), node.Service.Instances, node.Service.Workers
			if node.Service.Blocking && len(node.Service.Calls) > 0 {
				e.note("%s: a blocked worker's wait for its calls is left out of MVA", node.Name)
			}
		case node.Cache != nil:
			s, count, workers = mean(node.Cache.ServiceTime), node.Cache.Nodes, node.Cache.Workers
		case node.Database != nil:
			s, count, workers = mean(node.Database.ReadTime), node.Database.Shards*(1+node.Database.Replicas), node.Database.Workers
		default:
			continue
		}
		d := v * s / float64(count)
		for range count {
			demands = append(demands, d/float64(workers))
		}
		delay += v * s * float64(workers-1) / float64(workers)
		groups = append(groups, group{i, count, workers, v, d})
	}
	res, err := analytic.MVA(demands, mean(w.Think)+delay, w.Population)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %s: %w", e.s.Name, err)
	}
	lat := res.Response + delay
	e.est.Latency, e.est.Throughput, e.est.OfferedRate = &lat, res.Throughput, res.Throughput
	e.est.Nodes = make([]NodeEstimate, len(e.nodes))
	for i, n := range e.nodes {
		e.est.Nodes[i] = NodeEstimate{Name: n.Name, Kind: n.Kind}
	}
	worst := -1.0
	k := 0
	for _, g := range groups {
		ne := &e.est.Nodes[g.node]
		ne.Stations, ne.Workers = g.stations, g.workers
		ne.Utilization = res.Throughput * g.demand / float64(g.workers)
		ne.ArrivalRate = res.Throughput * g.visits
		ne.Wait = math.Max(0, res.Residence[k]-g.demand/float64(g.workers))
		k += g.stations
		if ne.Utilization > worst {
			worst, e.est.Bottleneck = ne.Utilization, ne.Name
		}
	}
	return e.est, nil
}

// WriteJSON writes the estimate as indented JSON.
func (est *Estimate) WriteJSON(w io.Writer) error { return writeJSON(w, est, "estimate") }

// WriteTable writes the estimate for people.
func (est *Estimate) WriteTable(w io.Writer) error {
	var b strings.Builder
	dur := units.FormatDuration
	fmt.Fprintf(&b, "scenario    %s (analytic estimate)\n", est.Scenario)
	fmt.Fprintf(&b, "method      %s\n", est.Method)
	fmt.Fprintf(&b, "rates       offered %s, throughput %s\n", units.Rate(est.OfferedRate), units.Rate(est.Throughput))
	if est.Latency != nil {
		fmt.Fprintf(&b, "latency     mean %s\n\n", dur(*est.Latency))
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
		if !math.IsInf(n.Wait, 1) {
			wait = dur(n.Wait)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d × %d\t%s\t%s\t%s\t%s\n", n.Name, n.Kind, units.Rate(n.ArrivalRate), n.Stations, n.Workers,
			dur(n.Holding), units.Percent(n.Utilization), wait, hit)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nbottleneck  %s\n", est.Bottleneck)
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
