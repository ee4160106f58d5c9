package engine

import (
	"math"
	"slices"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/workloads"
)

// warmPopularity is a Zipf popularity over keys keys (s = 0.8): the
// first exact ranks one by one, the rest in groups of 100 of equal
// probability, keys numbered by a permutation of the ranks, visited at
// rate requests a second.
func warmPopularity(keys, exact int64, rate float64) *Popularity {
	zipf := (&workloads.Keys{Dist: workloads.KeysZipf, Count: keys, S: 0.8}).Popularity()
	pop := &Popularity{Key: func(r int64) int64 { return r * 7919 % keys },
		Rate: func(string, []bool) float64 { return rate }}
	for r := int64(0); r < keys; {
		n := int64(1)
		if r >= exact {
			n = min(100, keys-r)
		}
		pop.Probs, pop.Counts = append(pop.Probs, zipf(r+n/2)), append(pop.Counts, float64(n))
		r += n
	}
	return pop
}

// TestWarm checks the state a warm store starts in, against each policy's
// steady state: the probability mass of the keys held (the hit ratio the
// store starts at) is the state's hit ratio within 4 standard errors of
// the draw (each key held independently; the keys left out beyond the
// capacity add at most their count's spread times a marginal key's
// probability), averaged over warmDraws draws, and no store holds more
// than its capacity.
func TestWarm(t *testing.T) {
	const keys, exact = 20_000, 5_000
	cases := []struct {
		name     string
		policy   string
		capacity int
		ttl      float64
		nodes    int
		// held is the probability that a key of probability p is held.
		held func(probs, counts []float64, capacity float64) func(p float64) float64
	}{
		{"lru", topology.EvictLRU, 2000, 0, 1, func(probs, counts []float64, c float64) func(float64) float64 {
			tc := analytic.CheTime(probs, counts, c)
			return func(p float64) float64 { return -math.Expm1(-p * tc) }
		}},
		{"fifo", topology.EvictFIFO, 2000, 0, 1, fifoHeld},
		{"random", topology.EvictRandom, 500, 0, 1, fifoHeld},
		{"lfu", topology.EvictLFU, 2000, 0, 1, nil},
		{"ttl", topology.EvictLRU, keys, 2, 1, func([]float64, []float64, float64) func(float64) float64 {
			return func(p float64) float64 { x := 100 * p * 2; return x / (1 + x) } // 100 requests a second, TTL 2 s
		}},
		{"everything fits", topology.EvictLRU, keys, 0, 1, func([]float64, []float64, float64) func(float64) float64 {
			return func(float64) float64 { return 1 }
		}},
		{"lru over 3 nodes", topology.EvictLRU, 700, 0, 3, func(probs, counts []float64, c float64) func(float64) float64 {
			tc := analytic.CheTime(probs, counts, c) // one characteristic time: the ring's shares are near equal
			return func(p float64) float64 { return -math.Expm1(-p * tc) }
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pop := warmPopularity(keys, exact, 100)
			prob := map[int64]float64{}
			rank := int64(0)
			for g, p := range pop.Probs {
				for range int64(pop.Counts[g]) {
					prob[pop.Key(rank)] = p
					rank++
				}
			}
			r := newRing(tc.nodes, topology.DefaultVNodes)
			nodeOf := func(key int64) int { return r.Part(key) }
			mass, heldKeys := 0.0, 0 // over the draws
			var stores []*KeyStore
			for d := range warmDraws {
				net := &Network{k: &sim.Kernel{}, opts: Options{Popularity: pop}}
				stores = stores[:0]
				for range tc.nodes {
					stores = append(stores, NewKeyStore(tc.policy, tc.capacity, tc.ttl, sim.NewStream(1, "evict")))
				}
				net.Warm(WarmStart{Node: "c", Stores: stores, NodeOf: nodeOf, Shares: topology.RingShares(r, tc.nodes), Stream: sim.NewStream(uint64(d), "warm")})
				for j, s := range stores {
					if s.Len() > tc.capacity {
						t.Errorf("store %d holds %d keys, more than its capacity %d", j, s.Len(), tc.capacity)
					}
					for key := range s.index {
						if nodeOf(key) != j {
							t.Errorf("store %d holds key %d of store %d", j, key, nodeOf(key))
						}
						mass += prob[key] / warmDraws
					}
					heldKeys += s.Len()
				}
			}
			capacity := float64(tc.capacity * tc.nodes)
			if tc.held == nil { // LFU: the most popular keys
				want := 0.0
				for g, p := range pop.Probs {
					take := math.Min(pop.Counts[g], capacity)
					want, capacity = want+take*p, capacity-take
				}
				if math.Abs(mass-want) > 1e-9 || heldKeys != tc.capacity*warmDraws {
					t.Errorf("LFU holds %d keys of mass %.6f; want the %d most popular, mass %.6f", heldKeys, mass, tc.capacity, want)
				}
				return
			}
			held := tc.held(pop.Probs, pop.Counts, capacity)
			want, variance, countVar, expected := 0.0, 0.0, 0.0, 0.0
			for g, p := range pop.Probs {
				q, n := held(p), pop.Counts[g]
				want += n * p * q
				variance += n * p * p * q * (1 - q)
				countVar += n * q * (1 - q)
				expected += n * q
			}
			marginal := pop.Probs[min(len(pop.Probs)-1, tc.capacity)]
			tol := (4*math.Sqrt(variance)+4*math.Sqrt(countVar)*marginal)/math.Sqrt(warmDraws) + 1e-9
			perDraw := float64(heldKeys) / warmDraws
			if tc.nodes > 1 {
				tol += 0.01 * want // the nodes' shares of the ring differ by a few percent
			}
			t.Logf("%.1f keys held (expected %.0f), hit mass %.4f, theory %.4f ± %.4f", perDraw, expected, mass, want, tol)
			if math.Abs(mass-want) > tol {
				t.Errorf("the keys held take %.4f of requests; the steady state %.4f (± %.4f)", mass, want, tol)
			}
			if math.Abs(perDraw-math.Min(expected, capacity)) > 4*math.Sqrt(countVar/warmDraws)+1 {
				t.Errorf("%.1f keys held; expected %.0f", perDraw, expected)
			}
			if tc.policy == topology.EvictLRU && tc.ttl == 0 && tc.nodes == 1 && tc.capacity < keys {
				if h := analytic.CheLRUGrouped(pop.Probs, pop.Counts, capacity); math.Abs(h-want) > 1e-9 {
					t.Errorf("the test's Che hit ratio %.6f is not analytic's %.6f", want, h)
				}
			}
			if tc.ttl > 0 {
				for key, i := range stores[0].index {
					if e := stores[0].slots[i].expires; e <= 0 || e > sim.Time(tc.ttl) {
						t.Fatalf("key %d expires at %g, outside (0, %g]", key, e, tc.ttl)
					}
				}
			}
		})
	}
}

