package sim

// HeavyHitters finds the most frequent items of a stream in bounded memory
// by the Space-Saving algorithm (Metwally, Agrawal and El Abbadi, "Efficient
// computation of frequent and top-k elements in data streams", ICDT 2005):
// it monitors Size items; an unmonitored arrival replaces the item with the
// smallest count and inherits that count plus one. Any item with true
// frequency above N/Size is monitored, and each count overestimates the
// true one by at most N/Size. The zero value is unusable; use
// NewHeavyHitters.
type HeavyHitters struct {
	counts map[int64]int64
	size   int
	n      int64
}

// NewHeavyHitters monitors up to size items.
func NewHeavyHitters(size int) *HeavyHitters {
	return &HeavyHitters{counts: make(map[int64]int64, size), size: size}
}

// Add counts one occurrence of item.
func (h *HeavyHitters) Add(item int64) {
	h.n++
	if _, ok := h.counts[item]; ok || len(h.counts) < h.size {
		h.counts[item]++
		return
	}
	// Replace the item with the smallest count (ties: the smallest item,
	// so the result does not depend on map order).
	var victim, least int64 = 0, -1
	for it, c := range h.counts {
		if least < 0 || c < least || (c == least && it < victim) {
			victim, least = it, c
		}
	}
	delete(h.counts, victim)
	h.counts[item] = least + 1
}

// Top returns the item with the largest count, its estimated count, and the
// number of items seen. The estimate exceeds the true count by at most
// N/size.
func (h *HeavyHitters) Top() (item, count, n int64) {
	count = -1
	for it, c := range h.counts {
		if c > count || (c == count && it < item) {
			item, count = it, c
		}
	}
	if count < 0 {
		count = 0
	}
	return item, count, h.n
}

// Size is the number of items monitored: an estimated count exceeds the
// true one by at most N/Size.
func (h *HeavyHitters) Size() int { return h.size }

// Reset forgets everything seen.
func (h *HeavyHitters) Reset() {
	clear(h.counts)
	h.n = 0
}
