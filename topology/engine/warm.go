package engine

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// Popularity is the workload's key popularity, from which a warm cache
// starts (Options.Popularity).
type Popularity struct {
	// Probs and Counts group the popularity ranks, most popular first:
	// Counts[i] consecutive ranks, each requested with probability
	// Probs[i].
	Probs, Counts []float64
	// Key is the key number of a popularity rank.
	Key func(rank int64) int64
	// Rate is the mean rate, per second, of the visits of the given
	// classes (nil: every class) to node: the rate at which a TTL
	// cache's keys are requested.
	Rate func(node string, classes []bool) float64
}

// WarmStart says what a warm store holds at the start of a run: the
// stores of one node (all with the same policy, capacity and TTL), where
// a key lives, and the random stream the state is drawn from.
type WarmStart struct {
	Node   string
	Stores []*KeyStore
	// NodeOf is the index of the store that holds key; Shares are the
	// stores' shares of the key space (nil: one store).
	NodeOf func(key int64) int
	Shares []float64
	// Classes are the classes whose requests reach the stores; nil is
	// every class.
	Classes []bool
	Stream  *rand.Rand
}

// warmKey is a key drawn into a warm store, with the time since it was
// last used (for its place in an LRU or FIFO list; any unit, one per
// store).
type warmKey struct {
	key int64
	age float64
}

// maxWarmExamined bounds the popularity ranks a warm start looks at, as a
// multiple of the keys the stores hold: a store with a far smaller share
// of the key space than the others may be left short of its capacity.
const maxWarmExamined = 16

// Warm fills w's stores with the steady state of their policy under the
// workload's key popularity (independent references), each key drawn
// from w.Stream, as if the node had served the workload for a long time:
//
//   - LRU: the keys last requested most recently, up to the capacity,
//     each key's last request an exponential time of rate p ago
//     (independent Poisson references): each key is drawn with Che's
//     probability 1 − e^{−pT} and its age from the exponential truncated
//     to T (Che, Tung and Wang, 2002; analytic.CheTime over the keys the
//     store owns), T taken for warmMargin standard deviations more keys
//     than the capacity, and the youngest kept, in recency order;
//   - FIFO and random replacement: each key held with probability
//     pT/(1 + pT) (analytic.FIFOTime), in random order;
//   - LFU: the most popular keys it owns, each counted as used twice, so
//     that a new key is evicted before any of them: the long-run state of
//     in-cache LFU, in which a single place churns;
//   - TTL, when the held keys would fit in the capacity: a key requested
//     at rate λ (the node's visit rate times p) and filled at a miss is
//     held for TTL seconds of each cycle of mean TTL + 1/λ, so it is held
//     with probability λ·TTL/(1 + λ·TTL) (renewal: Jung, Berger and
//     Balakrishnan, INFOCOM 2003), its remaining life uniform over the
//     TTL. (A TTL renewed at each hit would hold it with probability
//     1 − e^{−λ·TTL}; the key store renews it only when it stores the
//     key.) Where the capacity binds, the policy's state is taken, each
//     key's remaining life uniform over the TTL, as the estimate ignores
//     the TTL there.
//
// A store's draw may exceed its capacity (by chance, or by design for LRU):
// the keys its policy would evict first are left out. The keys held are at most the stores'
// capacity (topology.MaxCacheKeys over a cache's nodes), and the ranks looked at
// at most maxWarmExamined times that beyond the first groups.
func (net *Network) Warm(w WarmStart) {
	pop := net.opts.Popularity
	if pop == nil || len(w.Stores) == 0 {
		return
	}
	first := w.Stores[0]
	shares := w.Shares
	if shares == nil {
		shares = []float64{1}
	}
	states := make([]warmState, len(w.Stores))
	var rate float64
	if first.ttl > 0 && pop.Rate != nil {
		rate = pop.Rate(w.Node, w.Classes)
	}
	for j := range w.Stores {
		probs, counts := storeGroups(pop, w.NodeOf, shares, j)
		states[j] = newWarmState(first, probs, counts, rate)
	}
	drawn := make([][]warmKey, len(w.Stores))
	full := func() bool {
		for j, d := range drawn {
			if len(d) < w.Stores[j].cap {
				return false
			}
		}
		return true
	}
	examined, limit := int64(0), int64(maxWarmExamined*first.cap*len(w.Stores))
	rng := w.Stream
	rank := int64(0)
	qs, ems := make([]float64, len(w.Stores)), make([]float64, len(w.Stores))
	for g, p := range pop.Probs {
		count := int64(pop.Counts[g])
		if count == 1 {
			key := pop.Key(rank)
			j := w.NodeOf(key)
			if st := &states[j]; rng.Float64() < st.held(p, len(drawn[j])) {
				drawn[j] = append(drawn[j], warmKey{key, st.age(p, rng)})
			}
			rank++
			continue
		}
		// Ranks of the group are held with probability qs[j] in store j:
		// walk them with geometric gaps at the highest, and keep each in
		// its store with the ratio.
		top := 0.0
		for j := range qs {
			qs[j] = states[j].held(p, len(drawn[j]))
			top = math.Max(top, qs[j])
		}
		// Within the group, each store's probability and its LRU age's
		// e^{−pT} − 1 are the same for every rank (LFU's alone depends
		// on how many are drawn): taken once, as are log(1 − top) for
		// the gaps (the same values as held, age and skip would give).
		for j := range states {
			if states[j].kind == warmLRU {
				ems[j] = sim.Expm1(float64(-p * states[j].t))
			}
		}
		logTop := 0.0
		if top > 0 && top < 1 {
			logTop = sim.Log1p(-top)
		}
		end := rank + count
		for r := rank + skipLog(top, logTop, rng); r < end && examined < limit; r += 1 + skipLog(top, logTop, rng) {
			examined++
			key := pop.Key(r)
			j := w.NodeOf(key)
			st := &states[j]
			q := qs[j]
			if st.kind == warmTop {
				q = st.held(p, len(drawn[j]))
			}
			if q > 0 && float64(rng.Float64()*top) < q {
				var age float64
				if st.kind == warmLRU {
					age = lruAge(p, ems[j], rng)
				} else {
					age = st.age(p, rng)
				}
				drawn[j] = append(drawn[j], warmKey{key, age})
			}
		}
		rank = end
		if examined >= limit || (first.policy == topology.EvictLFU && full()) {
			break
		}
	}
	now := net.k.Now()
	for j, s := range w.Stores {
		states[j].fill(s, drawn[j], now, rng)
	}
}

