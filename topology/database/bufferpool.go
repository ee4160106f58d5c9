package database

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// A database server's buffer pool and volume. With data whose rows are
// counted (Data.RowSize) and a buffer pool (from the instance type's
// memory, or given), each server keeps the pages its indexed reads touch
// in an LRU of the pool's pages; a page not there is read from the
// server's volume: a queue of one server whose service time is
// exponential at the volume's rate of page reads (its IOPS, or its
// throughput ÷ the page size when that is slower: an M/M/1 queue for
// Poisson reads), then the volume's latency. A scan reads the part of its
// shard's table that the pool cannot hold through the same queue, in the
// time its bytes take at the volume's throughput, then one latency: the
// volume's IOPS and throughput are each a limit, and the slower binds.

// DefaultBufferPool is the share of a server's memory its buffer pool
// takes: Amazon RDS for MySQL's default parameter group sets
// innodb_buffer_pool_size to {DBInstanceClassMemory*3/4}, and the MySQL
// manual says up to 80% of a dedicated server's memory is often given to
// it (MySQL 8.4 Reference Manual, "Configuring InnoDB Buffer Pool Size").
const DefaultBufferPool = 0.75

// The volume: Amazon EBS General Purpose SSD gp3, whose baseline of 3,000
// IOPS and 125 MiB/s comes with any size and more of each can be
// provisioned (Amazon EBS User Guide, "Amazon EBS volume types",
// General Purpose SSD volumes). The IOPS were checked on 2026-12-03
// against the EC2 API Reference's Iops parameter (CreateVolume: gp3
// 3,000 to 16,000 IOPS, "the default for gp3 volumes is 3,000 IOPS"); the
// 125 MiB/s baseline is the User Guide's, as recalled, not re-read.
const (
	VolumeGP3               = "gp3"
	DefaultVolumeIOPS       = 3000
	DefaultVolumeThroughput = 125 << 20 // bytes a second
	// DefaultVolumeLatency is a read's time at the volume besides its
	// queue and its service at the IOPS rate: an assumption, 1 ms, the low
	// end of the single-digit milliseconds AWS gives for gp3.
	DefaultVolumeLatency = 1e-3
	maxVolumeIOPS        = 256_000 // the most any EBS volume provisions (io2 Block Express)
	maxVolumeThroughput  = 1 << 40
	maxVolumeLatency     = 10.0
)

// Volumes lists the volume types.
var Volumes = []string{VolumeGP3}

// Volume is a database server's storage volume. Zero figures take the
// type's.
type Volume struct {
	Type       string
	IOPS       float64 // reads a second: the most page reads its queue serves
	Throughput float64 // bytes a second: the most its queue serves, pages and scans
	Latency    float64 // seconds per read beyond its queue and service
}

func (v Volume) iops() float64       { return orDefault(v.IOPS, DefaultVolumeIOPS) }
func (v Volume) throughput() float64 { return orDefault(v.Throughput, DefaultVolumeThroughput) }
func (v Volume) latency() float64    { return orDefault(v.Latency, DefaultVolumeLatency) }

// pageRate is the volume's rate of page reads, the service rate of its
// queue for them: its IOPS, or its throughput ÷ the page size when that
// is slower (an EBS volume limits both, and the slower binds: Amazon EBS
// User Guide, "Amazon EBS I/O characteristics and monitoring").
func (v Volume) pageRate() float64 { return min(v.iops(), v.throughput()/PageSize) }

// pagesByThroughput says the volume's throughput, not its IOPS, bounds
// its page reads.
func (v Volume) pagesByThroughput() bool { return v.throughput()/PageSize < v.iops() }

// MaxIOSize is the most an SSD-backed EBS volume counts as one I/O
// operation: a larger or sequential read counts one operation each 256 KiB
// (Amazon CloudWatch's EBS metric VolumeConsumedReadWriteOps: an I/O
// smaller than 256K counts as 1 consumed IOPS, a larger one in units of
// 256K, so that a 1024K I/O counts as 4).
const MaxIOSize = 256 << 10

// scanTime is a sequential read's service at the volume: its bytes at the
// throughput, or its operations of MaxIOSize at the IOPS when they are
// slower.
func (v Volume) scanTime(bytes float64) float64 {
	return max(bytes/v.throughput(), math.Ceil(bytes/MaxIOSize)/v.iops())
}

// rateText says the rate of page reads and what sets it: "3k IOPS", or
// "64 reads/s (1MiB/s ÷ 16KiB pages)" when the throughput binds.
func (v Volume) rateText() string { return pageRateText(v.iops(), v.throughput()) }

// pageRateText is rateText of a volume of iops and throughput.
func pageRateText(iops, throughput float64) string {
	if rate := throughput / PageSize; rate < iops {
		each := units.FormatCount(rate) + " reads/s"
		if rate < 0.01 { // a read each 2m, not 0.0083 reads/s (or <0.0001)
			each = "a read each " + units.FormatDuration(1/rate)
		}
		return fmt.Sprintf("%s (%s/s ÷ %s pages)", each, units.FormatBytes(throughput), units.FormatBytes(PageSize))
	}
	return units.FormatCount(iops) + " IOPS"
}

// scanRateText says at what rate a large scan reads: the throughput, or
// its operations of MaxIOSize at the IOPS when those are slower.
func scanRateText(iops, throughput float64) string {
	if by := float64(iops * MaxIOSize); by < throughput {
		return fmt.Sprintf("%s/s (%s IOPS of %s)", units.FormatBytes(by), units.FormatCount(iops), units.FormatBytes(MaxIOSize))
	}
	return units.FormatBytes(throughput) + "/s"
}

// decodeBufferPool reads buffer_pool: a share of the memory (75%) or a
// size (12GiB).
func decodeBufferPool(d *yamlfile.Decoder, n *yaml.Node, what string, data *Data) bool {
	s, ok := d.String(n)
	if !ok {
		return false
	}
	if num, pct := strings.CutSuffix(strings.TrimSpace(s), "%"); pct {
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		switch {
		case err != nil || math.IsNaN(v):
			d.Errorf(n, "%s data buffer_pool: want a share of the memory such as 75%% or a size such as 12GiB", what)
			return false
		case v > 100:
			d.Errorf(n, "%s data buffer_pool is %s: a share of an instance type's memory is at most 100%%", what, strings.TrimSpace(s))
			return false
		case !(v > 0):
			d.Errorf(n, "%s data buffer_pool must be above 0%% of the memory", what)
			return false
		}
		data.BufferPool = v / 100
		return true
	}
	v, ok := d.Bytes(n, what+" data buffer_pool")
	data.BufferPoolBytes = v
	return ok
}

