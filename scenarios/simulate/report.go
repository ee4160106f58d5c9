package simulate

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// Report is the result of a run. Times are in seconds, rates per second,
// shares between 0 and 1. Its JSON form is the machine-readable output of
// `scalesim run --format json`.
type Report struct {
	Scenario  string       `json:"scenario"`
	Seed      uint64       `json:"seed"`
	Overrides []string     `json:"overrides,omitempty"` // --set PATH=VALUE applied to the file
	Workload  WorkloadInfo `json:"workload"`
	Warmup    float64      `json:"warmup"` // simulated seconds before measuring
	Window    float64      `json:"window"` // simulated seconds measured
	// CouldNotGoOn says the run stopped because it could not go on
	// (overload, the in-flight cap, a stall, the memory budget): a
	// failure. A run that only reached a budget of requests or events
	// stopped early without one.
	CouldNotGoOn bool `json:"could_not_go_on,omitempty"`
	// InWarmup says the run stopped before its warm-up (Warmup, as
	// asked) ended: its figures, over Window seconds from 0, are of the
	// warm-up.
	InWarmup bool `json:"stopped_in_warmup,omitempty"`
	// OfferedRate is the request rate offered in the window: the open
	// arrival rate (averaged over the window where it is shaped), or the
	// measured arrival rate of a closed or session workload.
	OfferedRate float64 `json:"offered_rate"`
	Throughput  float64 `json:"throughput"`
	// Goodput is the replies per second that met the SLO's latency bound
	// (GoodputWithin, that of its highest percentile); without a latency
	// objective every reply counts and it equals Throughput.
	Goodput       float64 `json:"goodput"`
	GoodputWithin float64 `json:"goodput_within,omitempty"`
	// DegradedAsErrors says the objectives count degraded replies as
	// errors (slo.degraded_counts_as: error): in the error rate, and not
	// in goodput.
	DegradedAsErrors bool `json:"degraded_as_errors,omitempty"`
	// ErrorRate is the share of the requests that ended in the window
	// (completed, rejected, timed out) that did not complete; null when
	// none ended.
	ErrorRate *float64      `json:"error_rate"`
	Requests  RequestCounts `json:"requests"`
	// Classes are each request class's figures, when the workload's mix
	// has more than one class (or the SLO has objectives by class).
	Classes []ClassReport `json:"classes,omitempty"`
	// Latency is null when no request completed in the window: there is
	// nothing to measure it from.
	Latency *Latency `json:"latency"`
	// Regions are the latencies of each region's users, when the
	// workload places them (workload.regions).
	Regions []RegionReport `json:"regions,omitempty"`
	Nodes   []NodeReport   `json:"nodes"`
	// Bottleneck is the node whose own demand is the highest share of its
	// capacity, where the system breaks first (a saturated one when there
	// is one); empty when no request arrived in the window and nothing is
	// saturated.
	Bottleneck string `json:"bottleneck"`
	// Hosts are the machines nodes share (see topology.Host); absent
	// when none is given.
	Hosts []HostReport `json:"hosts,omitempty"`
	// HeldWaiting are the nodes whose workers are held waiting on the
	// bottleneck (saturated by their offered load, not their own demand).
	HeldWaiting  []string `json:"held_waiting,omitempty"`
	StoppedEarly string   `json:"stopped_early,omitempty"`
	// Precision is how the stop rule of a steady-state run ended; nil for
	// a run of fixed duration.
	Precision *PrecisionResult `json:"precision,omitempty"`
	Cost      Cost             `json:"cost"`
	SLO       SLOResult        `json:"slo"`
	// Events is the number of simulation events the run processed.
	Events uint64 `json:"events"`
	// Histogram holds the response times of the requests completed in the
	// window, to merge with other runs' (package scenarios/batch); it is
	// in none of the report's forms.
	Histogram *sim.Histogram `json:"-"`
	// Series is the run sampled over time; nil for a run with no time
	// series (see RunSpec.Sample).
	Series *Series `json:"series,omitempty"`
	// Violations sums up the sample windows after the warm-up that broke
	// an objective; nil without a series or objectives.
	Violations *Violations `json:"slo_violations,omitempty"`
	// Triggers are the scheduled faults and spikes, with what each did to
	// goodput and whether it recovered (see Trigger).
	Triggers []Trigger `json:"triggers,omitempty"`
	// Deploys are the scheduled deploys, with what each did to the fleet
	// (see topology.DeployStats); absent without any.
	Deploys []engine.DeployStats `json:"deploys,omitempty"`
}

// PrecisionResult says whether a steady-state run reached its precision:
// the half-width of the 95% CI of the mean latency relative to the mean.
type PrecisionResult struct {
	Target float64 `json:"target"`
	// Achieved is null when too few requests completed for an interval,
	// or when the mean has none (Latency.NoCI).
	Achieved *float64 `json:"achieved"`
	Met      bool     `json:"met"`
	// noCI says the mean has no interval (Latency.NoCI): no precision was
	// achieved, whatever the batch means' width.
	noCI bool
}

