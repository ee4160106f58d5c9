package function

import (
	"container/heap"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// fn is the runtime of a function node. An instance's invocation is timed
// when it starts (its INIT phase, if cold, and its work), so the instance's
// end is known then: the instances busy are a heap of their ends, freed
// lazily when the next invocation arrives (or the figures are read), in
// the order they end. The warm idle on-demand instances are a stack of the
// times they were freed, the most recent on top: an invocation takes the
// most recently used one (an assumption: Lambda does not publish which),
// and the top is warm exactly when some idle instance is, so a cold start
// happens when the stack is empty or its top has been idle IdleTimeout or
// longer (the older ones then have too, and are reclaimed).
type fn struct {
	net  *engine.Network
	node *topology.Node
	spec *Function
	rng  *rand.Rand

	busy     ends      // the ends of the invocations in flight
	idle     []float64 // when each warm idle on-demand instance was freed
	provFree int       // provisioned instances idle

	// Over the measurement window: the busy count's integral and its
	// last change, and the figures reported.
	area, last                                                    float64
	arrivals, invocations, cold, provisioned, throttled, timedOut int64
	peak                                                          int
	onDemandMs, provisionedMs                                     int64   // billed milliseconds
	held                                                          float64 // seconds held by the invocations
}

// end is an invocation's end, and whether a provisioned instance serves it.
type end struct {
	at          float64
	provisioned bool
}

// ends is a min-heap of ends (container/heap).
type ends []end

func (h ends) Len() int           { return len(h) }
func (h ends) Less(i, j int) bool { return h[i].at < h[j].at }
func (h ends) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *ends) Push(x any)        { *h = append(*h, x.(end)) }
func (h *ends) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Build implements engine.Builder.
func (f *Function) Build(net *engine.Network, node *topology.Node) engine.Component {
	return &fn{net: net, node: node, spec: f, rng: net.Stream(node.Name), provFree: f.Provisioned}
}

// Link implements engine.Component: a function calls nothing.
func (*fn) Link(map[string]engine.Component) error { return nil }

// Stations implements engine.Component: a function queues nothing.
func (*fn) Stations() []*engine.Station { return nil }

// InUse implements engine.Component: its records are bounded by its
// concurrency, counted in its footprint.
func (*fn) InUse() float64 { return 0 }

// free frees the instances whose invocations ended by now, in the order
// they ended, integrating the busy count over time.
func (x *fn) free(now float64) {
	for len(x.busy) > 0 && x.busy[0].at <= now {
		e := heap.Pop(&x.busy).(end)
		x.area += float64(float64(len(x.busy)+1) * (e.at - x.last))
		x.last = e.at
		if e.provisioned {
			x.provFree++
		} else {
			x.idle = append(x.idle, e.at)
		}
	}
	x.area += float64(float64(len(x.busy)) * (now - x.last))
	x.last = now
}

// Accept runs an invocation: on a free provisioned instance, else on the
// warm idle instance used last, else on a new one after its INIT phase;
// throttled (429) at the concurrency limit.
func (x *fn) Accept(j *engine.Job) {
	now := float64(x.net.Now())
	x.free(now)
	x.arrivals++
	f := x.spec
	if len(x.busy) >= f.Concurrency {
		x.throttled++
		j.Fail(engine.CauseRateLimited)
		x.net.Reply(j)
		return
	}
	x.invocations++
	init, prov := 0.0, false
	switch top := len(x.idle) - 1; {
	case x.provFree > 0:
		x.provFree--
		prov = true
		x.provisioned++
	case top >= 0 && now-x.idle[top] < f.IdleTimeout:
		x.idle = x.idle[:top]
	default:
		x.idle = x.idle[:0] // all idle too long: reclaimed
		x.cold++
		init = f.InitDuration
	}
	work := f.ServiceTime.Sample(x.rng) * f.scale()
	if work > f.Timeout {
		work = f.Timeout
		x.timedOut++
		j.Fail(engine.CauseNodeTimeout)
	}
	d := init + work
	if prov {
		x.provisionedMs += billedMs(d)
	} else {
		x.onDemandMs += billedMs(d)
	}
	x.held += d
	heap.Push(&x.busy, end{at: now + d, provisioned: prov})
	x.peak = max(x.peak, len(x.busy))
	x.net.ReplyAfter(d, j)
}

// ResetStats implements engine.Component.
func (x *fn) ResetStats(now sim.Time) {
	x.free(float64(now))
	x.area = 0
	x.arrivals, x.invocations, x.cold, x.provisioned, x.throttled, x.timedOut = 0, 0, 0, 0, 0, 0
	x.onDemandMs, x.provisionedMs, x.held = 0, 0, 0
	x.peak = len(x.busy)
}