// decodeVolume reads volume: {type, iops, throughput, latency}.
func decodeVolume(d *yamlfile.Decoder, n *yaml.Node, what string, v *Volume) bool {
	m, ok := d.Mapping(n, what+" data volume", "type", "iops", "throughput", "latency")
	if !ok {
		return false
	}
	good := true
	if m.Has("type") {
		if v.Type = d.OneOf(m.Get("type"), what+" data volume type", Volumes...); v.Type == "" {
			good = false
		}
	}
	if m.Has("iops") {
		if v.IOPS, ok = d.Count(m.Get("iops"), what+" data volume iops"); !ok {
			good = false
		}
	}
	if m.Has("throughput") {
		if v.Throughput, ok = d.ByteRate(m.Get("throughput"), what+" data volume throughput (bytes a second, e.g. 125MiB/s)"); !ok {
			good = false
		}
	}
	if m.Has("latency") {
		if v.Latency, ok = d.PositiveDuration(m.Get("latency"), what+" data volume latency",
			what+" data volume latency must be above 0 (leave it out for the default)"); !ok {
			good = false
		}
	}
	return good
}

// validatePool checks the buffer pool against the server's memory, and
// the volume.
func (data *Data) validatePool(e field.Errors, what string) {
	// What the pool does not fit rests on the node's instance type too (e
	// is its data's): an override of it is named.
	mem := e.Given(append(slices.Clone(e.Path[:len(e.Path)-1]), "instance"))
	switch p := data.BufferPool; {
	case p != 0 && !(p > 0 && p <= 1):
		e.Add("buffer_pool", "%s data buffer_pool is %s: a share of an instance type's memory is at most 100%%", what, units.Percent(p))
	case p != 0 && data.memory == 0:
		mem.Add("buffer_pool", "%s data buffer_pool of %s is a share of an instance type's memory, and the node has none from the catalogue: give an instance (e.g. db.r6g.xlarge) or a size (buffer_pool: 12GiB)", what, units.Percent(p))
	case data.BufferPoolBytes != 0 && !(data.BufferPoolBytes >= PageSize) || math.IsInf(data.BufferPoolBytes, 0):
		e.Add("buffer_pool", "%s data buffer_pool must hold a page (%s) at least", what, units.FormatBytes(PageSize))
	case data.memory > 0 && data.BufferPoolBytes > data.memory:
		mem.Add("buffer_pool", "%s data buffer_pool of %s is over the %s of the instance's memory", what,
			units.FormatBytes(data.BufferPoolBytes), units.FormatBytes(data.memory))
	}
	v, ve := data.Volume, e.In("volume")
	if v.Type != "" && v.Type != VolumeGP3 {
		ve.Add("type", "%s data volume type %q is not one of %s", what, v.Type, strings.Join(Volumes, ", "))
	}
	if v.IOPS != 0 && !(v.IOPS >= 1 && v.IOPS <= maxVolumeIOPS) {
		ve.Add("iops", "%s data volume iops must be from 1 to %d, got %g", what, maxVolumeIOPS, v.IOPS)
	}
	if v.Throughput != 0 && !(v.Throughput >= 1 && v.Throughput <= maxVolumeThroughput) {
		ve.Add("throughput", "%s data volume throughput must be from 1B/s to %s/s, got %s/s", what, units.FormatBytes(maxVolumeThroughput), units.FormatBytes(v.Throughput))
	}
	if v.Latency != 0 && !(v.Latency > 0 && v.Latency <= maxVolumeLatency) {
		ve.Add("latency", "%s data volume latency must be above 0 and at most %s, got %s", what, units.FormatDuration(maxVolumeLatency), units.FormatDuration(v.Latency))
	}
}

// SizeFromMemory implements MemorySized: its buffer pool's default size
// is a share of the memory of its instance type (see poolBytes).
func (db *Database) SizeFromMemory(_ field.Errors, _ string, in topology.Instance) {
	if db.Data != nil {
		db.Data.memory = in.Memory
	}
}

// poolBytes is a server's buffer pool: given, or its share of the
// instance type's memory; 0 without one (every page in memory) or when
// the rows are not counted.
func (db *Database) poolBytes() float64 {
	d := db.Data
	switch {
	case d == nil || d.RowSize == 0:
		return 0
	case d.BufferPoolBytes > 0:
		return d.BufferPoolBytes
	}
	return float64(orDefault(d.BufferPool, DefaultBufferPool) * d.memory)
}

// PoolPages is the pages a server's buffer pool holds; 0 without one.
func (db *Database) PoolPages() float64 { return math.Floor(db.poolBytes() / PageSize) }

// maxPoolSlots bounds the pages a simulated pool tracks: a pool larger
// holds every page a run can touch (its keys' paths).
const maxPoolSlots = 1 << 40

// poolReads says the database's indexed reads go through a buffer pool.
func (db *Database) poolReads() bool {
	if db.PoolPages() < 1 {
		return false
	}
	for _, op := range db.Operations {
		if op.Index != nil && *op.Index {
			return true
		}
	}
	return false
}

// scanBytes is what a scan reads from its server's volume: the part of
// its shard's table, grown by written bytes since the start, that the
// buffer pool cannot hold (0 without a pool: every page in memory).
func (db *Database) scanBytes(written float64) float64 {
	pool := db.poolBytes()
	if pool == 0 {
		return 0
	}
	shard := db.Data.tableBytes(db.Data.users) / float64(db.Shards)
	if written > 0 {
		shard += written / float64(db.Shards)
	}
	return max(0, shard-pool)
}

// scanService is a scan's service at its volume at the start's rows (see
// Volume.scanTime).
func (db *Database) scanService() float64 { return db.Data.Volume.scanTime(db.scanBytes(0)) }

// scanReads says some of the database's reads scan and read from the
// volume: a pool the shard's table outgrows, or may outgrow as the
// writes add rows.
func (db *Database) scanReads() bool {
	if db.Data == nil || db.Data.RowSize == 0 || db.poolBytes() == 0 || (db.scanBytes(0) == 0 && db.Data.PerWrite == 0) {
		return false
	}
	for _, op := range db.Operations {
		if op.Index != nil && !*op.Index {
			return true
		}
	}
	return false
}

// volumeReads says the database's servers read from their volumes:
// indexed reads through a buffer pool, or scans of more than it holds.
func (db *Database) volumeReads() bool { return db.poolReads() || db.scanReads() }

// tree is the shape of a shard's B-tree and where the workload's keys are
// in it: the keys spread evenly over the rows in key order (clustered by
// key), perKey rows apart.
type tree struct {
	rows, fanout float64
	height       int
	perKey       float64 // rows per key; 0 without keys (a random row)
	f            int64
}

// maxLeaf bounds a leaf page's number, so that a page's identity (its
// number and level) fits in an int64: beyond it (more than 3.6e16 leaf
// pages, 5.9e20 bytes) pages are taken as the last.
const maxLeaf = 1 << 55

