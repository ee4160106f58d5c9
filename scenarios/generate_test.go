package scenarios_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// This file is a structure-aware generator of scenarios (issue 18): byte
// fuzzing rarely gets past the parser with a scenario that combines
// features, so the generator writes YAML that is valid most of the time and
// mixes every node kind, every call policy, faults on every kind with
// workers, autoscaling, shapes and traces, and extreme values (0 where it
// is allowed, 1, huge, tiny durations, 100% errors). It is a function of a
// random stream alone, so a seed names a scenario: FuzzScenarios explores
// seeds, and invariants_test.go checks each run.

// generated is one generated scenario: the file and the files beside it
// (a trace), by name.
type generated struct {
	YAML  string
	Files map[string]string
}

// Budgets of a generated run, small enough that one takes well under a
// second (see checkScenario, which caps them again).
const (
	genMaxEvents = 300_000
	genMaxMemory = "64MiB"
)

// gen holds what the generator has decided so far.
type gen struct {
	r *rand.Rand
	// classes are the workload's request classes (none without a mix);
	// writes the classes that write.
	classes, writes []string
	keys            bool // the workload gives keys
	users           bool // its requests carry a user (users, closed, sessions)
	noDiurnal       bool // the workload may not have a daily cycle
	// services are the service nodes in call order (a service calls only
	// those after it), db and cache the data nodes ("" for none), queues
	// the queues and topics a call may publish to.
	services       []string
	db, cache, lb  string
	withCDN        bool
	queues, topics []string
	dbReplicas     int
	cacheNodes     int
	withWorkers    map[string]int // nodes with workers: their instances (0: not known)
	nodes          []string       // node lines, in order
	runFor, sample float64        // seconds
}

// generateScenario writes a scenario from r.
func generateScenario(r *rand.Rand) generated {
	g := &gen{r: r, withWorkers: map[string]int{}}
	out := generated{Files: map[string]string{}}
	var b strings.Builder
	fmt.Fprintf(&b, "name: gen-%d\n", r.IntN(1_000_000))

	// The plan of the topology comes first: the workload's keys and
	// classes depend on which kinds it has.
	nServices := 1 + r.IntN(4)
	if g.chance(0.1) {
		nServices = 6
	}
	for i := range nServices {
		g.services = append(g.services, fmt.Sprintf("s%d", i+1))
	}
	if g.chance(0.5) {
		g.db = "db"
		g.dbReplicas = g.pick(0, 0, 1, 2, 3)
	}
	if g.chance(0.35) {
		g.cache = "cache"
		g.cacheNodes = g.pick(1, 1, 2, 3, 4)
	}
	wantQueue := g.chance(0.45)
	wantTopic := g.chance(0.2)
	if wantQueue {
		g.queues = append(g.queues, "q1")
		if g.chance(0.3) {
			g.queues = append(g.queues, "q2")
		}
	}
	if wantTopic {
		g.topics = append(g.topics, "t1")
	}
	partitioned := wantQueue && g.chance(0.25)
	g.withCDN = g.chance(0.12)

	g.workload(&b, &out, partitioned)

	// Entry: a CDN, a balancer, the first service, or (rarely) a queue.
	entry := g.services[0]
	if g.chance(0.6) {
		g.lb = "lb"
		entry = g.lb
	}
	if g.withCDN {
		entry = "edge"
	}
	if wantQueue && !g.withCDN && g.chance(0.08) {
		entry = "q1"
	}
	fmt.Fprintf(&b, "entry: %s\n", entry)
	if g.chance(0.2) {
		fmt.Fprintf(&b, "network: {latency: %s}\n", g.dist(g.pickS("100us", "500us", "1ms", "0s")))
	}

	if g.withCDN {
		origin := g.services[0]
		if g.lb != "" {
			origin = g.lb
		}
		g.node("edge", g.cdn(origin))
	}
	if g.lb != "" {
		g.node(g.lb, g.balancer())
	}
	for i, s := range g.services {
		g.node(s, g.service(i))
	}
	if g.db != "" {
		g.node(g.db, g.database())
	}
	if g.cache != "" {
		g.node(g.cache, g.cacheNode())
	}
	for i, q := range g.queues {
		dlq := ""
		if g.chance(0.4) {
			dlq = q + "-dlq"
		}
		g.node(q, g.queue(dlq, partitioned && i == 0))
		if dlq != "" {
			g.node(dlq, g.queue("", false))
		}
		if !g.chance(0.05) { // now and then a queue nobody consumes
			g.node("w"+q, g.workers("w"+q, q))
		}
	}
	for _, t := range g.topics {
		subs := []string{t + "a", t + "b"}
		if g.chance(0.3) {
			subs = subs[:1]
		}
		g.node(t, fields("kind: topic", g.maybe(0.4, "publish_time: "+g.dist(g.pickS("1ms", "12ms", "0s"))),
			"subscribers: ["+strings.Join(subs, ", ")+"]", g.maybe(0.2, "instance: sns")))
		for _, sub := range subs {
			g.node(sub, g.queue("", false))
			if !g.chance(0.1) {
				g.node("w"+sub, g.workers("w"+sub, sub))
			}
		}
	}
	b.WriteString("nodes:\n")
	for _, n := range g.nodes {
		b.WriteString(n)
	}
	g.faults(&b)
	g.slo(&b)
	g.run(&b)
	out.YAML = b.String()
	return out
}

