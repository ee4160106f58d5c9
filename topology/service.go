package topology

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Service is a pool of identical instances, each with a number of workers
// sharing one FIFO queue. A request is served for ServiceTime, then makes
// its Calls in order, waiting for each reply.
type Service struct {
	Instances   int
	Workers     int
	Queue       int // waiting places per instance; Unlimited for no limit
	ServiceTime sim.Dist
	// ServiceTimeByClass are the service times of the request classes
	// with their own; the others take ServiceTime, which may be nil when
	// every class has its own.
	ServiceTimeByClass map[string]sim.Dist
	// Size is the bytes of its requests and replies, by class.
	Size  Sizes
	Calls []Call
	// Blocking: a worker is held while the request's calls run
	// (thread-per-request); otherwise it is freed after the service time
	// (event loop).
	Blocking bool
	// Autoscale, when not nil, changes Instances (the initial count) over
	// time.
	Autoscale *Autoscale
	// RateLimit, when not nil, turns away requests beyond a rate (over
	// all instances); Shedding turns them away before they queue.
	RateLimit *RateLimit
	Shedding
	// Sessions says where the users' sessions live.
	Sessions Sessions
	// CallDefaults are the policies of every call that does not set its
	// own, as the file gave them; reading the file applies them to Calls
	// (in Go, set each call's Policies).
	CallDefaults Policies
}

// MaxInstances bounds the instances of one service, each simulated with its
// own queue.
const MaxInstances = 10_000

// MaxWorkers bounds the workers of one instance or server, and
// MaxServiceWorkers those of all a service's instances together.
const (
	MaxWorkers        = 1 << 20
	MaxServiceWorkers = 10_000_000
)

// Unlimited is the Queue of a service without a waiting-room limit.
const Unlimited = -1

// Capacity is the number of requests the service can work on at once.
func (s *Service) Capacity() int { return s.Instances * s.Workers }

// Call is a synchronous call from a service to another node.
type Call struct {
	To string
	// Classes limits the call to requests of these classes; empty means all.
	Classes []string
	// Op is the operation of a call to a cache: get, set or delete; empty
	// for calls to other kinds.
	Op string
	// OnMiss are the calls a get makes when the key is not cached (e.g.
	// read the database); then the key is filled (cache-aside).
	OnMiss []Call
	// Write are the calls that store the value of a set or delete (e.g.
	// write the database).
	Write []Call
	// Policy of a set: write_through runs Write before updating the cache;
	// write_back updates the cache and leaves Write to the cache's periodic
	// flush.
	Policy string
	// Latency is the network round trip of the call; nil takes the
	// scenario's default.
	Latency sim.Dist
	// Async marks a publish to a queue or topic: the caller waits for
	// the broker to store the message, not for its consumers. A call to
	// a queue or topic is a publish whether or not it says so.
	Async bool
	// Policies are the call's timeout, retries, circuit breaker and hedge.
	Policies
	// Parallel, when not nil, makes the entry a step of calls sent at
	// once (see parallel.go); it has no target of its own.
	Parallel *Parallel
	// FanOut, when not nil, sends the call to a count of other keys at
	// once.
	FanOut *FanOut
	// Fallback, when not nil, answers the call when it fails.
	Fallback *Fallback
}

// Cache operations and write policies.
const (
	OpGet        = "get"
	OpSet        = "set"
	OpDelete     = "delete"
	WriteThrough = "write_through"
	WriteBack    = "write_back"
)

// walkCalls calls f on each call and each call nested in it, depth first,
// with the call's path below the node (calls.0.on_miss.1).
func walkCalls(calls []Call, path []string, f func(c *Call, at []string)) {
	for i := range calls {
		at := append(slices.Clone(path), strconv.Itoa(i))
		f(&calls[i], at)
		walkCalls(calls[i].OnMiss, append(slices.Clone(at), "on_miss"), f)
		walkCalls(calls[i].Write, append(slices.Clone(at), "write"), f)
		if p := calls[i].Parallel; p != nil {
			walkCalls(p.Calls, append(slices.Clone(at), "parallel", "calls"), f)
		}
	}
}

// CallsOf lists the calls a node makes (a service's or a worker group's),
// nested ones included, depth first; nil for other kinds.
func CallsOf(spec Spec) []*Call {
	cm, ok := spec.(CallMaker)
	if !ok {
		return nil
	}
	var out []*Call
	walkCalls(cm.CallList(), nil, func(c *Call, _ []string) { out = append(out, c) })
	return out
}

// CallMaker is a spec whose nodes make calls (a service, a worker group):
// its calls as the file gives them.
type CallMaker interface {
	CallList() []Call
}

// CallList implements CallMaker.
func (s *Service) CallList() []Call { return s.Calls }

var serviceKind = Kind{
	Name:         "service",
	Noun:         "service",
	Decode:       decodeService,
	Workers:      true,
	Egress:       true,
	SessionStore: true,
}

// Kind implements Spec.
func (*Service) Kind() *Kind { return &serviceKind }

// Units implements Spec: instances are billed.
func (s *Service) Units() int { return s.Instances }