func (db *Database) tree(keys int64) tree {
	t := tree{rows: db.ShardRows(), fanout: Fanout(db.Data.RowSize)}
	t.height, t.f = BTreeHeight(t.rows, t.fanout), int64(t.fanout)
	if keys > 0 {
		t.perKey = t.rows / float64(keys)
	}
	return t
}

// leaf is the leaf page of the row at position pos.
func (t tree) leaf(pos float64) int64 { return int64(min(math.Floor(pos/t.fanout), maxLeaf)) }

// leafOf is the leaf page of key's row.
func (t tree) leafOf(key int64) int64 { return t.leaf(math.Floor(float64(key) * t.perKey)) }

// pageID is the identity of the page idx at level (0: the leaves).
func pageID(idx int64, level int) int64 { return idx<<7 | int64(level) }

// maxExactRanks bounds the popularity ranks the estimate places in pages
// one by one; the rest are spread evenly over the pages of each level.
const maxExactRanks = 1 << 20

// pageRef is a page of one level of a tree (its number on the level) and
// the probability that a read references it.
type pageRef struct {
	page int64
	p    float64
}

// pagesOf is the pages of each level of t (leaves first) that the most
// popular ranks of the workload's keys reference, up to maxExactRanks of
// them (the popularity probs[i] of each of counts[i] ranks, total keys,
// key numbering them), and the probability left to the others (tail) and
// their number (rest).
func pagesOf(t tree, probs, counts []float64, total float64, key func(int64) int64) (levels [][]pageRef, tail, rest float64) {
	n := int64(min(total, maxExactRanks))
	refs := make([]pageRef, 0, n)
	var rank int64
	for g := 0; g < len(probs) && rank < n; g++ {
		for i := 0.0; i < counts[g] && rank < n; i++ {
			refs = append(refs, pageRef{t.leafOf(key(rank)), probs[g]})
			rank++
		}
	}
	tail = 1.0
	for _, r := range refs {
		tail -= r.p
	}
	slices.SortFunc(refs, func(a, b pageRef) int { return cmp.Compare(a.page, b.page) })
	for range t.height {
		// Merge the references of one page, then go up a level.
		out := make([]pageRef, 0, len(refs))
		for _, r := range refs {
			if len(out) > 0 && out[len(out)-1].page == r.page {
				out[len(out)-1].p += r.p
			} else {
				out = append(out, r)
			}
		}
		levels = append(levels, out)
		refs = slices.Clone(out)
		for i := range refs {
			refs[i].page /= t.f
		}
	}
	return levels, max(0, tail), total - float64(n)
}

// pageRefs is the popularity of the pages an indexed read touches: the
// probability probs[i] that a read references each of counts[i] pages
// (each read references one page of each level). approx says keys beyond
// maxExactRanks were spread evenly. The slices are shared: read only.
func (db *Database) pageRefs(s topology.Solver) (probs, counts []float64, approx bool) {
	kp, kc, total := s.Keys()
	e := db.poolFigures(db.tree(int64(total)), kp, kc, total, s.KeyOf)
	return e.probs, e.counts, e.approx
}

// poolMemo keeps what a database's buffer pool costs to work out (its
// pages' popularity, Che's characteristic time over them: a second or
// more for a million keys), so that it is computed once for the whole
// process: by the estimate, each run's Build and explain's advice on one
// spec, and by every spec with the same figures (a sweep's points and a
// comparison's two sides, each parsed on its own). Entries are keyed by
// every input by value (the tree, the pool's pages, the key popularity),
// so a sweep point or --set that changes the data, shards, pool or keys
// gets its own; the key numbering is taken as the workload's, a function
// of the number of keys (workloads.KeySampler.Key). The mutex guards the
// list; each entry's figures are made under its own sync.Once, so
// parallel runs share them race-free.
type poolMemo struct {
	mu      sync.Mutex
	entries []*poolFigures
}

// pools is the process's memo of buffer pool figures.
var pools poolMemo

// maxPoolMemo bounds the entries the memo keeps (the oldest go first): a
// sweep over the data makes one for each point. An entry of a million
// keys (2M pages) holds about 113 MB, its pages by ID included.
const maxPoolMemo = 4

// poolFigures are the pages' popularity for one tree, pool and key
// popularity, and what Che's approximation makes of it.
type poolFigures struct {
	t             tree
	capacity      float64
	kp, kc        []float64 // the key popularity's groups, copied
	total         float64   // keys; 0: a random row
	once          sync.Once
	probs, counts []float64 // as pageRefs
	approx        bool
	// levels are pagesOf's; ids and q the pages of the most popular keys
	// by ID and their probabilities (byID), and rest each other page's,
	// by level (see steady).
	levels  [][]pageRef
	idsOnce sync.Once
	ids     []int64
	q, rest []float64
	hitOnce sync.Once
	hit     float64
	tauOnce sync.Once
	tau     float64
}

// poolFigures is the memo's entry for tree t, db's pool and the key
// popularity (kp, kc over total keys numbered by key; total 0: a random
// row), its pages' popularity made.
func (db *Database) poolFigures(t tree, kp, kc []float64, total float64, key func(int64) int64) *poolFigures {
	capacity := db.PoolPages()
	if total == 0 {
		kp, kc = nil, nil
	}
	var e *poolFigures
	m := &pools
	m.mu.Lock()
	for _, x := range m.entries {
		if x.t == t && x.capacity == capacity && x.total == total && slices.Equal(x.kp, kp) && slices.Equal(x.kc, kc) {
			e = x
			break
		}
	}
	if e == nil {
		e = &poolFigures{t: t, capacity: capacity, kp: slices.Clone(kp), kc: slices.Clone(kc), total: total}
		if len(m.entries) == maxPoolMemo {
			m.entries = slices.Delete(m.entries, 0, 1)
		}
		m.entries = append(m.entries, e)
	}
	m.mu.Unlock()
	e.once.Do(func() { e.pages(key) })
	return e
}

// pages works out the pages' popularity: pagesOf's levels, leaves first,
// each level's pages of the most popular keys one by one, then the rest
// spread evenly.
func (e *poolFigures) pages(key func(int64) int64) {
	t := e.t
	pages := math.Ceil(t.rows / t.fanout)
	if e.total == 0 {
		// A random row: every page of a level equally.
		for range t.height {
			e.rest = append(e.rest, 1/pages)
			e.probs, e.counts = append(e.probs, 1/pages), append(e.counts, pages)
			pages = math.Ceil(pages / t.fanout)
		}
		return
	}
	levels, tail, rest := pagesOf(t, e.kp, e.kc, e.total, key)
	n := len(levels)
	for _, refs := range levels {
		n += len(refs)
	}
	e.probs, e.counts = make([]float64, 0, n), make([]float64, 0, n)
	for _, refs := range levels {
		for _, r := range refs {
			e.probs, e.counts = append(e.probs, r.p), append(e.counts, 1)
		}
		q := 0.0
		if rest > 0 && tail > 0 {
			spread := min(rest, pages)
			q = tail / spread
			e.probs, e.counts = append(e.probs, q), append(e.counts, spread)
			e.approx = true
		}
		e.rest = append(e.rest, q)
		pages = math.Ceil(pages / t.fanout)
	}
	e.levels = levels
}