// chance is true with probability p.
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// pick is one of vs.
func (g *gen) pick(vs ...int) int { return vs[g.r.IntN(len(vs))] }

// pickS is one of vs.
func (g *gen) pickS(vs ...string) string { return vs[g.r.IntN(len(vs))] }

// maybe is s with probability p, else "" (left out by fields).
func (g *gen) maybe(p float64, s string) string {
	if g.chance(p) {
		return s
	}
	return ""
}

// fields writes a flow mapping of the non-empty key: value parts.
func fields(parts ...string) string {
	return "{" + strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), ", ") + "}"
}

// node adds a node line.
func (g *gen) node(name, body string) {
	g.nodes = append(g.nodes, fmt.Sprintf("  %s: %s\n", name, body))
}

// duration is a duration: mostly ordinary, now and then extreme.
func (g *gen) duration(ordinary ...string) string {
	if g.chance(0.1) {
		return g.pickS("0s", "1ns", "1us", "100us", "1h", "1d")
	}
	return g.pickS(ordinary...)
}

// dist is a distribution of mean about mean: a bare duration or any of the
// distributions, with extreme parameters now and then.
func (g *gen) dist(mean string) string {
	if mean == "0s" {
		return mean // only a constant may be 0
	}
	switch g.r.IntN(9) {
	case 0:
		return mean
	case 1:
		return fields("dist: constant", "value: "+mean)
	case 2:
		return fields("dist: uniform", "min: 0s", "max: "+mean)
	case 3:
		if g.chance(0.5) {
			return fields("dist: lognormal", "mean: "+mean, "cv: "+g.pickS("0.1", "1", "3", "50"))
		}
		return fields("dist: lognormal", "mean: "+mean, "p99: "+scaleDuration(mean, g.pickS("2", "5", "14")))
	case 4:
		return fields("dist: gamma", "mean: "+mean, "cv: "+g.pickS("0.5", "1", "2", "100"))
	case 5:
		return fields("dist: pareto", "mean: "+mean, "alpha: "+g.pickS("1.1", "1.5", "2.5"))
	case 6:
		return fields("dist: hyperexponential", "mean: "+mean, "cv: "+g.pickS("1.5", "4", "20"))
	case 7:
		return fields("dist: empirical", "quantiles: {0: 0s, 0.5: "+mean+", 0.99: "+scaleDuration(mean, "10")+", 1: "+scaleDuration(mean, "20")+"}")
	}
	return fields("dist: exponential", "mean: "+mean)
}

// scaleDuration is d × factor written as a duration (d a number and a
// unit); a bare 0 stays 0.
func scaleDuration(d, factor string) string {
	i := strings.IndexFunc(d, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return d
	}
	var v, f float64
	fmt.Sscan(d[:i], &v)
	fmt.Sscan(factor, &f)
	return fmt.Sprintf("%g%s", v*f, d[i:])
}

// serviceTime is a service time: usually milliseconds.
func (g *gen) serviceTime() string {
	return g.dist(g.duration("1ms", "2ms", "5ms", "10ms", "20ms", "50ms", "100ms", "500ms"))
}