// warmDraws is the number of warm starts TestWarm averages.
const warmDraws = 8

func fifoHeld(probs, counts []float64, c float64) func(float64) float64 {
	tc := analytic.FIFOTime(probs, counts, c)
	return func(p float64) float64 { return p * tc / (1 + p*tc) }
}

// TestHitHalves checks the still-warming verdict: a hit ratio that climbs
// from 50% to 70% over the window is still warming; a steady one is not;
// a window too short to split is not judged.
func TestHitHalves(t *testing.T) {
	cases := []struct {
		name     string
		seconds  float64
		hit      func(at, u float64) bool
		halves   bool
		warming  bool
		firstLow bool
	}{
		{"climbing", 60, func(at, u float64) bool { return u < 0.5+0.2*at/60 }, true, true, true},
		{"steady", 60, func(_, u float64) bool { return u < 0.6 }, true, false, false},
		{"falling", 60, func(at, u float64) bool { return u < 0.7-0.2*at/60 }, true, false, false},
		{"too short", 1, func(_, u float64) bool { return u < 0.6 }, false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var h HitHalves
			h.Add(0, true) // before Reset: not counted
			h.Reset(10)
			rng := sim.NewStream(3, "hits")
			for i := range int(tc.seconds * 1000) {
				at := float64(i) / 1000
				h.Add(sim.Time(10+at), tc.hit(at, rng.Float64()))
			}
			halves, warming := h.Verdict(sim.Time(10 + tc.seconds))
			if (halves != nil) != tc.halves || warming != tc.warming {
				t.Fatalf("halves %v, warming %v; want halves %v, warming %v", halves, warming, tc.halves, tc.warming)
			}
			if halves != nil && tc.firstLow && math.Abs(halves[0]-0.55) > 0.02 {
				t.Errorf("first half's hit ratio %.3f, want about 0.55", halves[0])
			}
		})
	}
}

// TestSortWarm checks that sortWarm's radix sort orders the keys drawn as
// the comparison sort of warmOrder does, ties and zeros of either sign
// included, for the oldest first and the least probable first.
func TestSortWarm(t *testing.T) {
	rng := sim.NewStream(5, "sort")
	cases := []struct {
		name string
		n    int
		age  func() float64
	}{
		{"few", 100, func() float64 { return rng.ExpFloat64() }},
		{"exponential", 3 * radixMin, func() float64 { return rng.ExpFloat64() / 1e-6 }},
		{"uniform", radixMin, rng.Float64},
		{"ties", 2 * radixMin, func() float64 { return float64(rng.IntN(50)) / 8 }},
		{"zeros", 2 * radixMin, func() float64 { return []float64{0, math.Copysign(0, -1), 1e-300, 3}[rng.IntN(4)] }},
	}
	for _, tc := range cases {
		for _, byProb := range []bool{false, true} {
			keys := make([]warmKey, tc.n)
			for i := range keys {
				keys[i] = warmKey{key: int64(i*7919%tc.n) - int64(tc.n/2), age: tc.age()}
			}
			want := slices.Clone(keys)
			slices.SortFunc(want, warmOrder(byProb))
			sortWarm(keys, byProb)
			for i := range keys {
				if keys[i].key != want[i].key {
					t.Fatalf("%s (by probability %v): place %d holds key %d (age %g), want %d (age %g)",
						tc.name, byProb, i, keys[i].key, keys[i].age, want[i].key, want[i].age)
				}
			}
		}
	}
}

// newRing is a ring over parts numbered 0 to parts-1, vnodes points each.
func newRing(parts, vnodes int) *topology.Ring {
	ids := make([]uint64, parts)
	for p := range ids {
		ids[p] = uint64(p)
	}
	return topology.NewRing(ids, vnodes)
}