// byID lists the pages of the most popular keys by ID, and the
// probability that a read references each (see steady); made once. Each
// level's pages are in order, and an ID orders by page, then level
// (pageID), so the levels merge in one pass.
func (e *poolFigures) byID() (ids []int64, q []float64) {
	e.idsOnce.Do(func() {
		n := 0
		for _, refs := range e.levels {
			n += len(refs)
		}
		e.ids, e.q = make([]int64, 0, n), make([]float64, 0, n)
		next := make([]int, len(e.levels)) // each level's first page not yet listed
		for range n {
			low, lowID := -1, int64(0)
			for level, refs := range e.levels {
				if i := next[level]; i < len(refs) {
					if id := pageID(refs[i].page, level); low < 0 || id < lowID {
						low, lowID = level, id
					}
				}
			}
			e.ids, e.q = append(e.ids, lowID), append(e.q, e.levels[low][next[low]].p)
			next[low]++
		}
	})
	return e.ids, e.q
}

// hitShare is Che's hit share over the pages (analytic.CheLRUPaths).
func (e *poolFigures) hitShare() float64 {
	e.hitOnce.Do(func() { e.hit = analytic.CheLRUPaths(e.probs, e.counts, e.capacity) })
	return e.hit
}

// charTime is the characteristic time τ of the pool, in reads: +Inf
// when it holds every page.
func (e *poolFigures) charTime() float64 {
	e.tauOnce.Do(func() {
		total := 0.0
		for _, n := range e.counts {
			total += n
		}
		if e.capacity >= total {
			e.tau = math.Inf(1)
		} else {
			e.tau = analytic.CheTimePaths(e.probs, e.counts, e.capacity)
		}
	})
	return e.tau
}

// steady is what a server's pool held before the run, in Che's
// approximation (analytic.CheLRUPaths): a page a read references with
// probability q was in it if some read of the last τ referenced it. A page
// not in the pool's list when a read references it, n reads into the run
// at that server, was there from before with probability 1 − (1 − q)^(τ −
// n) (last referenced within τ − n reads before the start), and none is
// after τ reads, when the run's own have taken the pool's place. So the
// pool starts as a server long in service holds it, without storing its
// pages.
type steady struct {
	tau float64
	// ids and q are the pages of the most popular keys, by ID, and the
	// probability that a read references each; rest is, by level, each
	// other page's.
	ids  []int64
	q    []float64
	rest []float64
}

// steadyOf is the pool's state before the run under the workload's key
// popularity pop (nil, or no keys: every row alike). Its slices are the
// memo's, shared: read only.
func (db *Database) steadyOf(pop *engine.Popularity, keys int64) *steady {
	t, capacity := db.tree(keys), db.PoolPages()
	if capacity < float64(t.height) {
		return nil // a pool shorter than a path holds none of it for the next read
	}
	var e *poolFigures
	if pop == nil || keys == 0 {
		e = db.poolFigures(t, nil, nil, 0, nil)
	} else {
		e = db.poolFigures(t, pop.Probs, pop.Counts, float64(keys), pop.Key)
	}
	ids, q := e.byID()
	return &steady{tau: e.charTime(), ids: ids, q: q, rest: e.rest}
}

// held says whether page id of level, which the pool's list lacks, was in
// the pool from before the run, n reads into it at the server.
func (st *steady) held(id int64, level int, n float64, r *rand.Rand) bool {
	if st == nil || n >= st.tau {
		return false
	}
	q := st.rest[level]
	if i, ok := slices.BinarySearch(st.ids, id); ok {
		q = st.q[i]
	}
	return r.Float64() < analytic.PathHeld(q, st.tau-n)
}

// StartsWarm implements engine.Warmed: a database whose indexed reads go
// through a buffer pool starts with the pool's steady state (see steady),
// for which the run provides the workload's key popularity.
func (db *Database) StartsWarm() bool { return db.poolReads() }

// PoolHit is the share of an indexed read's page references its server's
// buffer pool serves, by Che's approximation over the pages (each page
// referenced with the sum of its keys' probabilities), with time counted
// in reads, as a read references a whole path at once
// (analytic.CheLRUPaths), and the pages a read takes from the volume; 1,
// 0 without a pool. A pool smaller than a path holds none of its pages
// when the next read comes: LRU over a repeated path longer than it
// misses every time.
func (db *Database) PoolHit(s topology.Solver) (hit, misses float64) {
	if !db.poolReads() {
		return 1, 0
	}
	h := float64(db.lookupPages())
	if db.PoolPages() < h {
		return 0, h
	}
	kp, kc, total := s.Keys()
	hit = db.poolFigures(db.tree(int64(total)), kp, kc, total, s.KeyOf).hitShare()
	return hit, float64(h * (1 - hit))
}

// volumeLoad is what the busiest server's volume is offered, for the
// estimate: its indexed reads' page reads a second, served in exponential
// times at the rate of page reads, and its scans a second, each served in
// the constant scan time. Both go through one FIFO queue, an M/G/1 queue
// for Poisson arrivals, whose mixed service time gives the
// Pollaczek–Khinchine wait; without scans it is the M/M/1 queue at the
// rate of page reads.
type volumeLoad struct {
	pages, rate float64 // page reads a second, and the rate of page reads
	scans, scan float64 // scans a second, and a scan's service
}

// busy is the volume's busy share: above 1 when it is offered more than
// it serves.
func (l volumeLoad) busy() float64 { return l.pages/l.rate + float64(l.scans*l.scan) }

// wait is the mean time a read waits in the volume's queue before its
// service, by Pollaczek–Khinchine, Wq = Σ λᵢ E[Sᵢ²] ÷ 2(1 − ρ) over the
// page reads (E[S²] = 2 ÷ rate², exponential) and the scans (E[S²] = s²,
// constant) (Kleinrock, Queueing Systems vol. 1, 1975, §5.7); +Inf when
// ρ ≥ 1.
func (l volumeLoad) wait() float64 {
	rho := l.busy()
	if !(rho < 1) {
		return math.Inf(1)
	}
	second := float64(2*l.pages)/float64(l.rate*l.rate) + float64(float64(l.scans*l.scan)*l.scan)
	return second / (2 * (1 - rho))
}