// WorkloadInfo says what drove the run.
type WorkloadInfo struct {
	Model       string `json:"model"`
	Description string `json:"description"`
	// Derivation spells out the peak-rate arithmetic of the users model.
	Derivation string `json:"derivation,omitempty"`
}

// RequestCounts count the requests that arrived in the measurement window,
// by how they ended: Arrived = Completed + Failed() + Unfinished.
type RequestCounts struct {
	Arrived   int64 `json:"arrived"`
	Completed int64 `json:"completed"`
	Rejected  int64 `json:"rejected"`  // a full queue turned them away
	TimedOut  int64 `json:"timed_out"` // the client stopped waiting
	// Errors were failed by a node (an instance down, injected errors);
	// CallTimeouts by a call's own timeout on their way, retries spent;
	// RateLimited and Shed turned away by a rate limit or load
	// shedding; CircuitOpen refused by an open circuit breaker;
	// NodeTimeouts ended by a node's own time limit (a function's
	// timeout), absent without any.
	Errors       int64 `json:"errors"`
	CallTimeouts int64 `json:"call_timeouts"`
	RateLimited  int64 `json:"rate_limited"`
	Shed         int64 `json:"shed"`
	CircuitOpen  int64 `json:"circuit_open"`
	NodeTimeouts int64 `json:"node_timeouts,omitempty"`
	// Unfinished were still in the system when the run ended.
	Unfinished int64 `json:"unfinished"`
	// Degraded are the completed requests a fallback answered one of
	// whose calls (see topology.Fallback); absent without any.
	Degraded int64 `json:"degraded,omitempty"`
	// LostWrites are writes acknowledged, and so completed, but lost
	// after: a write-back cache node failed before flushing them, or a
	// failed primary had not replicated them.
	LostWrites int64 `json:"lost_writes"`
}

// Failed counts the requests that ended without a reply, whatever the
// cause.
func (q RequestCounts) Failed() int64 {
	return q.Rejected + q.TimedOut + q.Errors + q.CallTimeouts + q.RateLimited + q.Shed + q.CircuitOpen + q.NodeTimeouts
}

// Latency summarises the response times of completed requests, from arrival
// at the entry node to the reply. Quantiles are within 1% relative error.
type Latency struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	// MeanCI95 is the 95% confidence interval of the mean by batch means;
	// null when the run was too short to give one, or changes over time
	// (NoCI says so).
	MeanCI95 *[2]float64 `json:"mean_ci95"`
	// NoCI says why there is no interval where the run could have had
	// one: its load or system changes over time, so its latencies are not
	// a stationary series and batch means would give a false interval.
	NoCI string `json:"no_ci,omitempty"`
}

// NoCIChanging is Latency.NoCI for a run that changes over time.
const NoCIChanging = "the load or the system changes over time: batch means would give a false interval (compare seeds for one)"

// Get is the latency statistic an SLO can name, or nil when l is nil (no
// request completed).
func (l *Latency) Get(name string) *float64 {
	if l == nil {
		return nil
	}
	v := l.Statistic(name)
	return &v
}

// latencyFigures summarises the latencies of the requests m completed, or
// is nil if none did.
func (m *measured) latencyFigures() *Latency {
	if m.completed == 0 {
		return nil
	}
	h := &m.latency
	return &Latency{Mean: m.latency.Mean(), P50: h.Quantile(0.5), P90: h.Quantile(0.9), P95: h.Quantile(0.95),
		P99: h.Quantile(0.99), P999: h.Quantile(0.999), Max: h.Max()}
}

// Statistic is the latency statistic an SLO can name: mean, p50, p90,
// p95, p99 or p999.
func (l *Latency) Statistic(name string) float64 {
	switch name {
	case "mean":
		return l.Mean
	case "p50":
		return l.P50
	case "p90":
		return l.P90
	case "p95":
		return l.P95
	case "p99":
		return l.P99
	}
	return l.P999
}

