package analytic

import (
	"cmp"
	"slices"

	"github.com/scalesim/scalesim/sim"
)

// CheLRU is the hit ratio of an LRU cache of capacity keys under the
// independent reference model with request probabilities pop, by Che's
// approximation (H. Che, Y. Tung and Z. Wang, "Hierarchical Web caching
// systems: modeling, design and experimental results", IEEE JSAC 20(7),
// 2002; justified by Fricker, Robert and Roberts, ITC 2012): a key is in the
// cache if it was requested within the characteristic time T, the root of
// Σᵢ (1 − e^{−pᵢT}) = capacity, so the hit ratio is Σᵢ pᵢ (1 − e^{−pᵢT}).
// Time is measured in requests. It returns 1 when every key fits.
func CheLRU(pop []float64, capacity float64) float64 {
	counts := make([]float64, len(pop))
	for i := range counts {
		counts[i] = 1
	}
	return CheLRUGrouped(pop, counts, capacity)
}

// CheLRUGrouped is CheLRU for keys in groups of equal popularity: counts[i]
// keys each requested with probability probs[i]. It lets a large key space
// be summarised in a few thousand groups.
func CheLRUGrouped(probs, counts []float64, capacity float64) float64 {
	total := 0.0
	for _, n := range counts {
		total += n
	}
	if capacity >= total {
		return 1
	}
	t := CheTime(probs, counts, capacity)
	hit := 0.0
	for i, p := range probs {
		hit -= float64(counts[i] * p * sim.Expm1(float64(-p*t)))
	}
	return hit
}

// CheTime is the characteristic time T of an LRU cache of capacity keys
// (fewer than the keys) under the independent reference model, in
// requests: the root of Σᵢ countsᵢ·(1 − e^{−pᵢT}) = capacity (Che, Tung
// and Wang, 2002). A key of probability p is in the cache with
// probability 1 − e^{−pT}: it was requested within the last T requests.
func CheTime(probs, counts []float64, capacity float64) float64 {
	return characteristicTime(probs, counts, capacity, func(x float64) float64 { return -sim.Expm1(-x) })
}

// FIFOTime is the characteristic time T of a FIFO or random-replacement
// cache of capacity keys (fewer than the keys) under the independent
// reference model, in requests: the root of Σᵢ countsᵢ·pᵢT/(1 + pᵢT) =
// capacity. Both policies have the same steady state (E. Gelenbe, "A
// unified approach to the evaluation of a class of replacement
// algorithms", IEEE Trans. Computers 22(6), 1973), in which a key of
// probability p is in the cache with probability pT/(1 + pT) (C. Fricker,
// P. Robert and J. Roberts, "A versatile and accurate approximation for
// LRU cache performance", ITC 2012).
func FIFOTime(probs, counts []float64, capacity float64) float64 {
	return characteristicTime(probs, counts, capacity, func(x float64) float64 { return x / (1 + x) })
}

// characteristicTime is the root T of Σᵢ countsᵢ·occupied(pᵢT) = capacity,
// by bisection, for an increasing occupied.
func characteristicTime(probs, counts []float64, capacity float64, occupied func(x float64) float64) float64 {
	held := func(t float64) float64 {
		sum := 0.0
		for i, p := range probs {
			sum += float64(counts[i] * occupied(float64(p*t)))
		}
		return sum
	}
	return rootOfIncreasing(held, capacity)
}