// workload writes the workload section.
func (g *gen) workload(b *strings.Builder, out *generated, partitioned bool) {
	var parts []string
	switch g.r.IntN(20) {
	case 0:
		g.users = true
		parts = append(parts, "users: "+g.pickS("1k", "100k", "1M"), "active_fraction: "+g.pickS("1%", "10%", "100%"),
			"requests_per_active_user_per_day: "+g.pickS("10", "200", "5000"))
		if g.chance(0.5) {
			parts = append(parts, "peak_to_average: "+g.pickS("1", "3"))
			g.noDiurnal = true
		}
	case 1, 2:
		g.users = true
		parts = append(parts, "closed: "+fields("users: "+g.pickS("1", "10", "100", "5000"), "think_time: "+g.dist(g.duration("0s", "100ms", "1s", "5s"))))
	case 3, 4:
		g.users = true
		parts = append(parts, "sessions: "+fields("rate: "+g.pickS("0.5", "5", "50"), "requests: "+g.pickS("1", "10", "{dist: exponential, mean: 5}"),
			"think_time: "+g.dist(g.duration("100ms", "1s", "2s"))))
	case 5:
		out.Files["trace.csv"] = g.trace()
		parts = append(parts, "trace: trace.csv")
	default:
		parts = append(parts, "rate: "+g.rate())
	}
	if g.chance(0.5) || g.cache != "" || g.db != "" {
		switch g.r.IntN(3) {
		case 0:
			g.classes = []string{"read", "write"}
			parts = append(parts, "mix: {read: 0.9, write: 0.1}")
		case 1:
			g.classes = []string{"static", "read", "write"}
			parts = append(parts, "mix: {static: 40%, read: 55%, write: 5%}")
		default:
			if g.chance(0.3) {
				g.classes = []string{"write"}
				parts = append(parts, "mix: {write: 100%}")
			} else {
				g.classes = []string{"read", "write"}
				parts = append(parts, "mix: "+g.pickS("{read: 99.99%, write: 0.01%}", "{read: 50%, write: 50%}"))
			}
		}
		g.writes = []string{"write"}
	}
	if g.db != "" || g.cache != "" || g.withCDN || partitioned || g.chance(0.2) {
		if !g.chance(0.03) { // now and then leave the keys out
			g.keys = true
			switch g.r.IntN(3) {
			case 0:
				parts = append(parts, "keys: "+fields("dist: zipf", "s: "+g.pickS("0.5", "0.9", "1.2", "3"), "count: "+g.pickS("1", "100", "10k", "1M")))
			case 1:
				parts = append(parts, "keys: "+fields("dist: uniform", "count: "+g.pickS("1", "100", "10k")))
			default:
				parts = append(parts, "keys: "+fields("dist: hotspot", "count: "+g.pickS("10", "1M"), "fraction: "+g.pickS("1%", "50%"), "share: "+g.pickS("30%", "99%")))
			}
		}
	}
	if g.chance(0.35) {
		parts = append(parts, "timeout: "+g.pickS("1ms", "50ms", "500ms", "2s", "30s", "1h"))
	}
	if g.chance(0.45) && !strings.HasPrefix(parts[0], "closed") {
		var shape []string
		at := 0
		for range 1 + g.r.IntN(3) {
			var entry string
			entry, at = g.shapeEntry(at, strings.HasPrefix(parts[0], "trace"))
			shape = append(shape, entry)
		}
		parts = append(parts, "shape: ["+strings.Join(shape, ", ")+"]")
	}
	b.WriteString("workload: " + fields(parts...) + "\n")
}

// rate is an arrival rate: usually tens to thousands per second.
func (g *gen) rate() string {
	if g.chance(0.1) {
		return g.pickS("0.001", "0.1", "1M", "1e9")
	}
	return g.pickS("1", "10", "50", "100", "200", "500", "1k", "3k")
}

// trace is a recorded rate curve.
func (g *gen) trace() string {
	var b strings.Builder
	if g.chance(0.5) {
		b.WriteString("time,rate\n")
	}
	t := 0
	for range 2 + g.r.IntN(6) {
		fmt.Fprintf(&b, "%d,%s\n", t, g.pickS("0", "5", "50", "200", "1000"))
		t += g.pick(1, 10, 30, 60, 120)
	}
	return b.String()
}

