package topology

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
)

// service is the runtime of a Service node: a station, and a program of
// steps (its calls, compiled) that each request runs after its service time.
type service struct {
	net  *Network
	node *Node
	spec *Service
	st   *station
	prog []step
}

// stepKind is what a step of a service's program does.
type stepKind uint8

const (
	stepCall   stepKind = iota // call a node and wait for its reply
	stepGet                    // look a key up in a cache; a hit jumps to skip
	stepFill                   // put the key in a cache, in no time, after a miss
	stepSet                    // store the key in a cache
	stepDelete                 // drop the key from a cache
)

// step is one instruction of a service's program.
type step struct {
	kind    stepKind
	to      component
	cache   *cache
	classes []bool // indexed by class; nil means every class
	op      opKind // what the called node should do
	latency sim.Dist
	rng     *rand.Rand // the caller's latency stream
	skip    int        // stepGet: the step after the fill, where a hit goes on
	pool    int        // index into the instance's pools, or -1
	// writeBack are where a write_back set's flush writes.
	writeBack []component
}

func (s *step) applies(class int) bool { return s.classes == nil || s.classes[class] }

func newService(net *Network, node *Node, rng *rand.Rand) *service {
	s := &service{net: net, node: node, spec: node.Service}
	s.st = newStation(net, s, rng, s.spec.Instances, s.spec.Workers, s.spec.Queue, s.spec.ServiceTime, s.spec.ServiceTime)
	return s
}

// compile turns the service's calls into its program once every component
// exists. On-miss and write calls inherit the class filter of their call.
func (s *service) compile(byName map[string]component, classes []string, latency *rand.Rand) {
	pools := map[*database]int{}
	var emit func(calls []Call, inherited []bool, op opKind)
	emit = func(calls []Call, inherited []bool, op opKind) {
		for _, c := range calls {
			st := step{to: byName[c.To], classes: classFilter(c.Classes, classes, inherited),
				op: op, latency: c.Latency, rng: latency, pool: -1}
			if st.latency == nil {
				st.latency = s.net.opts.DefaultLatency
			}
			if db, ok := st.to.(*database); ok && db.spec.Pool > 0 {
				if _, seen := pools[db]; !seen {
					pools[db] = len(pools)
					for _, inst := range s.st.insts {
						p := &connPool{size: db.spec.Pool, db: db}
						inst.pools = append(inst.pools, p)
					}
				}
				st.pool = pools[db]
			}
			switch c.Op {
			case OpGet:
				st.kind, st.op, st.cache = stepGet, opGet, st.to.(*cache)
				at := len(s.prog)
				s.prog = append(s.prog, st)
				emit(c.OnMiss, st.classes, opRead)
				fill := st
				fill.kind = stepFill
				s.prog = append(s.prog, fill)
				s.prog[at].skip = len(s.prog)
			case OpSet:
				st.kind, st.op, st.cache = stepSet, opSet, st.to.(*cache)
				if c.Policy == WriteBack {
					for _, w := range c.Write {
						st.writeBack = append(st.writeBack, byName[w.To])
					}
				} else {
					emit(c.Write, st.classes, opWrite)
				}
				s.prog = append(s.prog, st)
			case OpDelete:
				st.kind, st.op, st.cache = stepDelete, opDelete, st.to.(*cache)
				emit(c.Write, st.classes, opWrite)
				s.prog = append(s.prog, st)
			default:
				s.prog = append(s.prog, st)
			}
		}
	}
	emit(s.spec.Calls, nil, opAuto)
}

// classFilter is the set of classes a call applies to: its own list, within
// the list it inherits; nil when it applies to every class.
func classFilter(names, classes []string, inherited []bool) []bool {
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

// accept spreads calls made straight to the service round-robin over its
// instances; a load balancer in front chooses otherwise.
func (s *service) accept(j *job) { s.st.arrive(j, s.st.next()) }

// served is called when j's own service time has elapsed.
func (s *service) served(j *job) {
	if !s.spec.Blocking {
		s.st.release(j)
	}
	j.owner = s
	s.run(j)
}

// run executes j's program from its current step until a call must wait
// for a reply, or the program ends.
func (s *service) run(j *job) {
	for j.pc < len(s.prog) {
		st := &s.prog[j.pc]
		j.pc++
		if !st.applies(j.req.Class) {
			continue
		}
		if st.kind == stepFill {
			st.cache.fill(j.req.Key)
			j.filling = nil
			continue
		}
		child := s.net.newJob(j.req, j)
		child.op, child.step = st.op, st
		if child.op == opAuto {
			child.op = j.op // a read or write passed down, or by class
		}
		if st.pool >= 0 {
			child.pool = j.inst.pools[st.pool]
			if !child.pool.acquire(child) {
				return // sent when a connection is free
			}
		}
		s.net.send(child)
		return
	}
	s.finish(j)
}

// resume continues j after a call returned; a rejected call fails j.
func (s *service) resume(j *job, child *job) {
	if child.rejected {
		j.rejected = true
		s.finish(j)
		return
	}
	if child.step.kind == stepGet {
		if child.hit {
			j.pc = child.step.skip
		} else if child.step.cache.spec.Coalesce {
			j.filling = child.step.cache
		}
	}
	s.run(j)
}

func (s *service) finish(j *job) {
	if j.filling != nil {
		// The origin read failed: let requests waiting on it go themselves.
		j.filling.abandon(j.req.Key)
		j.filling = nil
	}
	s.st.finish(j)
	s.net.reply(j)
}

func (s *service) resetStats(now sim.Time) { s.st.resetStats(now) }

func (s *service) stats(window float64, now sim.Time) NodeStats {
	return s.st.stats(window, now)
}