// page is a page read's mean time in the volume's queue and service: the
// M/M/1 sojourn 1/(rate − λ) without scans; +Inf when ρ ≥ 1.
func (l volumeLoad) page() float64 {
	if l.scans == 0 {
		if l.pages >= l.rate {
			return math.Inf(1)
		}
		return analytic.MM1{Lambda: l.pages, Mu: l.rate}.MeanSojourn()
	}
	return l.wait() + 1/l.rate
}

// scanRead says class's read visits scan: its own operation's index, or
// the plain read's, says false.
func (db *Database) scanRead(class string) bool {
	i := db.readIndex(class)
	return i != nil && !*i
}

// volumeLoad is the load on the busiest server's volume (see volumeLoad),
// with the buffer pool's hit share and the pages an indexed read misses
// (PoolHit).
func (db *Database) volumeLoad(s topology.Solver, name string) (l volumeLoad, hit, misses float64) {
	hit, misses = db.PoolHit(s)
	l = volumeLoad{pages: float64(db.lookups(s, name) * misses), rate: db.Data.Volume.pageRate()}
	if db.scanReads() {
		l.scans, l.scan = db.busiest(s, name, db.scanRead), db.scanService()
	}
	return l, hit, misses
}

// volumeWords say, for the estimate's and explain's messages, what bounds
// the volume ("" for its IOPS: "throughput", or "IOPS and throughput")
// and what a visit reads from it ("" for its pages: "scans", or "pages
// and scans").
func (db *Database) volumeWords() (limit, reads string) {
	v := db.Data.Volume
	var byIOPS, byThroughput bool
	if db.poolReads() {
		byThroughput = v.pagesByThroughput()
		byIOPS = !byThroughput
	}
	if db.scanReads() {
		b := db.scanBytes(0)
		scanByIOPS := b > 0 && b/v.throughput() < math.Ceil(b/MaxIOSize)/v.iops()
		byIOPS, byThroughput = byIOPS || scanByIOPS, byThroughput || !scanByIOPS
		reads = "scans"
		if db.poolReads() {
			reads = "pages and scans"
		}
	}
	switch {
	case byIOPS && byThroughput:
		limit = "IOPS and throughput"
	case byThroughput:
		limit = "throughput"
	}
	return limit, reads
}

// volumeDemand is, for mean value analysis, the mean time a visit to the
// database called name keeps its server's volume busy, and its mean time
// in the volume's latency: the share of its visits that are indexed reads,
// times the pages a read misses the buffer pool, times 1 ÷ the rate of
// page reads and the latency, and the share that scans, times a scan's
// service and the latency. The volume is then a queueing station of its
// own, as Solve's Volume (the visits a second there) counts it; 0, 0
// without reads from the volume.
func (db *Database) volumeDemand(s topology.Solver, name string) (busy, latency float64) {
	if !db.volumeReads() {
		return 0, 0
	}
	var all, indexed, scans float64
	for c, class := range s.Classes() {
		all += s.Visits(c, name)
		if !s.Writes(c) && db.indexedRead(class) {
			indexed += s.Visits(c, name)
		}
		if !s.Writes(c) && db.scanRead(class) {
			scans += s.Visits(c, name)
		}
	}
	if all == 0 {
		return 0, 0
	}
	vol := db.Data.Volume
	_, misses := db.PoolHit(s)
	pages := float64(indexed/all) * misses
	busy, latency = pages/vol.pageRate(), float64(pages*vol.latency())
	if sv := db.scanService(); db.scanReads() && sv > 0 && scans > 0 {
		share := scans / all
		busy += float64(share * sv)
		latency += float64(share * vol.latency())
	}
	return busy, latency
}

// indexedRead says a read visit of class finds its rows by an index: its
// own operation's, or the plain read's.
func (db *Database) indexedRead(class string) bool {
	i := db.readIndex(class)
	return i != nil && *i
}

// lookups is the rate of indexed reads the busiest server of the
// database called name takes (primaries and replicas as read_from sends
// them, spread evenly over shards).
func (db *Database) lookups(s topology.Solver, name string) float64 {
	return db.busiest(s, name, db.indexedRead)
}

// busiest is the rate of the read visits of the classes pick says yes to
// that the busiest server of the database called name takes (primaries
// and replicas as read_from sends them, spread evenly over shards).
func (db *Database) busiest(s topology.Solver, name string, pick func(class string) bool) float64 {
	var rate float64
	for c, class := range s.Classes() {
		if !s.Writes(c) && pick(class) {
			rate += s.Visits(c, name)
		}
	}
	on := db.readsOnPrimary()
	per := float64(rate*on) / float64(db.Shards*db.primaries())
	if db.Replicas > 0 {
		per = max(per, float64(rate*(1-on))/float64(db.Shards*db.Replicas))
	}
	return per
}

// withIO is db with, for the estimate, its indexed reads' mean time on
// the volume (ioTime), from the buffer pool's hit share by Che's
// approximation, and its scans' (scanIO), both from the busiest server's
// volume as a queue (see volumeLoad), and the volume's busy share
// (ioBusy); db itself without reads from the volume. note records it in
// the estimate's notes.
func (db *Database) withIO(s topology.Solver, name string, note bool) *Database {
	if !db.volumeReads() {
		return db
	}
	vol := db.Data.Volume
	l, hit, misses := db.volumeLoad(s, name)
	c := *db
	if misses > 0 {
		c.ioTime = float64(misses * (vol.latency() + l.page()))
	}
	if l.scan > 0 {
		c.scanIO = l.wait() + l.scan + vol.latency()
	}
	c.ioBusy = l.busy()
	c.volumeLimit, c.volumeWhat = db.volumeWords()
	if !note {
		return &c
	}
	queue := vol.rateText() + " as an M/M/1 queue"
	if l.scans > 0 {
		queue = vol.rateText() + ", and the scans, as an M/G/1 queue (Pollaczek–Khinchine)"
	}
	if db.poolReads() {
		_, _, approx := db.pageRefs(s)
		how := ""
		if approx {
			how = fmt.Sprintf(" (keys past the %d most popular spread evenly over the pages)", maxExactRanks)
		}
		if db.Shards > 1 {
			how += " (each shard's pool taken as holding its pages as one pool would)"
		}
		each := "without bound"
		switch {
		case misses == 0: // an idle volume's service and latency
			each = units.FormatDuration(1/vol.pageRate() + vol.latency())
		case !math.IsInf(c.ioTime, 1):
			each = units.FormatDuration(c.ioTime / misses)
		}
		s.Note("%s: the buffer pool of %s pages serves %s of the indexed reads' pages by Che's approximation%s; %s pages a read from the volume, %s each (%s, reads taken as Poisson, and %s latency)",
			name, units.FormatCount(db.PoolPages()), units.Percent(hit), how, units.Count(misses), each,
			queue, units.FormatDuration(vol.latency()))
	}
	switch {
	case !(l.busy() >= 1):
	case l.scans == 0 && !vol.pagesByThroughput():
		s.Note("%s: its volume is offered %s reads a second a server, over its %s IOPS", name, units.Figures(l.pages, 4, units.MaxFigure), units.FormatCount(vol.iops()))
	case l.scans == 0:
		s.Note("%s: its volume is offered %s page reads a second a server, over its %s", name, units.Figures(l.pages, 4, units.MaxFigure), vol.rateText())
	case l.pages == 0:
		s.Note("%s: its volume is offered %s scans of %s a second a server, %s of what it serves at %s/s",
			name, units.Figures(l.scans, 4, units.MaxFigure), units.FormatBytes(db.scanBytes(0)), units.Percent(l.busy()), units.FormatBytes(vol.throughput()))
	default:
		s.Note("%s: its volume is offered %s of what it serves a server: %s page reads and %s scans of %s a second, at %s and %s/s",
			name, units.Percent(l.busy()), units.Figures(l.pages, 4, units.MaxFigure), units.Figures(l.scans, 4, units.MaxFigure),
			units.FormatBytes(db.scanBytes(0)), vol.rateText(), units.FormatBytes(vol.throughput()))
	}
	return &c
}

