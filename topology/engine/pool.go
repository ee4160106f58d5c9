package engine

import (
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// PoolFootprint is the bytes the runtime of pool p holds from the start
// (see Builder.Footprint): a station, at its autoscaler's most instances.
func PoolFootprint(p *topology.Pool) float64 {
	if p.Autoscale != nil {
		return stationFootprint(max(p.Instances, p.Autoscale.Max))
	}
	return stationFootprint(p.Instances)
}

// NewPool builds the runtime of p for node on net (what a spec's Build
// returns): a station of its instances, and the program of its calls,
// compiled when the network links its components.
func NewPool(net *Network, node *topology.Node, p *topology.Pool) Component {
	return newInstancePool(net, node, p)
}

// instancePool is the runtime of a topology.Pool: a station, and a program of steps
// (its calls, compiled) that each request runs after its service time.
type instancePool struct {
	net  *Network
	node *topology.Node
	spec *topology.Pool
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

// newInstancePool builds the runtime of sv for node on net.
func newInstancePool(net *Network, node *topology.Node, sv *topology.Pool) *instancePool {
	s := &instancePool{net: net, node: node, spec: sv}
	fallback := sv.FallbackTime()
	s.st = newStation(net, s, sim.NewStream(net.opts.Seed, node.Name), sv.Instances, sv.Workers, sv.Queue, fallback, fallback)
	s.st.byClass, s.st.sizes = topology.ClassTimes(sv.ServiceTimeByClass, net.opts.Classes), sv.SizeTable(net.opts.Classes)
	s.st.name = node.Name
	if sv.Sessions.Local {
		s.sessions = &sessionTable{pins: map[int32]sessionPin{}}
		s.st.sessions = s.sessions
	}
	if sv.RateLimit != nil || sv.Shedding != (topology.Shedding{}) {
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
func (s *instancePool) Link(byName map[string]Component) error {
	s.compile(byName, s.net.opts.Classes, sim.NewStream(s.net.opts.Seed, s.node.Name+"/latency"))
	return nil
}

func (s *instancePool) Stations() []*Station { return []*Station{s.st} }

// InUse implements component: its sessions' table, and the records of
// its parallel steps' runs.
func (s *instancePool) InUse() float64 {
	total := 0.0
	if t := s.sessions; t != nil {
		total = float64(float64(len(t.pins)) * MapEntryBytes)
	}
	if s.liveGathers > 0 || len(s.gathers) > 0 {
		total += s.gathers.Bytes(s.liveGathers, gatherBytes)
	}
	return total
}

// compile turns the service's calls into its program once every component
// exists. On-miss and write calls inherit the class filter of their call.
func (s *instancePool) compile(byName map[string]Component, classes []string, latency *rand.Rand) {
	pools := map[Pooled]int{}
	retries := sim.NewStream(s.net.opts.Seed, s.node.Name+"/retries")
	// emit compiles calls, each at its path in the node (calls.0,
	// calls.0.on_miss.1; see itemPaths), which its figures carry.
	var emit func(calls []topology.Call, paths []string, inherited []bool, op opKind)
	emit = func(calls []topology.Call, paths []string, inherited []bool, op opKind) {
		for i := range calls {
			c, path := &calls[i], paths[i]
			if c.Parallel != nil || c.FanOut != nil {
				s.emitGather(c, path, classes, inherited, op, emit)
				continue
			}
			st := step{to: byName[c.To], from: s.node.Name, toName: c.To, classes: ClassFilter(c.Classes, classes, inherited),
				op: op, latency: c.Latency, rng: latency, pool: -1, edge: newEdge(c, path, s.net.k, retries)}
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
			case topology.OpGet:
				st.kind, st.op, st.cache = stepGet, opGet, st.to.(KeyCache)
				at := len(s.prog)
				s.prog = append(s.prog, st)
				emit(c.OnMiss, itemPaths(path+".on_miss", len(c.OnMiss)), st.classes, opRead)
				fill := st
				fill.kind = stepFill
				s.prog = append(s.prog, fill)
				s.prog[at].skip = len(s.prog)
			case topology.OpSet:
				st.kind, st.op, st.cache = stepSet, opSet, st.to.(KeyCache)
				if c.Policy == topology.WriteBack {
					for _, w := range c.Write {
						st.writeBack = append(st.writeBack, byName[w.To])
					}
				} else {
					emit(c.Write, itemPaths(path+".write", len(c.Write)), st.classes, opWrite)
					st.invalidates = len(c.Write) > 0
				}
				s.prog = append(s.prog, st)
			case topology.OpDelete:
				st.kind, st.op, st.cache, st.invalidates = stepDelete, opDelete, st.to.(KeyCache), true
				emit(c.Write, itemPaths(path+".write", len(c.Write)), st.classes, opWrite)
				s.prog = append(s.prog, st)
			default:
				s.prog = append(s.prog, st)
			}
		}
	}
	// The session is read first: from a cache, a get of the user's key
	// whose miss starts a new session (the fill).
	read := s.spec.SessionRead()
	_, inCache := byName[s.spec.Sessions.Store].(KeyCache)
	if inCache {
		read[0].Op = topology.OpGet
		s.sessions = &sessionTable{pins: map[int32]sessionPin{}}
	}
	emit(read, []string{"sessions.store"}, nil, opAuto)
	for i := range s.prog {
		s.prog[i].session = inCache
	}
	emit(s.spec.Calls, itemPaths("calls", len(s.spec.Calls)), nil, opAuto)
	for i := range s.prog {
		s.prog[i].index = i
	}
}

// itemPaths are the paths of the n items of the list at path: path.0, …
func itemPaths(path string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = path + "." + strconv.Itoa(i)
	}
	return out
}

// ClassFilter is the set of classes a call applies to: its own list, within
// the list it inherits; nil when it applies to every class.
func ClassFilter(names, classes []string, inherited []bool) []bool {
	if len(names) == 0 {
		return inherited
	}
	out := make([]bool, len(classes))
	for _, name := range names {
		if i := slices.Index(classes, name); i >= 0 {
			out[i] = inherited == nil || inherited[i]
		}
	}
	return out
}

// Accept spreads calls made straight to the service round-robin over its
// instances; a load balancer in front chooses otherwise.
func (s *instancePool) Accept(j *Job) {
	if len(s.st.active) == 0 {
		s.st.noneTaking(j) // a deploy took every instance out
		return
	}
	s.st.arrive(j, s.st.next())
}

// Served implements Server: j's own service time has elapsed.
func (s *instancePool) Served(j *Job) {
	if !s.spec.Blocking {
		s.st.release(j)
	}
	j.owner = s
	s.run(j)
}

// run executes j's program from its current step until a call must wait
// for a reply, or the program ends.
func (s *instancePool) run(j *Job) {
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
func (s *instancePool) attempt(j *Job, st *step, hedge bool) *Job {
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
func (s *instancePool) dispatch(j *Job, child *Job) {
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
func (s *instancePool) hedge(j *Job) {
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
func (s *instancePool) settled(j *Job, child *Job, failed bool) bool {
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
func (s *instancePool) Resume(j *Job, child *Job) {
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
func (s *instancePool) timedOut(j, child *Job, st *step) {
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
func (s *instancePool) callFailed(j *Job, st *step, cause Cause) {
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
func (s *instancePool) callStats() []CallStats {
	var out []CallStats
	for i := range s.prog {
		if e := s.prog[i].edge; e != nil && s.prog[i].kind != stepFill {
			out = append(out, e.stats())
		}
	}
	return out
}

func (s *instancePool) finish(j *Job) {
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

func (s *instancePool) ResetStats(now sim.Time) {
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

func (s *instancePool) Stats(window float64, now sim.Time) NodeStats {
	st := s.st.stats(window, now)
	st.transfer(window, s.spec.Size.Given() || s.node.Price.PerGB > 0, s.st)
	if calls, par := s.callStats(), s.gatherStats(); calls != nil || s.sessions != nil || par != nil {
		ss := &PoolStats{Calls: calls, Parallel: par}
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