// NeedsKeys implements Spec.
func (*Service) NeedsKeys() bool { return false }

// KeepsSessions implements SessionKeeper.
func (s *Service) KeepsSessions() bool { return s.Sessions.Local || s.Sessions.Store != "" }

// Autoscaler implements Autoscaled.
func (s *Service) Autoscaler() (*Autoscale, int) { return s.Autoscale, s.Workers }

// WorkTimes implements Worked.
func (s *Service) WorkTimes() []sim.Dist { return s.workTimes() }

// Footprint implements Spec: a station, and connection pools.
func (s *Service) Footprint(int64) float64 {
	if s.Autoscale != nil {
		return stationFootprint(max(s.Instances, s.Autoscale.Max))
	}
	return stationFootprint(s.Instances)
}

// Downstream implements Spec: every node its calls reach, and its session
// store.
func (s *Service) Downstream() []Target {
	var out []Target
	if s.Sessions.Store != "" {
		out = append(out, Target{To: s.Sessions.Store, Field: []string{"sessions", "store"}})
	}
	return append(append(out, callTargets(s.Calls)...), fallbackTargets(s.Calls)...)
}

func decodeService(d *yamlfile.Decoder, m yamlfile.Map, name string) Spec {
	s := &Service{Instances: 1, Workers: 1, Queue: Unlimited, Blocking: true}
	what := "node " + name
	intField(d, m, "instances", what, &s.Instances)
	workersField(d, m, what, &s.Workers)
	queueField(d, m, what, &s.Queue)
	if m.Has("blocking") {
		s.Blocking, _ = d.Bool(m.Get("blocking"))
	}
	if m.Has("service_time") {
		s.ServiceTime, s.ServiceTimeByClass = decodeClassTimes(d, m.Get("service_time"), what+" service_time")
	}
	if m.Has("size") {
		s.Size = decodeSizes(d, m.Get("size"), what)
	}
	if m.Has("calls") {
		s.Calls = DecodeCalls(d, m.Get("calls"), name)
	}
	s.CallDefaults = DecodeCallDefaults(d, m, what, s.Calls)
	if m.Has("autoscale") {
		s.Autoscale = DecodeAutoscale(d, m.Get("autoscale"), what)
		if !m.Has("instances") {
			s.Instances = max(s.Autoscale.Min, 1)
		}
	}
	if m.Has("rate_limit") {
		s.RateLimit = DecodeRateLimit(d, m.Get("rate_limit"), what)
	}
	if m.Has("sessions") {
		s.Sessions = decodeSessions(d, m.Get("sessions"), what)
	}
	if m.Has("max_concurrency") {
		// 0 would shed every request: leaving it out is no limit.
		s.MaxConcurrency, _ = d.Int(m.Get("max_concurrency"), what+" max_concurrency (leave it out for no limit)", 1)
	}
	if m.Has("shed_after") {
		if v, ok := d.Duration(m.Get("shed_after"), what+" shed_after"); ok {
			s.ShedAfter = &v
		}
	}
	return s
}

// DecodeCalls reads a list of calls: {to: NAME, classes: [read]} or a bare
// NAME.
func DecodeCalls(d *yamlfile.Decoder, n *yaml.Node, from string) []Call {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "calls of %s must be a list, e.g. [{to: db}]", from)
		return nil
	}
	var calls []Call
	for _, item := range n.Content {
		var c Call
		if item.Kind == yaml.ScalarNode {
			c.To, _ = d.String(item)
			calls = append(calls, c)
			continue
		}
		m, ok := d.Mapping(item, "call from "+from, "to", "classes", "op", "on_miss", "write", "policy", "latency", "async", "timeout", "retries", "circuit_breaker", "hedge", "parallel", "fan_out", "fallback")
		if !ok {
			continue
		}
		if m.Has("parallel") {
			decodeParallelEntry(d, m, from, &c)
		}
		if m.Has("fan_out") {
			c.FanOut = decodeFanOut(d, m.Get("fan_out"))
		}
		if m.Has("to") {
			c.To, _ = d.String(m.Get("to"))
		}
		if m.Has("classes") {
			c.Classes = DecodeNames(d, m.Get("classes"), "classes")
		}
		if m.Has("op") {
			c.Op = d.OneOf(m.Get("op"), "op", OpGet, OpSet, OpDelete)
		}
		if m.Has("policy") {
			c.Policy = d.OneOf(m.Get("policy"), "policy", WriteThrough, WriteBack)
		}
		if m.Has("latency") {
			c.Latency = d.Dist(m.Get("latency"), "call latency", yamlfile.Seconds)
		}
		if m.Has("async") {
			c.Async, _ = d.Bool(m.Get("async"))
		}
		if m.Has("fallback") {
			c.Fallback = decodeFallback(d, m.Get("fallback"))
		}
		decodePolicies(d, m, &c.Policies)
		if m.Has("on_miss") {
			c.OnMiss = nonNil(DecodeCalls(d, m.Get("on_miss"), from))
		}
		if m.Has("write") {
			c.Write = nonNil(DecodeCalls(d, m.Get("write"), from))
		}
		calls = append(calls, c)
	}
	return calls
}