// NodeReport is one node's figures over the measurement window.
type NodeReport struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Instances int    `json:"instances"`
	// Utilization is the busy share of all workers.
	Utilization float64 `json:"utilization"`
	// OfferedLoad is the utilization needed to serve everything offered:
	// arrival rate × mean worker holding time ÷ workers.
	OfferedLoad float64 `json:"offered_load"`
	// OwnLoad is the node's own demand, as OfferedLoad but with the
	// service time alone (not the time a blocking worker waits on its
	// calls): what names the bottleneck.
	OwnLoad    float64 `json:"own_load"`
	Throughput float64 `json:"throughput"`
	// QueueLength is the time-average number of requests waiting.
	QueueLength float64 `json:"queue_length"`
	// Wait is null when no request reached a worker in the window.
	Wait     *WaitStats `json:"wait"`
	Rejected int64      `json:"rejected"`
	// Errors counts the visits a fault failed at the node; RateLimited
	// and Shed those its rate limit or load shedding turned away;
	// TimedOut those its own time limit ended (a function's timeout).
	Errors      int64 `json:"errors,omitempty"`
	RateLimited int64 `json:"rate_limited,omitempty"`
	Shed        int64 `json:"shed,omitempty"`
	TimedOut    int64 `json:"timed_out,omitempty"`
	// Saturated says the node cannot keep up (SaturatedBecause says
	// why): its own demand or its offered load at SaturationThreshold or
	// more, its queue (a queue's backlog) growing over the window, its
	// queue's backlog growing (a worker group), TurnedAwayShare or more of
	// its arrivals turned away before any work, or the overload that
	// stopped the run queued there most.
	Saturated        bool     `json:"saturated"`
	SaturatedBecause []string `json:"saturated_because,omitempty"`
	// Scaling is what the node's autoscaler did; absent for a fixed
	// fleet. Instances is then the count taking work at the end.
	Scaling *engine.Scaling `json:"scaling,omitempty"`
	// Workers says the node serves with workers, so that utilization,
	// offered load, queue and waits mean something; a load balancer and a
	// CDN have none.
	Workers bool `json:"-"`
	// Transfer is the bytes it received and sent, for a node that gives
	// sizes of its own or prices its egress; absent otherwise.
	Transfer *engine.Transfer `json:"transfer,omitempty"`
	// Detail is the kind's own figures, such as a cache's hit ratio: in
	// JSON under the kind's key (cache, database, cdn), after saturated.
	Detail topology.Detail `json:"-"`
	// draws and serviceSCV are the service times drawn and their
	// distributions' squared coefficient of variation (see undersampled).
	draws      int64
	serviceSCV float64
	// growing says its queue grew through the later half of the window
	// (see diverging); arrivals are the visits that arrived in it.
	growing  bool
	arrivals int64
	// hostLoad is its host's load (see HostReport), 0 off a host: a
	// node on a host can do no more than the host's cores can.
	hostLoad float64
}

// MarshalJSON writes the node's figures, then its kind's Detail under the
// kind's key.
func (n NodeReport) MarshalJSON() ([]byte, error) {
	type plain NodeReport // without this method
	b, err := json.Marshal(plain(n))
	if err != nil || n.Detail == nil {
		return b, err
	}
	key, err := json.Marshal(n.Detail.JSONKey())
	if err != nil {
		return nil, err
	}
	detail, err := json.Marshal(n.Detail)
	if err != nil {
		return nil, err
	}
	b = append(b[:len(b)-1], ',')
	b = append(append(append(b, key...), ':'), detail...)
	return append(b, '}'), nil
}

// Cost is what the architecture costs for a 730-hour month at the measured
// load: hourly prices × billable units (instances, cache nodes, database
// servers), plus usage prices (per million requests, per GB of egress)
// extrapolated from the window's rates.
type Cost struct {
	MonthlyUSD            float64            `json:"monthly_usd"`
	PerMillionRequestsUSD *float64           `json:"per_million_requests_usd"`
	ByNode                map[string]float64 `json:"by_node"`
	// Priced says where prices came from; empty when no node has one.
	Priced string `json:"priced,omitempty"`
	// Transfer is the bytes that crossed a priced border (between regions
	// or zones, out to the users), in MonthlyUSD; absent without any.
	Transfer *TransferCost `json:"transfer,omitempty"`
	// Storage is the databases' data at the run's users and its price, in
	// ByNode and MonthlyUSD; absent when no database has data.
	Storage []StorageCost `json:"storage,omitempty"`
	// hosts are the hosts in ByNode (by their names, which no node has).
	hosts []string
}

// WaitStats describe the time queued before a worker takes a request.
type WaitStats struct {
	Mean float64 `json:"mean"`
	P99  float64 `json:"p99"`
}

// End is when the run stopped, in seconds since it started.
func (r *Report) End() float64 {
	if r.InWarmup {
		return r.Window
	}
	return r.Warmup + r.Window
}

// SLOResult says whether the run met its objectives.
type SLOResult struct {
	// Pass is false when an objective failed, or when the run was cut
	// short (Incomplete): a part of a run cannot pass for the whole.
	Pass bool `json:"pass"`
	// Incomplete says why the run did not cover what it was asked (a
	// budget or the request cap stopped it at a time), so that no verdict
	// can be given on the whole; empty for a run that did.
	Incomplete string `json:"incomplete,omitempty"`
	// Checks lists each objective with the measured value, e.g.
	// "p99 110ms ≤ 200ms".
	Checks     []string `json:"checks"`
	Violations []string `json:"violations"`
}

// SaturationThreshold is the offered load (share of capacity) at and above
// which a node is reported saturated: its queue, and so latency, grow
// without practical bound there.
const SaturationThreshold = 0.98

// Arrived is the visits that arrived at the node in the window, those it
// failed or turned away included.
func (n *NodeReport) Arrived() int64 { return n.arrivals }

