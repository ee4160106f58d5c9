package topology

import "unsafe"

// Byte counts for Footprint and InUse: what the simulation's records
// take, measured with unsafe.Sizeof where a type exists, and estimated
// (with Go's map overhead) where it is a map entry. They are estimates
// meant to keep a run within a memory budget, not an accounting to the
// byte.
const (
	stationBytes   = 28_000                                  // a station's wait histogram, summaries and time averages
	instanceBytes  = float64(unsafe.Sizeof(instance{})) + 72 // its place in the station's lists, and a kind's record of it (Payload: a consumer's batch, a balancer's health)
	requestBytes   = float64(unsafe.Sizeof(Request{})) + 8
	jobBytes       = float64(unsafe.Sizeof(Job{})) + 8
	KeyBytes       = float64(unsafe.Sizeof(slot{})) + 24 // a key store's slot and index entry
	ringBytes      = 12                                  // a hash ring point and its owner
	mapEntryBytes  = 48                                  // an entry of a map[int64]T
	fifoEntryBytes = 32                                  // a 16-byte entry of a FIFO that may be half empty
)

// Footprint is about how many bytes the topology's runtime holds at most,
// besides the requests in flight; keys is the workload's key count.
func (t *Topology) Footprint(keys int64) float64 {
	total := 0.0
	for _, n := range t.Nodes {
		total += n.Spec.Footprint(keys)
	}
	return total
}

// stationFootprint is a station of instances.
func stationFootprint(instances int) float64 {
	return stationBytes + float64(float64(instances)*instanceBytes)
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