// poolAdvice is the advice when the indexed reads' pages outgrow the
// buffer pool: half their time or more on the volume; "" otherwise.
func (db *Database) poolAdvice(s topology.Solver, name string) string {
	if !db.poolReads() {
		return ""
	}
	vol := db.Data.Volume
	l, hit, misses := db.volumeLoad(s, name)
	io := 0.0
	if misses > 0 {
		io = float64(misses * (vol.latency() + l.page()))
	}
	mem := float64(db.lookupTime() + topology.Mean(db.ReadTime))
	if !(io >= mem) {
		return ""
	}
	spent := "its volume cannot keep up (" + vol.rateText() + ")"
	if l.scans > 0 {
		spent = "its volume cannot keep up (" + vol.rateText() + ", and " + units.FormatBytes(vol.throughput()) + "/s for its scans)"
	}
	if !math.IsInf(io, 1) {
		spent = fmt.Sprintf("an indexed read spends %s on the volume against %s in memory", units.FormatDuration(io), units.FormatDuration(mem))
	}
	more := "a volume with more IOPS (volume: {iops: N})"
	if vol.pagesByThroughput() {
		more = "a volume with more throughput (volume: {throughput: N})"
	}
	return fmt.Sprintf("The working set outgrows the buffer pool: its %s hold %s of the indexed reads' pages, and %s. "+
		"A larger instance (more memory for the pool), a cache in front of the database for the hot keys, or %s.",
		units.FormatBytes(db.poolBytes()), units.Percent(hit), spent, more)
}

// scanAdvice is the advice when the scans spend half their time or more
// on the volume, reading what the buffer pool cannot hold; "" otherwise.
func (db *Database) scanAdvice(s topology.Solver, name string) string {
	if !db.scanReads() || db.scanBytes(0) == 0 {
		return ""
	}
	vol := db.Data.Volume
	l, _, _ := db.volumeLoad(s, name)
	if l.scans == 0 {
		return ""
	}
	io, work := l.wait()+l.scan+vol.latency(), db.scanWork()
	if !(io >= work) {
		return ""
	}
	spent := fmt.Sprintf("its volume cannot keep up: offered %s of what it serves", units.Percent(l.busy()))
	if !math.IsInf(io, 1) {
		spent = fmt.Sprintf("a scan spends %s on the volume against %s of work", units.FormatDuration(io), units.FormatDuration(work))
	}
	return fmt.Sprintf("The scans read %s each from the volume, what the buffer pool cannot hold of a shard's table, at %s/s, and %s. "+
		"An index for them (operations: {NAME: {index: true}}), a larger instance or buffer pool, shards, or a volume with more throughput (volume: {throughput: N}).",
		units.FormatBytes(db.scanBytes(0)), units.FormatBytes(vol.throughput()), spent)
}

// poolRuntime is a database's buffer pools and volumes in a run: one of
// each per server, made when the server first reads from its volume.
type poolRuntime struct {
	db      *database
	tree    tree
	pages   int // a pool's capacity
	rng     *rand.Rand
	servers map[*engine.StationInstance]*serverPool
	// order lists the servers in the order they were made, for figures
	// that do not depend on a map's order.
	order []*serverPool
	// free keeps the visits' records of their reads from the volume, and
	// live counts those in use.
	free engine.FreeList[pendingIO]
	live int
	// own is, by class, how its own operation finds its rows (findIndex,
	// findScan or findGiven), or -1 when the class has none; plain is
	// the plain read's.
	own   []int8
	plain int8
	// before is what the pools held before the run, and held the stream
	// its draws take.
	before *steady
	held   *rand.Rand

	pageReads, memoryReads int64
}

// How a read finds its rows: as its service time says (findGiven), by a
// B-tree descent through the buffer pool (findIndex), or by a scan of its
// shard's table (findScan).
const (
	findGiven int8 = iota
	findIndex
	findScan
)

// finding is how an operation whose index is idx finds its rows.
func finding(idx *bool) int8 {
	switch {
	case idx == nil:
		return findGiven
	case *idx:
		return findIndex
	}
	return findScan
}

// serverPool is one server's buffer pool and volume, and the reads it
// has taken through them.
type serverPool struct {
	pages *engine.KeyStore // nil when no read goes through it
	vol   volume
	reads float64
}

// Waiters implements engine.Waiters: the reads waiting in its volumes' queues,
// whose visits hold their workers meanwhile (a database of many workers
// over a volume that cannot keep up queues there, not at its workers).
func (db *database) Waiters() int {
	if db.pool == nil {
		return 0
	}
	n := 0
	for _, sp := range db.pool.order {
		n += sp.vol.queue.Len()
	}
	return n
}

// pendingIO is a visit's reads from its volume still to make: its page
// reads left, or its scan's service (0 for page reads) and bytes; and
// when its current read joined the volume's queue.
type pendingIO struct {
	j      *engine.Job
	left   int
	scan   float64
	bytes  float64
	queued sim.Time
	vol    *volume
}

// pendingIOBytes is what a pendingIO takes, with its pointer.
const pendingIOBytes = float64(unsafe.Sizeof(pendingIO{}) + 8)

