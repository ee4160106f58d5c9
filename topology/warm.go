package topology

import (
	"math"
)

// RingShares are each part's share of the hash circle.
func RingShares(r *Ring, parts int) []float64 {
	shares := make([]float64, parts)
	n := len(r.points)
	for i, at := range r.points {
		// The arc from the previous point (wrapping) to this one is
		// owned by this point's part.
		prev := r.points[(i+n-1)%n]
		arc := at - prev // mod 2⁶⁴
		if n == 1 {
			arc = math.MaxUint64
		}
		shares[r.owner[i]] += float64(float64(arc) / math.MaxUint64)
	}
	return shares
}