// saturation says why a node whose figures are st cannot keep up, if it
// cannot: see NodeReport.Saturated. culprit, when not "", says what
// stopped the run (overload, the in-flight cap) with its queue the
// longest.
func saturation(st engine.NodeStats, culprit string) []string {
	var why []string
	if culprit != "" {
		why = append(why, fmt.Sprintf("the run stopped %s with its queue the longest", culprit))
	}
	if st.OwnLoad >= SaturationThreshold {
		why = append(why, fmt.Sprintf("its own demand is %s of its capacity", units.Percent(st.OwnLoad)))
	} else if st.OfferedLoad >= SaturationThreshold {
		rest := waitingOnCalls
		if w, ok := st.Detail.(engine.Waiting); ok && w.WaitingOn() != "" {
			rest = "the rest its workers waiting on " + w.WaitingOn()
		}
		why = append(why, fmt.Sprintf("its offered load is %s of its capacity (its own demand %s, %s)", units.Percent(st.OfferedLoad), units.Percent(st.OwnLoad), rest))
	} else if v, ok := st.Detail.(engine.VolumeBusy); ok {
		// Workers enough to wait on a volume that cannot keep up: their
		// load is low, and the reads queue at the volume.
		if busy, ok := v.VolumeBusy(); ok && busy >= SaturationThreshold {
			why = append(why, fmt.Sprintf("its volume is %s busy, its reads waiting in its queue", units.Percent(busy)))
		}
	}
	backlog, isQueue := st.Detail.(engine.Backlog)
	var turnedAway, held int64
	if isQueue {
		turnedAway, held = backlog.Full()
	} else if away := turnedAwayAt(st); away != "" {
		why = append(why, away)
	}
	switch g := st.Growth; {
	case isQueue && backlog.ConsumedBy() == "":
		// Nothing consumes it (a dead-letter queue): it keeps what it is
		// given, by design.
	case isQueue && turnedAway+held > 0:
		why = append(why, fmt.Sprintf("it is full: %s turned away and %d held at its capacity", units.Plural(turnedAway, "publish", "publishes"), held))
	case g.Grows && isQueue:
		why = append(why, fmt.Sprintf("its backlog grew by %s over the later half of the window (%s standard errors)", units.Rate(g.PerSecond), units.Count(g.PerSecond/g.SE)))
	case g.Grows:
		why = append(why, fmt.Sprintf("its queue grew by %s over the later half of the window (%s standard errors)", units.Rate(g.PerSecond), units.Count(g.PerSecond/g.SE)))
	}
	return why
}

// TurnedAwayShare is the share of a node's arrivals at and above which
// turning them away before any work (a full queue, load shedding, a rate
// limit) makes it saturated, however short the run and however idle its
// workers: 1% of the requests failing there is no longer negligible (it
// spends the error budget of a 99% objective alone), and a queue of few
// places fills so at loads its utilization does not call saturated
// (M/M/1/2 turns away 10.3% at ρ = 0.4). It needs no run long enough for
// a trend or a stretch of sample windows: a turned-away visit is counted
// when it happens.
const TurnedAwayShare = 0.01

// turnedAwayAt says how node st turned away TurnedAwayShare or more of
// its arrivals before any work, or is "".
func turnedAwayAt(st engine.NodeStats) string {
	return turnedAway(st.Rejected, st.Shed, st.RateLimited, st.Arrivals)
}

// TurnedAway says how the node turned away TurnedAwayShare or more of its
// arrivals before any work (one of the reasons it is saturated), or is "".
func (n *NodeReport) TurnedAway() string {
	if _, isQueue := n.Detail.(engine.Backlog); isQueue {
		return "" // a broker's publishes turned away are its own reason
	}
	return turnedAway(n.Rejected, n.Shed, n.RateLimited, n.arrivals)
}

// OnlyTurnedAway says the node's one reason to be saturated is what it
// turned away (TurnedAway): its load is below saturation and no queue of
// its grows, so the run may yet be in a steady state.
func (n *NodeReport) OnlyTurnedAway() bool {
	return n.Saturated && len(n.SaturatedBecause) == 1 && n.TurnedAway() != ""
}

