package engine

import (
	"math"
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// Station is the queueing part of a node: instances, each with workers
// sharing one FIFO queue of bounded or unlimited length. When a job's
// service time has elapsed the station tells its owner, which decides what
// happens next and calls finish when the job leaves.
type Station struct {
	net   *Network
	owner Server
	name  string // its node's
	rng   *rand.Rand
	// times are the service times of reads and of writes; byClass, when
	// not nil, those of the classes with their own (see workTime).
	times    [2]sim.Dist
	byClass  []sim.Dist
	byNature bool
	workers  int
	queue    int
	// insts are the instances that exist (billed): booting, taking work,
	// or draining; active those that take new work. Without an
	// autoscaler, both are every instance, always.
	insts, active []*instance
	// version counts the changes of active, for those that keep a copy.
	version int
	rr      int // next instance for jobs not placed by a balancer
	// part is the index of the database shard the station serves.
	part int

	// Statistics over the measurement window, summed over instances:
	// own are the service times drawn (a visit's own work, without the
	// time a blocking worker waits on its calls), queueTrend the drift of
	// the queue's length.
	own                           sim.Summary
	queueTrend                    sim.Trend
	busy, queueLen                sim.TimeAverage
	queued                        int
	wait, hold                    sim.Summary
	waitHist                      sim.Histogram
	arrivals, completed, rejected int64
	// refused counts the arrivals turned away at once (a fault, a rate
	// limit, shedding), before any work.
	refused int64
	// serving counts the visits in their own service time. epoch counts
	// the resets of the statistics; carried are the visits that held a
	// worker when the window began and still hold it, carriedServing
	// those of them still in their own service time: each has held its
	// worker through the whole window, which no arrival or holding time
	// of the window records (see stats).
	serving                 int
	epoch                   uint8
	carried, carriedServing int
	// since is when the window began. carriedHeld and carriedOwn are the
	// worker time and own service time in the window of the visits
	// carried into it that have since let go of them; startedSum and
	// servingSum sum the start times of the window's own visits that hold
	// a worker, and of those in their own service time: at the end of a
	// window, each has held it since it started (see stats).
	since                   sim.Time
	carriedHeld, carriedOwn float64
	startedSum, servingSum  float64

	// sampled says the run is sampled over time; smp holds the figures of
	// the current sample window.
	sampled bool
	smp     windowFigures

	// scaler, when not nil, changes the instances; then billed and live
	// (ready instances: taking work or draining) are tracked over the
	// measurement window, and cum over the whole run for the metric.
	scaler       *autoscaler
	billed, live sim.TimeAverage
	cum          cumulative
	newInstance  func(inst *instance) // sets up an instance the scaler adds
	onActive     func()               // told when the instances taking work change
	nextIndex    int
	bootingCount int
	// deploy, when not nil, replaces the instances as scheduled.
	deploy *deployer

	// Faults in force (see topology.Fault): faulty says any is; errRate fails a
	// share of the visits (drawn from faultRng), slow multiplies and
	// delay adds to service times, and instances may be down.
	faulty               bool
	errRate, slow, delay float64
	effects              []*topology.Fault // the faults in force that set them
	faultRng             *rand.Rand
	// gate, when not nil, may turn visits away (rate limit, shedding).
	gate *admission
	// sessions, when not nil, are a service's local sessions, found or
	// lost as requests reach its instances.
	sessions *sessionTable
	// host, when not nil, is the node's place on the host whose cores
	// its visits take for their service times (see topology.Host).
	host *onHost
	// turned counts the visits failed or turned away here over the
	// measurement window, by cause (a fault, a rate limit, shedding).
	turned [causes]int64
	// sizes, when not nil, are the sizes of its visits' requests and
	// replies (see topology.SizeTable); inBytes and outBytes the bytes received
	// and sent over the measurement window.
	sizes             *topology.SizeTable
	inBytes, outBytes float64
	// crossed are the bytes over the window that crossed a border
	// priced by kind (see topology.TransferKind), once the nodes are placed.
	crossed [topology.TransferKinds]float64
}

// windowFigures are a station's figures over one sample window.
type windowFigures struct {
	busy, queueLen                sim.TimeAverage
	hold                          sim.Summary
	arrivals, completed, rejected int64
	billed, live                  sim.TimeAverage // with an autoscaler
}

// cumulative are an autoscaled station's figures since the run began.
type cumulative struct {
	busy, queue, outstanding, live sim.TimeAverage
	// backlog is the messages stored in the queue a worker group takes
	// from.
	backlog  sim.TimeAverage
	arrivals int64
}

// Server is the owner of a station (see NewStation): the component told
// when a visit's service time has elapsed, which decides what happens next
// (its calls, a reply) and ends the visit at the station with
// Station.Finish.
type Server interface {
	Served(j *Job)
}

type instance struct {
	st          *Station
	index       int
	busy        int
	outstanding int // jobs at the instance: queued, in service or in calls
	// held says a deploy holds the instance idle: it takes no work and
	// stays (a blue/green fleet before its switch, or the old one kept
	// after it).
	held bool
	// booting instances take no work until booted; draining ones take no
	// new work and leave when outstanding reaches 0.
	booting, draining bool
	boot              sim.Timer
	arrivals          int64
	queue             sim.FIFO[*Job]
	pools             []*connPool // a service instance's connection pools, by database
	// Payload is the state a kind keeps per instance: the kind of its
	// node (a worker group's consumer: its batch of messages) or the one
	// that sends to it (a load balancer's health checks: its standing);
	// nil until it sets one.
	Payload any
	// down says a fault has taken the instance down, downs how many times
	// it has gone down.
	down  bool
	downs int32
	// heldDown counts the instance faults holding it down (overlapping
	// faults each hold it until they end).
	heldDown int32
	// use, at an autoscaled station, is what the autoscaler measures of
	// the instance (see usage).
	use *usage
}

// taking says the instance takes new work: booted, not draining and not
// held.
func (inst *instance) taking() bool { return !inst.booting && !inst.draining && !inst.held }

func newStation(net *Network, owner Server, rng *rand.Rand, instances, workers, queue int, read, write sim.Dist) *Station {
	st := &Station{net: net, owner: owner, rng: rng, times: [2]sim.Dist{read, write}, workers: workers, queue: queue,
		sampled: net.opts.Sampled}
	for i := 0; i < instances; i++ {
		st.insts = append(st.insts, &instance{st: st, index: i})
	}
	st.active, st.nextIndex = st.insts, instances
	return st
}

// capacity is the number of jobs the station can serve at once.
func (st *Station) capacity() int { return len(st.insts) * st.workers }

// next picks an instance taking work, round-robin.
func (st *Station) next() *instance {
	if st.rr >= len(st.active) {
		st.rr = 0
	}
	inst := st.active[st.rr]
	st.rr++
	return inst
}

// arrive queues j at inst, starts it if a worker is free, or rejects it if
// the queue is full.
func (st *Station) arrive(j *Job, inst *instance) {
	if j.withdrawable() {
		j.withdrawn = true // its caller went on without it (a parallel step's cancel)
		st.net.reply(j)
		return
	}
	now := st.net.k.Now()
	j.st, j.inst, j.arrived = st, inst, now
	st.arrivals++
	inst.arrivals++
	if st.sizes != nil {
		st.inBytes += st.sizeOf(j).Request
		if st.net.topo.PricesTransfer() {
			if kind, user := st.net.transferOf(j, st.name); !user {
				st.crossed[kind] += st.sizeOf(j).Request // a user's request comes in free
			}
		}
	}
	if st.sampled {
		st.smp.arrivals++
	}
	if st.scaler != nil {
		st.cum.arrivals++
		inst.use.arrivals++
	}
	cause := NoCause
	switch {
	case st.faulty && (inst.down || (st.errRate > 0 && st.faultRng.Float64() < st.errRate)):
		cause = CauseFailed
	case st.gate != nil:
		cause = st.gate.admit(st, inst, now)
	}
	if cause != NoCause {
		st.turned[cause]++
		st.refused++
		j.err = cause
		st.net.reply(j)
		return
	}
	if st.sessions != nil {
		st.sessions.visit(j.req.User, inst)
	}
	switch {
	case inst.busy < st.workers:
		inst.outstanding++
		st.track(now, 1, inst)
		st.start(j)
	case st.queue == topology.Unlimited || inst.queue.Len() < st.queue:
		inst.outstanding++
		inst.queue.Push(j)
		st.track(now, 1, inst)
		st.queued++
		st.setQueued(now)
	default:
		st.rejected++
		if st.sampled {
			st.smp.rejected++
		}
		j.err = CauseRejected
		st.net.reply(j)
	}
}

func (st *Station) start(j *Job) {
	now := st.net.k.Now()
	j.inst.busy++
	st.busy.Add(now, 1)
	if st.sampled {
		st.smp.busy.Add(now, 1)
	}
	if st.scaler != nil {
		st.cum.busy.Add(now, 1)
		j.inst.use.observe(now, j.inst)
	}
	j.holding, j.started = true, now
	j.mark = markServing | st.epoch
	st.serving++
	st.startedSum += float64(now)
	st.servingSum += float64(now)
	w := float64(now - j.arrived)
	st.wait.Add(w)
	st.waitHist.Add(w)
	d := st.workTime(j).Sample(st.rng)
	if j.keys > 1 {
		d = keysTime(st.workTime(j), d, j.keys, st.rng) // a fan-out's batch
	}
	if st.faulty {
		if st.slow > 0 {
			d = float64(d * st.slow)
		}
		d += st.delay
	}
	st.own.Add(d)
	st.serve(j, d)
}

// markServing is the bit of a Job's mark that says it is in its own
// service time; the others hold its station's epoch (a run resets its
// statistics once, at the window's start).
const markServing uint8 = 1 << 7

// served records that j's own service time has elapsed (its worker, if
// it makes calls, now waits on them).
func (st *Station) served(j *Job) {
	if j.mark&markServing == 0 {
		return
	}
	j.mark &^= markServing
	st.serving--
	if j.mark != st.epoch {
		st.carriedServing--
		st.carriedOwn += float64(st.net.k.Now() - st.since)
	} else {
		st.servingSum -= float64(j.started)
	}
}

// release frees j's worker and gives it to the next queued job.
func (st *Station) release(j *Job) {
	now := st.net.k.Now()
	j.holding = false
	st.served(j) // if its service time is cut short (failed while it waited for a core)
	if j.mark&^markServing != st.epoch {
		st.carried--
		st.carriedHeld += float64(now - st.since)
	} else {
		st.startedSum -= float64(j.started)
	}
	st.hold.Add(float64(now - j.started))
	inst := j.inst
	inst.busy--
	st.busy.Add(now, -1)
	if st.sampled {
		st.smp.hold.Add(float64(now - j.started))
		st.smp.busy.Add(now, -1)
	}
	if st.scaler != nil {
		st.cum.busy.Add(now, -1)
		inst.use.observe(now, inst)
	}
	for inst.queue.Len() > 0 {
		next := inst.queue.Pop()
		st.queued--
		st.setQueued(now)
		if next.withdrawable() {
			st.withdraw(next)
			continue
		}
		st.start(next)
		break
	}
}

// setQueued records a change of the number queued.
func (st *Station) setQueued(now sim.Time) {
	st.queueLen.Set(now, float64(st.queued))
	st.queueTrend.Set(now, float64(st.queued))
	if st.sampled {
		st.smp.queueLen.Set(now, float64(st.queued))
	}
	if st.scaler != nil {
		st.cum.queue.Set(now, float64(st.queued))
	}
}

// track records a change of the jobs outstanding at inst, of an
// autoscaled station.
func (st *Station) track(now sim.Time, d float64, inst *instance) {
	if st.scaler != nil {
		st.cum.outstanding.Add(now, d)
		inst.use.observe(now, inst)
	}
}

// finish ends j's visit: its worker (if still held) is freed.
func (st *Station) finish(j *Job) {
	if j.holding {
		st.release(j)
	}
	j.inst.outstanding--
	if j.err == NoCause {
		st.completed++
		if st.sizes != nil {
			st.outBytes += st.sizeOf(j).Reply
			if st.net.topo.PricesTransfer() {
				kind, _ := st.net.transferOf(j, st.name)
				st.crossed[kind] += st.sizeOf(j).Reply
			}
		}
		if st.sampled {
			st.smp.completed++
		}
	}
	if st.scaler != nil {
		// A failed visit ends too: it leaves the count.
		st.track(st.net.k.Now(), -1, j.inst)
	}
	if st.varies() && j.inst.draining && !j.inst.held && j.inst.outstanding == 0 {
		// It may be the last a draining instance held.
		st.retire(j.inst, st.net.k.Now())
	}
}

func (st *Station) resetStats(now sim.Time) {
	if st.varies() {
		st.billed.Reset(now)
		st.live.Reset(now)
	}
	if st.scaler != nil {
		st.scaler.resetStats()
	}
	st.epoch = (st.epoch + 1) &^ markServing
	st.carried, st.carriedServing = 0, st.serving
	for _, inst := range st.insts {
		st.carried += inst.busy
	}
	st.since, st.carriedHeld, st.carriedOwn, st.startedSum, st.servingSum = now, 0, 0, 0, 0
	st.busy.Reset(now)
	st.queueLen.Reset(now)
	st.queueTrend.Reset(now, trendBatch)
	st.wait, st.hold, st.waitHist, st.own = sim.Summary{}, sim.Summary{}, sim.Histogram{}, sim.Summary{}
	st.arrivals, st.completed, st.rejected, st.refused, st.turned = 0, 0, 0, 0, [causes]int64{}
	st.inBytes, st.outBytes, st.crossed = 0, 0, [topology.TransferKinds]float64{}
	for _, inst := range st.insts {
		inst.arrivals = 0
	}
}

// stats reports the station over a window ending now. Offered load is
// arrivals per second × mean worker holding time ÷ workers; before any
// visit ends it falls back to the mean service time.
func (st *Station) stats(window float64, now sim.Time) NodeStats {
	capacity := float64(st.capacity())
	if st.varies() {
		capacity = float64(float64(st.workers) * st.live.Mean(now))
	}
	hold := st.meanHold(&st.hold)
	s := NodeStats{
		Instances:   len(st.active),
		Utilization: topology.Share(st.busy.Mean(now), capacity),
		QueueLength: st.queueLen.Mean(now),
		WaitMean:    st.wait.Mean(),
		Waits:       int64(st.wait.N()),
		WaitP99:     st.waitHist.Quantile(0.99),
		Arrivals:    st.arrivals,
		Completed:   st.completed,
		Rejected:    st.rejected,
		Failed:      st.turned[CauseFailed],
		RateLimited: st.turned[CauseRateLimited],
		Shed:        st.turned[CauseShed],
	}
	if window > 0 {
		s.Throughput = float64(st.completed) / window
		s.OfferedLoad = topology.Share(float64(st.arrivals)/window*hold, capacity)
		// Own demand: every visit offered but those turned away before
		// any work (faults, rate limits, shedding); a full queue's
		// rejections count, as work that did not fit.
		own := st.arrivals - st.refused
		s.OwnLoad = topology.Share(float64(own)/window*st.meanOwn(), capacity)
		// A visit carried into the window is not among its arrivals,
		// and one still in service at its end not among its holding
		// times (nor, in its own service time, the draws): a node whose
		// workers all take visits longer than the window read 0%, and
		// one whose carried visits ended in a window that then outlived
		// their successors (30 s visits, a window of 35.9 s) read 83.6%
		// with every worker busy throughout. The worker time these
		// visits took in the window is work offered, so a lower bound
		// of both: the carried visits' (their share of the window
		// while they held on, the whole of it for those still held) and
		// that of the window's own visits held at its end, since they
		// started (and of own work, the same in their own service time;
		// on a host, where a visit in its service time may be waiting
		// for a core, the carried visits' alone).
		held, serving := st.carriedHeld, st.carriedOwn
		held += float64(float64(st.carried) * window)
		serving += float64(float64(st.carriedServing) * window)
		busy := -st.carried
		for _, inst := range st.insts {
			busy += inst.busy
		}
		held += float64(float64(busy)*float64(now)) - st.startedSum
		if st.host == nil {
			serving += float64(float64(st.serving-st.carriedServing)*float64(now)) - st.servingSum
		}
		s.OfferedLoad = math.Max(s.OfferedLoad, topology.Share(held/window, capacity))
		s.OwnLoad = math.Max(s.OwnLoad, topology.Share(serving/window, capacity))
		s.Draws, s.ServiceSCV = st.own.N(), st.serviceSCV()
		s.Growth = growth(st.queueTrend.FitLast(now, trendShare), float64(st.arrivals)/window)
	}
	return s
}

// meanOwn is the mean service time drawn so far in the window, or the
// configured mean before any.
func (st *Station) meanOwn() float64 {
	if st.own.N() == 0 {
		return st.times[0].Mean()
	}
	return st.own.Mean()
}

// trendBatch is the first batch length, in seconds, of the trends of
// queues' lengths (it doubles as the window grows; see sim.Trend), and
// trendShare the later part of the window their growth is judged on: a
// queue that grows, grows there too, while one a burst filled early and
// that then held its level does not.
const (
	trendBatch = 0.1
	trendShare = 0.5
)

// The test of a growing queue: its length's slope over the window's
// later half more than GrowthSigmas standard errors above 0 and at least
// GrowthShare of the arrival rate, or more than SureGrowthSigmas standard
// errors and at least SureGrowthShare of it. A settled queue under heavy
// load drifts for long stretches, but not by a steady share of its
// arrivals; a slow leak (a loop that republishes a share of what it
// consumes) grows by little, but beyond any doubt. Over 2000 service
// times of M/M/1, either test calls a queue at ρ 0.9 growing in none of
// 200 runs (0 and 1), at ρ 0.95 in 3 and 12, and at ρ 1.05 in 52 and 79
// (sim's TestTrendQueues).
const (
	GrowthSigmas     = 3
	GrowthShare      = 0.05
	SureGrowthSigmas = 10
	SureGrowthShare  = 0.005
)

// Growth is how a queue's length drifted over the window.
type Growth struct {
	// PerSecond is the fitted slope, SE its standard error; Grows says
	// it passes the test (GrowthSigmas and GrowthShare, or
	// SureGrowthSigmas and SureGrowthShare).
	PerSecond, SE float64
	Grows         bool
}

// growth judges a fitted trend of a queue fed at rate per second.
func growth(f sim.TrendFit, rate float64) Growth {
	grows := f.Grows(GrowthSigmas, GrowthShare*rate) || f.Grows(SureGrowthSigmas, SureGrowthShare*rate)
	return Growth{PerSecond: f.Slope, SE: f.SE, Grows: grows}
}

// meanHold is the mean worker holding time recorded in hold, or the mean
// service time before any visit has ended.
func (st *Station) meanHold(hold *sim.Summary) float64 {
	if hold.N() == 0 {
		return st.times[0].Mean()
	}
	return hold.Mean()
}

// Pooled is a component its callers keep pools of connections to (a
// database): each instance of a service that calls it keeps PoolSize
// connections, and a visit holds one (waiting in FIFO order when all are
// taken) until it returns.
type Pooled interface {
	Component
	// PoolSize is the connections each client instance keeps; 0 is no
	// pool.
	PoolSize() int
	// PoolWaited records the time a visit waited for a pooled connection
	// (0 for one that found a connection free).
	PoolWaited(w float64)
}

// connPool is one client instance's connections to a database: a request
// holds a connection for its database visit, waiting in FIFO order when all
// are taken.
type connPool struct {
	size, inUse int
	waiting     sim.FIFO[*Job]
	db          Pooled
	net         *Network
}

// acquire takes a connection for j, or queues j and reports false.
func (p *connPool) acquire(j *Job) bool {
	if p.inUse < p.size {
		p.inUse++
		p.db.PoolWaited(0)
		return true
	}
	j.arrived = p.net.k.Now()
	p.waiting.Push(j)
	return false
}

// release returns a connection, handing it to the next waiting job, which
// is returned (nil if none waits).
func (p *connPool) release() *Job {
	if p.waiting.Len() == 0 {
		p.inUse--
		return nil
	}
	j := p.waiting.Pop()
	p.db.PoolWaited(float64(p.net.k.Now() - j.arrived))
	return j
}