// Validate implements Spec: its sizes and service time, and each call: a
// target, classes of the workload, an operation that suits the node called.
func (s *Service) Validate(e field.Errors, c *Checker) {
	what := "node " + c.node.Name
	atLeast(e, "instances", what, s.Instances, 1)
	if s.Instances > MaxInstances {
		e.Add("instances", "%s: at most %d instances", what, MaxInstances)
	}
	inRange(e, "workers", what, s.Workers, 1, MaxWorkers)
	most := s.Instances
	if a := s.Autoscale; a != nil {
		a.Validate(e, s.Instances, false)
		most = max(most, min(a.Max, MaxInstances))
	}
	if most >= 1 && s.Workers >= 1 && most <= MaxInstances && s.Workers <= MaxWorkers && most*s.Workers > MaxServiceWorkers {
		e.Add("", "%s has up to %d workers in all (instances × workers); at most %d are simulated", what, most*s.Workers, MaxServiceWorkers)
	}
	checkQueue(e, what, s.Queue)
	if s.RateLimit != nil {
		s.RateLimit.Validate(e.In("rate_limit"))
	}
	s.Shedding.validate(e, what)
	s.Sessions.validate(e, c)
	validateClassTimes(e, c, "service_time", "service "+c.node.Name, s.ServiceTime, s.ServiceTimeByClass)
	s.Size.validate(e, c, what)
	ValidateCalls(e, c, s.Calls, s.CallDefaults)
}

// ValidateCalls checks the calls of a node that makes them: each has a
// target, names classes of the workload, has an operation that suits the
// node called, and sound policies (those from defaults checked once, at
// call_defaults).
func ValidateCalls(e field.Errors, c *Checker, calls []Call, defaults Policies) {
	if defaults != (Policies{}) {
		defaults.validate(e.In("call_defaults"), Policies{})
	}
	walkCalls(calls, []string{"calls"}, func(call *Call, at []string) {
		ce := e.In(at...)
		if call.Parallel != nil {
			c.UnknownClasses(ce, "classes", call.Classes, fmt.Sprintf("parallel calls from %s name", c.node.Name))
			validateParallel(ce, call.Parallel)
			return
		}
		if call.FanOut != nil {
			call.FanOut.validate(ce.In("fan_out"))
		}
		if call.To == "" {
			ce.Add("", "a call from %s needs \"to\": the node it calls", c.node.Name)
			return
		}
		c.UnknownClasses(ce, "to", call.Classes, fmt.Sprintf("call from %s to %s names", c.node.Name, call.To))
		checkOp(ce, c, call)
		call.Policies.validate(ce, defaults)
		if call.Fallback != nil {
			call.Fallback.validate(ce, c, call)
		}
		if cache, ok := c.t.byName[call.To]; ok && call.Op == OpGet {
			if spec, ok := cache.Spec.(CoalescedFills); ok && spec.CoalescesFills() && getsFrom(c.t, call.OnMiss, call.To, map[string]bool{}) {
				ce.Add("to", "the miss path of this get from cache %s gets from %s again: with coalesce, the request would wait for its own fill (a cycle through a coalesced fill)",
					call.To, call.To)
			}
		}
	})
}

// getsFrom says calls, or any node they reach, make a get on the cache
// called cache.
func getsFrom(t *Topology, calls []Call, cache string, seen map[string]bool) bool {
	for _, call := range calls {
		if call.To == cache && call.Op == OpGet {
			return true
		}
		if getsFrom(t, call.OnMiss, cache, seen) || getsFrom(t, call.Write, cache, seen) || nodeGetsFrom(t, call.To, cache, seen) {
			return true
		}
		if call.Parallel != nil && getsFrom(t, call.Parallel.Calls, cache, seen) {
			return true
		}
	}
	return false
}

// nodeGetsFrom says the node called name, or a node it reaches, makes a
// get on cache.
func nodeGetsFrom(t *Topology, name, cache string, seen map[string]bool) bool {
	n := t.byName[name]
	if n == nil || seen[name] {
		return false
	}
	seen[name] = true
	if cm, ok := n.Spec.(CallMaker); ok {
		return getsFrom(t, cm.CallList(), cache, seen)
	}
	for _, tg := range n.Spec.Downstream() {
		if nodeGetsFrom(t, tg.To, cache, seen) {
			return true
		}
	}
	return false
}

