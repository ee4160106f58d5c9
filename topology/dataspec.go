package topology

import (
	"math"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// Cache is a key-value cache of Nodes nodes, keys spread over them by
// consistent hashing. Each node holds Capacity keys, evicting by Eviction,
// and serves one operation at a time per worker.
type Cache struct {
	Nodes    int
	VNodes   int // points per node on the hash ring
	Capacity int // keys per node
	// ItemSize is the bytes of one value, when the capacity was given as
	// memory; 0 otherwise.
	ItemSize    float64
	Eviction    string
	TTL         float64 // seconds a filled key stays valid; 0 forever
	ServiceTime sim.Dist
	Workers     int
	Queue       int
	// Coalesce collapses concurrent misses of one key into one origin read.
	Coalesce bool
	// FlushInterval is how often each node writes its dirty keys back.
	FlushInterval float64
	// Failures is the time between failures of each node, which loses the
	// node's contents and its writes not yet flushed; nil never fails.
	Failures sim.Dist
}

// Eviction policies.
const (
	EvictLRU    = "lru"
	EvictLFU    = "lfu"
	EvictFIFO   = "fifo"
	EvictRandom = "random"
)

// Evictions lists the eviction policies.
var Evictions = []string{EvictLRU, EvictLFU, EvictFIFO, EvictRandom}

// Limits of the data tier: each cached key, and each shard or replica, is
// simulated, so memory grows with them.
const (
	MaxCacheKeys     = 5_000_000 // over all nodes of one cache
	MaxDatabaseNodes = 1000      // primaries and replicas of one database
	DefaultVNodes    = 160
	// MaxRingPoints bounds a hash ring: nodes (or shards) × vnodes.
	MaxRingPoints = 1_000_000
	// MinFailureInterval is the shortest mean time between a cache node's
	// failures: failures are events, and a run must end in bounded time.
	MinFailureInterval = 1.0
)

// checkRing reports a hash ring too large to build.
func checkRing(d *yamlfile.Decoder, m yamlfile.Map, what string, parts, vnodes int) {
	if parts*vnodes > MaxRingPoints {
		d.Errorf(m.Node, "%s: %d × %d virtual nodes make a hash ring of %d points; at most %d are simulated",
			what, parts, vnodes, parts*vnodes, MaxRingPoints)
	}
}

// Database is a primary with Replicas read replicas, or Shards of them.
type Database struct {
	Shards    int
	Partition string
	VNodes    int // ring points per shard, for consistent partitioning
	Replicas  int // per shard
	ReadFrom  string
	// ReplicationLag is how long a replica takes to apply a write after the
	// primary committed it; nil is no lag.
	ReplicationLag sim.Dist
	// ReadYourWrites routes a user's reads to the primary for this many
	// seconds after that user's last write; 0 is off.
	ReadYourWrites float64
	// Pool is the connections each client instance keeps to the database;
	// 0 is no pool: each request pays ConnectTime.
	Pool        int
	ConnectTime sim.Dist
	// ReadTime and WriteTime are the service times of reads and writes.
	ReadTime, WriteTime sim.Dist
	Workers             int // per server (primary or replica)
	Queue               int
}

// Partitioning schemes of a sharded database, and where reads go.
const (
	PartitionHash       = "hash"
	PartitionRange      = "range"
	PartitionConsistent = "consistent"
	PartitionDirectory  = "directory"
	ReadReplicas        = "replicas"
	ReadPrimary         = "primary"
	ReadAny             = "any"
)

// Partitions lists the partitioning schemes.
var Partitions = []string{PartitionHash, PartitionRange, PartitionConsistent, PartitionDirectory}

// CDN is an edge cache in front of an origin node: requests of its cached
// classes are served at the edge when the object is there; everything else
// goes on to the origin.
type CDN struct {
	Origin string
	// Classes are the cached (static) classes; empty means every class.
	Classes       []string
	Capacity      int     // objects at the edge
	TTL           float64 // seconds an object stays fresh; 0 forever
	EdgeLatency   sim.Dist
	OriginLatency sim.Dist
	ObjectSize    float64 // bytes per response, for egress
	classesPos    *yaml.Node
}

// intField decodes an optional integer field with a minimum and maximum.
func intField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *int, minimum, maximum int) {
	if !m.Has(key) {
		return
	}
	v, ok := d.Int(m.Get(key), what+" "+key, minimum)
	if ok && v > maximum {
		d.Errorf(m.Get(key), "%s %s is at most %d", what, key, maximum)
		return
	}
	if ok {
		*to = v
	}
}

