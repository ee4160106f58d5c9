package engine

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// Hop is the delay of a message of kind from the node called from to the
// node called to, whose own setting draws from own on rng (nil: it has
// none), by Topology.Hop. delayed is false when the message pays no delay
// at all: it is handed over at once, with no event, as it always was.
func (n *Network) Hop(kind topology.HopKind, from, to string, own sim.Dist, rng *rand.Rand) (delay float64, delayed bool) {
	drawn := 0.0
	if own != nil {
		drawn = own.Sample(rng)
	}
	delay = n.topo.Hop(kind, from, to, drawn)
	return delay, own != nil || delay != 0
}
