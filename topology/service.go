package topology

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
)

// service is the runtime of a Service node: instances with workers and a
// FIFO queue each.
type service struct {
	net   *Network
	node  *Node
	spec  *Service
	rng   *rand.Rand
	insts []*instance
	calls []boundCall
	rr    int // next instance for calls made straight to the service

	// Statistics over the measurement window, summed over instances.
	busy, queueLen                sim.TimeAverage
	queued                        int
	wait, hold                    sim.Summary
	waitHist                      sim.Histogram
	arrivals, completed, rejected int64
}

type instance struct {
	svc         *service
	busy        int
	outstanding int // jobs at the instance: queued, in service or in calls
	queue       sim.FIFO[*job]
}

type boundCall struct {
	to      component
	classes []bool // indexed by class; nil means every class
}

func (c *boundCall) applies(class int) bool { return c.classes == nil || c.classes[class] }

func newService(net *Network, node *Node, rng *rand.Rand, classes []string) *service {
	s := &service{net: net, node: node, spec: node.Service, rng: rng}
	for i := 0; i < s.spec.Instances; i++ {
		s.insts = append(s.insts, &instance{svc: s})
	}
	for _, c := range s.spec.Calls {
		var bc boundCall
		if len(c.Classes) > 0 {
			bc.classes = make([]bool, len(classes))
			for _, name := range c.Classes {
				if i := indexOf(classes, name); i >= 0 {
					bc.classes[i] = true
				}
			}
		}
		s.calls = append(s.calls, bc)
	}
	return s
}

// accept spreads calls made straight to the service round-robin over its
// instances; a load balancer in front chooses otherwise.
func (s *service) accept(j *job) {
	inst := s.insts[s.rr]
	s.rr = (s.rr + 1) % len(s.insts)
	s.arrive(j, inst)
}

// arrive queues j at inst, starts it if a worker is free, or rejects it if the
// queue is full.
func (s *service) arrive(j *job, inst *instance) {
	now := s.net.k.Now()
	j.svc, j.inst = s, inst
	s.arrivals++
	switch {
	case inst.busy < s.spec.Workers:
		inst.outstanding++
		s.start(j)
	case s.spec.Queue == Unlimited || inst.queue.Len() < s.spec.Queue:
		inst.outstanding++
		inst.queue.Push(j)
		s.queued++
		s.queueLen.Set(now, float64(s.queued))
	default:
		s.rejected++
		j.rejected = true
		s.net.reply(j)
	}
}

func (s *service) start(j *job) {
	now := s.net.k.Now()
	j.inst.busy++
	s.busy.Add(now, 1)
	j.holding, j.started = true, now
	w := float64(now - j.arrived)
	s.wait.Add(w)
	s.waitHist.Add(w)
	s.net.k.After(s.spec.ServiceTime.Sample(s.rng), s.net, opServiceDone, j)
}

// served is called when j's own service time has elapsed.
func (s *service) served(j *job) {
	if !s.spec.Blocking {
		s.releaseWorker(j)
	}
	s.callNext(j)
}

// callNext makes j's next call that applies to its class, or finishes j.
func (s *service) callNext(j *job) {
	for j.next < len(s.calls) {
		c := &s.calls[j.next]
		j.next++
		if c.applies(j.req.Class) {
			c.to.accept(s.net.newJob(j.req, j))
			return
		}
	}
	s.finish(j)
}

// resume continues j after a call returned; a rejected call fails j.
func (s *service) resume(j *job, callRejected bool) {
	if callRejected {
		j.rejected = true
		s.finish(j)
		return
	}
	s.callNext(j)
}

func (s *service) finish(j *job) {
	if j.holding {
		s.releaseWorker(j)
	}
	j.inst.outstanding--
	if !j.rejected {
		s.completed++
	}
	s.net.reply(j)
}

// releaseWorker frees j's worker and gives it to the next queued job.
func (s *service) releaseWorker(j *job) {
	now := s.net.k.Now()
	j.holding = false
	s.hold.Add(float64(now - j.started))
	inst := j.inst
	inst.busy--
	s.busy.Add(now, -1)
	if inst.queue.Len() > 0 {
		next := inst.queue.Pop()
		s.queued--
		s.queueLen.Set(now, float64(s.queued))
		s.start(next)
	}
}

func (s *service) resetStats(now sim.Time) {
	s.busy.Reset(now)
	s.queueLen.Reset(now)
	s.wait, s.hold, s.waitHist = sim.Summary{}, sim.Summary{}, sim.Histogram{}
	s.arrivals, s.completed, s.rejected = 0, 0, 0
}

func (s *service) stats(window float64, now sim.Time) NodeStats {
	capacity := float64(s.spec.Capacity())
	hold := s.hold.Mean()
	if s.hold.N() == 0 {
		hold = s.spec.ServiceTime.Mean()
	}
	st := NodeStats{
		Kind:        s.node.Kind,
		Instances:   s.spec.Instances,
		Utilization: s.busy.Mean(now) / capacity,
		QueueLength: s.queueLen.Mean(now),
		WaitMean:    s.wait.Mean(),
		WaitP99:     s.waitHist.Quantile(0.99),
		Arrivals:    s.arrivals,
		Completed:   s.completed,
		Rejected:    s.rejected,
	}
	if window > 0 {
		st.Throughput = float64(s.completed) / window
		st.OfferedLoad = float64(s.arrivals) / window * hold / capacity
	}
	return st
}
