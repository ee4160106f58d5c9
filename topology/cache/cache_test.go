package cache

import (
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/topotest"

	// Its tests put a database behind the cache.
	_ "github.com/scalesim/scalesim/topology/database"
	"github.com/scalesim/scalesim/topology/engine"
)

// TestWriteBack checks that a write-back cache acknowledges sets at once,
// writes each dirty key to the database once per flush, and that a node
// failure loses the writes not yet flushed.
func TestWriteBack(t *testing.T) {
	net, k, obs := topotest.Build(t, "app", `
  app:
    kind: service
    workers: 100
    service_time: 1ms
    calls: [{to: cache, op: set, policy: write_back, write: [db]}]
  cache: {kind: cache, capacity: 100, flush_interval: 10s}
  db: {kind: database, workers: 10, service_time: 1ms}
`, func(o *engine.Options) { o.KeyCount = 10 })
	c := net.Component("cache").(*cache)
	// The database's visits are the flushes' writes, each one key's.
	writes := func() int64 { return net.Component("db").Stats(0, k.Now()).Completed }
	// Five writes to key 7 and one to key 8 before the first flush.
	for _, key := range []int64{7, 7, 7, 7, 7, 8} {
		net.Submit(1, -1, -1, key)
	}
	k.Run(5)
	if obs.ByOutcome[engine.Completed] != 6 || writes() != 0 {
		t.Fatalf("%d completed, %d database writes before the flush; want 6 and 0", obs.ByOutcome[engine.Completed], writes())
	}
	k.Run(11)
	if writes() != 2 {
		t.Fatalf("the flush wrote %d times, want once per dirty key (2)", writes())
	}
	// Three more writes, then the node fails before the next flush.
	for range 3 {
		net.Submit(1, -1, -1, 9)
	}
	k.Run(12)
	c.Handle(k.Now(), opFail, c.nodes[0])
	k.Run(30)
	if c.lostWrites != 3 || writes() != 2 || c.nodes[0].store.Len() != 0 {
		t.Errorf("after the failure: %d writes lost (want 3), %d database writes (want 2), %d keys held (want 0)",
			c.lostWrites, writes(), c.nodes[0].store.Len())
	}
}

// TestSizeFromMemory checks a cache that takes its keys per node from its
// instance type's memory: 13.07 GiB × (1 − 25% reserved) ÷ 1 MB =
// 10,525.4, so 10,525 keys.
func TestSizeFromMemory(t *testing.T) {
	net, _, _ := topotest.Build(t, "a", `
  a: {kind: service, service_time: 1ms, calls: [{to: c, op: get}]}
  c: {kind: cache, instance: cache.r6g.large, item_size: 1MB}
`)
	if got := net.Component("c").(*cache).spec.Capacity; got != 10_525 {
		t.Errorf("capacity %d keys per node, want 10,525", got)
	}
}

// TestNodeFault checks the cache_node fault's words and checks on faults
// built in Go: what it says it does, that it takes no instances down (it
// names a part), and what is refused, at which field.
func TestNodeFault(t *testing.T) {
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte(`entry: app
nodes:
  app: {kind: service, instances: 3, service_time: 1ms, calls: [db, {to: c, op: get}]}
  db: {kind: database, replicas: 2, service_time: 1ms}
  c: {kind: cache, nodes: 2, capacity: 100}
  c1: {kind: cache, nodes: 1, capacity: 100}
`))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		node     string
		effect   topology.FaultEffect
		describe string
		refused  string // FIELD: MESSAGE, "" when valid
	}{
		{"c", NodeDown{1}, "cache node 1 down", ""},
		{"c", NodeDown{2}, "cache node 2 down", "faults.0.cache_node: fault cache_node 2: cache c has 2 nodes (numbered from 0)"},
		{"c1", NodeDown{1}, "cache node 1 down", "faults.0.cache_node: fault cache_node 1: cache c1 has 1 node (numbered from 0)"},
		{"c", NodeDown{-1}, "cache node -1 down", "faults.0.cache_node: a fault's cache_node is numbered from 0"},
		{"db", NodeDown{0}, "cache node 0 down", "faults.0: cache_node faults strike caches; db is a database"},
	} {
		topotest.CheckFault(t, topo, c.node, c.effect, c.describe, c.refused)
	}
}

// TestCoalescedWaitersQueued checks that the gets waiting for a coalesced
// fill count as visits waiting (Network.Queued, what the overload test
// watches grow): five gets of one key, whose first is at the origin for
// 10 s, leave four waiting; none once the fill answers them. They were
// not counted, so an overload whose work waited there was not seen
// (found by a hostile review).
func TestCoalescedWaitersQueued(t *testing.T) {
	net, k, obs := topotest.Build(t, "app", `
  app: {kind: service, workers: 100, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [db]}]}
  cache: {kind: cache, capacity: 100, coalesce: true}
  db: {kind: database, workers: 10, service_time: {dist: constant, value: 10s}}
`, func(o *engine.Options) { o.KeyCount = 10 })
	for range 5 {
		net.Submit(0, -1, -1, 7)
	}
	k.Run(1)
	if got := net.Queued(); got != 4 {
		t.Errorf("%d visits waiting while the fill is at the origin, want the 4 coalesced gets", got)
	}
	k.Run(20)
	if got := net.Queued(); got != 0 || obs.ByOutcome[engine.Completed] != 5 {
		t.Errorf("%d visits waiting and %d completed after the fill, want 0 and 5", got, obs.ByOutcome[engine.Completed])
	}
}
