package topology

// Eviction policies of a key store (a cache node's, a CDN's): which key a
// full one drops. The engine's KeyStore applies them; StoreHitRatio
// estimates LRU's and LFU's hit ratios and takes the others as LRU's.
const (
	EvictLRU    = "lru"
	EvictLFU    = "lfu"
	EvictFIFO   = "fifo"
	EvictRandom = "random"
)

// Evictions lists the eviction policies.
var Evictions = []string{EvictLRU, EvictLFU, EvictFIFO, EvictRandom}