// skipLog is the number of ranks passed over before the next one held,
// each held with probability q: a geometric draw, with log(1 − q) given
// (q is the same for many draws).
func skipLog(q, log1mq float64, rng *rand.Rand) int64 {
	switch {
	case q >= 1:
		return 0
	case q <= 0:
		return math.MaxInt64 / 2
	}
	n := math.Floor(sim.Log1p(-rng.Float64()) / log1mq)
	return int64(math.Min(n, math.MaxInt64/2))
}

// storeGroups are the popularity groups of the keys store j owns: the
// ranks of groups of one key where they live, and of the larger groups
// the store's share.
func storeGroups(pop *Popularity, nodeOf func(int64) int, shares []float64, j int) (probs, counts []float64) {
	rank := int64(0)
	for g, p := range pop.Probs {
		c := pop.Counts[g]
		switch {
		case c == 1 && nodeOf(pop.Key(rank)) == j:
			probs, counts = append(probs, p), append(counts, 1)
		case c > 1:
			probs, counts = append(probs, p), append(counts, float64(c*shares[j]))
		}
		rank += int64(c)
	}
	return probs, counts
}

// Warm states of a store.
const (
	warmAll  = iota // every key it owns fits: each held
	warmLRU         // Che: 1 − e^{−pT}
	warmFIFO        // FIFO or random: pT/(1 + pT)
	warmTTL         // λ·TTL/(1 + λ·TTL), λ = scale·p
	warmTop         // LFU: the most popular, up to the capacity
)

// warmState is the steady state a store is drawn from.
type warmState struct {
	kind int
	t    float64 // the characteristic time (requests), or λ·TTL per unit of p
	cap  int
}

// newWarmState chooses the state of a store like s owning the keys of
// probs and counts, whose keys are requested rate times a second in all.
func newWarmState(s *KeyStore, probs, counts []float64, rate float64) warmState {
	st := warmState{cap: s.cap}
	keys, ttlHeld := 0.0, 0.0
	scale := float64(rate * s.ttl)
	for i, p := range probs {
		keys += counts[i]
		x := float64(p * scale)
		ttlHeld += float64(counts[i]*x) / (1 + x)
	}
	capacity := float64(s.cap)
	switch {
	case s.ttl > 0 && ttlHeld <= capacity:
		st.kind, st.t = warmTTL, scale
	case keys <= capacity:
		st.kind = warmAll
	case s.policy == topology.EvictLFU:
		st.kind = warmTop
	case s.policy == topology.EvictLRU:
		// The keys drawn within a time a little longer than Che's, of
		// which the capacity's youngest are kept (fill): their ages are
		// drawn exactly, so the state is exact (an LRU store holds the
		// keys last requested most recently, each key's last request an
		// exponential time ago), unless fewer than the capacity are drawn.
		st.kind, st.t = warmLRU, math.Inf(1)
		if more := capacity + float64(warmMargin*math.Sqrt(capacity)); keys > more {
			st.t = analytic.CheTime(probs, counts, more)
		}
	default:
		st.kind, st.t = warmFIFO, analytic.FIFOTime(probs, counts, capacity)
	}
	return st
}