// volume is a server's volume: a FIFO queue of reads served one at a time,
// a page read in an exponential time at the rate of page reads (its IOPS,
// or its throughput ÷ the page size when that is slower), a scan in the
// time its bytes take at the throughput (or its operations of MaxIOSize at
// the IOPS, when slower); then a constant latency (a FIFO of reads in it,
// each due its latency after its service).
type volume struct {
	pr      *poolRuntime
	queue   sim.FIFO[*pendingIO]
	cur     *pendingIO
	since   sim.Time // busy since, in the window
	busy    float64  // seconds busy in the window, until since
	reads   int64
	sojourn sim.Summary // queue and service
	// scans, scanBytes and scanSojourn are the scans served, their bytes
	// and their time in queue and service.
	scans       int64
	scanBytes   float64
	scanSojourn sim.Summary
	lat         volumeLatency
}

// volumeLatency is the reads of a volume in their latency.
type volumeLatency struct {
	v   *volume
	due sim.FIFO[dueRead]
}

type dueRead struct {
	p  *pendingIO
	at sim.Time
}

func newPoolRuntime(db *database) *poolRuntime {
	spec := db.spec
	pr := &poolRuntime{db: db, pages: int(min(spec.PoolPages(), maxPoolSlots)),
		rng: db.net.Stream(db.node.Name + "/volume"), servers: map[*engine.StationInstance]*serverPool{},
		plain: finding(spec.Operations[OperationRead].Index)}
	if spec.poolReads() {
		pr.tree = spec.tree(db.net.KeyCount())
		pr.before = spec.steadyOf(db.net.Popularity(), db.net.KeyCount())
		pr.held = db.net.Stream(db.node.Name + "/pool")
	}
	for _, class := range db.net.Classes() {
		if op, ok := spec.ownOperation(class); ok {
			pr.own = append(pr.own, finding(op.Index))
		} else {
			pr.own = append(pr.own, -1)
		}
	}
	return pr
}

// finds says how visit j finds its rows: as workTime picks the operation
// a visit does; findGiven for a write.
func (pr *poolRuntime) finds(j *engine.Job) int8 {
	n := pr.db.net
	if n.Writes(j) {
		return findGiven
	}
	if c := n.ClassOperation(j); c >= 0 && c < len(pr.own) && pr.own[c] >= 0 {
		return pr.own[c]
	}
	return pr.plain
}

// server is the pool and volume of the server j is served on.
func (pr *poolRuntime) server(j *engine.Job) *serverPool {
	sp := pr.servers[j.Instance()]
	if sp == nil {
		sp = &serverPool{}
		if pr.db.spec.poolReads() {
			sp.pages = engine.NewKeyStore(topology.EvictLRU, pr.pages, 0, nil)
		}
		sp.vol = volume{pr: pr, since: pr.db.net.Now()}
		sp.vol.lat.v = &sp.vol
		pr.servers[j.Instance()] = sp
		pr.order = append(pr.order, sp)
	}
	return sp
}

// lookup reads the pages of j's descent through its server's pool, root
// first, and says how many were not there (each now is, evicting the
// least recently used).
func (pr *poolRuntime) lookup(j *engine.Job, sp *serverPool, now sim.Time) int {
	t := pr.tree
	var leaf int64
	if t.perKey > 0 {
		leaf = t.leafOf(j.Key())
	} else {
		leaf = t.leaf(math.Floor(float64(pr.rng.Float64() * t.rows)))
	}
	misses := 0
	for level := t.height - 1; level >= 0; level-- {
		idx := leaf
		for range level {
			idx /= t.f
		}
		id := pageID(idx, level)
		pr.pageReads++
		if hit, _ := sp.pages.Get(id, now); hit {
			pr.memoryReads++
			continue
		}
		sp.pages.Put(id, now, false)
		if pr.before.held(id, level, sp.reads, pr.held) {
			pr.memoryReads++
			continue
		}
		misses++
	}
	sp.reads++
	return misses
}

// served takes visit j, whose work is done, through its pages, or its
// scan through its volume: it says whether j waits on its volume (and is
// finished later, by readDone).
func (pr *poolRuntime) served(j *engine.Job) bool {
	switch pr.finds(j) {
	case findIndex:
		if pr.pages == 0 {
			return false // no pool: every page in memory
		}
		now := pr.db.net.Now()
		sp := pr.server(j)
		misses := pr.lookup(j, sp, now)
		if misses == 0 {
			return false
		}
		pr.submit(j, sp, misses, 0, 0, now)
		return true
	case findScan:
		db := pr.db
		bytes := db.spec.scanBytes(db.written)
		if !(bytes > 0) {
			return false
		}
		pr.submit(j, pr.server(j), 1, db.spec.Data.Volume.scanTime(bytes), bytes, db.net.Now())
		return true
	}
	return false
}

// submit queues j's reads at sp's volume: misses page reads, or a scan of
// service scan and bytes.
func (pr *poolRuntime) submit(j *engine.Job, sp *serverPool, misses int, scan, bytes float64, now sim.Time) {
	p := pr.free.Get()
	*p = pendingIO{j: j, left: misses, scan: scan, bytes: bytes, vol: &sp.vol}
	pr.live++
	sp.vol.submit(p, now)
}

// submit queues a read of p's.
func (v *volume) submit(p *pendingIO, now sim.Time) {
	p.queued = now
	if v.cur != nil {
		v.queue.Push(p)
		return
	}
	v.start(p, now)
}

// start serves a read of p's.
func (v *volume) start(p *pendingIO, now sim.Time) {
	v.cur, v.since = p, now
	if p.scan > 0 {
		v.pr.db.net.FireAfter(p.scan, v)
		return
	}
	v.pr.db.net.FireAfter(float64(-math.Log1p(-v.pr.rng.Float64())/v.pr.db.spec.Data.Volume.pageRate()), v)
}

// Fire implements engine.Firer: the read in service is done; it waits out the
// latency, and the next starts.
func (v *volume) Fire(now sim.Time) {
	p := v.cur
	v.cur = nil
	v.busy += float64(now - v.since)
	v.since = now
	if p.scan > 0 {
		v.scans++
		v.scanBytes += p.bytes
		v.scanSojourn.Add(float64(now - p.queued))
	} else {
		v.reads++
		v.sojourn.Add(float64(now - p.queued))
	}
	at := now + sim.Time(v.pr.db.spec.Data.Volume.latency())
	v.lat.due.Push(dueRead{p, at})
	v.pr.db.net.FireAt(at, &v.lat)
	if v.queue.Len() > 0 {
		v.start(v.queue.Pop(), now)
	}
}

// Fire implements engine.Firer: the reads due by now are done.
func (l *volumeLatency) Fire(now sim.Time) {
	for l.due.Len() > 0 && l.due.Peek().at <= now {
		l.v.pr.readDone(l.due.Pop().p, now)
	}
}

// readDone ends one of p's reads: the next, or the visit's end.
func (pr *poolRuntime) readDone(p *pendingIO, now sim.Time) {
	if p.left--; p.left > 0 {
		p.vol.submit(p, now)
		return
	}
	j := p.j
	*p = pendingIO{}
	pr.free.Put(p)
	pr.live--
	if j.Instance().Down() {
		j.Station().FailNow(j) // its server went down while it read
		return
	}
	pr.db.complete(j)
}

