package engine

import (
	"github.com/scalesim/scalesim/topology"
)

// transferOf is how the bytes between j's sender and at, the node whose
// station j visits, are billed, and whether the sender is a user (whose
// request is free and reply is data transfer out). Without placement, all
// are free.
func (n *Network) transferOf(j *Job, at string) (kind topology.TransferKind, user bool) {
	if !n.topo.PricesTransfer() || j.req.background {
		return topology.TransferFree, false
	}
	k := j
	for k.step == nil && k.parent != nil {
		if _, edge := k.parent.owner.(topology.EdgeFetcher); edge {
			return topology.TransferFree, false
		}
		k = k.parent
	}
	if k.step == nil {
		// A user's request (a message a consumer takes is a background
		// request, free above).
		return topology.TransferInternet, true
	}
	if at == "" && j.step != nil {
		// A station of no name of its own (a database's): the node the
		// call went to, or the part of it (a primary or replicas in a
		// region) the call was aimed at.
		at = j.step.toName
		if p, ok := j.step.to.(Parted); ok && j.part != 0 {
			at = p.PartName(j.part)
		}
	}
	return n.topo.Transfer(k.step.from, at), false
}