func durationField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *float64) {
	if m.Has(key) {
		*to, _ = d.Duration(m.Get(key), what+" "+key)
	}
}

func distField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *sim.Dist) {
	if m.Has(key) {
		*to = d.Dist(m.Get(key), what+" "+key, yamlfile.Seconds)
	}
}

// defaultCacheTime is the service time of a cache node when the file gives
// none: an in-memory lookup with its round trip inside the server.
var defaultCacheTime = sim.Constant{Value: 200e-6}

func decodeCache(d *yamlfile.Decoder, m yamlfile.Map, n *Node) {
	c := &Cache{Nodes: 1, VNodes: DefaultVNodes, Eviction: EvictLRU, Workers: 1, Queue: Unlimited,
		ServiceTime: defaultCacheTime, FlushInterval: 1}
	n.Cache = c
	what := "cache " + n.Name
	intField(d, m, "nodes", what, &c.Nodes, 1, MaxInstances)
	intField(d, m, "vnodes", what, &c.VNodes, 1, 10_000)
	intField(d, m, "workers", what, &c.Workers, 1, 1<<20)
	intField(d, m, "queue", what, &c.Queue, 0, math.MaxInt32)
	switch {
	case m.Has("capacity") && m.Has("memory"):
		d.Errorf(m.Key("memory"), "%s: give capacity (keys per node) or memory with item_size, not both", what)
	case m.Has("capacity"):
		if v, ok := d.Count(m.Get("capacity"), what+" capacity"); ok {
			c.Capacity = int(math.Min(v, MaxCacheKeys+1))
		}
		if m.Has("item_size") {
			c.ItemSize, _ = d.Bytes(m.Get("item_size"), what+" item_size")
		}
	case m.Has("memory"):
		mem, ok1 := d.Bytes(m.Get("memory"), what+" memory")
		if !m.Has("item_size") {
			d.Errorf(m.Key("memory"), "%s: memory needs item_size, the bytes of one cached value", what)
			break
		}
		size, ok2 := d.Bytes(m.Get("item_size"), what+" item_size")
		if ok1 && ok2 {
			c.ItemSize = size
			c.Capacity = int(math.Min(math.Floor(mem/size), MaxCacheKeys+1))
			if c.Capacity < 1 {
				d.Errorf(m.Get("memory"), "%s: memory holds no item of %s", what, m.Get("item_size").Value)
			}
		}
	default:
		d.Errorf(m.Key("kind"), "%s needs a capacity (keys per node), e.g. capacity: 100k", what)
	}
	if c.Capacity >= 1 && c.Capacity*c.Nodes > MaxCacheKeys {
		d.Errorf(m.Node, "%s holds %d keys over its nodes; at most %d are simulated (scale the key count down with it)",
			what, c.Capacity*c.Nodes, MaxCacheKeys)
	}
	if m.Has("eviction") {
		c.Eviction = d.OneOf(m.Get("eviction"), "eviction", Evictions...)
	}
	durationField(d, m, "ttl", what, &c.TTL)
	distField(d, m, "service_time", what, &c.ServiceTime)
	if m.Has("coalesce") {
		c.Coalesce, _ = d.Bool(m.Get("coalesce"))
	}
	durationField(d, m, "flush_interval", what, &c.FlushInterval)
	if m.Has("flush_interval") && c.FlushInterval <= 0 {
		d.Errorf(m.Get("flush_interval"), "%s flush_interval must be positive", what)
	}
	distField(d, m, "failures", what, &c.Failures)
	if c.Failures != nil && c.Failures.Mean() < MinFailureInterval {
		d.Errorf(m.Get("failures"), "%s: failures must be at least %gs apart on average", what, MinFailureInterval)
	}
	checkRing(d, m, what, c.Nodes, c.VNodes)
}

