package topology

// Eviction policies of a KeyStore.
const (
	EvictLRU = "lru"
	EvictLFU = "lfu"
)
