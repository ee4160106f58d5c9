package database

import (
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
	"slices"
	"testing"

	"github.com/scalesim/scalesim/sim"
)

// TestPoolMemo checks that the buffer pool's figures are made once for
// the same inputs, by one spec or another parsed on its own, and again for
// any input that changes (the tree, the pool's pages, the key popularity),
// that a memo's figures equal a fresh computation's, and that the memo
// keeps at most maxPoolMemo entries.
func TestPoolMemo(t *testing.T) {
	const db = "{kind: database, service_time: 1ms, data: {rows: 1M, row_size: 100B, buffer_pool: 10MiB}, operations: {read: {index: true}}}"
	spec := func() *Database {
		topo := decodeHosted(t, "a", "{}", "  a: {kind: service, service_time: 1ms, calls: [d]}\n  d: "+db+"\n")
		return topo.Lookup("d").Spec.(*Database)
	}
	key := func(r int64) int64 { return r * 7 % 1000 }
	uniform := func(n float64) ([]float64, []float64) { return []float64{1 / n}, []float64{n} }
	d := spec()
	p, c := uniform(1000)
	first := d.poolFigures(d.tree(1000), p, c, 1000, key)
	if again := d.poolFigures(d.tree(1000), slices.Clone(p), slices.Clone(c), 1000, key); again != first {
		t.Errorf("the same inputs made the figures again")
	}
	other := spec()
	if shared := other.poolFigures(other.tree(1000), p, c, 1000, key); shared != first {
		t.Errorf("another spec with the same figures made them again")
	}
	want := &poolFigures{t: d.tree(1000), capacity: d.PoolPages(), kp: p, kc: c, total: 1000}
	want.pages(key)
	if !slices.Equal(first.probs, want.probs) || !slices.Equal(first.counts, want.counts) || first.hitShare() != want.hitShare() || first.charTime() != want.charTime() {
		t.Errorf("the memo's figures differ from a fresh computation's")
	}
	sharded := *d
	sharded.Shards = 2
	p2, c2 := uniform(500)
	for _, c := range []struct {
		name string
		get  func() *poolFigures
	}{
		{"other shards", func() *poolFigures { return sharded.poolFigures(sharded.tree(1000), p, c, 1000, key) }},
		{"other keys", func() *poolFigures { return d.poolFigures(d.tree(500), p2, c2, 500, key) }},
		{"a random row", func() *poolFigures { return d.poolFigures(d.tree(0), nil, nil, 0, nil) }},
		{"other pool", func() *poolFigures {
			// The same data with a smaller pool (as another instance type's
			// memory would give).
			was := d.Data.BufferPoolBytes
			defer func() { d.Data.BufferPoolBytes = was }()
			d.Data.BufferPoolBytes = 1 << 20
			return d.poolFigures(d.tree(1000), p, c, 1000, key)
		}},
	} {
		if got := c.get(); got == first {
			t.Errorf("%s: reused the figures of other inputs", c.name)
		}
	}
	for n := range 2 * maxPoolMemo {
		pn, cn := uniform(float64(100 + n))
		d.poolFigures(d.tree(int64(100+n)), pn, cn, float64(100+n), key)
	}
	if n := len(pools.entries); n > maxPoolMemo {
		t.Errorf("the memo keeps %d entries, want at most %d", n, maxPoolMemo)
	}
}

// TestPoolByID checks the pages listed by ID: every page of every level
// once, with its probability, in increasing ID order (the levels merged).
func TestPoolByID(t *testing.T) {
	const db = "{kind: database, service_time: 1ms, data: {rows: 100M, row_size: 100B, buffer_pool: 10MiB}, operations: {read: {index: true}}}"
	topo := decodeHosted(t, "a", "{}", "  a: {kind: service, service_time: 1ms, calls: [d]}\n  d: "+db+"\n")
	d := topo.Lookup("d").Spec.(*Database)
	// Two popularity groups over 50k keys, numbered out of order.
	p, c := []float64{1e-4, 0.9 / 49_000}, []float64{1000, 49_000}
	e := d.poolFigures(d.tree(50_000), p, c, 50_000, func(r int64) int64 { return r * 7919 % 50_000 })
	ids, q := e.byID()
	want := map[int64]float64{}
	for level, refs := range e.levels {
		for _, r := range refs {
			want[pageID(r.page, level)] = r.p
		}
	}
	if len(e.levels) < 3 || len(ids) != len(want) || len(q) != len(ids) {
		t.Fatalf("%d levels, %d pages by ID, want %d", len(e.levels), len(ids), len(want))
	}
	for i, id := range ids {
		if i > 0 && id <= ids[i-1] {
			t.Fatalf("page %d: ID %d after %d, want increasing", i, id, ids[i-1])
		}
		if q[i] != want[id] {
			t.Fatalf("page %d (ID %d): probability %g, want %g", i, id, q[i], want[id])
		}
	}
}

