package topology

import (
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"sync"
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

// partitioner maps a key to one of its parts (shards, or cache nodes).
type partitioner interface {
	part(key int64) int
}

// newPartitioner returns the scheme's mapping of keys 0..keyCount-1 onto
// parts parts.
func newPartitioner(scheme string, parts int, keyCount int64, vnodes int) partitioner {
	switch scheme {
	case PartitionRange:
		return rangePartition{parts: parts, keys: max(keyCount, 1)}
	case PartitionConsistent:
		return newRing(parts, vnodes)
	case PartitionDirectory:
		return newDirectory(parts)
	}
	return hashPartition(parts)
}

// hashPartition is hash(key) mod N.
type hashPartition int

func (h hashPartition) part(key int64) int { return int(mix64(uint64(key)) % uint64(h)) }

// rangePartition splits the key space into N contiguous equal ranges.
type rangePartition struct {
	parts int
	keys  int64
}

func (r rangePartition) part(key int64) int {
	hi, lo := bits.Mul64(uint64(key), uint64(r.parts))
	q, _ := bits.Div64(hi, lo, uint64(r.keys))
	return min(int(q), r.parts-1)
}

// ring is consistent hashing (Karger et al., "Consistent hashing and random
// trees", STOC 1997): each part owns vnodes points on a 64-bit circle, and a
// key belongs to the first point at or after its hash. Adding a part moves
// only the keys its points take over, about 1/(N+1) of them.
type ring struct {
	points []uint64
	owner  []int32
}

func newRing(parts, vnodes int) *ring {
	ids := make([]uint64, parts)
	for p := range ids {
		ids[p] = uint64(p)
	}
	return newRingOf(ids, vnodes)
}

// newRingOf makes a ring over parts named by ids: a key's part is an
// index into ids. A point depends only on its part's id and index, so
// adding or removing a part leaves the others' points where they were.
func newRingOf(ids []uint64, vnodes int) *ring {
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
	r := &ring{points: make([]uint64, len(pts)), owner: make([]int32, len(pts))}
	for i, p := range pts {
		r.points[i], r.owner[i] = p.at, p.owner
	}
	return r
}

func (r *ring) part(key int64) int {
	h := mix64(uint64(key))
	i := sort.Search(len(r.points), func(i int) bool { return r.points[i] >= h })
	if i == len(r.points) {
		i = 0
	}
	return int(r.owner[i])
}

// directoryBuckets is the number of hash buckets a directory assigns.
const directoryBuckets = 1 << 14

// directory is a lookup table from hash buckets to parts, kept by a
// directory service. Growing from N to N+1 parts moves the fewest buckets
// that even the load: each old part hands its surplus over the new quota.
type directory []int32

func newDirectory(parts int) directory {
	d := make(directory, directoryBuckets)
	for n := 1; n < parts; n++ {
		d.grow(n)
	}
	return d
}

// grow adds part n to a directory of n parts.
func (d directory) grow(n int) {
	count := make([]int, n+1)
	for _, p := range d {
		count[p]++
	}
	quota := len(d) / (n + 1)
	for b, p := range d {
		if count[n] >= quota {
			return
		}
		if count[p] > quota {
			count[p]--
			count[n]++
			d[b] = int32(n)
		}
	}
}

func (d directory) part(key int64) int { return int(d[mix64(uint64(key))%uint64(len(d))]) }

type reshardCase struct {
	scheme        string
	shards, vnode int
	keys          int64
}

var (
	reshardMu   sync.Mutex
	reshardMemo = map[reshardCase]float64{}
)

// reshardMoved is ReshardMoved, remembered: runs of one topology ask the
// same question again and again.
func reshardMoved(scheme string, shards int, keyCount int64, vnodes int) float64 {
	c := reshardCase{scheme, shards, vnodes, keyCount}
	reshardMu.Lock()
	defer reshardMu.Unlock()
	if v, ok := reshardMemo[c]; ok {
		return v
	}
	v := ReshardMoved(scheme, shards, keyCount, vnodes)
	reshardMemo[c] = v
	return v
}

// reshardSample is the most keys ReshardMoved looks at.
const reshardSample = 200_000

// ReshardMoved is the fraction of keys 0..keyCount-1 that change shard when
// a database partitioned by scheme grows from shards to shards+1: about
// N/(N+1) for hash, 1/(N+1) for consistent hashing and a directory. Up to
// 200 000 evenly spaced keys are examined.
func ReshardMoved(scheme string, shards int, keyCount int64, vnodes int) float64 {
	if !slices.Contains(Partitions, scheme) {
		panic(fmt.Sprintf("topology: unknown partition %q", scheme))
	}
	before := newPartitioner(scheme, shards, keyCount, vnodes)
	after := newPartitioner(scheme, shards+1, keyCount, vnodes)
	n := min(keyCount, reshardSample)
	moved := 0
	for i := int64(0); i < n; i++ {
		key := i
		if keyCount > reshardSample {
			key = int64(float64(i) * float64(keyCount) / float64(n))
		}
		if before.part(key) != after.part(key) {
			moved++
		}
	}
	return float64(moved) / float64(n)
}