// shapeEntry is one step, ramp, spike or diurnal entry, at or after from
// (seconds), at times inside the run and beyond it, and when the next may
// start. A trace takes only spikes and a daily cycle.
func (g *gen) shapeEntry(from int, trace bool) (string, int) {
	start := from + g.pick(0, 5, 30, 60, 120, 300, 1200)
	at := fmt.Sprintf("%ds", start)
	level := func() string {
		if g.chance(0.5) {
			return "factor: " + g.pickS("0.1", "2", "5", "100")
		}
		return "rate: " + g.pickS("0", "10", "500", "5k")
	}
	kind := g.r.IntN(4)
	if trace && kind < 2 || kind == 3 && g.noDiurnal {
		kind = 2
	}
	if kind == 3 {
		g.noDiurnal = true // one daily cycle at most
	}
	switch kind {
	case 0:
		return "{step: " + fields("at: "+at, level()) + "}", start
	case 1:
		end := start + g.pick(1, 60, 180, 1800)
		return "{ramp: " + fields("from: "+at, fmt.Sprintf("to: %ds", end), level()) + "}", end
	case 2:
		length := g.pick(1, 10, 30, 120)
		return "{spike: " + fields("at: "+at, fmt.Sprintf("for: %ds", length), level()) + "}", start + length
	}
	return "{diurnal: " + fields("peak_to_trough: "+g.pickS("1", "2", "4", "100"), "peak_at: "+g.pickS("0s", "20h"), g.maybe(0.3, "weekend: 0.6")) + "}", from
}

// balancer is a load balancer over the first service (and now and then
// the second).
func (g *gen) balancer() string {
	targets := g.services[0]
	if len(g.services) > 1 && g.chance(0.15) {
		targets = "[" + g.services[0] + ", " + g.services[1] + "]"
	}
	return fields("kind: load_balancer", "targets: "+targets,
		g.maybe(0.6, "algorithm: "+g.pickS("round_robin", "random", "least_conn", "power_of_two", "ip_hash")),
		g.maybe(0.3, "health_check: "+fields(g.maybe(0.7, "interval: "+g.pickS("6s", "10s", "30s")), g.maybe(0.5, "timeout: "+g.pickS("100ms", "2s")),
			g.maybe(0.5, "unhealthy_after: "+g.pickS("1", "2", "5")), g.maybe(0.5, "healthy_after: "+g.pickS("1", "5")))),
		g.maybe(0.15, "rate_limit: "+g.rateLimit()),
		g.maybe(0.2, "instance: alb"))
}

// rateLimit is a token bucket.
func (g *gen) rateLimit() string {
	return fields("rate: "+g.pickS("1", "50", "1k"), g.maybe(0.6, "burst: "+g.pickS("1", "20", "1k")))
}

// service is the i-th service: it calls only services after it, the data
// tier and the brokers.
func (g *gen) service(i int) string {
	name := g.services[i]
	instances := g.pick(1, 1, 2, 3, 4, 8)
	if g.chance(0.03) {
		instances = 100
	}
	autoscale := ""
	if g.chance(0.25) {
		var lo, hi int
		autoscale, lo, hi = g.autoscale(false)
		instances = lo + g.r.IntN(hi-lo+1)
	}
	g.withWorkers[name] = instances
	parts := []string{"kind: service",
		g.maybe(0.7, fmt.Sprintf("instances: %d", instances)),
		g.maybe(0.8, "workers: "+g.pickS("1", "2", "4", "8", "16", "64", "256")),
		g.maybe(0.25, "queue: "+g.pickS("0", "1", "10", "100")),
		"service_time: " + g.serviceTime(),
		g.maybe(0.2, "blocking: false"),
	}
	if calls := g.calls(i); calls != "" {
		parts = append(parts, "calls: "+calls)
	}
	if g.chance(0.15) {
		parts = append(parts, "call_defaults: "+g.policies(true))
	}
	if autoscale != "" {
		parts = append(parts, "autoscale: "+autoscale)
	}
	parts = append(parts,
		g.maybe(0.1, "rate_limit: "+g.rateLimit()),
		g.maybe(0.1, "max_concurrency: "+g.pickS("1", "8", "64")),
		g.maybe(0.1, "shed_after: "+g.pickS("1ms", "100ms", "1s")),
		g.maybe(0.15, "instance: "+g.pickS("t3.medium", "c6i.large", "m6i.large")))
	if g.users && g.chance(0.15) {
		store := "local"
		switch {
		case g.cache != "" && g.chance(0.5):
			store = "{store: " + g.cache + "}"
		case g.db != "" && g.chance(0.5):
			store = "{store: " + g.db + "}"
		}
		parts = append(parts, "sessions: "+store)
	}
	return fields(parts...)
}

