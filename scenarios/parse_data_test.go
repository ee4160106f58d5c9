package scenarios

import (
	"testing"

	"github.com/scalesim/scalesim/topology/cache"
	"github.com/scalesim/scalesim/topology/database"
)

// validData is a data-tier scenario each case below breaks in one place.
const validData = `name: d
workload:
  rate: 100
  mix: {read: 90%, write: 10%}
  keys: {dist: zipf, s: 0.9, count: 1M}
entry: app
nodes:
  app:
    kind: service
    service_time: 1ms
    instance: m6i.large
    calls:
      - {to: cache, op: get, classes: [read], on_miss: [db]}
      - {to: cache, op: set, classes: [write], policy: write_through, write: [db]}
  cache:
    kind: cache
    capacity: 10k
    eviction: lru
  db:
    kind: database
    replicas: 2
    replication_lag: {dist: constant, value: 10ms}
    shards: 4
    partition: consistent
    pool: 10
    service_time: {read: 2ms, write: 5ms}
    cost: {hourly: 0.5}
`

func TestParseDataTier(t *testing.T) {
	s, err := Parse("ok.yaml", []byte(validData))
	if err != nil {
		t.Fatalf("valid scenario rejected:\n%v", err)
	}
	db := s.Topology.Lookup("db")
	if s.Workload.Keys.Count != 1e6 || db.Spec.(*database.Database).Shards != 4 || db.Units() != 12 || db.Price.Hourly != 0.5 ||
		s.Topology.Lookup("app").Price.Hourly != 0.096 || s.Topology.Lookup("cache").Spec.(*cache.Cache).Capacity != 10_000 {
		t.Fatalf("decoded wrongly: %+v %+v", db.Spec, db.Price)
	}
	if w := s.Workload.IsWrite(); w[0] || !w[1] {
		t.Fatalf("write classes %v, want [false true]", w)
	}
}

func TestParseDataTierErrors(t *testing.T) {
	cases := []struct{ name, old, new, want string }{
		{"no keys", "  keys: {dist: zipf, s: 0.9, count: 1M}\n", "",
			`14:3: cache cache, database db: the workload must say which keys requests touch`},
		{"unknown key dist", "dist: zipf", "dist: zipff", `5:16: unknown key popularity "zipff" (one of hotspot, uniform, zipf) (did you mean "zipf"?)`},
		{"zipf without s", "s: 0.9, ", "", `5:9: zipf keys needs "s"`},
		{"field of another key dist", "s: 0.9", "s: 0.9, share: 0.9", `5:30: "share" does not apply to zipf keys (fields: dist, count, s)`},
		{"unknown eviction", "eviction: lru", "eviction: lur", `18:15: unknown eviction "lur" (one of lru, lfu, fifo, random) (did you mean "lru"?)`},
		{"call to a cache without op", "{to: cache, op: get, classes", "{to: cache, classes", `13:14: call from app to cache cache needs an op: get, set or delete`},
		{"op on a database", "on_miss: [db]}", "on_miss: [{to: db, op: get}]}", `13:62: op "get" applies to calls to a cache; db is a database`},
		{"on_miss on a set", "policy: write_through, write: [db]", "on_miss: [db]", `14:14: on_miss goes with op: get`},
		{"write_back without write", "policy: write_through, write: [db]", "policy: write_back", `14:14: a write_back set needs write`},
		{"unknown partition", "partition: consistent", "partition: consistant", `24:16: unknown partition "consistant"`},
		{"lag without replicas", "    replicas: 2\n", "", `21:5: database db: replication_lag needs replicas`},
		{"pool and connect time", "pool: 10", "pool: 10\n    connect_time: 3ms", `26:5: database db: connect_time is paid only without a pool`},
		{"service time missing write", "{read: 2ms, write: 5ms}", "{read: 2ms}", `26:19: database db service_time needs write`},
		{"unknown instance type", "instance: m6i.large", "instance: m6i.larg", `11:15: node app: instance "m6i.larg" is not in the price catalogue (did you mean "m6i.large"?)`},
		{"negative price", "hourly: 0.5", "hourly: -1", `27:20: cost hourly must not be negative`},
		{"per_gb on a node that measures no egress", "eviction: lru\n", "eviction: lru\n    cost: {per_gb: 0.1}\n", `19:12: per_gb prices egress, which only a cdn node or a database node or a service node measures`},
		{"writes names no class", "  keys:", "  writes: [writes]\n  keys:", `5:12: writes names class "writes", which the workload mix does not have`},
		{"memory without item size", "capacity: 10k", "memory: 1GB", `17:5: cache cache: memory needs item_size`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectOneError(t, validData, c.old, c.new, c.want) })
	}
}