// checkOp checks that a call's op and its fields suit the node it calls:
// operations go to caches, and a cache needs one.
func checkOp(e field.Errors, c *Checker, call *Call) {
	target := c.t.byName[call.To]
	if target == nil {
		return // reported already
	}
	from := c.node.Name
	if call.Async && !target.Kind().Broker {
		e.Add("to", "async: true publishes to a queue or topic; %s is a %s (to have its work done off the request path, publish to a queue that workers consume)",
			call.To, target.Kind().Name)
		return
	}
	switch needsOp := target.Kind().NeedsOp; {
	case needsOp && call.Op == "":
		e.Add("to", "call from %s to %s %s needs an op: get, set or delete", from, target.Kind().Noun, call.To)
	case !needsOp && call.Op != "":
		e.Add("to", "op %q applies to calls to a cache; %s is a %s", call.Op, call.To, target.Kind().Name)
	case call.OnMiss != nil && call.Op != OpGet:
		e.Add("to", "on_miss goes with op: get (the calls made when the key is not cached)")
	case call.Write != nil && call.Op != OpSet && call.Op != OpDelete:
		e.Add("to", "write goes with op: set or delete (the calls that store the value)")
	case call.Policy != "" && call.Op != OpSet:
		e.Add("to", "policy goes with op: set")
	case call.Policy == WriteBack && len(call.Write) == 0:
		e.Add("to", "a write_back set needs write: the calls the cache's flush makes, e.g. [db]")
	}
	if call.Policy == WriteBack {
		for i, w := range call.Write {
			if len(w.OnMiss)+len(w.Write) > 0 || w.Op != "" {
				e.In("write", strconv.Itoa(i)).Add("to", "a write_back flush makes plain calls; %s cannot have an op, on_miss or write", w.To)
			}
		}
	}
}

// HitRatio implements Analytic: a service caches nothing.
func (*Service) HitRatio(Solver, string) (float64, bool) { return 0, false }

// Routes implements Analytic: the calls of class c, a cache get's on-miss
// calls weighted by the cache's miss ratio; write-back writes are left to
// the cache's flush.
func (s *Service) Routes(sv Solver, name string, c int, route Router) {
	RouteCalls(sv, name, append(s.sessionRead(), s.Calls...), c, route)
}

// sessionRead is the call that reads a request's session from the
// service's store, made before its own calls; none without a store.
func (s *Service) sessionRead() []Call {
	if s.Sessions.Store == "" {
		return nil
	}
	return []Call{{To: s.Sessions.Store}}
}

// RouteCalls reports the calls of class c among calls.
func RouteCalls(sv Solver, from string, calls []Call, c int, route Router) {
	class := sv.Classes()[c]
	var add func(calls []Call, w float64)
	add = func(calls []Call, w float64) {
		for _, call := range calls {
			if len(call.Classes) > 0 && !contains(call.Classes, class) {
				continue
			}
			if call.Parallel != nil {
				add(call.Parallel.Calls, w)
				continue
			}
			w := float64(w * fanOutWeight(sv, from, &call))
			lat := sv.DefaultLatency()
			if call.Latency != nil {
				lat = call.Latency.Mean()
			}
			to := AimedPart(sv, from, call.To, c) // a database's part nearest the caller
			route(call.To, w, sv.Hop(HopCall, from, to, lat)+sv.Hop(HopReply, to, from, 0))
			if call.Retries != nil || call.Timeout > 0 || call.Hedge != nil || call.CircuitBreaker != nil {
				sv.Note("calls to %s: their timeout, retries, hedging and circuit breaker are left out (each call is one attempt that waits for its reply)", call.To)
			}
			switch call.Op {
			case OpGet:
				add(call.OnMiss, w*(1-sv.HitRatio(call.To)))
			case OpSet, OpDelete:
				if call.Policy == WriteBack {
					sv.Note("%s: write-back writes are left out (the flush coalesces them)", call.To)
					continue
				}
				add(call.Write, w)
			}
		}
	}
	add(calls, 1)
}

// Solve implements Analytic: the instances as M/G/c queues, a worker held
// for the service time and, when blocking, the calls too; behind a
// least-connections balancer, one queue in front of all the workers; with
// an autoscaler, at the instances it settles on for the load.
func (s *Service) Solve(sv Solver, name string, rate float64, down []float64) Solution {
	var h Moments
	waits := false // its workers wait on calls
	stay := 0.0    // the mean time a visit is outstanding besides its wait
	owns := make([]float64, len(down))
	for c := range down {
		v := sv.Visits(c, name)
		t := s.timeOf(sv.Classes()[c])
		own, scv := Mean(t), SCV(t)
		owns[c] = own
		stay += float64(v * (own + down[c]))
		if !s.Blocking || down[c] == 0 {
			h.Add(v, own, scv)
			continue
		}
		h.Add(v, own+down[c], WithCalls(own, scv, down[c]))
		waits = true
	}
	if rate > 0 {
		stay /= rate
	}
	shared := sv.SharedQueue(name)
	// Its instances take requests in turn from a round-robin balancer,
	// or from callers without one (as the entry does).
	others, turns := sv.Turns(name)
	turns = turns || !sv.Balanced(name)
	group := func(n int) StationGroup {
		g := StationGroup{Count: n, Workers: s.Workers, Rate: rate, Holding: h.Mean(), SCV: h.SCV()}
		switch {
		case shared && n > 1:
			// Joining the least busy instance behaves much like one queue
			// in front of all the workers.
			g.Count, g.Workers = 1, n*s.Workers
		case turns:
			g.Turns = n + others
		}
		return g
	}
	n := s.Instances
	if s.Autoscale != nil {
		n = AutoscaledInstances(sv, name, s.Autoscale, s.Instances, rate, stay, group)
	}
	g := group(n)
	sol := g.Solution()
	switch {
	case !g.Queues():
	case shared && n > 1:
		sv.Note("%s: least-connections balancing taken as one shared queue over all %d instances", name, n)
	case turns && n+others > 1:
		sv.Note("%s: its instances take requests in turn, each one in %d of a Poisson stream (Krämer–Langenbach-Belz)", name, n+others)
	}
	if waits && g.Queues() {
		sv.Note("%s: the calls its workers wait on taken as exponential in its holding time", name)
	}
	g.NoteVariance(sv, name)
	sol.Stations, sol.Workers = n, s.Workers
	sol.Response = PerClass(sv, func(c int) float64 { return g.Wait + owns[c] + down[c] })
	sol.Own = s.meanOwn(sv, name)
	if s.Queue != Unlimited {
		sv.Note("%s: its queue limit is ignored (no rejections)", name)
	}
	return sol
}