// turnedAway says how a node that rejected, shed and rate limited those
// of its arrivals turned away TurnedAwayShare or more of them, or is "".
func turnedAway(rejected, shed, limited, arrivals int64) string {
	away := rejected + shed + limited
	if arrivals <= 0 || away <= 0 {
		return ""
	}
	share := float64(away) / float64(arrivals)
	if share < TurnedAwayShare {
		return ""
	}
	var how []string
	for _, c := range []struct {
		n    int64
		what string
	}{{rejected, "rejected by a full queue"}, {shed, "shed"}, {limited, "rate limited"}} {
		if c.n > 0 {
			how = append(how, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return fmt.Sprintf("it turned away %s of its arrivals (%s)", units.Percent(share), strings.Join(how, ", "))
}

// bottleneck names the node whose own demand is the highest share of its
// capacity, where the system breaks first (a node held waiting on its
// calls is not the cause), and the nodes held waiting on it: saturated,
// or nearly, by their offered load but not by their own demand, with a
// call path to it.
func bottleneck(t *topology.Topology, nodes []NodeReport) (name string, heldBy []string) {
	// A queue whose backlog grows is its consumers' failing (they are the
	// bottleneck, however idle a partition or a schedule leaves them), or
	// its own when nothing consumes it.
	behind := map[string]bool{}
	for _, n := range nodes {
		if b, ok := n.Detail.(engine.Backlog); ok && n.Saturated && b.ConsumedBy() != "" {
			behind[b.ConsumedBy()] = true
		}
	}
	// The bottleneck is a node the run found saturated, when there is
	// one (see failing): the most own demand elsewhere is a node keeping up (a copy of a
	// fleet whose workers are held waiting on a far region is saturated
	// while what it calls is 24% busy). A saturated node that calls
	// another saturated node is held waiting on it, which is the one.
	// (A consumer group behind its queue counts as saturated; the queue,
	// whose backlog is the group's failing, does not.)
	failing := func(n NodeReport) bool {
		return behind[n.Name] || n.Saturated && (n.Workers || !isConsumed(n))
	}
	heldOn := func(n NodeReport) bool {
		for _, m := range nodes {
			if m.Name != n.Name && failing(m) && t.Reaches(n.Name, m.Name) {
				return true
			}
		}
		return false
	}
	anyFailing := slices.ContainsFunc(nodes, failing)
	worst := -1.0
	for _, n := range nodes {
		if anyFailing && (!failing(n) || heldOn(n)) {
			continue
		}
		load := math.Max(n.OwnLoad, n.hostLoad)
		switch {
		case behind[n.Name]:
			load = math.Max(load, SaturationThreshold)
		case !n.Workers && n.Saturated && !isConsumed(n):
			load = SaturationThreshold
		case !n.Workers:
			load = 0
		}
		if load > worst {
			worst, name = load, n.Name
		}
	}
	for _, n := range nodes {
		if n.Name != name && n.OfferedLoad >= SaturationThreshold && n.OwnLoad < SaturationThreshold && t.Reaches(n.Name, name) {
			heldBy = append(heldBy, n.Name)
		}
	}
	return name, heldBy
}

func (r *runner) report() *Report {
	now := r.k.Now()
	window := float64(now - r.windowStart)
	w := r.s.Workload
	rep := &Report{
		Scenario:         r.s.Name,
		Seed:             r.s.Run.Seed,
		Overrides:        r.s.Overrides,
		Workload:         WorkloadInfo{Model: w.Model.String(), Description: w.Describe()},
		Warmup:           float64(r.windowStart),
		Window:           window,
		GoodputWithin:    r.goodputWithin,
		DegradedAsErrors: r.degradedErrors,
		Requests: RequestCounts{
			Arrived:      r.arrived,
			Completed:    r.completed,
			Rejected:     r.failed[engine.Rejected],
			TimedOut:     r.failed[engine.TimedOut],
			Errors:       r.failed[engine.Failed],
			CallTimeouts: r.failed[engine.CallTimedOut],
			RateLimited:  r.failed[engine.RateLimited],
			Shed:         r.failed[engine.Shed],
			CircuitOpen:  r.failed[engine.CircuitOpen],
			NodeTimeouts: r.failed[engine.NodeTimedOut],
		},
		StoppedEarly: r.stopped,
		Events:       r.k.Fired(),
	}
	if !r.inWindow {
		rep.InWarmup, rep.Warmup = true, r.s.Run.WarmupSeconds()
	}
	rep.Requests.Unfinished = r.arrived - r.ended()
	rep.Requests.Degraded = r.degraded
	if w.Users != nil {
		rep.Workload.Derivation = w.Users.Derivation()
	}
	if window > 0 {
		rep.Throughput = float64(r.completed) / window
		rep.Goodput = float64(r.good) / window
		if w.Model == workloads.Closed || w.Model == workloads.Sessions {
			// What the window was offered depends on the run: a closed
			// population waits for replies, and sessions start from none
			// and reach their long-run rate only after about a session's
			// length (which may be longer than any run).
			rep.OfferedRate = float64(r.arrived) / window
		} else {
			rep.OfferedRate = w.MeanRate(r.windowStart, now)
		}
	}
	if ended := r.ended(); ended > 0 {
		errs := float64(r.errors()) / float64(ended)
		rep.ErrorRate = &errs
	}
	rep.Histogram = r.latency.Histogram()
	rep.Regions = r.regionReports()
	if rep.Latency = r.measured.latencyFigures(); rep.Latency != nil {
		if r.s.ChangesOverTime() {
			rep.Latency.NoCI = NoCIChanging
		} else {
			rep.Latency.MeanCI95 = r.latency.MeanCI95()
		}
	}
	if r.steady {
		rep.Precision = &PrecisionResult{Target: r.s.Run.Precision, Achieved: r.relativeHalfWidth(), Met: r.precisionMet}
	}

	// What stopped the run, if it could not go on for its load, at the
	// node queued most.
	culprit, stoppedAt := "", ""
	if r.overloaded {
		culprit, stoppedAt = r.net.MostQueued(), "for overload"
		if strings.HasPrefix(r.stopped, "in-flight cap") {
			stoppedAt = "at its in-flight cap (run.max_in_flight)"
		}
	}
	stoppedHere := func(node string) string {
		if node == culprit {
			return stoppedAt
		}
		return ""
	}
	rep.Cost.ByNode = map[string]float64{}
	stats := r.net.Stats(window, now)
	if rep.Cost.Transfer = transferCost(stats); rep.Cost.Transfer != nil {
		rep.Cost.MonthlyUSD += rep.Cost.Transfer.MonthlyUSD
	}
	metered := false // a node billed by its own meter (a function)
	for i, st := range stats {
		node := r.s.Topology.Nodes[i]
		metered = metered || st.Usage.Billed > 0
		if node.Price != (topology.Price{}) || st.Usage.Billed > 0 {
			c := node.Monthly(st.Usage)
			rep.Cost.ByNode[node.Name] = c
			rep.Cost.MonthlyUSD += c
		}
		nr := NodeReport{
			Name: st.Name, Kind: st.Kind, Instances: st.Instances,
			Utilization: st.Utilization, OfferedLoad: st.OfferedLoad, OwnLoad: st.OwnLoad, Throughput: st.Throughput,
			QueueLength:      st.QueueLength,
			Rejected:         st.Rejected,
			Errors:           st.Failed,
			RateLimited:      st.RateLimited,
			Shed:             st.Shed,
			TimedOut:         st.TimedOut,
			SaturatedBecause: saturation(st, stoppedHere(st.Name)),
			Workers:          node.Kind().Workers, Detail: st.Detail, Scaling: st.Scaling, Transfer: st.Transfer,
			draws: st.Draws, serviceSCV: st.ServiceSCV, growing: st.Growth.Grows, arrivals: st.Arrivals,
		}
		nr.Saturated = nr.SaturatedBecause != nil
		if st.Waits > 0 {
			nr.Wait = &WaitStats{Mean: st.WaitMean, P99: st.WaitP99}
		}
		rep.Requests.LostWrites += st.Lost
		rep.Nodes = append(rep.Nodes, nr)
	}
	addStorage(rep, r.s)
	hostReports(rep, r.s.Topology, r.net.HostStats(window, now))
	rep.Deploys = r.net.Deploys()
	consumersOfGrowingQueues(rep.Nodes)
	// With no request in the window and nothing saturated, no node is
	// nearer breaking than another: none is named.
	if rep.Requests.Arrived > 0 || slices.ContainsFunc(rep.Nodes, func(n NodeReport) bool { return n.Saturated }) {
		rep.Bottleneck, rep.HeldWaiting = bottleneck(r.s.Topology, rep.Nodes)
	}
	if l := rep.Latency; l != nil && l.MeanCI95 != nil {
		if why := diverging(r.overloaded, r.s.Workload.Model == workloads.Closed, rep.Nodes); why != "" {
			l.MeanCI95, l.NoCI = nil, why
		} else if why := undersampled(rep.Nodes); why != "" {
			l.MeanCI95, l.NoCI = nil, why
		}
	}
	if p := rep.Precision; p != nil && rep.Latency != nil && rep.Latency.NoCI != "" {
		// A stop rule met (or nearly) on a mean with no limit, or on too
		// few draws of a heavy tail, achieved no precision.
		p.Achieved, p.Met, p.noCI = nil, false, true
	}
	if len(rep.Cost.ByNode) > 0 || rep.Cost.Transfer != nil {
		rep.Cost.Priced = priced(r.s.Topology, metered)
		if rep.Throughput > 0 {
			c := rep.Cost.MonthlyUSD / (rep.Throughput * topology.HoursPerMonth * 3600 / 1e6)
			rep.Cost.PerMillionRequestsUSD = &c
		}
	}
	noCI := ""
	if rep.Latency != nil {
		noCI = rep.Latency.NoCI
	}
	rep.Classes = r.classReports(window, noCI)
	for i := range rep.Regions {
		// A region's users wait in the same queues as the run's.
		if l := rep.Regions[i].Latency; l != nil && l.MeanCI95 != nil && noCI != "" {
			l.MeanCI95, l.NoCI = nil, noCI
		}
	}
	rep.SLO = judge(r.s.SLO, rep, r.stoppedFailing)
	judgeClasses(r.s.SLO, rep.Classes, &rep.SLO, r.stoppedFailing, rep.StoppedEarly)
	judgeRegions(r.s.SLO, rep.Regions, &rep.SLO, r.stoppedFailing, rep.StoppedEarly)
	rep.CouldNotGoOn = r.stoppedFailing
	if r.stopped != "" && !r.stoppedFailing && !r.steady {
		// Cut short by a budget or the request cap: what ran is reported,
		// but it is not the run asked for.
		rep.SLO.Incomplete = fmt.Sprintf("the run stopped at %s of %s (%s)", units.FormatDuration(float64(now)), units.FormatDuration(float64(r.end)), r.stopped)
		rep.SLO.Pass = false
		incompleteClasses(rep.Classes, rep.SLO.Incomplete)
		for i := range rep.Regions {
			if v := rep.Regions[i].SLO; v != nil {
				v.Incomplete, v.Pass = rep.SLO.Incomplete, false
			}
		}
	}
	if r.smp != nil {
		r.smp.close(r, now)
		rep.Series = r.smp.series
		if saturatedStretches(rep) {
			// A node saturated for a stretch is the bottleneck as one
			// saturated over the window is (see bottleneck).
			rep.Bottleneck, rep.HeldWaiting = bottleneck(r.s.Topology, rep.Nodes)
		}
		if len(r.s.SLO.Latency) > 0 || r.s.SLO.ErrorRate >= 0 {
			rep.Violations = r.smp.violations(r.s, float64(r.windowStart), float64(now))
		}
		rep.Triggers = triggers(r.s, rep)
		r.recoveries(rep, float64(now))
		for _, tr := range rep.Triggers {
			if len(rep.SLO.Checks)+len(rep.SLO.Violations) == 0 {
				break
			}
			switch tr.Outcome {
			case OutcomeMetastable:
				rep.SLO.Violations = append(rep.SLO.Violations, fmt.Sprintf("metastable: goodput did not come back after the %s", tr.What))
			case OutcomeNotRecovered:
				rep.SLO.Violations = append(rep.SLO.Violations, fmt.Sprintf("goodput did not come back after the %s", tr.What))
			}
			rep.SLO.Pass = rep.SLO.Pass && len(rep.SLO.Violations) == 0
		}
	}
	return rep
}

// relativeHalfWidth is the half-width of the mean latency's 95% CI over the
// mean; nil when there is no interval.
func (r *runner) relativeHalfWidth() *float64 {
	half, ok := r.latency.HalfWidth95()
	if !ok || r.latency.Mean() <= 0 {
		return nil
	}
	rel := half / r.latency.Mean()
	return &rel
}

// priced says where the topology's prices came from: the catalogue, the
// file's cost fields, or both; or, when neither and metered (a node is
// billed by its own meter, as a function is), the rates of the kinds.
func priced(t *topology.Topology, metered bool) string {
	catalogue, file := false, false
	for _, n := range t.Nodes {
		if n.Price.Instance == "" {
			file = file || n.Price != (topology.Price{})
			continue
		}
		catalogue = true
		file = file || n.Price != topology.CatalogueEntry(n.Price.Instance)
	}
	for _, h := range t.Hosts {
		catalogue = catalogue || h.Price.Instance != ""
		file = file || h.Price != (topology.Price{}) && h.Price != topology.CatalogueEntry(h.Price.Instance)
	}
	from := "catalogue of " + topology.CatalogueDate + " (AWS us-east-1 on-demand)"
	switch {
	case catalogue && file:
		return from + " and the file's cost fields"
	case catalogue:
		return from
	case !file && metered:
		return "the rates of the nodes' kinds, in their lines" // billed by their own meter
	}
	return "the file's cost fields"
}

// judge checks a report against the objectives. A run that had to stop
// because it was overloaded or stalled fails.
func judge(slo scenarios.SLO, rep *Report, stopped bool) SLOResult {
	res := SLOResult{Checks: []string{}, Violations: []string{}}
	for _, k := range scenarios.SLOStatistics {
		limit, ok := slo.Latency[k]
		if !ok {
			continue
		}
		if rep.Latency == nil {
			res.Violations = append(res.Violations, k+" unknown: no request completed in the window")
			continue
		}
		v := rep.Latency.Statistic(k)
		if v <= limit {
			res.Checks = append(res.Checks, fmt.Sprintf("%s %s ≤ %s", k, units.FormatDuration(v), units.FormatDuration(limit)))
		} else {
			res.Violations = append(res.Violations, fmt.Sprintf("%s %s > %s", k, units.FormatDuration(v), units.FormatDuration(limit)))
		}
	}
	switch e := rep.ErrorRate; {
	case slo.ErrorRate < 0:
	case e == nil:
		res.Violations = append(res.Violations, "error rate unknown: no request ended in the window")
	case *e <= slo.ErrorRate:
		res.Checks = append(res.Checks, fmt.Sprintf("error rate %s ≤ %s", units.Percent(*e), units.Percent(slo.ErrorRate)))
	default:
		res.Violations = append(res.Violations, fmt.Sprintf("error rate %s > %s", units.Percent(*e), units.Percent(slo.ErrorRate)))
	}
	if stopped {
		res.Violations = append(res.Violations, "the run could not go on: "+rep.StoppedEarly)
	}
	res.Pass = len(res.Violations) == 0
	return res
}

// isConsumed says n is a queue that a worker group consumes.
func isConsumed(n NodeReport) bool {
	b, ok := n.Detail.(engine.Backlog)
	return ok && b.ConsumedBy() != ""
}

// consumersOfGrowingQueues marks the worker group of each queue that is
// saturated (its backlog grows, or it is full) saturated too: its
// consumers do not keep up, whatever
// their busy share says (a partition held by one consumer at a time, or
// consumers scheduled to 0, leave the rest idle).
func consumersOfGrowingQueues(nodes []NodeReport) {
	for _, q := range nodes {
		b, ok := q.Detail.(engine.Backlog)
		if !ok || b.ConsumedBy() == "" || !q.Saturated {
			continue
		}
		for i := range nodes {
			if nodes[i].Name == b.ConsumedBy() {
				nodes[i].SaturatedBecause = append(nodes[i].SaturatedBecause, fmt.Sprintf("its queue %s is saturated: %s", q.Name, strings.Join(q.SaturatedBecause, "; ")))
				nodes[i].Saturated = true
			}
		}
	}
}

// StretchWindows is how many sample windows in a row a node must have
// every worker busy with requests waiting to be called saturated for that
// stretch: a settled node at 90% may fill one window by chance, not
// several (a busy period of 30 s at 10 ms of service is out of reach).
const StretchWindows = 3

// saturatedStretches marks saturated each node that was saturated for a
// stretch of the run, though not over its whole window (a storm that
// passed, the peak of a day): StretchWindows or more sample windows in a
// row, after the warm-up, with every worker busy (99% or more) and
// requests waiting. It names the longest stretch, and says whether it
// marked a node that was not saturated already.
func saturatedStretches(rep *Report) (marked bool) {
	for i := range rep.Nodes {
		n := &rep.Nodes[i]
		if !n.Workers {
			continue
		}
		var from, longFrom, longTo float64
		run, longest, stretches := 0, 0, 0
		at := -1 // n's place in a sample's nodes, the same in each
		for _, smp := range rep.Series.Samples {
			if smp.Start < rep.Warmup {
				continue
			}
			if at < 0 || at >= len(smp.Nodes) || smp.Nodes[at].Name != n.Name {
				at = slices.IndexFunc(smp.Nodes, func(ns NodeSample) bool { return ns.Name == n.Name })
			}
			full := at >= 0 && smp.Nodes[at].Utilization >= 0.99 && smp.Nodes[at].QueueLength >= 1
			if !full {
				run = 0
				continue
			}
			if run == 0 {
				from = smp.Start
			}
			run++
			if run == StretchWindows {
				stretches++
			}
			if run >= StretchWindows && run > longest {
				longest, longFrom, longTo = run, from, smp.Start+smp.Duration
			}
		}
		if longest == 0 {
			continue
		}
		what := fmt.Sprintf("saturated from %s to %s (every worker busy with requests waiting, %s)",
			units.FormatDuration(longFrom), units.FormatDuration(longTo), units.Plural(longest, "sample window", "sample windows"))
		if stretches > 1 {
			what += fmt.Sprintf(", the longest of %d such stretches", stretches)
		}
		n.SaturatedBecause = append(n.SaturatedBecause, what)
		marked = marked || !n.Saturated
		n.Saturated = true
	}
	return marked
}

// TailDraws is how many draws, per unit of a service time's squared
// coefficient of variation, a run needs before the mean of what it drew
// is known to ±10% (one standard error: √(SCV ÷ n) ≤ 0.1): 100 for an
// exponential, 10⁶ for a cv of 100.
const TailDraws = 100

// diverging says why the mean latency has no interval when it has no
// limit to converge to: the run was stopped for overload, a node's
// queue of visits grew through the later half of the window (a broker's
// backlog is left out: its consumers' lag, which a request that only
// publishes does not wait for), or a node is saturated by its volume
// (busy SaturationThreshold or more) under an open workload: a closed
// population's reads wait at most their users' number, so their mean has
// a limit however busy the volume. Batch means over a growing series give a
// narrow interval around a mean that only grows with the run's length.
func diverging(overloaded, closed bool, nodes []NodeReport) string {
	if overloaded {
		return "stopped for overload, the latencies grow without bound and their mean has no limit to estimate"
	}
	for _, n := range nodes {
		if _, isQueue := n.Detail.(engine.Backlog); !isQueue && n.Saturated && n.growing {
			return fmt.Sprintf("%s's queue grows without bound, the latencies grow with the run and their mean has no limit to estimate", n.Name)
		}
		// A volume as busy as a saturated node's workers holds its reads
		// in a queue of its own, which the workers' trend does not see.
		if v, ok := n.Detail.(engine.VolumeBusy); ok && n.Saturated && !closed {
			if busy, ok := v.VolumeBusy(); ok && busy >= SaturationThreshold {
				return fmt.Sprintf("%s's volume is %s busy, the reads waiting at it grow with the run and their mean has no limit to estimate", n.Name, units.Percent(busy))
			}
		}
	}
	return ""
}

// undersampled says why no node's service times can be trusted to have
// shown their distribution yet, naming the one drawn fewest times for its
// tail, or is "": with fewer draws than TailDraws × SCV, the rare long
// service times that make the mean may not have come up at all, and a
// batch-means interval of the latency would claim a precision it does
// not have.
func undersampled(nodes []NodeReport) string {
	why, worst := "", math.Inf(1)
	for _, n := range nodes {
		need := float64(TailDraws * n.serviceSCV)
		if n.draws == 0 || float64(n.draws) >= need {
			continue
		}
		if short := float64(n.draws) / need; short < worst {
			worst = short
			why = fmt.Sprintf("%s's service times (cv %.3g) need about %s draws for their mean to show (±10%%); the run drew %d, so a heavy tail may not have come up: an interval would claim a precision it does not have",
				n.Name, math.Sqrt(n.serviceSCV), units.FormatCount(need), n.draws)
		}
	}
	return why
}