// TestVolumeNoAllocs checks that a database's reads through its buffer
// pool and volume allocate nothing once warm: indexed reads that miss a
// pool of two pages and queue at the volume, and scans that read the rest
// of the table through the same queue.
func TestVolumeNoAllocs(t *testing.T) {
	net, k, _ := buildClasses(t, []string{"get", "search"}, []bool{false, false}, `
  app: {kind: service, workers: 100000, service_time: 1ms, calls: [db]}
  db: {kind: database, workers: 100000, service_time: 1ms, data: {rows: 20k, row_size: 100B, buffer_pool: 32KiB, volume: {throughput: 100MiB/s}}, operations: {get: {index: true}, search: {index: false}}}
`)
	for i := range 200 {
		net.Submit(i%2, -1, -1, int64(i%100))
	}
	k.Run(sim.Forever)
	i := 0
	if a := testing.AllocsPerRun(1000, func() {
		net.Submit(i%2, -1, -1, int64(i%100))
		net.Submit((i+1)%2, -1, -1, int64((i+7)%100))
		i++
		k.Run(sim.Forever)
	}); a != 0 {
		t.Errorf("%v allocations per pair of reads", a)
	}
	db := net.Component("db").(*database)
	bs := db.pool.stats(1, k.Now())
	if bs.VolumeReads == 0 || bs.VolumeScans == 0 {
		t.Errorf("%d page reads and %d scans from the volume: want both", bs.VolumeReads, bs.VolumeScans)
	}
}

// TestBufferPoolRefused checks each refusal of buffer_pool, with an
// instance type and without one: without one, the words speak of no
// instance (a share over 100% was "of the instance's memory" on a node
// that has none).
func TestBufferPoolRefused(t *testing.T) {
	const with, without = "instance: db.r6g.large, ", ""
	for _, c := range []struct{ name, node, pool, want string }{
		{"share over 100%", with, "120%", "t.yaml:4:112: database d data buffer_pool is 120%: a share of an instance type's memory is at most 100%"},
		{"share over 100% without an instance", without, "200%", "t.yaml:4:88: database d data buffer_pool is 200%: a share of an instance type's memory is at most 100%"},
		{"share of no memory", without, "50%", "t.yaml:4:88: database d data buffer_pool of 50% is a share of an instance type's memory, and the node has none from the catalogue: give an instance (e.g. db.r6g.xlarge) or a size (buffer_pool: 12GiB)"},
		{"share zero", with, "0%", "database d data buffer_pool must be above 0% of the memory"},
		{"share zero without an instance", without, "0%", "database d data buffer_pool must be above 0% of the memory"},
		{"under a page", with, "1KiB", "database d data buffer_pool must hold a page (16KiB) at least"},
		{"under a page without an instance", without, "1KiB", "database d data buffer_pool must hold a page (16KiB) at least"},
		{"size over the memory", with, "1TiB", "database d data buffer_pool of 1TiB is over the 16GiB of the instance's memory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &yamlfile.Decoder{File: "t.yaml"}
			root := d.Parse([]byte("entry: a\nnodes:\n  a: {kind: service, service_time: 1ms, calls: [d]}\n  d: {kind: database, " + c.node +
				"service_time: 1ms, data: {rows: 1M, row_size: 100B, buffer_pool: " + c.pool + "}, operations: {read: {index: true}}}\n"))
			m, _ := d.Mapping(root, "test", "entry", "nodes")
			topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
			d.Place(root, topo.Validate(nil, true))
			err := d.Err()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if c.node == without && strings.Contains(err.Error(), "the instance") {
				t.Errorf("without an instance, the refusal speaks of one: %v", err)
			}
		})
	}
}

// TestValidatePoolShare checks the refusal of a share over 100% set in
// Go (the YAML's is refused as it is read), with and without memory:
// it speaks of no instance the node does not have.
func TestValidatePoolShare(t *testing.T) {
	for _, memory := range []float64{0, 16 << 30} {
		e := field.New("nodes", "d", "data")
		(&Data{BufferPool: 2, memory: memory}).validatePool(e, "database d")
		const want = "database d data buffer_pool is 200%: a share of an instance type's memory is at most 100%"
		if errs := e.List(); len(errs) != 1 || errs[0].Error() != want {
			t.Errorf("memory %g: got %v, want %q", memory, errs, want)
		}
	}
}