// NetworkLegs implements Analytic: none besides its calls.
func (*Service) NetworkLegs(Solver, string, int) float64 { return 0 }

// Demand implements Analytic.
func (s *Service) Demand(sv Solver, name string) (Demand, bool) {
	if s.Blocking && len(s.Calls) > 0 {
		sv.Note("%s: a blocked worker's wait for its calls is left out of MVA", name)
	}
	return Demand{Stations: s.Instances, Workers: s.Workers, Service: s.meanOwn(sv, name)}, true
}

// CapacityNote implements Explainer: a blocking worker held mostly by its
// calls.
func (s *Service) CapacityNote(est Solution) string {
	if own := s.ownOf(est); s.Blocking && est.Holding > 1.5*own {
		return fmt.Sprintf(" (only %s of the hold is its own work; the rest is waiting on its calls)", units.FormatDuration(own))
	}
	return ""
}

// Advice implements Explainer: for workers that mostly wait, more of them
// or none that wait; otherwise more instances, behind a balancer, or a
// higher or quicker autoscaler.
func (s *Service) Advice(sv Solver, name string, est Solution) string {
	if s.Blocking && est.Holding > 2*s.meanOwn(sv, name) {
		return "Its workers mostly wait on calls: more workers per instance, a non-blocking (event-loop) server, or moving slow side work off the request path into a queue."
	}
	if a := s.Autoscale; a != nil {
		return AutoscaleAdvice(name, a, est.Stations, est.Overloaded)
	}
	if !sv.Balanced(name) {
		return fmt.Sprintf("%s is busy with its own work: put a load balancer in front of it and add instances behind it; keep them stateless so they can be added and removed freely.", name)
	}
	return fmt.Sprintf("%s is busy with its own work: add instances behind the load balancer; keep them stateless so they can be added and removed freely.", name)
}

// service is the runtime of a Service node: a station, and a program of
// steps (its calls, compiled) that each request runs after its service time.
type service struct {
	net  *Network
	node *Node
	spec *Service
	st   *Station
	prog []step
	// pooled are the databases its instances keep connection pools to,
	// in the order of each instance's pools.
	pooled []Pooled
	// sessions are its users' sessions, kept on its instances (then its
	// station visits them too) or in a cache; nil otherwise.
	sessions *sessionTable
	// gathers are the records of its parallel steps' runs, liveGathers
	// those in use.
	gathers     FreeList[gather]
	liveGathers int
}

// stepKind is what a step of a service's program does.
type stepKind uint8

const (
	stepCall     stepKind = iota // call a node and wait for its reply
	stepGet                      // look a key up in a cache; a hit jumps to skip
	stepFill                     // put the key in a cache, in no time, after a miss
	stepSet                      // store the key in a cache
	stepDelete                   // drop the key from a cache
	stepParallel                 // send calls at once, go on when enough succeeded (see parallel.go)
	stepJoin                     // end a member of a parallel step
)

// toOrigin records that the get st missed (or failed, which its caller
// takes as a miss) and that its caller goes on to read the origin: a get
// its caller gave up on (its timeout) never reaches the origin.
func (st *step) toOrigin() {
	if st.skip > st.index+2 { // on_miss calls between the get and its fill
		st.cache.OriginRead()
	}
}

// step is one instruction of a service's program.
type step struct {
	kind stepKind
	to   Component
	// from and toName name the caller's node and the node called, for
	// the hop between them.
	from, toName string
	cache        KeyCache
	classes      []bool // indexed by class; nil means every class
	op           opKind // what the called node should do
	latency      sim.Dist
	rng          *rand.Rand // the caller's latency stream
	skip         int        // stepGet: the step after the fill, where a hit goes on
	pool         int        // index into the instance's pools, or -1
	index        int        // its place in the program
	edge         *edge      // the call's timeout, retries, breaker and hedge; nil for none
	// session marks the get of a user's session from a cache and its fill:
	// their key is the user's, and a request without a user skips them.
	session bool
	// writeBack are where a write_back set's flush writes.
	writeBack []Component
	// invalidates marks a delete, or a set after its own writes: a
	// failure leaves the cache stale (counted there); it does not undo
	// the write, so it does not fail the request.
	invalidates bool
	// par is a parallel step's members and figures; nil for others.
	par *gatherStep
	// fallback answers the call when it fails; nil for none.
	fallback *fallback
}

