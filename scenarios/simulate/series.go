package simulate

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unsafe"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// MaxSamples bounds the windows of a time series: a run longer than
// MaxSamples windows of the asked length is sampled over longer windows (a
// whole multiple of the asked one), and the series says so. With many
// nodes the windows are fewer still, so that windows × nodes sampled stay
// within MaxNodeSamples (about 44 MB).
const (
	MaxSamples     = 1000
	MaxNodeSamples = 500_000
)

// sampleBytes and nodeSampleBytes are about what a window of the series
// and each node's figures in it take, for the memory budget.
const (
	sampleBytes     = float64(unsafe.Sizeof(Sample{})) + 5*8
	nodeSampleBytes = float64(unsafe.Sizeof(NodeSample{}))
	// regionSampleBytes is a user region's figures in a window, with
	// its three figures' pointers' targets.
	regionSampleBytes = float64(unsafe.Sizeof(RegionSample{})) + 3*8
)

// Series is a run sampled over time: one Sample per window of Every
// seconds, from time 0 (the warm-up included, so that a plot starts where
// the workload does) to the end of the run.
type Series struct {
	Every float64 `json:"every"`
	// Asked is the window the scenario asked for, when Every had to be
	// longer to keep at most MaxSamples windows; 0 otherwise.
	Asked float64 `json:"asked,omitempty"`
	// GoodputWithin is the latency a reply must meet to count as goodput:
	// the bound of the SLO's highest latency percentile (0: no latency
	// objective, no goodput).
	GoodputWithin float64  `json:"goodput_within,omitempty"`
	Samples       []Sample `json:"samples"`
}

// Sample is the run over one window. Rates are per second of the window.
type Sample struct {
	Start    float64 `json:"start"` // seconds since the run started
	Duration float64 `json:"duration"`
	// OfferedRate is the arrival rate the workload offered in the window:
	// arrivals ÷ duration.
	OfferedRate float64 `json:"offered_rate"`
	Throughput  float64 `json:"throughput"`
	// Goodput is replies per second within Series.GoodputWithin; null
	// without a latency objective.
	Goodput   *float64 `json:"goodput"`
	Arrived   int64    `json:"arrived"`
	Completed int64    `json:"completed"`
	Rejected  int64    `json:"rejected"`
	TimedOut  int64    `json:"timed_out"`
	// Errors, CallTimeouts, RateLimited, Shed, CircuitOpen and
	// NodeTimeouts are as in the report's request counts.
	Errors       int64 `json:"errors,omitempty"`
	CallTimeouts int64 `json:"call_timeouts,omitempty"`
	RateLimited  int64 `json:"rate_limited,omitempty"`
	Shed         int64 `json:"shed,omitempty"`
	CircuitOpen  int64 `json:"circuit_open,omitempty"`
	NodeTimeouts int64 `json:"node_timeouts,omitempty"`
	// ErrorRate is the requests that ended without a reply ÷ those that
	// ended in the window; null when none ended.
	ErrorRate *float64 `json:"error_rate"`
	// P50, P95 and P99 are the latency quantiles of the requests that
	// completed in the window; null when none did.
	P50 *float64 `json:"p50"`
	P95 *float64 `json:"p95"`
	P99 *float64 `json:"p99"`
	// InstanceCostPerHour is what the nodes' instances cost per hour in
	// the window (usage charges are in the run's cost).
	InstanceCostPerHour float64 `json:"instance_cost_per_hour"`
	// Violated says the window broke an objective: a latency statistic or
	// the error rate above its bound, or requests arrived and none ended.
	Violated bool         `json:"violated"`
	Nodes    []NodeSample `json:"nodes"`
	// Regions are what each user region's users saw in the window, in
	// the workload's order; absent without users on the map.
	Regions []RegionSample `json:"regions,omitempty"`
	// Queues are the queues over the window; absent without queues.
	Queues []QueueSample `json:"queues,omitempty"`
}

// QueueSample is a queue over one window.
type QueueSample struct {
	Name string `json:"name"`
	// Backlog is the time-average number of visible messages; OldestAge
	// the most the oldest stored message's age reached (seconds).
	Backlog   float64 `json:"backlog"`
	OldestAge float64 `json:"oldest_age"`
	// Published and Acknowledged are per second of the window.
	Published    float64 `json:"published"`
	Acknowledged float64 `json:"acknowledged"`
}

