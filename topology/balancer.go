package topology

import (
	"fmt"
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
)

// balancer is the runtime of a load balancer: it forwards each request, in no
// time, to one instance of its target services.
type balancer struct {
	node      *Node
	insts     []*instance
	pick      func() *instance
	rng       *rand.Rand
	rr        int
	forwarded int64
}

func newBalancer(node *Node, byName map[string]component, rng *rand.Rand) (*balancer, error) {
	b := &balancer{node: node, rng: rng}
	for _, t := range node.Balancer.Targets {
		s, ok := byName[t].(*service)
		if !ok {
			return nil, fmt.Errorf("topology: load balancer %s targets %s, which is not a service", node.Name, t)
		}
		b.insts = append(b.insts, s.st.insts...)
	}
	switch node.Balancer.Algorithm {
	case RoundRobin:
		b.pick = b.roundRobin
	case Random:
		b.pick = b.random
	case LeastConn:
		b.pick = b.leastConn
	case PowerOfTwo:
		b.pick = b.powerOfTwo
	default:
		return nil, fmt.Errorf("topology: load balancer %s: unknown algorithm %q", node.Name, node.Balancer.Algorithm)
	}
	return b, nil
}

func (b *balancer) accept(j *job) {
	b.forwarded++
	inst := b.pick()
	inst.st.arrive(j, inst)
}

func (b *balancer) roundRobin() *instance {
	inst := b.insts[b.rr]
	b.rr = (b.rr + 1) % len(b.insts)
	return inst
}

func (b *balancer) random() *instance { return b.insts[b.rng.IntN(len(b.insts))] }

// leastConn picks the instance with the fewest outstanding requests; ties go
// to the first found scanning from a rotating start, so they spread evenly.
func (b *balancer) leastConn() *instance {
	n := len(b.insts)
	start := b.rr
	b.rr = (b.rr + 1) % n
	best := b.insts[start]
	for i := 1; i < n && best.outstanding > 0; i++ {
		if c := b.insts[(start+i)%n]; c.outstanding < best.outstanding {
			best = c
		}
	}
	return best
}

// powerOfTwo samples two distinct instances at random and picks the one with
// fewer outstanding requests (Mitzenmacher, "The power of two choices in
// randomized load balancing", IEEE TPDS 12(10), 2001).
func (b *balancer) powerOfTwo() *instance {
	n := len(b.insts)
	if n == 1 {
		return b.insts[0]
	}
	i := b.rng.IntN(n)
	k := b.rng.IntN(n - 1)
	if k >= i {
		k++
	}
	if b.insts[k].outstanding < b.insts[i].outstanding {
		return b.insts[k]
	}
	return b.insts[i]
}

func (b *balancer) resetStats(sim.Time) { b.forwarded = 0 }

func (b *balancer) stats(window float64, _ sim.Time) NodeStats {
	st := NodeStats{Kind: b.node.Kind, Instances: 1, Arrivals: b.forwarded, Completed: b.forwarded}
	if window > 0 {
		st.Throughput = float64(b.forwarded) / window
	}
	return st
}