// inUse is the pages the pools hold and the visits waiting on volumes.
func (pr *poolRuntime) inUse() float64 {
	held := 0
	for _, sp := range pr.order {
		if sp.pages != nil {
			held += sp.pages.Len()
		}
		held += sp.vol.queue.Len() + sp.vol.lat.due.Len()
	}
	return float64(float64(held)*engine.KeyBytes) + pr.free.Bytes(pr.live, pendingIOBytes)
}

func (pr *poolRuntime) resetStats(now sim.Time) {
	pr.pageReads, pr.memoryReads = 0, 0
	for _, sp := range pr.order {
		v := &sp.vol
		v.reads, v.sojourn, v.busy, v.since = 0, sim.Summary{}, 0, now
		v.scans, v.scanBytes, v.scanSojourn = 0, 0, sim.Summary{}
	}
}

// BufferPoolStats are a database's buffer pools and volumes over the
// window: the page reads of its indexed reads, those served from memory
// and their share, and the reads of its servers' volumes: their time in
// the volume's queue and service (mean, without the latency), the
// latency, the IOPS and throughput, the busiest volume's busy share, and
// the scans that read from the volumes.
type BufferPoolStats struct {
	// PoolPages is the pages each server's pool holds.
	PoolPages float64 `json:"pool_pages"`
	// PageReads are the pages the indexed reads referenced.
	PageReads int64 `json:"page_reads"`
	// MemoryReads are those the pools held.
	MemoryReads int64 `json:"memory_reads"`
	// MemoryShare is MemoryReads ÷ PageReads; null without page reads.
	MemoryShare *float64 `json:"memory_share"`
	// VolumeReads are the pages read from the volumes.
	VolumeReads int64 `json:"volume_reads"`
	// VolumeTimeMean is a volume read's mean time in its queue and
	// service, without the latency; null without volume reads.
	VolumeTimeMean *float64 `json:"volume_time_mean"`
	// VolumeLatency is a volume read's latency besides (seconds).
	VolumeLatency float64 `json:"volume_latency"`
	// VolumeIOPS is a volume's IOPS.
	VolumeIOPS float64 `json:"volume_iops"`
	// VolumeThroughput is a volume's throughput (bytes a second).
	VolumeThroughput float64 `json:"volume_throughput"`
	// VolumePageRate is a volume's rate of page reads: VolumeIOPS, or
	// VolumeThroughput ÷ the page size when that is slower.
	VolumePageRate float64 `json:"volume_page_rate"`
	// VolumeUtilization is the busiest volume's busy share, its page
	// reads and scans.
	VolumeUtilization float64 `json:"volume_utilization"`
	// VolumeScans are the scans that read from the volumes, and
	// VolumeScanBytes their bytes.
	VolumeScans     int64   `json:"volume_scans"`
	VolumeScanBytes float64 `json:"volume_scan_bytes"`
	// VolumeScanTimeMean is a scan's mean time in its volume's queue and
	// service, without the latency; null without scans.
	VolumeScanTimeMean *float64 `json:"volume_scan_time_mean"`

	// scansOnly says no read goes through the pool: only scans read
	// from the volumes.
	scansOnly bool
}

func (pr *poolRuntime) stats(window float64, now sim.Time) *BufferPoolStats {
	vol := pr.db.spec.Data.Volume
	bs := &BufferPoolStats{PoolPages: float64(pr.pages), PageReads: pr.pageReads, MemoryReads: pr.memoryReads,
		MemoryShare: topology.Ratio(float64(pr.memoryReads), float64(pr.pageReads)), VolumeLatency: vol.latency(), VolumeIOPS: vol.iops(),
		VolumeThroughput: vol.throughput(), VolumePageRate: vol.pageRate(), scansOnly: !pr.db.spec.poolReads()}
	var sum, scanSum float64
	for _, sp := range pr.order {
		v := &sp.vol
		bs.VolumeReads += v.reads
		bs.VolumeScans += v.scans
		bs.VolumeScanBytes += v.scanBytes
		sum += float64(float64(v.sojourn.N()) * v.sojourn.Mean())
		scanSum += float64(float64(v.scanSojourn.N()) * v.scanSojourn.Mean())
		busy := v.busy
		if v.cur != nil {
			busy += float64(now - v.since)
		}
		if window > 0 {
			bs.VolumeUtilization = max(bs.VolumeUtilization, busy/window)
		}
	}
	if bs.VolumeReads > 0 {
		m := sum / float64(bs.VolumeReads)
		bs.VolumeTimeMean = &m
	}
	if bs.VolumeScans > 0 {
		m := scanSum / float64(bs.VolumeScans)
		bs.VolumeScanTimeMean = &m
	}
	return bs
}

// writeText writes the pool's line of a database's figures, and its
// scans' when some read from the volumes.
func (bs *BufferPoolStats) writeText(w io.Writer) {
	rate := pageRateText(bs.VolumeIOPS, bs.VolumeThroughput)
	pool := !bs.scansOnly
	if pool {
		fmt.Fprintf(w, "%-11s buffer pool %s pages (%s) a server: %s of %s from memory; %s at %s, busiest volume %s busy, %s each in its queue and service + %s latency\n",
			"", units.FormatCount(bs.PoolPages), units.FormatBytes(float64(bs.PoolPages*PageSize)), units.OrUnknown(bs.MemoryShare, units.Percent), units.Plural(bs.PageReads, "page read", "page reads"),
			units.Plural(bs.VolumeReads, "volume read", "volume reads"), rate, units.Percent(bs.VolumeUtilization), units.OrUnknown(bs.VolumeTimeMean, units.FormatDuration),
			units.FormatDuration(bs.VolumeLatency))
	}
	if bs.VolumeScans > 0 || bs.scansOnly {
		past, busiest := "", ""
		if !pool {
			past = " past a buffer pool of " + units.FormatBytes(float64(bs.PoolPages*PageSize)) + " a server"
			busiest = ", busiest volume " + units.Percent(bs.VolumeUtilization) + " busy"
		}
		each := "-"
		if bs.VolumeScans > 0 {
			each = units.FormatBytes(bs.VolumeScanBytes / float64(bs.VolumeScans))
		}
		fmt.Fprintf(w, "%-11s %s from the volumes%s, %s each at %s%s, %s each in its queue and service + %s latency\n",
			"", units.Plural(bs.VolumeScans, "scan", "scans"), past, each, scanRateText(bs.VolumeIOPS, bs.VolumeThroughput), busiest,
			units.OrUnknown(bs.VolumeScanTimeMean, units.FormatDuration), units.FormatDuration(bs.VolumeLatency))
	}
}