// NodeSample is a node with workers over one window.
type NodeSample struct {
	Name string `json:"name"`
	// Instances take work at the end of the window; Booting do not yet.
	Instances int `json:"instances"`
	Booting   int `json:"booting"`
	// Ready is the time-average number of instances booted (taking work
	// or draining), whose workers Utilization is a share of.
	Ready       float64 `json:"ready"`
	Utilization float64 `json:"utilization"`
	OfferedLoad float64 `json:"offered_load"`
	QueueLength float64 `json:"queue_length"`
	Throughput  float64 `json:"throughput"`
	Rejected    int64   `json:"rejected"`
	// Arrivals are the visits that reached the node in the window;
	// Billed is the time-average number of instances billed in it
	// (booting and draining ones included), which prices charge for.
	Arrivals int64   `json:"arrivals"`
	Billed   float64 `json:"billed"`
}

// Violations sums up the windows after the warm-up that broke an
// objective.
type Violations struct {
	// Total is the time, in seconds, of the windows that broke an
	// objective; Longest the longest run of such windows back to back.
	Total   float64 `json:"total"`
	Longest float64 `json:"longest"`
	// Recoveries says, for each step and ramp of the workload's rate, how
	// long after it began the objectives held again. (A spike is a
	// trigger: the report's triggers say how goodput came back after it.)
	Recoveries []Recovery `json:"recoveries,omitempty"`
}

// Recovery is how the system fared after one change of the workload.
type Recovery struct {
	At     float64 `json:"at"` // seconds since the run started
	Change string  `json:"change"`
	// After is the time from the change to the first window that met the
	// objectives after the first that broke them: 0 when none broke them
	// before the next change, null when they still failed at the end (or
	// at the next change), or the run ended before the change.
	After *float64 `json:"after"`
	// Outcome is the verdict: RecoveryHeld, RecoveryMetAgain,
	// RecoveryStillBroken or RecoveryNotReached.
	Outcome string `json:"outcome"`
}

// Outcomes of a Recovery.
const (
	RecoveryHeld        = "held"         // no window broke the objectives
	RecoveryMetAgain    = "met_again"    // broken, then met again
	RecoveryStillBroken = "still_broken" // broken until the next change or the end
	RecoveryNotReached  = "not_reached"  // the run ended before the change
)

// sampler measures the run window by window.
type sampler struct {
	every   float64
	series  *Series
	start   sim.Time
	current measured
	slo     scenarios.SLO
	nodes   int // nodes sampled in each window
	// regions measures each user region's requests in the window; nil
	// without users on the map.
	regions byRegion
}

// newSampler prepares the series of s, or returns nil for a run with no
// time series.
func newSampler(s *scenarios.Scenario, end sim.Time) *sampler {
	every := s.SampleEvery()
	if every <= 0 || end == sim.Forever {
		return nil
	}
	sp := &sampler{every: every, series: &Series{Every: every}, slo: s.SLO, nodes: sampledNodes(s)}
	most := float64(max(1, min(MaxSamples, MaxNodeSamples/max(1, sp.nodes))))
	if n := math.Ceil(float64(end) / every); n > most {
		sp.series.Asked = every
		sp.every = every * math.Ceil(n/most)
		sp.series.Every = sp.every
	}
	sp.series.GoodputWithin = goodputBound(s.SLO)
	if n := len(s.Workload.Regions); n > 0 {
		sp.regions = make(byRegion, n)
	}
	return sp
}

// sampledNodes counts the nodes whose figures each window records.
func sampledNodes(s *scenarios.Scenario) int {
	n := 0
	for _, node := range s.Topology.Nodes {
		if node.Kind().Workers || node.Kind().Broker { // topics reserve room they do not use
			n++
		}
	}
	return n
}

// footprint is about how many bytes the series will hold at its end.
func (sp *sampler) footprint(end sim.Time) float64 {
	windows := math.Ceil(float64(end) / sp.every)
	return float64(windows * float64(sampleBytes+float64(float64(sp.nodes)*nodeSampleBytes)+float64(float64(len(sp.regions))*regionSampleBytes)))
}

// goodputBound is the latency bound of the SLO's highest percentile, or 0.
func goodputBound(slo scenarios.SLO) float64 {
	for _, k := range slices.Backward(scenarios.SLOStatistics) {
		if v, ok := slo.Latency[k]; ok && k != "mean" {
			return v
		}
	}
	return 0
}