func (s *step) applies(class int) bool { return s.classes == nil || s.classes[class] }

// keyOf is the key the step reads or writes for j (its caller's visit,
// or a visit it made): j's own (see Job.Key), or the key of its request's
// user's session (negative, apart from the workload's keys).
func (s *step) keyOf(j *Job) int64 {
	if s.session {
		return -1 - int64(j.req.User)
	}
	return j.Key()
}

// keyOf is the key j's visit to a cache reads or writes.
func keyOf(j *Job) int64 {
	if j.step != nil {
		return j.step.keyOf(j)
	}
	return j.Key()
}

func (sv *Service) Build(net *Network, node *Node) Component {
	s := &service{net: net, node: node, spec: sv}
	fallback := sv.fallbackTime()
	s.st = newStation(net, s, sim.NewStream(net.opts.Seed, node.Name), sv.Instances, sv.Workers, sv.Queue, fallback, fallback)
	s.st.byClass, s.st.sizes = classTimes(sv.ServiceTimeByClass, net.opts.Classes), sv.Size.table(net.opts.Classes)
	s.st.name = node.Name
	if sv.Sessions.Local {
		s.sessions = &sessionTable{pins: map[int32]sessionPin{}}
		s.st.sessions = s.sessions
	}
	if sv.RateLimit != nil || sv.Shedding != (Shedding{}) {
		s.st.gate = &admission{limit: NewLimiter(sv.RateLimit), shed: sv.Shedding}
	}
	if sv.Autoscale != nil {
		s.st.scaler = newAutoscaler(net, s.st, sv.Autoscale)
		s.st.setInstances(0)
	}
	// An instance an autoscaler or a deploy adds has its own pools.
	s.st.newInstance = func(inst *instance) {
		for _, db := range s.pooled {
			inst.pools = append(inst.pools, &connPool{size: db.PoolSize(), db: db, net: s.net})
		}
	}
	return s
}

// Link compiles the service's calls into its program once every component
// exists.
func (s *service) Link(byName map[string]Component) error {
	s.compile(byName, s.net.opts.Classes, sim.NewStream(s.net.opts.Seed, s.node.Name+"/latency"))
	return nil
}

func (s *service) Stations() []*Station { return []*Station{s.st} }

// InUse implements component: its sessions' table, and the records of
// its parallel steps' runs.
func (s *service) InUse() float64 {
	total := 0.0
	if t := s.sessions; t != nil {
		total = float64(float64(len(t.pins)) * mapEntryBytes)
	}
	if s.liveGathers > 0 || len(s.gathers) > 0 {
		total += s.gathers.Bytes(s.liveGathers, gatherBytes)
	}
	return total
}

// compile turns the service's calls into its program once every component
// exists. On-miss and write calls inherit the class filter of their call.
func (s *service) compile(byName map[string]Component, classes []string, latency *rand.Rand) {
	pools := map[Pooled]int{}
	retries := sim.NewStream(s.net.opts.Seed, s.node.Name+"/retries")
	var emit func(calls []Call, inherited []bool, op opKind)
	emit = func(calls []Call, inherited []bool, op opKind) {
		for i := range calls {
			c := &calls[i]
			if c.Parallel != nil || c.FanOut != nil {
				s.emitGather(c, classes, inherited, op, emit)
				continue
			}
			st := step{to: byName[c.To], from: s.node.Name, toName: c.To, classes: ClassFilter(c.Classes, classes, inherited),
				op: op, latency: c.Latency, rng: latency, pool: -1, edge: newEdge(c, s.net.k, retries)}
			if st.latency == nil {
				st.latency = s.net.opts.DefaultLatency
			}
			st.fallback = s.newFallback(c, &st, byName, latency)
			if db, ok := st.to.(Pooled); ok && db.PoolSize() > 0 {
				if _, seen := pools[db]; !seen {
					pools[db] = len(pools)
					s.pooled = append(s.pooled, db)
					for _, inst := range s.st.insts {
						p := &connPool{size: db.PoolSize(), db: db, net: s.net}
						inst.pools = append(inst.pools, p)
					}
				}
				st.pool = pools[db]
			}
			switch c.Op {
			case OpGet:
				st.kind, st.op, st.cache = stepGet, opGet, st.to.(KeyCache)
				at := len(s.prog)
				s.prog = append(s.prog, st)
				emit(c.OnMiss, st.classes, opRead)
				fill := st
				fill.kind = stepFill
				s.prog = append(s.prog, fill)
				s.prog[at].skip = len(s.prog)
			case OpSet:
				st.kind, st.op, st.cache = stepSet, opSet, st.to.(KeyCache)
				if c.Policy == WriteBack {
					for _, w := range c.Write {
						st.writeBack = append(st.writeBack, byName[w.To])
					}
				} else {
					emit(c.Write, st.classes, opWrite)
					st.invalidates = len(c.Write) > 0
				}
				s.prog = append(s.prog, st)
			case OpDelete:
				st.kind, st.op, st.cache, st.invalidates = stepDelete, opDelete, st.to.(KeyCache), true
				emit(c.Write, st.classes, opWrite)
				s.prog = append(s.prog, st)
			default:
				s.prog = append(s.prog, st)
			}
		}
	}
	// The session is read first: from a cache, a get of the user's key
	// whose miss starts a new session (the fill).
	read := s.spec.sessionRead()
	_, inCache := byName[s.spec.Sessions.Store].(KeyCache)
	if inCache {
		read[0].Op = OpGet
		s.sessions = &sessionTable{pins: map[int32]sessionPin{}}
	}
	emit(read, nil, opAuto)
	for i := range s.prog {
		s.prog[i].session = inCache
	}
	emit(s.spec.Calls, nil, opAuto)
	for i := range s.prog {
		s.prog[i].index = i
	}
}