func decodeDatabase(d *yamlfile.Decoder, m yamlfile.Map, n *Node) {
	db := &Database{Shards: 1, Partition: PartitionHash, VNodes: DefaultVNodes, ReadFrom: ReadReplicas,
		Workers: 1, Queue: Unlimited}
	n.Database = db
	what := "database " + n.Name
	intField(d, m, "shards", what, &db.Shards, 1, MaxDatabaseNodes)
	intField(d, m, "replicas", what, &db.Replicas, 0, MaxDatabaseNodes)
	if db.Shards*(1+db.Replicas) > MaxDatabaseNodes {
		d.Errorf(m.Node, "%s has %d servers (shards × (1 + replicas)); at most %d are simulated",
			what, db.Shards*(1+db.Replicas), MaxDatabaseNodes)
	}
	if m.Has("partition") {
		db.Partition = d.OneOf(m.Get("partition"), "partition", Partitions...)
	}
	intField(d, m, "vnodes", what, &db.VNodes, 1, 10_000)
	if m.Has("read_from") {
		db.ReadFrom = d.OneOf(m.Get("read_from"), "read_from", ReadReplicas, ReadPrimary, ReadAny)
	}
	distField(d, m, "replication_lag", what, &db.ReplicationLag)
	durationField(d, m, "read_your_writes", what, &db.ReadYourWrites)
	intField(d, m, "pool", what, &db.Pool, 1, 1<<20)
	distField(d, m, "connect_time", what, &db.ConnectTime)
	if m.Has("pool") && m.Has("connect_time") {
		d.Errorf(m.Key("connect_time"), "%s: connect_time is paid only without a pool; give one or the other", what)
	}
	if m.Has("workers") && m.Has("cores") {
		d.Errorf(m.Key("cores"), "%s: workers and cores say the same thing; give one", what)
	}
	intField(d, m, "workers", what, &db.Workers, 1, 1<<20)
	intField(d, m, "cores", what, &db.Workers, 1, 1<<20)
	intField(d, m, "queue", what, &db.Queue, 0, math.MaxInt32)
	if db.Replicas == 0 {
		for _, k := range []string{"replication_lag", "read_your_writes"} {
			if m.Has(k) {
				d.Errorf(m.Key(k), "%s: %s needs replicas", what, k)
			}
		}
	}
	if db.Partition == PartitionConsistent {
		checkRing(d, m, what, db.Shards, db.VNodes)
	}
	if db.Shards == 1 && (m.Has("partition") || m.Has("vnodes")) {
		d.Errorf(m.Key("kind"), "%s: partition and vnodes need shards: N (more than 1)", what)
	}
	st := m.Get("service_time")
	switch {
	case st == nil:
		d.Errorf(m.Key("kind"), "%s needs a service_time: a distribution, or {read: ..., write: ...}", what)
	case yamlfile.Find(st, "dist") != nil || st.Kind != yaml.MappingNode:
		db.ReadTime = d.Dist(st, what+" service_time", yamlfile.Seconds)
		db.WriteTime = db.ReadTime
	default:
		times, ok := d.Mapping(st, what+" service_time", "read", "write")
		if !ok {
			break
		}
		for _, k := range []string{"read", "write"} {
			if !times.Has(k) {
				d.Errorf(st, "%s service_time needs %s", what, k)
			}
		}
		distField(d, times, "read", what+" service_time", &db.ReadTime)
		distField(d, times, "write", what+" service_time", &db.WriteTime)
	}
}

func decodeCDN(d *yamlfile.Decoder, m yamlfile.Map, n *Node) {
	c := &CDN{}
	n.CDN = c
	what := "cdn " + n.Name
	if !m.Has("origin") {
		d.Errorf(m.Key("kind"), "%s needs an origin: the node misses go to", what)
	} else {
		c.Origin, _ = d.String(m.Get("origin"))
	}
	if m.Has("classes") {
		c.Classes = decodeNames(d, m.Get("classes"), "classes")
		c.classesPos = m.Get("classes")
	}
	if !m.Has("capacity") {
		d.Errorf(m.Key("kind"), "%s needs a capacity: the objects each edge holds", what)
	} else if v, ok := d.Count(m.Get("capacity"), what+" capacity"); ok {
		c.Capacity = int(math.Min(v, MaxCacheKeys))
		if v > MaxCacheKeys {
			d.Errorf(m.Get("capacity"), "%s capacity is at most %d objects", what, MaxCacheKeys)
		}
	}
	durationField(d, m, "ttl", what, &c.TTL)
	c.EdgeLatency, c.OriginLatency = sim.Constant{}, sim.Constant{}
	distField(d, m, "edge_latency", what, &c.EdgeLatency)
	distField(d, m, "origin_latency", what, &c.OriginLatency)
	if m.Has("object_size") {
		c.ObjectSize, _ = d.Bytes(m.Get("object_size"), what+" object_size")
	}
}

func cdnTargets(n *Node) []edge {
	if n.CDN.Origin == "" {
		return nil
	}
	return []edge{{n.CDN.Origin, n.pos}}
}