// close ends the current window at now and starts the next.
func (sp *sampler) close(r *runner, now sim.Time) {
	d := float64(now - sp.start)
	if d <= 0 {
		return
	}
	w := &sp.current
	smp := Sample{Start: float64(sp.start), Duration: d, OfferedRate: float64(w.arrived) / d,
		Throughput: float64(w.completed) / d, Arrived: w.arrived, Completed: w.completed,
		Rejected: w.failed[engine.Rejected], TimedOut: w.failed[engine.TimedOut], Errors: w.failed[engine.Failed],
		CallTimeouts: w.failed[engine.CallTimedOut], RateLimited: w.failed[engine.RateLimited], Shed: w.failed[engine.Shed],
		CircuitOpen: w.failed[engine.CircuitOpen], NodeTimeouts: w.failed[engine.NodeTimedOut]}
	if sp.series.GoodputWithin > 0 {
		g := float64(w.good) / d
		smp.Goodput = &g
	}
	if ended := w.ended(); ended > 0 {
		e := float64(w.errors()) / float64(ended)
		smp.ErrorRate = &e
	}
	lat := w.latencyFigures()
	if lat != nil {
		smp.P50, smp.P95, smp.P99 = &lat.P50, &lat.P95, &lat.P99
	}
	smp.Violated = sp.violated(w, lat)
	billed := map[string]float64{}
	for _, ns := range r.net.Sample(d, now) {
		smp.Nodes = append(smp.Nodes, NodeSample{Name: ns.Name, Instances: ns.Instances, Booting: ns.Booting, Ready: ns.Ready, Utilization: ns.Utilization,
			OfferedLoad: ns.OfferedLoad, QueueLength: ns.QueueLength, Throughput: ns.Throughput, Rejected: ns.Rejected,
			Arrivals: ns.Arrivals, Billed: ns.Billed})
		billed[ns.Name] = ns.Billed
	}
	for _, qs := range r.net.SampleQueues(now) {
		smp.Queues = append(smp.Queues, QueueSample{Name: qs.Name, Backlog: qs.Backlog, OldestAge: qs.OldestAge,
			Published: float64(qs.Published) / d, Acknowledged: float64(qs.Acknowledged) / d})
	}
	for _, n := range r.s.Topology.Nodes {
		units, ok := billed[n.Name]
		if !ok {
			units = float64(n.Units())
		}
		smp.InstanceCostPerHour += float64(n.Price.Hourly * units)
	}
	for _, h := range r.s.Topology.Hosts {
		smp.InstanceCostPerHour += h.Price.Hourly
	}
	smp.Regions = sp.regions.samples(r.s.Workload.Regions)
	sp.series.Samples = append(sp.series.Samples, smp)
	sp.current, sp.start = measured{}, now
}

// violated says window w, whose latencies are lat, broke an objective.
func (sp *sampler) violated(w *measured, lat *Latency) bool {
	ended := w.ended()
	if w.arrived > 0 && ended == 0 {
		return true // nothing came back: it cannot have met anything
	}
	if sp.slo.ErrorRate >= 0 && ended > 0 && float64(w.errors()) > sp.slo.ErrorRate*float64(ended) {
		return true
	}
	if lat == nil {
		return false
	}
	for k, bound := range sp.slo.Latency {
		if lat.Statistic(k) > bound {
			return true
		}
	}
	return false
}

// violations sums up the windows of the series after warmup (of a
// window that straddles its end, the part after it: the objectives judged
// on the measurement window may fail there alone), and the recovery after
// each of the workload's changes.
func (sp *sampler) violations(s *scenarios.Scenario, warmup, end float64) *Violations {
	v := &Violations{}
	run := 0.0
	for _, smp := range sp.series.Samples {
		after := smp.Duration
		if smp.Start < warmup {
			after = smp.Start + smp.Duration - warmup
		}
		if after <= 0 {
			continue
		}
		if smp.Violated {
			v.Total += after
			run += after
			v.Longest = max(v.Longest, run)
		} else {
			run = 0
		}
	}
	var changes []workloads.ShapeChange
	for _, c := range s.Workload.Changes {
		if c.Kind == workloads.Step || c.Kind == workloads.Ramp { // a cycle is not a change at a time; a spike is a trigger
			changes = append(changes, c)
		}
	}
	slices.SortStableFunc(changes, func(a, b workloads.ShapeChange) int { return cmpFloat(a.At, b.At) })
	for i, c := range changes {
		next := math.Inf(1)
		if i+1 < len(changes) {
			next = changes[i+1].At
		}
		rc := Recovery{At: c.At, Change: c.Kind.String()}
		switch {
		case c.At >= end:
			rc.Outcome = RecoveryNotReached
		default:
			rc.After = sp.recovery(c.At, next)
			switch {
			case rc.After == nil:
				rc.Outcome = RecoveryStillBroken
			case *rc.After == 0:
				rc.Outcome = RecoveryHeld
			default:
				rc.Outcome = RecoveryMetAgain
			}
		}
		v.Recoveries = append(v.Recoveries, rc)
	}
	return v
}

