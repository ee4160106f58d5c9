package engine

import (
	"fmt"
	"unsafe"

	"github.com/scalesim/scalesim/topology"
)

// Byte counts for Footprint and InUse: what the simulation's records
// take, measured with unsafe.Sizeof where a type exists, and estimated
// (with Go's map overhead) where it is a map entry. They are estimates
// meant to keep a run within a memory budget, not an accounting to the
// byte.
const (
	instanceBytes = float64(unsafe.Sizeof(instance{})) + 72 // its place in the station's lists, and a kind's record of it (Payload: a consumer's batch, a balancer's health)
	requestBytes  = float64(unsafe.Sizeof(Request{})) + 8
	jobBytes      = float64(unsafe.Sizeof(Job{})) + 8
	KeyBytes      = float64(unsafe.Sizeof(slot{})) + 24 // a key store's slot and index entry

	StationBytes   = 28_000 // a station's wait histogram, summaries and time averages
	RingBytes      = 12     // a hash ring's point and its owner
	MapEntryBytes  = 48     // an entry of a map[int64]T
	FIFOEntryBytes = 32     // a 16-byte entry of a FIFO that may be half empty
)

// Builder is what the engine asks of a node's Spec to run it: every
// kind's spec implements it besides Spec.
type Builder interface {
	topology.Spec
	// Footprint is about how many bytes its runtime holds at most,
	// besides the requests passing through it: stations, key stores at
	// full capacity, hash rings. keys is the workload's key count.
	Footprint(keys int64) float64
	// Build makes the node's runtime component on net.
	Build(net *Network, node *topology.Node) Component
}

// builder is the node's spec as the engine runs it; a kind whose spec
// cannot run is a defect of the program, not of the scenario.
func builder(n *topology.Node) Builder {
	b, ok := n.Spec.(Builder)
	if !ok {
		panic(fmt.Sprintf("engine: the %s kind's spec (%T) does not implement Builder", n.Kind().Name, n.Spec))
	}
	return b
}

// NodeFootprint is about how many bytes the runtime of node n holds at
// most, besides the requests passing through it (Builder.Footprint); keys
// is the workload's key count.
func NodeFootprint(n *topology.Node, keys int64) float64 { return builder(n).Footprint(keys) }

// stationFootprint is a station of instances.
func stationFootprint(instances int) float64 {
	return StationBytes + float64(float64(instances)*instanceBytes)
}

// InUse is about how many bytes the network holds now that grow with the
// load: requests and visits in flight, and what nodes keep of them.
// Records released to the pools are counted too: the pools keep them.
func (n *Network) InUse() float64 {
	total := n.freeReqs.Bytes(n.inFlight, requestBytes) + n.freeJobs.Bytes(n.liveJobs, jobBytes)
	for _, c := range n.comps {
		total += c.InUse()
	}
	return total + n.hostsInUse()
}
