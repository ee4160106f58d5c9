package topology

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
)

// HopKind is what a message between two nodes carries.
type HopKind uint8

// The kinds of hop.
const (
	HopCall        HopKind = iota // a call to the node called (its round trip, as a call's latency says)
	HopReply                      // a reply to the caller
	HopForward                    // a load balancer's forward to an instance
	HopEdge                       // a client to a CDN's edge (the CDN's edge latency)
	HopOriginFetch                // a CDN's fetch from its origin (its origin latency)
	HopReplication                // a primary's write to a replica (the replication lag)
	HopClient                     // a user's request to the entry, or its reply back: from names the user's region (the last mile's half round trip is its own)
)

// Hop is the network delay, in seconds, of a message of kind from the node
// called from to the node called to, given the delay its own setting draws
// (own: a call's latency, a CDN's edge or origin latency, a replication
// lag; 0 where it has none). Every message between nodes is timed here,
// in the simulation and in the estimate alike: today nothing is placed,
// so nothing is far, and a message pays what its own setting says; where
// placement and distance come in (regions, zones), they add here.
func (t *Topology) Hop(kind HopKind, from, to string, own float64) float64 {
	if t.distance != nil {
		return own + t.distance(kind, from, to)
	}
	return own
}

// Hop is the delay of a message of kind from the node called from to the
// node called to, whose own setting draws from own on rng (nil: it has
// none), by Topology.Hop. delayed is false when the message pays no delay
// at all: it is handed over at once, with no event, as it always was.
func (n *Network) Hop(kind HopKind, from, to string, own sim.Dist, rng *rand.Rand) (delay float64, delayed bool) {
	drawn := 0.0
	if own != nil {
		drawn = own.Sample(rng)
	}
	delay = n.topo.Hop(kind, from, to, drawn)
	return delay, own != nil || delay != 0
}