// recovery is the time from a change at t to the first window that met the
// objectives after one that broke them, before next; see Recovery.After.
func (sp *sampler) recovery(t, next float64) *float64 {
	broke := false
	for _, smp := range sp.series.Samples {
		end := smp.Start + smp.Duration
		if end <= t {
			continue
		}
		if smp.Start >= next {
			break
		}
		if smp.Violated {
			broke = true
		} else if broke {
			d := smp.Start - t
			return &d
		}
	}
	if broke {
		return nil
	}
	zero := 0.0
	return &zero
}

// describe says how the series was sampled, for the table report.
func (s *Series) describe() string {
	out := units.FormatCount(float64(len(s.Samples))) + " windows of " + units.FormatDuration(s.Every)
	if len(s.Samples) == 1 {
		out = "1 window of " + units.FormatDuration(s.Every)
	}
	if s.Asked > 0 {
		out += fmt.Sprintf(" (asked %s; longer to keep at most %d windows, and %d node figures)", units.FormatDuration(s.Asked), MaxSamples, MaxNodeSamples)
	}
	return out
}

// WriteCSV writes the series in long form, a row per figure: time (the
// window's start, in seconds), node (empty for the whole system), metric
// and value, for pandas, R or a spreadsheet. Unknown figures (a latency
// quantile of a window in which nothing completed) have no row.
func (s *Series) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"time", "node", "metric", "value"})
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, smp := range s.Samples {
		t := num(smp.Start)
		row := func(node, metric string, v float64) { cw.Write([]string{t, node, metric, num(v)}) }
		opt := func(metric string, v *float64) {
			if v != nil {
				row("", metric, *v)
			}
		}
		violated := 0.0
		if smp.Violated {
			violated = 1
		}
		row("", "offered_rate", smp.OfferedRate)
		row("", "throughput", smp.Throughput)
		opt("goodput", smp.Goodput)
		row("", "arrived", float64(smp.Arrived))
		row("", "completed", float64(smp.Completed))
		row("", "rejected", float64(smp.Rejected))
		row("", "timed_out", float64(smp.TimedOut))
		if smp.Errors+smp.CallTimeouts+smp.RateLimited+smp.Shed+smp.CircuitOpen > 0 {
			row("", "errors", float64(smp.Errors))
			row("", "call_timeouts", float64(smp.CallTimeouts))
			row("", "rate_limited", float64(smp.RateLimited))
			row("", "shed", float64(smp.Shed))
			row("", "circuit_open", float64(smp.CircuitOpen))
		}
		if smp.NodeTimeouts > 0 {
			row("", "node_timeouts", float64(smp.NodeTimeouts))
		}
		opt("error_rate", smp.ErrorRate)
		opt("p50", smp.P50)
		opt("p95", smp.P95)
		opt("p99", smp.P99)
		row("", "instance_cost_per_hour", smp.InstanceCostPerHour)
		row("", "violated", violated)
		for _, n := range smp.Nodes {
			row(n.Name, "instances", float64(n.Instances))
			row(n.Name, "booting", float64(n.Booting))
			row(n.Name, "ready", n.Ready)
			row(n.Name, "utilization", n.Utilization)
			row(n.Name, "offered_load", n.OfferedLoad)
			row(n.Name, "queue_length", n.QueueLength)
			row(n.Name, "throughput", n.Throughput)
			row(n.Name, "rejected", float64(n.Rejected))
		}
		for _, q := range smp.Queues {
			row(q.Name, "backlog", q.Backlog)
			row(q.Name, "oldest_age", q.OldestAge)
			row(q.Name, "published", q.Published)
			row(q.Name, "acknowledged", q.Acknowledged)
		}
	}
	cw.Flush()
	return cw.Error()
}
