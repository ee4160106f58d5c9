package engine

import (
	"github.com/scalesim/scalesim/topology"
)

func newRing(parts, vnodes int) *topology.Ring {
	ids := make([]uint64, parts)
	for p := range ids {
		ids[p] = uint64(p)
	}
	return topology.NewRingOf(ids, vnodes)
}
