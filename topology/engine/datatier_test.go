package engine

import (
	"testing"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// held says whether s holds key unexpired at now (a get).
func held(s *KeyStore, key int64, now sim.Time) bool {
	hit, _ := s.Get(key, now)
	return hit
}

// TestKeyStoreStale checks that a value stored stale, or marked stale by a
// write, is read stale until a fresh value replaces it, and that marking
// counts no use.
func TestKeyStoreStale(t *testing.T) {
	s := NewKeyStore(topology.EvictLRU, 2, 0, nil)
	s.Put(1, 0, true)
	s.Put(2, 0, false)
	s.MarkStale(2)
	s.MarkStale(3) // not held: nothing
	for _, k := range []int64{1, 2} {
		if hit, stale := s.Get(k, 1); !hit || !stale {
			t.Errorf("key %d: hit %v, stale %v; want a stale hit", k, hit, stale)
		}
	}
	s.Put(1, 2, false)
	if _, stale := s.Get(1, 3); stale {
		t.Error("a fresh value stored over a stale one is still stale")
	}
	// 1 was used last; marking 2 stale is no use, so 2, the least
	// recently used, is the one a new key evicts.
	s.MarkStale(2)
	s.Put(4, 4, false)
	if held(s, 2, 4) || !held(s, 1, 4) {
		t.Error("marking a key stale counted as a use")
	}
	if s.Len() != 2 || len(s.slots) > 2 {
		t.Errorf("%d keys in %d slots", s.Len(), len(s.slots))
	}
}

// TestKeyStorePolicies checks which key each policy evicts.
func TestKeyStorePolicies(t *testing.T) {
	for _, c := range []struct {
		policy  string
		evicted int64 // after put 1, 2, 3; get 1; get 1; get 2; put 4
	}{
		{topology.EvictLRU, 3},  // 3 is the least recently used
		{topology.EvictFIFO, 1}, // 1 came in first
		{topology.EvictLFU, 3},  // 3 was used once, 2 twice, 1 three times
	} {
		s := NewKeyStore(c.policy, 3, 0, nil)
		for _, k := range []int64{1, 2, 3} {
			s.Put(k, 0, false)
		}
		for _, k := range []int64{1, 1, 2} {
			if !held(s, k, 0) {
				t.Fatalf("%s: key %d missing before any eviction", c.policy, k)
			}
		}
		s.Put(4, 0, false)
		if s.Len() != 3 || s.Evictions != 1 {
			t.Fatalf("%s: %d keys, %d evictions after overfilling", c.policy, s.Len(), s.Evictions)
		}
		for _, k := range []int64{1, 2, 3, 4} {
			if got := held(s, k, 0); got == (k == c.evicted) {
				t.Errorf("%s: key %d held = %v; want %d evicted", c.policy, k, got, c.evicted)
			}
		}
	}
	r := NewKeyStore(topology.EvictRandom, 2, 0, sim.NewStream(1, "evict"))
	for k := int64(0); k < 100; k++ {
		r.Put(k, 0, false)
	}
	if r.Len() != 2 || r.Evictions != 98 || !held(r, 99, 0) {
		t.Errorf("random: %d keys, %d evictions; the newest key must be held", r.Len(), r.Evictions)
	}
}

// TestKeyStoreTTLAndRemove checks expiry at exactly the TTL, renewal by a
// set, and removal.
func TestKeyStoreTTLAndRemove(t *testing.T) {
	s := NewKeyStore(topology.EvictLRU, 10, 2, nil)
	s.Put(1, 0, false)
	if !held(s, 1, 1.999) {
		t.Fatal("key expired early")
	}
	if held(s, 1, 2) || s.Expirations != 1 || s.Len() != 0 {
		t.Fatalf("key not expired at its TTL (%d expirations, %d keys)", s.Expirations, s.Len())
	}
	s.Put(2, 0, false)
	s.Put(2, 1.5, false) // renews to 3.5
	if !held(s, 2, 3) {
		t.Error("a set did not renew the TTL")
	}
	s.Remove(2)
	s.Remove(2)
	if held(s, 2, 3) || s.Len() != 0 {
		t.Error("removed key still held")
	}
	// Freed slots are reused: the store never grows past its capacity.
	for k := int64(0); k < 1000; k++ {
		s.Put(k, 10, false)
		s.Remove(k)
	}
	if len(s.slots) > 10 {
		t.Errorf("%d slots for a capacity of 10", len(s.slots))
	}
}

// TestKeyStoreNoAllocs checks that a warm store allocates nothing.
func TestKeyStoreNoAllocs(t *testing.T) {
	for _, policy := range topology.Evictions {
		s := NewKeyStore(policy, 1000, 0, sim.NewStream(1, "e"))
		k := int64(0)
		for ; k < 5000; k++ {
			s.Put(k, 0, false)
		}
		if a := testing.AllocsPerRun(1000, func() {
			k++
			if !held(s, k%3000, 0) {
				s.Put(k%3000, 0, false)
			}
		}); a != 0 {
			t.Errorf("%s: %v allocations per operation", policy, a)
		}
	}
}