// rootOfIncreasing is the x ≥ 0 at which the increasing f reaches target,
// by doubling an upper bound from 1, then bisection to a relative width
// of 1e-12 (at most 200 steps).
func rootOfIncreasing(f func(x float64) float64, target float64) float64 {
	lo, hi := 0.0, 1.0
	for f(hi) < target {
		hi *= 2
	}
	for i := 0; i < 200 && hi-lo > 1e-12*hi; i++ {
		mid := (lo + hi) / 2
		if f(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// CheLRUPaths is the hit ratio of an LRU cache of capacity items whose
// requests each reference several items at once, such as a B-tree
// lookup's pages from the root to a leaf: counts[i] items are each
// referenced by a request with probability probs[i], independently from
// request to request. It is Che's approximation with time counted in
// requests: an item is in the cache if some request in the last τ
// referenced it, with probability 1 − (1 − q)^τ, τ the root of
// Σᵢ countsᵢ·(1 − (1 − qᵢ)^τ) = capacity; the hit ratio is the share of
// references that find their item, Σᵢ countsᵢ·qᵢ·(1 − (1 − qᵢ)^τ) ÷
// Σᵢ countsᵢ·qᵢ. For small q it is CheLRUGrouped's, with the
// references' probabilities qᵢ ÷ Σ countsᵢ·qᵢ; an item every request
// references (a tree's root) is always in the cache, as under LRU, where
// Che's independent references would let it out. It returns 1 when every
// item fits.
func CheLRUPaths(probs, counts []float64, capacity float64) float64 {
	total, refs := 0.0, 0.0
	for i, n := range counts {
		total += n
		refs += float64(n * probs[i])
	}
	if capacity >= total {
		return 1
	}
	tau, hit := CheTimePaths(probs, counts, capacity), 0.0
	for i, q := range probs {
		hit += float64(float64(counts[i]*q) * PathHeld(q, tau))
	}
	return hit / refs
}

// PathHeld is the probability that an item a request references with
// probability q was referenced by one of the last tau requests:
// 1 − (1 − q)^τ (1 for an item every request references, when τ > 0).
func PathHeld(q, tau float64) float64 {
	return pathHeld(q, sim.Log1p(-q), tau)
}

// pathHeld is PathHeld with log(1 − q) given, for a q used at many τ.
func pathHeld(q, log1mq, tau float64) float64 {
	if q >= 1 {
		return 1
	}
	return -sim.Expm1(float64(tau * log1mq))
}

// CheTimePaths is the characteristic time τ of CheLRUPaths, in requests:
// the root of Σᵢ countsᵢ·(1 − (1 − qᵢ)^τ) = capacity (fewer than the
// items).
func CheTimePaths(probs, counts []float64, capacity float64) float64 {
	// The root is searched by evaluating the sum some 70 to 110 times, so
	// it is summed over pathGroups: one term a probability.
	groups := pathGroups(probs, counts)
	sum := func(tau float64) float64 {
		s := 0.0
		for _, g := range groups {
			s += float64(g.count * pathHeld(g.q, g.log1mq, tau))
		}
		return s
	}
	return rootOfIncreasing(sum, capacity)
}

// pathGroup is the items referenced with probability q, log1mq its
// log(1 − q), taken once.
type pathGroup struct{ count, q, log1mq float64 }

// pathGroups counts the items of each probability together, in order of
// probability: a uniform popularity gives one group a level instead of
// one a page, and the levels of a tall tree below the one whose pages
// outnumber the keys (one key a page) repeat the leaves' probabilities,
// so the groups are bounded by the distinct probabilities (at most a
// few for each popular key), not by the tree's height. The items of
// consecutive equal probabilities are merged first, which keeps the sort
// short for a list made of runs.
func pathGroups(probs, counts []float64) []pathGroup {
	groups := make([]pathGroup, 0, len(probs))
	for i, q := range probs {
		if n := len(groups); n > 0 && groups[n-1].q == q {
			groups[n-1].count += counts[i]
			continue
		}
		groups = append(groups, pathGroup{count: counts[i], q: q})
	}
	slices.SortFunc(groups, func(a, b pathGroup) int { return cmp.Compare(a.q, b.q) })
	out := groups[:0]
	for _, g := range groups {
		if n := len(out); n > 0 && out[n-1].q == g.q {
			out[n-1].count += g.count
			continue
		}
		out = append(out, g)
	}
	for i := range out {
		out[i].log1mq = sim.Log1p(-out[i].q)
	}
	return out
}

// TTLHitRatio is the hit ratio of a cache without capacity limit whose
// entries expire ttl seconds after being filled, when requests arrive as a
// Poisson process of rate requests per second with key probabilities pop.
// Each miss starts a period of length ttl in which all of the key's
// requests hit, so by renewal-reward a key requested at rate λ hits with
// probability λ·ttl / (1 + λ·ttl) (Jung, Berger and Balakrishnan, "Modeling
// TTL-based Internet caches", IEEE INFOCOM 2003).
func TTLHitRatio(pop []float64, rate, ttl float64) float64 {
	hit := 0.0
	for _, p := range pop {
		x := float64(p * rate * ttl)
		hit += float64(p*x) / (1 + x)
	}
	return hit
}

// StaleReadFraction is the probability that a read of a key, at a random
// time, finds the latest write not yet applied by a replica that lags by a
// constant lag, when the key is written as a Poisson process of rate
// writes per second: the chance of a write in the last lag seconds,
// 1 − e^{−rate·lag}.
func StaleReadFraction(rate, lag float64) float64 { return -sim.Expm1(-rate * lag) }

// StaleHitShare is the share of a cache's hits that return a value older
// than its key's latest write, when nothing invalidates the key: it is
// filled at a miss and served until its TTL expires, ttl seconds later,
// and written as a Poisson process of rate writes per second. Hits come at
// ages spread evenly over (0, ttl) (Poisson reads within the entry's
// life), and one at age a is stale with probability 1 − e^{−rate·a}, so
// the share is 1 − (1 − e^{−rate·ttl}) ÷ (rate·ttl).
func StaleHitShare(rate, ttl float64) float64 {
	x := float64(rate * ttl)
	return 1 + sim.Expm1(-x)/x
}