// FunctionStats are a function's figures over the measurement window.
type FunctionStats struct {
	// Invocations are those run (not throttled); ColdStarts those that
	// started a new instance, ColdShare their share (null without
	// invocations); Provisioned those a provisioned instance served.
	Invocations int64    `json:"invocations"`
	ColdStarts  int64    `json:"cold_starts"`
	ColdShare   *float64 `json:"cold_start_share"`
	Provisioned int64    `json:"provisioned_invocations"`
	// Throttled are the invocations refused at the concurrency limit,
	// ThrottledShare their share of all (null without any).
	Throttled      int64    `json:"throttled"`
	ThrottledShare *float64 `json:"throttled_share"`
	// TimedOut are the invocations stopped at the function's timeout.
	TimedOut int64 `json:"timed_out"`
	// ConcurrencyPeak is the most invocations in flight at once;
	// ConcurrencyMean their time average; Concurrency the limit.
	ConcurrencyPeak int     `json:"concurrency_peak"`
	ConcurrencyMean float64 `json:"concurrency_mean"`
	Concurrency     int     `json:"concurrency"`
	MemoryMB        int     `json:"memory_mb"`
	// BilledGBSeconds is the duration billed over the window (each
	// invocation rounded up to the millisecond, INIT included), on
	// on-demand instances and on provisioned ones.
	BilledGBSeconds            float64 `json:"billed_gb_seconds"`
	ProvisionedBilledGBSeconds float64 `json:"provisioned_billed_gb_seconds"`
	// Cost is the window's bill in US dollars: requests, duration and
	// provisioned concurrency configured; MonthlyUSD the same usage over
	// a 730-hour month (the report's cost of the node).
	RequestsUSD    float64 `json:"requests_usd"`
	DurationUSD    float64 `json:"duration_usd"`
	ProvisionedUSD float64 `json:"provisioned_usd"`
	WindowUSD      float64 `json:"window_usd"`
	MonthlyUSD     float64 `json:"monthly_usd"`
	Prices         string  `json:"prices"`
}

// Stats implements engine.Component.
func (x *fn) Stats(window float64, now sim.Time) engine.NodeStats {
	x.free(float64(now))
	f := x.spec
	r := f.rates()
	gb := f.gb()
	fs := &FunctionStats{Invocations: x.invocations, ColdStarts: x.cold, Provisioned: x.provisioned,
		ColdShare: topology.Ratio(float64(x.cold), float64(x.invocations)),
		Throttled: x.throttled, ThrottledShare: topology.Ratio(float64(x.throttled), float64(x.arrivals)), TimedOut: x.timedOut,
		ConcurrencyPeak: x.peak, Concurrency: f.Concurrency, MemoryMB: f.MemoryMB,
		BilledGBSeconds:            float64(float64(x.onDemandMs)*gb) / 1000,
		ProvisionedBilledGBSeconds: float64(float64(x.provisionedMs)*gb) / 1000,
		Prices:                     fmt.Sprintf("AWS Lambda, US East (N. Virginia), %s, read %s", f.Arch, PricesDate)}
	fs.RequestsUSD = float64(float64(x.invocations) * r.PerRequest)
	fs.DurationUSD = float64(fs.BilledGBSeconds*r.PerGBSecond) + float64(fs.ProvisionedBilledGBSeconds*r.ProvisionedDurationPerGBSecond)
	fs.ProvisionedUSD = float64(float64(float64(float64(f.Provisioned)*gb)*window) * r.ProvisionedPerGBSecond)
	fs.WindowUSD = fs.RequestsUSD + fs.DurationUSD + fs.ProvisionedUSD
	s := engine.NodeStats{Instances: len(x.busy) + len(x.idle) + x.provFree, Arrivals: x.arrivals, Completed: x.invocations,
		RateLimited: x.throttled, TimedOut: x.timedOut, Detail: fs}
	if window > 0 {
		fs.ConcurrencyMean = x.area / window
		fs.MonthlyUSD = fs.WindowUSD / window * topology.HoursPerMonth * 3600
		s.Throughput = float64(x.invocations) / window
		s.Utilization = fs.ConcurrencyMean / float64(f.Concurrency)
		if x.invocations > 0 {
			// Its own demand: every arrival, throttled or not, for the
			// mean time an invocation holds an instance.
			s.OwnLoad = float64(float64(x.arrivals)/window*(x.held/float64(x.invocations))) / float64(f.Concurrency)
			s.OfferedLoad = s.OwnLoad
		}
		s.Usage = topology.Usage{RequestsPerSecond: s.Throughput, Billed: fs.WindowUSD / window}
	}
	return s
}

// JSONKey implements topology.Detail.
func (*FunctionStats) JSONKey() string { return "function" }

// WriteText implements topology.Detail.
func (s *FunctionStats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s %s, %s (%s), %d throttled (%s), %d timed out\n", node,
		units.Plural(s.Invocations, "invocation", "invocations"), units.Plural(s.ColdStarts, "cold start", "cold starts"), units.OrUnknown(s.ColdShare, units.Percent), s.Throttled, units.OrUnknown(s.ThrottledShare, units.Percent), s.TimedOut)
	fmt.Fprintf(w, "%-11s concurrency peak %d, mean %s of %d; %d MB; billed %s GB-s (%s on provisioned)\n", "",
		s.ConcurrencyPeak, units.Count(s.ConcurrencyMean), s.Concurrency, s.MemoryMB, figures4(s.BilledGBSeconds), figures4(s.ProvisionedBilledGBSeconds))
	fmt.Fprintf(w, "%-11s cost %s over the window (requests %s, duration %s, provisioned %s): %s a month (%s)\n", "",
		units.USDDigits(s.WindowUSD, 4), units.USDDigits(s.RequestsUSD, 4), units.USDDigits(s.DurationUSD, 4), units.USDDigits(s.ProvisionedUSD, 4),
		units.USD(s.MonthlyUSD), s.Prices)
}

// figures4 writes a quantity (GB-seconds, Erlangs) with four significant
// figures by the rule of rates and counts (units.Figures): "123500", not
// "1.235e+05".
func figures4(v float64) string { return units.Figures(v, 4, units.MaxFigure) }
