package database

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"

	"github.com/scalesim/scalesim/topology"
)

// partitioner maps a key to one of its parts (shards).
type partitioner interface {
	Part(key int64) int
}

// newPartitioner returns the scheme's mapping of keys 0..keyCount-1 onto
// parts parts.
func newPartitioner(scheme string, parts int, keyCount int64, vnodes int) partitioner {
	switch scheme {
	case PartitionRange:
		return rangePartition{parts: parts, keys: max(keyCount, 1)}
	case PartitionConsistent:
		ids := make([]uint64, parts)
		for p := range ids {
			ids[p] = uint64(p)
		}
		return topology.NewRing(ids, vnodes)
	case PartitionDirectory:
		return newDirectory(parts)
	}
	return hashPart(parts)
}

// hashPart is hash(key) mod N, as topology.HashPart places a key.
type hashPart int

func (h hashPart) Part(key int64) int { return topology.HashPart(key, int(h)) }

// rangePartition splits the key space into N contiguous equal ranges.
type rangePartition struct {
	parts int
	keys  int64
}

func (r rangePartition) Part(key int64) int {
	hi, lo := bits.Mul64(uint64(key), uint64(r.parts))
	q, _ := bits.Div64(hi, lo, uint64(r.keys))
	return min(int(q), r.parts-1)
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

func (d directory) Part(key int64) int { return int(d[topology.Mix64(uint64(key))%uint64(len(d))]) }

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
		panic(fmt.Sprintf("database: unknown partition %q", scheme))
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
		if before.Part(key) != after.Part(key) {
			moved++
		}
	}
	return float64(moved) / float64(n)
}