// warmMargin is how many standard deviations of the count of keys drawn
// an LRU store's draw adds above its capacity: it draws fewer with
// probability about 3·10⁻⁵.
const warmMargin = 4

// held is the probability that a key of probability p is drawn, when n
// keys have been drawn into the store.
func (st *warmState) held(p float64, n int) float64 {
	if p <= 0 {
		return 0
	}
	x := float64(p * st.t)
	switch st.kind {
	case warmLRU:
		return -sim.Expm1(-x)
	case warmFIFO, warmTTL:
		return x / (1 + x)
	case warmTop:
		if n >= st.cap {
			return 0
		}
	}
	return 1
}

// age draws the time since a held key of probability p was last used: for
// LRU, exponential of rate p truncated to T (its last request, given that
// it came within T); uniform otherwise (a FIFO place, a random store, a
// TTL or LFU store whose order hardly matters); in popularity order for
// LFU (the least popular first out).
func (st *warmState) age(p float64, rng *rand.Rand) float64 {
	switch st.kind {
	case warmLRU:
		return lruAge(p, sim.Expm1(float64(-p*st.t)), rng)
	case warmTop:
		return p
	}
	return rng.Float64()
}

// lruAge draws an LRU key's age: exponential of rate p truncated to T,
// with em = e^{−pT} − 1 given (the same for a group's ranks).
func lruAge(p, em float64, rng *rand.Rand) float64 {
	return -sim.Log1p(float64(rng.Float64()*em)) / p
}

// fill puts the keys drawn into s, the oldest first, leaving out the
// oldest beyond its capacity (those its policy would evict first). An LFU
// store's keys are used twice; a TTL store's expire uniformly over the
// TTL from now.
func (st *warmState) fill(s *KeyStore, keys []warmKey, now sim.Time, rng *rand.Rand) {
	byProb := st.kind == warmTop // age is the probability: the least popular first
	sortWarm(keys, byProb)
	if extra := len(keys) - s.cap; extra > 0 {
		keys = keys[extra:]
	}
	// The keys drawn are distinct (one per rank): into an empty store
	// each goes without looking it up.
	fresh := len(s.index) == 0
	if fresh { // room for them at once
		s.index = make(map[int64]int32, len(keys))
	}
	s.slots = slices.Grow(s.slots, len(keys))
	for _, k := range keys {
		expires := sim.Forever
		if s.ttl > 0 {
			expires = now + sim.Time(rng.Float64()*s.ttl)
		}
		var i int32
		if fresh {
			i = s.insert(k.key, expires, false)
		} else {
			s.putUntil(k.key, expires, false)
			i = s.index[k.key]
		}
		if byProb {
			s.touch(i)
		}
	}
}

// warmOrder is fill's order of the keys drawn: the oldest first, ties by
// key; with byProb, the least probable first, ties by key from the
// highest.
func warmOrder(byProb bool) func(a, b warmKey) int {
	if byProb {
		return func(a, b warmKey) int {
			if c := cmp.Compare(a.age, b.age); c != 0 {
				return c
			}
			return cmp.Compare(b.key, a.key)
		}
	}
	return func(a, b warmKey) int {
		if c := cmp.Compare(b.age, a.age); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	}
}

// radixMin is the fewest keys sortWarm sorts by radix.
const radixMin = 4096

