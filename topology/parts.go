package topology

import "strings"

// A node's parts placed apart from it (a database's replicas by region,
// or its primaries in several regions): how a call is aimed at one, and
// how the estimate and the region faults find them.

// PartSep joins a node's name and a region in the name of the node's part
// placed there, for Hop (db@eu-west-1); node names cannot hold it.
const PartSep = "@"

// Replicated is a spec whose servers may be placed in regions apart from
// its node's place (a database's replicas by region, or its primaries in
// several regions).
type Replicated interface {
	// HasPartIn says it places a server in region (a catalogue code)
	// besides its node's own place, in topology t.
	HasPartIn(t *Topology, region string) bool
	// ReplicationKinds are how the bytes of each write it commits are
	// billed on their way to its other servers, one per server, n being
	// its node in t; nil when its servers are all in its place.
	ReplicationKinds(t *Topology, n *Node) []TransferKind
	// AimedPart is, for the estimate, the name for Hop of its part (its
	// node called to, or to@REGION) that serves a call of class c from
	// the node from, as the run aims it (engine.Parted.Aim).
	AimedPart(sv Solver, from, to string, c int) string
}

// AimedPart is, for the estimate, the name for Hop of the part of node to
// that serves a call of class c from the node from, as the simulation
// aims it (engine.Parted): see Replicated.AimedPart; the node itself for a node
// whose spec is not Replicated.
func AimedPart(sv Solver, from, to string, c int) string {
	n := sv.Lookup(to)
	if n == nil {
		return to
	}
	if r, ok := n.Spec.(Replicated); ok {
		return r.AimedPart(sv, from, to, c)
	}
	return to
}

// partPlace is the region of a hop's end, by places (node → region): a
// node's, or for NODE@REGION that is no node, the part of node NODE placed
// in REGION (a database's replicas or a primary there).
func partPlace(places map[string]string, r *Regions, name string) string {
	if p, ok := places[name]; ok {
		return p
	}
	if _, at, ok := strings.Cut(name, PartSep); ok {
		return r.Region(at)
	}
	return ""
}

// hasPartIn says node n has a part placed in region besides its own
// place (Replicated: a database's replicas or a primary there).
func hasPartIn(t *Topology, n *Node, region string) bool {
	r, ok := n.Spec.(Replicated)
	return ok && r.HasPartIn(t, region)
}