// calls are the calls of the i-th service (or of a worker group, for i < 0:
// then it calls the last service, the data tier and the queues).
func (g *gen) calls(i int) string {
	var calls []string
	policies := func() string {
		if g.chance(0.55) {
			return strings.TrimSuffix(strings.TrimPrefix(g.policies(false), "{"), "}")
		}
		return ""
	}
	callee := func(to string, extra ...string) {
		parts := append([]string{"to: " + to}, extra...)
		if g.classes != nil && g.chance(0.15) {
			parts = append(parts, "classes: ["+g.pickS(g.classes...)+"]")
		}
		parts = append(parts, g.maybe(0.1, "latency: "+g.dist(g.pickS("1ms", "5ms"))), policies())
		calls = append(calls, fields(parts...))
	}
	if i >= 0 {
		for j := i + 1; j < len(g.services); j++ {
			if g.chance(0.6) {
				callee(g.services[j])
			}
		}
	} else if g.chance(0.3) {
		callee(g.services[len(g.services)-1])
	}
	if g.db != "" && g.chance(0.6) {
		callee(g.db)
	}
	last := i == len(g.services)-1
	if g.cache != "" && g.chance(0.7) && !(g.db == "" && (last || i < 0)) {
		miss := g.db
		if miss == "" {
			miss = g.services[len(g.services)-1]
		}
		switch g.r.IntN(4) {
		case 0, 1:
			callee(g.cache, "op: get", "on_miss: ["+miss+"]")
		case 2:
			callee(g.cache, "op: delete", "write: ["+miss+"]")
		default:
			callee(g.cache, "op: set", "policy: "+g.pickS("write_through", "write_back"), "write: ["+miss+"]")
		}
	}
	// The last service publishes nothing, so that a worker group may call
	// it without making a loop through a queue.
	if i < 0 || i < len(g.services)-1 {
		for _, q := range append(slices.Clone(g.queues), g.topics...) {
			if g.chance(0.6) {
				callee(q, g.maybe(0.7, "async: true"))
			}
		}
	}
	if len(calls) == 0 {
		return ""
	}
	return "[" + strings.Join(calls, ", ") + "]"
}

// policies is a mapping of call policies: timeout, retries, circuit
// breaker and hedge, each now and then, biased to combine them.
func (g *gen) policies(defaults bool) string {
	var parts []string
	timeout := g.chance(0.5)
	if timeout {
		parts = append(parts, "timeout: "+g.pickS("1ms", "10ms", "50ms", "100ms", "1s"))
	}
	if g.chance(0.5) {
		var r []string
		r = append(r, g.maybe(0.8, "max: "+g.pickS("0", "1", "3", "10")))
		if g.chance(0.5) {
			base := g.pickS("1ms", "25ms", "1s")
			r = append(r, "backoff: "+fields("base: "+base, g.maybe(0.5, "max: "+scaleDuration(base, g.pickS("1", "10", "1000"))),
				g.maybe(0.5, "jitter: "+g.pickS("full", "none"))))
		}
		if g.chance(0.3) {
			on := []string{"error", "rejected"}
			if timeout {
				on = append(on, "timeout")
			}
			r = append(r, "on: ["+g.pickS(on...)+"]")
		}
		switch g.r.IntN(4) {
		case 0:
			r = append(r, "budget: "+g.pickS("0%", "20%", "100%"))
		case 1:
			r = append(r, "token_bucket: "+fields(g.maybe(0.7, "tokens: "+g.pickS("1", "10", "1000")), g.maybe(0.7, "ratio: "+g.pickS("0.1", "1", "5"))))
		}
		parts = append(parts, "retries: "+fields(r...))
	}
	if g.chance(0.3) {
		parts = append(parts, "circuit_breaker: "+fields(
			g.maybe(0.6, "failure_rate: "+g.pickS("1%", "50%", "100%")),
			g.maybe(0.6, "window: "+g.pickS("1", "10", "100", "1s", "10s")),
			g.maybe(0.6, "min_calls: "+g.pickS("1", "20")),
			g.maybe(0.6, "open_for: "+g.pickS("1ms", "1s", "30s")),
			g.maybe(0.6, "half_open: "+g.pickS("1", "5"))))
	}
	if !defaults && g.chance(0.35) || defaults && g.chance(0.2) {
		parts = append(parts, "hedge: {after: "+g.pickS("1us", "1ms", "20ms", "p50", "p95", "p99")+"}")
	}
	if len(parts) == 0 {
		parts = append(parts, "timeout: 100ms")
	}
	return fields(parts...)
}