// ClassFilter is the set of classes a call applies to: its own list, within
// the list it inherits; nil when it applies to every class.
func ClassFilter(names, classes []string, inherited []bool) []bool {
	if len(names) == 0 {
		return inherited
	}
	out := make([]bool, len(classes))
	for _, name := range names {
		if i := indexOf(classes, name); i >= 0 {
			out[i] = inherited == nil || inherited[i]
		}
	}
	return out
}

// Accept spreads calls made straight to the service round-robin over its
// instances; a load balancer in front chooses otherwise.
func (s *service) Accept(j *Job) {
	if len(s.st.active) == 0 {
		s.st.noneTaking(j) // a deploy took every instance out
		return
	}
	s.st.arrive(j, s.st.next())
}

// Served implements Server: j's own service time has elapsed.
func (s *service) Served(j *Job) {
	if !s.spec.Blocking {
		s.st.release(j)
	}
	j.owner = s
	s.run(j)
}

// run executes j's program from its current step until a call must wait
// for a reply, or the program ends.
func (s *service) run(j *Job) {
	if j.cancelled() {
		s.branchEnd(j) // a retry of a member its step withdrew
		return
	}
	for j.pc < len(s.prog) {
		st := &s.prog[j.pc]
		j.pc++
		if st.kind == stepJoin {
			s.branchEnd(j)
			return
		}
		if !st.applies(j.req.Class) || (st.session && j.req.User < 0) {
			if st.par != nil {
				j.pc = st.par.end // past its members' programs
			}
			continue
		}
		if st.kind == stepFill {
			st.cache.Fill(st.keyOf(j), j.req)
			j.filling = nil
			continue
		}
		if st.kind == stepParallel {
			s.startGather(j, st)
			return
		}
		if e := st.edge; e != nil && e.breaker != nil && !e.breaker.allow(s.net.k.Now()) {
			e.refusedOpen++
			s.callFailed(j, st, CauseCircuitOpen)
			return
		}
		first := s.attempt(j, st, false)
		if e := st.edge; e != nil && e.hedge != nil {
			if delay, ok := e.hedgeDelay(); ok {
				j.first, j.attempts = first, 1
				j.hedgeTimer = s.net.timer(delay, opHedge, j)
			}
		}
		s.dispatch(j, first)
		return
	}
	s.finish(j)
}

// attempt makes an attempt of j's call st (its first, a retry or, when
// hedge, a hedge) and returns it, not yet sent: the caller records it
// first, since dispatch may answer it at once (a down instance, a full
// queue), and that answer must find j's call as it is.
func (s *service) attempt(j *Job, st *step, hedge bool) *Job {
	child := s.net.newJob(j.req, j)
	child.op, child.step, child.retries, child.sent = st.op, st, j.retries, s.net.k.Now()
	if child.op == opAuto {
		child.op = j.op // a read or write passed down, or by class
	}
	if e := st.edge; e != nil {
		e.sent(int(j.retries), hedge)
		if e.timeout > 0 {
			child.timer = s.net.timer(e.timeout, opCallTimeout, child)
		}
	}
	return child
}

// dispatch sends child, an attempt of j's call, once j's call records it:
// through a connection of j's instance's pool when the call has one (then
// when a connection is free).
func (s *service) dispatch(j *Job, child *Job) {
	if st := child.step; st.pool >= 0 {
		child.pool = j.inst.pools[st.pool]
		if !child.pool.acquire(child) {
			return // sent when a connection is free
		}
	}
	s.net.send(child)
}

// hedge sends a second attempt of j's call, whose first has not answered
// within the hedge delay; the first reply that succeeds wins.
func (s *service) hedge(j *Job) {
	j.hedgeTimer = sim.Timer{}
	if j.attempts != 1 || j.cancelled() {
		return
	}
	first := j.first
	second := s.attempt(j, first.step, true)
	first.sibling, second.sibling = second, first
	j.attempts = 2
	s.dispatch(j, second)
}