// sortWarm sorts keys in warmOrder: by comparison when they are few; else
// by radix on the bits of their ages (LSD, a byte a pass, passing over
// the bytes every key shares), then each run of equal ages by key. The
// ages are ≥ 0 (−0 is taken as 0), whose bits order as the numbers do.
// An LRU store's draw is the capacity and more: 500k keys take a radix
// sort about 3 times less time than a comparison sort.
func sortWarm(keys []warmKey, byProb bool) {
	order := warmOrder(byProb)
	if len(keys) < radixMin {
		slices.SortFunc(keys, order)
		return
	}
	var counts [8][256]int
	for _, k := range keys {
		o := warmBits(k, byProb)
		for d := range counts {
			counts[d][byte(o>>(8*d))]++
		}
	}
	src, dst := keys, make([]warmKey, len(keys))
	for d := range counts {
		c := &counts[d]
		if c[byte(warmBits(src[0], byProb)>>(8*d))] == len(src) {
			continue
		}
		at := 0
		for b, n := range c {
			c[b], at = at, at+n
		}
		for _, k := range src {
			b := byte(warmBits(k, byProb) >> (8 * d))
			dst[c[b]] = k
			c[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	for i := 0; i < len(keys); {
		o, j := warmBits(keys[i], byProb), i+1
		for j < len(keys) && warmBits(keys[j], byProb) == o {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(keys[i:j], order)
		}
		i = j
	}
}

// warmBits is k's place in sortWarm's order of ages: the bits of its age
// (≥ 0), complemented for the oldest first.
func warmBits(k warmKey, byProb bool) uint64 {
	b := math.Float64bits(k.age)
	if b == 1<<63 { // −0
		b = 0
	}
	if byProb {
		return b
	}
	return ^b
}

// HitHalves tells whether a store's hit ratio still rises over the
// measurement window (a cache still warming): it counts gets and hits in
// time buckets from the window's start (at most hitBuckets, twice as long
// each time they fill), and compares the first half of the buckets with
// the second.
//
// The zero HitHalves counts nothing: Reset starts it.
type HitHalves struct {
	start      sim.Time
	width      float64 // seconds per bucket; 0 before Reset
	gets, hits []int64
}

// hitBuckets is the most buckets a HitHalves keeps, and firstHitBucket the
// length of a bucket at first, seconds.
const (
	hitBuckets     = 64
	firstHitBucket = 0.125
)

// Reset starts counting at now, the start of the window.
func (h *HitHalves) Reset(now sim.Time) {
	h.start, h.width = now, firstHitBucket
	h.gets, h.hits = h.gets[:0], h.hits[:0]
}

// Add counts a get at now, a hit or not.
func (h *HitHalves) Add(now sim.Time, hit bool) {
	if h.width == 0 {
		return
	}
	i := h.bucket(now)
	for i >= hitBuckets {
		h.merge()
		i = h.bucket(now)
	}
	for len(h.gets) <= i {
		h.gets, h.hits = append(h.gets, 0), append(h.hits, 0)
	}
	h.gets[i]++
	if hit {
		h.hits[i]++
	}
}

func (h *HitHalves) bucket(now sim.Time) int { return int(float64(now-h.start) / h.width) }

// merge doubles the buckets' length, adding them in pairs.
func (h *HitHalves) merge() {
	n := (len(h.gets) + 1) / 2
	for k := range n {
		g, x := h.gets[2*k], h.hits[2*k]
		if 2*k+1 < len(h.gets) {
			g, x = g+h.gets[2*k+1], x+h.hits[2*k+1]
		}
		h.gets[k], h.hits[k] = g, x
	}
	h.gets, h.hits = h.gets[:n], h.hits[:n]
	h.width *= 2
}

// Warming thresholds: the fewest buckets in each half, the standard errors
// and the least rise (a share of gets) that say a hit ratio still rises.
const (
	minHalfBuckets = 8
	warmingSigmas  = 3
	warmingRise    = 0.005
)

// Verdict gives the hit ratios of the first and second half of the window
// up to now (nil when a half has fewer than minHalfBuckets buckets, or no
// gets), and whether the second is higher than the first by more than
// warmingSigmas standard errors and at least warmingRise: the store was
// still warming. Each half's standard error is that of a ratio estimated
// from its buckets as batches (the method of batch means: buckets longer
// than the hit process's correlation time are nearly independent).
func (h *HitHalves) Verdict(now sim.Time) (halves *[2]float64, warming bool) {
	if h.width == 0 {
		return nil, false
	}
	for h.bucket(now) >= hitBuckets {
		h.merge()
	}
	b := h.bucket(now) + 1
	k := b / 2
	if k < minHalfBuckets {
		return nil, false
	}
	at := func(i int) (gets, hits int64) {
		if i < len(h.gets) {
			return h.gets[i], h.hits[i]
		}
		return 0, 0
	}
	var ratio, variance [2]float64
	for half, from := range [2]int{0, b - k} {
		var gets, hits int64
		for i := from; i < from+k; i++ {
			g, x := at(i)
			gets, hits = gets+g, hits+x
		}
		if gets == 0 {
			return nil, false
		}
		r := float64(hits) / float64(gets)
		ss := 0.0
		for i := from; i < from+k; i++ {
			g, x := at(i)
			d := float64(x) - float64(r*float64(g))
			ss += float64(d * d)
		}
		ratio[half] = r
		variance[half] = float64(ss*float64(k)/float64(k-1)) / float64(float64(gets)*float64(gets))
	}
	rise := ratio[1] - ratio[0]
	se := math.Sqrt(variance[0] + variance[1])
	return &ratio, rise >= warmingRise && rise > float64(warmingSigmas*se)
}

// WarmingNote is the report's line for a store still warming, whose hit
// ratios over the halves of the window are halves.
func WarmingNote(halves *[2]float64) string {
	return fmt.Sprintf("STILL WARMING: hit ratio %s in the first half of the window, %s in the second (warm: true starts it in its steady state; or a longer warm-up)",
		units.Percent(halves[0]), units.Percent(halves[1]))
}

// Warmed is implemented by the specs of nodes that can start warm (a
// cache, a CDN): the run then gives the network the workload's key
// popularity (Options.Popularity).
type Warmed interface {
	StartsWarm() bool
}