// autoscale is a target or step policy, with a schedule now and then, and
// its min and max.
func (g *gen) autoscale(workers bool) (string, int, int) {
	min := g.pick(1, 1, 2, 4)
	max := min + g.pick(0, 1, 4, 20, 200)
	parts := []string{fmt.Sprintf("min: %d", min), fmt.Sprintf("max: %d", max)}
	metric := "utilization"
	metrics := []string{"utilization", "rps_per_instance", "queue_length", "in_flight"}
	if workers {
		metrics = append(metrics, "backlog_per_consumer", "backlog_per_consumer")
	}
	if g.chance(0.7) {
		metric = g.pickS(metrics...)
		parts = append(parts, "metric: "+metric)
	}
	if g.chance(0.2) {
		above, below := g.threshold(metric), g.threshold(metric)
		if metric == "utilization" {
			above, below = g.pickS("1%", "70%", "100%"), g.pickS("0%", "25%", "99%")
		}
		parts = append(parts, "policy: step", "steps: ["+fields("above: "+above, "add: "+g.pickS("1", "2", "100"))+", "+
			fields("below: "+below, "remove: "+g.pickS("1", "3"))+"]",
			g.maybe(0.5, "cooldown: "+g.pickS("0s", "10s", "300s")), g.maybe(0.5, "interval: "+g.pickS("1s", "10s", "60s")))
	} else {
		parts = append(parts, "target: "+g.threshold(metric),
			g.maybe(0.3, "tolerance: "+g.pickS("0%", "10%", "50%")),
			g.maybe(0.4, "interval: "+g.pickS("1s", "15s", "1m")),
			g.maybe(0.3, "metric_window: "+g.pickS("0s", "10s", "1m")),
			g.maybe(0.2, "scale_up: "+fields("max_percent: "+g.pickS("10%", "100%", "900%"), g.maybe(0.5, "max_instances: "+g.pickS("0", "1", "4")))),
			g.maybe(0.2, "scale_down: {stabilization: "+g.pickS("0s", "1m", "5m")+"}"))
		if metric == "utilization" {
			parts = append(parts, g.maybe(0.2, "initialization_period: "+g.pickS("0s", "5m")), g.maybe(0.2, "initial_readiness_delay: "+g.pickS("0s", "30s")))
		}
	}
	parts = append(parts, g.maybe(0.5, "boot_time: "+g.pickS("0s", "1s", "30s", "2m")))
	if g.chance(0.2) {
		lo := "1"
		if workers {
			lo = g.pickS("0", "1")
		}
		parts = append(parts, "schedule: ["+fields("at: "+g.pickS("10s", "1m", "3m"), "min: "+lo, "max: "+g.pickS("1", "2", "10", lo))+", "+
			fields("at: "+g.pickS("2m", "4m", "20m"), fmt.Sprintf("min: %d", min), fmt.Sprintf("max: %d", max))+"]")
	}
	return fields(parts...), min, max
}

// threshold is a target or step threshold suited to metric.
func (g *gen) threshold(metric string) string {
	if metric == "utilization" {
		return g.pickS("1%", "30%", "60%", "90%", "200%")
	}
	return g.pickS("0.5", "1", "5", "50", "1000")
}

// database is a database with replicas, shards and a pool.
func (g *gen) database() string {
	shards := g.pick(1, 1, 2, 4, 8)
	g.withWorkers[g.db] = 0
	st := g.serviceTime()
	if g.chance(0.5) {
		st = fields("read: "+g.serviceTime(), "write: "+g.serviceTime())
	}
	parts := []string{"kind: database",
		fmt.Sprintf("replicas: %d", g.dbReplicas),
		fmt.Sprintf("shards: %d", shards),
		g.maybe(0.2, "failover_time: "+g.pickS("1ms", "10s", "60s")),
		g.maybe(0.15, "instance: db.r6g.large"),
		g.maybe(0.3, "workers: "+g.pickS("1", "4", "16")),
		g.maybe(0.2, "queue: "+g.pickS("1", "50")),
		"service_time: " + st,
	}
	if shards > 1 {
		parts = append(parts, g.maybe(0.5, "partition: "+g.pickS("hash", "range", "consistent", "directory")))
	}
	if g.dbReplicas > 0 {
		parts = append(parts, g.maybe(0.5, "read_from: "+g.pickS("replicas", "primary", "any")),
			g.maybe(0.6, "replication_lag: "+g.dist(g.duration("1ms", "20ms", "1s"))),
			g.maybe(0.3, "read_your_writes: "+g.pickS("1ms", "1s", "5s")))
	}
	switch g.r.IntN(3) {
	case 0:
		parts = append(parts, "pool: "+g.pickS("1", "5", "20"))
	case 1:
		parts = append(parts, "connect_time: "+g.dist(g.pickS("1ms", "3ms")))
	}
	return fields(parts...)
}