// settled ends the hedging of j's call when child, one of its attempts,
// has answered (failed or not): it reports false when child failed and
// its sibling is still out (the call waits for that one); when child
// succeeded, its sibling is abandoned.
func (s *service) settled(j *Job, child *Job, failed bool) bool {
	s.net.CancelTimer(j.hedgeTimer)
	j.hedgeTimer = sim.Timer{}
	other := child.sibling
	j.first, j.attempts = nil, 0
	if other == nil {
		return true
	}
	other.sibling, child.sibling = nil, nil
	if failed {
		j.first, j.attempts = other, 1 // wait for the other
		return false
	}
	s.net.abandon(other)
	other.step.edge.dropped(int(other.retries))
	return true
}

// Resume continues j after a call returned; a rejected call fails j.
func (s *service) Resume(j *Job, child *Job) {
	if child.withdrawn {
		j.join.st.par.withdrawn++
	}
	if e := child.step.edge; e != nil {
		failed := child.err != NoCause || child.withdrawn
		if child.withdrawn {
			e.dropped(int(child.retries)) // never served: not an outcome
		} else {
			e.ended(int(child.retries), child.err)
		}
		if !failed {
			e.latency.Add(float64(s.net.k.Now() - child.sent))
		}
		if !s.settled(j, child, failed) {
			return
		}
	}
	if j.cancelled() {
		s.branchEnd(j) // its parallel step went on without it
		return
	}
	if child.err == CauseFailed && child.step.kind == stepGet {
		// A cache that fails is taken as a miss: cache-aside reads the
		// origin (the failed node's keys are lost anyway), and a session
		// kept there is lost.
		if child.step.session {
			s.sessions.stored(j.req.User, false)
		}
		child.step.toOrigin()
		s.run(j)
		return
	}
	if child.err != NoCause {
		s.callFailed(j, child.step, child.err)
		return
	}
	j.retries = 0
	if child.step.kind == stepGet {
		if child.step.session {
			s.sessions.stored(j.req.User, child.hit)
		}
		if child.hit {
			j.pc = child.step.skip
		} else {
			child.step.toOrigin()
			if child.step.cache.Coalesces() {
				j.filling = child.step
			}
		}
	}
	s.run(j)
}

// timedOut goes on after j's call attempt child, of step st, timed out:
// once the hedged sibling, if any, has failed too, the call fails with
// the timeout (or is tried again).
func (s *service) timedOut(j, child *Job, st *step) {
	switch {
	case !s.settled(j, child, true):
	case j.cancelled():
		s.branchEnd(j)
	default:
		s.callFailed(j, st, CauseCallTimeout)
	}
}

// callFailed goes on after j's call st failed with cause: it is tried
// again after a backoff if its retry policy allows, or else j fails.
func (s *service) callFailed(j *Job, st *step, cause Cause) {
	if e := st.edge; e != nil {
		if delay, ok := e.retryAfter(int(j.retries), cause); ok {
			j.retries++
			j.pc = st.index
			s.net.later(delay, opRetry, j)
			return
		}
		e.failed[cause]++
	}
	j.retries = 0
	if st.fallback != nil {
		s.fallBack(j, st)
		return
	}
	if st.invalidates {
		st.cache.InvalidationFailed()
		s.run(j)
		return
	}
	j.err = cause
	s.finish(j)
}

// callStats are the figures of the calls that have a timeout, retries, a
// circuit breaker or a hedge.
func (s *service) callStats() []CallStats {
	var out []CallStats
	for i := range s.prog {
		if e := s.prog[i].edge; e != nil && s.prog[i].kind != stepFill {
			out = append(out, e.stats())
		}
	}
	return out
}

func (s *service) finish(j *Job) {
	if j.filling != nil {
		// The origin read failed: let requests waiting on it go themselves.
		j.filling.cache.Abandon(j.filling.keyOf(j))
		j.filling = nil
	}
	if j.join != nil {
		s.branchEnd(j) // a member of a parallel step, which goes on or fails
		return
	}
	s.st.finish(j)
	s.net.reply(j)
}

func (s *service) ResetStats(now sim.Time) {
	s.st.resetStats(now)
	if t := s.sessions; t != nil {
		t.kept, t.lost = 0, 0
	}
	for i := range s.prog {
		if e := s.prog[i].edge; e != nil {
			e.resetStats()
		}
		if p := s.prog[i].par; p != nil {
			p.resetStats()
		}
	}
}

func (s *service) Stats(window float64, now sim.Time) NodeStats {
	st := s.st.stats(window, now)
	st.transfer(window, s.spec.Size.Given() || s.node.Price.PerGB > 0, s.st)
	if calls, par := s.callStats(), s.gatherStats(); calls != nil || s.sessions != nil || par != nil {
		ss := &ServiceStats{Calls: calls, Parallel: par}
		if t := s.sessions; t != nil {
			ss.Sessions = &SessionStats{Store: s.spec.Sessions.Store, Kept: t.kept, Lost: t.lost}
		}
		st.Detail = ss
	}
	if a := s.st.scaler; a != nil {
		st.Scaling = a.stats(now)
		st.Usage.Units = st.Scaling.Mean
	} else if s.st.deploy != nil {
		st.Usage.Units = s.st.billed.Mean(now) // a deploy's extra instances are billed
	}
	return st
}
