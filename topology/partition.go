package topology

import (
	"math"
	"slices"
	"sort"
)

// mix64 scrambles a 64-bit value (the SplitMix64 finalizer, Steele, Lea and
// Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), so
// that consecutive keys hash far apart.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashPartition is hash(key) mod N.
type hashPartition int

func (h hashPartition) part(key int64) int { return int(mix64(uint64(key)) % uint64(h)) }

// Ring is consistent hashing (Karger et al., "Consistent hashing and random
// trees", STOC 1997): each part owns vnodes points on a 64-bit circle, and a
// key belongs to the first point at or after its hash. Adding a part moves
// only the keys its points take over, about 1/(N+1) of them.
type Ring struct {
	points []uint64
	owner  []int32
}

// NewRing makes a ring over parts named by ids, vnodes points each: a
// key's part (Ring.Part) is an index into ids. A point depends only on its
// part's id and index, so adding or removing a part leaves the others'
// points where they were.
func NewRing(ids []uint64, vnodes int) *Ring {
	type point struct {
		at    uint64
		owner int32
	}
	pts := make([]point, 0, len(ids)*vnodes)
	for p, id := range ids {
		for v := 0; v < vnodes; v++ {
			pts = append(pts, point{mix64(id<<32 | uint64(v) ^ 0x9e3779b97f4a7c15), int32(p)})
		}
	}
	slices.SortFunc(pts, func(a, b point) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return int(a.owner - b.owner)
	})
	r := &Ring{points: make([]uint64, len(pts)), owner: make([]int32, len(pts))}
	for i, p := range pts {
		r.points[i], r.owner[i] = p.at, p.owner
	}
	return r
}

// Part is the part key belongs to: the owner of the first point at or
// after its hash, wrapping around the circle.
func (r *Ring) Part(key int64) int {
	h := mix64(uint64(key))
	i := sort.Search(len(r.points), func(i int) bool { return r.points[i] >= h })
	if i == len(r.points) {
		i = 0
	}
	return int(r.owner[i])
}

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