// cacheNode is a cache.
func (g *gen) cacheNode() string {
	g.withWorkers[g.cache] = 0
	capacity := "capacity: " + g.pickS("1", "10", "1k", "100k")
	if g.chance(0.2) {
		capacity = "memory: " + g.pickS("1MB", "64MB") + ", item_size: " + g.pickS("1KB", "2KB")
	}
	return fields("kind: cache", fmt.Sprintf("nodes: %d", g.cacheNodes), capacity,
		g.maybe(0.4, "eviction: "+g.pickS("lru", "lfu", "fifo", "random")),
		g.maybe(0.4, "ttl: "+g.pickS("1ms", "1s", "10m")),
		g.maybe(0.4, "coalesce: true"),
		g.maybe(0.3, "service_time: "+g.dist(g.pickS("100us", "200us", "1ms"))),
		g.maybe(0.2, "workers: "+g.pickS("1", "4")),
		g.maybe(0.2, "queue: "+g.pickS("1", "100")),
		g.maybe(0.3, "flush_interval: "+g.pickS("1ms", "1s", "10s")),
		g.maybe(0.2, "failures: "+g.dist(g.pickS("10s", "1m", "6h"))),
		g.maybe(0.15, "instance: cache.r6g.large"))
}

// cdn is a CDN in front of origin.
func (g *gen) cdn(origin string) string {
	parts := []string{"kind: cdn", "origin: " + origin,
		"capacity: " + g.pickS("1", "100", "20k"),
		g.maybe(0.5, "ttl: "+g.pickS("1s", "1h")),
		g.maybe(0.5, "edge_latency: "+g.dist(g.pickS("5ms", "15ms"))),
		g.maybe(0.5, "origin_latency: "+g.dist(g.pickS("10ms", "40ms"))),
		g.maybe(0.3, "object_size: "+g.pickS("1KB", "40KB")),
		g.maybe(0.2, "instance: cloudfront")}
	if slices.Contains(g.classes, "static") && g.chance(0.6) {
		parts = append(parts, "classes: [static]")
	}
	return fields(parts...)
}

// queue is a queue, with a dead-letter queue when dlq is not "".
func (g *gen) queue(dlq string, partitioned bool) string {
	parts := []string{"kind: queue",
		g.maybe(0.3, "publish_time: "+g.dist(g.pickS("0s", "1ms", "10ms"))),
		g.maybe(0.3, "capacity: "+g.pickS("0", "1", "10", "1000")),
		g.maybe(0.25, "on_full: "+g.pickS("reject", "block")),
		g.maybe(0.3, "visibility_timeout: "+g.pickS("1ms", "100ms", "1s", "30s", "12h")),
		g.maybe(0.2, "retention: "+g.pickS("60s", "1h", "14d")),
		g.maybe(0.15, "instance: "+g.pickS("sqs", "sqs-fifo")),
	}
	if dlq != "" {
		parts = append(parts, "max_receives: "+g.pickS("1", "2", "5"), "dead_letter: "+dlq)
	} else {
		parts = append(parts, g.maybe(0.2, "max_receives: "+g.pickS("1", "3")))
	}
	if partitioned {
		parts = append(parts, "partitions: "+g.pickS("1", "2", "8"))
	}
	return fields(parts...)
}

// workers is the worker group name on queue.
func (g *gen) workers(name, queue string) string {
	consumers := g.pick(1, 2, 4, 16, 64)
	autoscale := ""
	if g.chance(0.3) {
		var lo, hi int
		autoscale, lo, hi = g.autoscale(true)
		consumers = lo + g.r.IntN(hi-lo+1)
	}
	g.withWorkers[name] = consumers
	parts := []string{"kind: workers", "from: " + queue,
		fmt.Sprintf("consumers: %d", consumers),
		g.maybe(0.3, "batch: "+g.pickS("1", "2", "10")),
		"service_time: " + g.serviceTime(),
		g.maybe(0.4, "failure_rate: "+g.pickS("0%", "2%", "50%", "100%")),
		g.maybe(0.4, "retry_backoff: "+g.pickS("0s", "1ms", "5s")),
		g.maybe(0.15, "instance: c6i.large"),
	}
	if calls := g.calls(-1); calls != "" && g.chance(0.6) {
		// A worker group publishing to its own queue is a loop the
		// validation may refuse; leave that to chance.
		parts = append(parts, "calls: "+calls)
		if g.chance(0.2) {
			parts = append(parts, "call_defaults: "+g.policies(true))
		}
	}
	if autoscale != "" {
		parts = append(parts, "autoscale: "+autoscale)
	}
	return fields(parts...)
}

