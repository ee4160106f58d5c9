package topology

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
	if t.Distance != nil {
		return own + t.Distance(kind, from, to)
	}
	return own
}
