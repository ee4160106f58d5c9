package engine

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// KeyStore is the contents of one cache node: up to cap keys, each with the
// time it expires and whether its value is stale (older than its key's
// latest committed write), evicted by a policy when full. Slots are allocated once
// and reused, so a warm store allocates nothing.
type KeyStore struct {
	policy string
	cap    int
	ttl    float64
	rng    *rand.Rand // random eviction
	index  map[int64]int32
	slots  []slot
	free   []int32
	// LRU and FIFO: a doubly linked list of slots, most recent at head.
	head, tail int32
	// LFU: a min-heap of slots ordered by (uses, last use).
	heap  []int32
	clock uint64

	Evictions, Expirations int64
}

type slot struct {
	key        int64
	expires    sim.Time
	prev, next int32
	uses       uint64
	lastUse    uint64
	heapPos    int32
	used       bool
	stale      bool
}

const none = -1

// NewKeyStore makes an empty key store of capacity keys, evicted by policy
// (one of topology.Evictions) when full; with a ttl above 0 a key expires
// ttl seconds after it is stored; rng draws random evictions.
func NewKeyStore(policy string, capacity int, ttl float64, rng *rand.Rand) *KeyStore {
	return &KeyStore{policy: policy, cap: capacity, ttl: ttl, rng: rng,
		index: make(map[int64]int32, min(capacity, 1<<16)), head: none, tail: none}
}

// Len is the number of keys held.
func (s *KeyStore) Len() int { return len(s.index) }

// Get reports whether key is held and unexpired at now, counting a use,
// and whether its value is stale. An expired key is dropped.
func (s *KeyStore) Get(key int64, now sim.Time) (hit, stale bool) {
	i, ok := s.index[key]
	if !ok {
		return false, false
	}
	if s.ttl > 0 && now >= s.slots[i].expires {
		s.Expirations++
		s.Remove(key)
		return false, false
	}
	s.touch(i)
	return true, s.slots[i].stale
}

// Put stores key's value at now (a fill or a set), stale or not, evicting
// if the store is full. Storing a held key renews its expiry.
func (s *KeyStore) Put(key int64, now sim.Time, stale bool) {
	expires := sim.Forever
	if s.ttl > 0 {
		expires = now + sim.Time(s.ttl)
	}
	s.putUntil(key, expires, stale)
}

// putUntil stores key's value until expires.
func (s *KeyStore) putUntil(key int64, expires sim.Time, stale bool) {
	if i, ok := s.index[key]; ok {
		s.slots[i].expires, s.slots[i].stale = expires, stale
		s.touch(i)
		return
	}
	s.insert(key, expires, stale)
}

// insert stores key, which s does not hold, until expires, evicting a key
// if s is full, and returns its slot.
func (s *KeyStore) insert(key int64, expires sim.Time, stale bool) int32 {
	if len(s.index) >= s.cap {
		s.Evictions++
		s.Remove(s.slots[s.victim()].key)
	}
	var i int32
	if n := len(s.free); n > 0 {
		i, s.free = s.free[n-1], s.free[:n-1]
	} else {
		s.slots = append(s.slots, slot{})
		i = int32(len(s.slots) - 1)
	}
	s.clock++
	s.slots[i] = slot{key: key, expires: expires, prev: none, next: none, uses: 1, lastUse: s.clock, used: true, stale: stale}
	s.index[key] = i
	switch s.policy {
	case topology.EvictLRU, topology.EvictFIFO:
		s.pushFront(i)
	case topology.EvictLFU:
		s.slots[i].heapPos = int32(len(s.heap))
		s.heap = append(s.heap, i)
		s.up(int(s.slots[i].heapPos))
	}
	return i
}

// MarkStale records that key's value, if held, is older than a write
// just committed; it is not a use.
func (s *KeyStore) MarkStale(key int64) {
	if i, ok := s.index[key]; ok {
		s.slots[i].stale = true
	}
}

// Remove drops key if held.
func (s *KeyStore) Remove(key int64) {
	i, ok := s.index[key]
	if !ok {
		return
	}
	delete(s.index, key)
	switch s.policy {
	case topology.EvictLRU, topology.EvictFIFO:
		s.unlink(i)
	case topology.EvictLFU:
		s.heapRemove(int(s.slots[i].heapPos))
	}
	s.slots[i].used = false
	s.free = append(s.free, i)
}

// Clear drops every key, as when the node restarts empty.
func (s *KeyStore) Clear() {
	clear(s.index)
	s.slots, s.free, s.heap = s.slots[:0], s.free[:0], s.heap[:0]
	s.head, s.tail = none, none
}

// touch records a use of slot i.
func (s *KeyStore) touch(i int32) {
	s.clock++
	switch s.policy {
	case topology.EvictLRU:
		s.unlink(i)
		s.pushFront(i)
	case topology.EvictLFU:
		s.slots[i].uses++
		s.slots[i].lastUse = s.clock
		s.down(int(s.slots[i].heapPos))
	}
}

// victim chooses the slot to evict: the list's tail (least recently used,
// or first in), the least used (ties: least recently), or a random key.
func (s *KeyStore) victim() int32 {
	switch s.policy {
	case topology.EvictLFU:
		return s.heap[0]
	case topology.EvictRandom:
		for {
			if i := s.rng.IntN(len(s.slots)); s.slots[i].used {
				return int32(i)
			}
		}
	}
	return s.tail
}

func (s *KeyStore) pushFront(i int32) {
	s.slots[i].prev, s.slots[i].next = none, s.head
	if s.head != none {
		s.slots[s.head].prev = i
	}
	s.head = i
	if s.tail == none {
		s.tail = i
	}
}

func (s *KeyStore) unlink(i int32) {
	p, n := s.slots[i].prev, s.slots[i].next
	if p != none {
		s.slots[p].next = n
	} else {
		s.head = n
	}
	if n != none {
		s.slots[n].prev = p
	} else {
		s.tail = p
	}
}

// less orders the LFU heap: fewer uses first, then older last use.
func (s *KeyStore) less(a, b int) bool {
	x, y := &s.slots[s.heap[a]], &s.slots[s.heap[b]]
	if x.uses != y.uses {
		return x.uses < y.uses
	}
	return x.lastUse < y.lastUse
}

func (s *KeyStore) swap(a, b int) {
	s.heap[a], s.heap[b] = s.heap[b], s.heap[a]
	s.slots[s.heap[a]].heapPos = int32(a)
	s.slots[s.heap[b]].heapPos = int32(b)
}

func (s *KeyStore) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			return
		}
		s.swap(i, p)
		i = p
	}
}

func (s *KeyStore) down(i int) {
	n := len(s.heap)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && s.less(c+1, c) {
			c++
		}
		if !s.less(c, i) {
			return
		}
		s.swap(i, c)
		i = c
	}
}

func (s *KeyStore) heapRemove(i int) {
	last := len(s.heap) - 1
	if i != last {
		s.swap(i, last)
	}
	s.heap = s.heap[:last]
	if i < last {
		s.down(i)
		s.up(i)
	}
}