// faults writes up to four faults on nodes with workers, of every sort.
func (g *gen) faults(b *strings.Builder) {
	if !g.chance(0.5) || len(g.withWorkers) == 0 {
		return
	}
	names := make([]string, 0, len(g.withWorkers))
	for n := range g.withWorkers {
		names = append(names, n)
	}
	slices.Sort(names)
	b.WriteString("faults:\n")
	for range 1 + g.r.IntN(4) {
		node := g.pickS(names...)
		parts := []string{"node: " + node}
		if g.chance(0.2) {
			parts = append(parts, "mttf: "+g.pickS("10s", "1m", "10m"), "mttr: "+g.pickS("1s", "20s", "2m"))
		} else {
			length := g.pickS("1ms", "1s", "30s", "2m", "1h")
			parts = append(parts, "at: "+g.pickS("0s", "5s", "30s", "1m", "3m", "20m"), "for: "+length)
			if g.chance(0.2) {
				parts = append(parts, "every: "+scaleDuration(length, g.pickS("1.5", "3", "100")))
			}
		}
		switch {
		case node == g.db && g.chance(0.5):
			if g.dbReplicas > 0 && g.chance(0.5) {
				parts = append(parts, fmt.Sprintf("replica: %d", g.r.IntN(g.dbReplicas)))
			} else {
				parts = append(parts, "primary: true")
			}
		case node == g.cache && g.chance(0.5):
			parts = append(parts, fmt.Sprintf("cache_node: %d", g.r.IntN(g.cacheNodes)))
		default:
			switch g.r.IntN(5) {
			case 0:
				n := g.withWorkers[node]
				if n < 1 {
					n = 1
				}
				parts = append(parts, fmt.Sprintf("instances: %d", 1+g.r.IntN(n)))
			case 1:
				parts = append(parts, "errors: "+g.pickS("0.1%", "1%", "20%", "50%", "100%"))
			case 2:
				parts = append(parts, "slow: {factor: "+g.pickS("0.5", "3", "100")+"}")
			case 3:
				parts = append(parts, "latency: "+g.pickS("1ms", "200ms", "10s"))
			}
			// case 4: the whole node down
		}
		fmt.Fprintf(b, "  - %s\n", fields(parts...))
	}
}

// slo writes objectives now and then.
func (g *gen) slo(b *strings.Builder) {
	if !g.chance(0.6) {
		return
	}
	parts := []string{g.maybe(0.7, g.pickS("p99", "p50", "mean", "p999")+": "+g.pickS("1ms", "50ms", "200ms", "2s")),
		g.maybe(0.6, "error_rate: "+g.pickS("0%", "0.1%", "1%", "100%"))}
	if parts[0] == "" && parts[1] == "" {
		parts[0] = "p99: 200ms"
	}
	b.WriteString("slo: " + fields(parts...) + "\n")
}

// run writes the run section: a duration of at most 10 minutes, sampled,
// with a warm-up a whole number of sample windows long (so that the
// series tells what was in flight when the window began), and small
// budgets.
func (g *gen) run(b *strings.Builder) {
	durations := []float64{1, 10, 30, 60, 120, 300, 600}
	g.runFor = durations[g.r.IntN(len(durations))]
	samples := []float64{1, 5, 10}
	g.sample = samples[g.r.IntN(len(samples))]
	warmup := g.sample * float64(g.pick(0, 0, 1, 2, 6))
	parts := []string{fmt.Sprintf("seed: %d", g.r.IntN(1000)), fmt.Sprintf("duration: %gs", g.runFor), fmt.Sprintf("warmup: %gs", warmup),
		fmt.Sprintf("sample: %gs", g.sample), fmt.Sprintf("max_events: %d", g.pick(1000, 50_000, genMaxEvents, genMaxEvents)),
		"max_memory: " + genMaxMemory,
		g.maybe(0.1, "max_requests: "+g.pickS("1", "100", "10k")),
		g.maybe(0.05, "max_in_flight: "+g.pickS("1", "1000"))}
	b.WriteString("run: " + fields(parts...) + "\n")
}
