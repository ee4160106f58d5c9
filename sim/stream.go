package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// NewStream returns a random stream for the component called name in a run
// with the given seed.
//
// Streams of different names are independent, and a stream depends only on
// (seed, name): adding a component to a model does not change the numbers
// any other component draws. Comparing two variants of a model under the same
// seed therefore uses common random numbers.
//
// The two 64-bit words of PCG state are derived from the seed and an FNV-1a
// hash of the name through SplitMix64 (Steele, Lea and Flood, "Fast
// splittable pseudorandom number generators", OOPSLA 2014), so that nearby
// seeds and similar names still give unrelated streams.
func NewStream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	x := splitmix64(seed ^ splitmix64(h.Sum64()))
	return rand.New(rand.NewPCG(x, splitmix64(x)))
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
