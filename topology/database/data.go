package database

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// Data is how much a database holds: PerUser bytes for each user of the
// workload (data: {per_user: 2KB}), so that it grows with the users, or a
// fixed number of Rows of RowSize bytes. Every server of a shard holds
// the shard's part in full (a replica is a copy), and each server's
// volume is billed per GiB-month.
//
// With a row size, the rows are counted, and a database's operations may
// say how a query finds its rows (Operation.Index): an unindexed query
// scans the shard's rows at RowTime each, an indexed one reads the pages
// of one B-tree descent at PageTime each, and every write pays
// IndexWriteTime for each index. The zero figures of RowTime, PageTime,
// IndexWriteTime and IndexEntrySize take their defaults.
type Data struct {
	// PerUser is the bytes stored for each user: the rows, and the
	// indexes no operation declares.
	PerUser float64
	// Rows is a fixed number of rows (data: {rows: N, row_size: S}),
	// whatever the users; 0 with PerUser.
	Rows float64
	// PerWrite is the bytes each write adds (an insert), so that the data
	// grows over a run; 0: writes change rows in place.
	PerWrite float64
	// Written is the bytes of rows the writes before the run added, on
	// top of PerUser × users or Rows × RowSize (a timeline sets it for
	// each date from the writes of the months before).
	Written float64
	// RowSize is the bytes of a row; 0: not given (the rows are not
	// counted).
	RowSize float64
	// RowTime is a scan's work for each row it examines (seconds).
	RowTime float64
	// PageTime is an indexed lookup's work for each page of the B-tree it
	// reads in memory (seconds).
	PageTime float64
	// IndexWriteTime is the work each index adds to every write
	// (seconds).
	IndexWriteTime float64
	// IndexEntrySize is the bytes of an index's entry for each row.
	IndexEntrySize float64
	// BufferPool is the share of a server's memory its buffer pool takes
	// (0: DefaultBufferPool), or BufferPoolBytes its size; with neither
	// and an instance type without memory, every page is in memory.
	BufferPool, BufferPoolBytes float64
	// Volume is each server's storage volume, which serves the pages
	// not in its buffer pool.
	Volume Volume

	// users are the workload's users, and writes its classes that write,
	// set by Topology.ValidateData.
	users  float64
	writes map[string]bool
	// failed says decoding refused part of it (already reported): the
	// rest is not checked.
	failed bool
	// memory is the memory of a server's instance type (bytes; 0:
	// unknown), set by Topology.Validate.
	memory float64
}

// StoragePerGiBMonth is the price of a database server's storage: Amazon
// RDS for MySQL, General Purpose SSD (gp3), Single-AZ, us-east-1, $0.115 per
// GB-month (aws.amazon.com/rds/mysql/pricing, recorded on CatalogueDate),
// a GB counted as 2^30 bytes as AWS bills storage.
const StoragePerGiBMonth = 0.115

// MaxStoragePerServer is the most an RDS for MySQL instance stores: 64 TiB
// ("Amazon RDS DB instance storage", Amazon RDS User Guide). A server
// asked to hold more is reported over it: a database that outgrows it is
// sharded.
const MaxStoragePerServer = 64 << 40

// PageSize is the bytes of a database page: InnoDB's default
// innodb_page_size, 16 KB (MySQL 8.4 Reference Manual, "InnoDB Startup
// Options and System Variables").
const PageSize = 16 << 10

// Defaults of the data's costs. They are assumptions, not published
// figures: measure a query's own (EXPLAIN ANALYZE's time over the rows it
// examined) and set them.
const (
	// DefaultRowTime is a scan's work per row examined: 100 ns, a core
	// examining 10 million rows a second held in memory.
	DefaultRowTime = 100e-9
	// DefaultPageTime is an indexed lookup's work per B-tree page read in
	// memory (its latch and a binary search of its records): 1 µs.
	DefaultPageTime = 1e-6
	// DefaultIndexWriteTime is the work an index adds to a write: 10 µs,
	// inserting its entry into a page held in memory (InnoDB's change
	// buffer defers the reads of secondary-index pages that are not, so
	// the cost is taken as constant, not growing with the rows).
	DefaultIndexWriteTime = 10e-6
	// DefaultIndexEntrySize is an index's bytes per row: 32 B, a key of 16
	// bytes, the row's primary key of 8 and a record header and slot of 8.
	DefaultIndexEntrySize = 32
)

// Bounds of the data's settings.
const (
	maxPerUser    = 1e12 // a terabyte a user
	maxWritten    = 1e24 // a yottabyte: beyond any data, within a float's exact range of bytes
	maxRows       = 1e18
	maxDataCost   = 1.0 // seconds: a row's, a page's or an index write's work
	maxRowSize    = PageSize
	maxIndexEntry = PageSize
)

// decodeData reads a database's data: {per_user: SIZE} or {rows: N,
// row_size: SIZE}, and the costs; nil when absent.
func decodeData(d *yamlfile.Decoder, m yamlfile.Map, what string) *Data {
	if !m.Has("data") {
		return nil
	}
	f, ok := d.Mapping(m.Get("data"), what+" data", "per_user", "rows", "row_size", "row_time", "page_time",
		"index_write_time", "index_entry_size", "buffer_pool", "volume", "per_write", "written")
	if !ok {
		return nil
	}
	switch {
	case !f.Has("per_user") && !f.Has("rows"):
		d.Errorf(m.Get("data"), "%s data needs per_user (the bytes stored for each user, e.g. {per_user: 2KB}) or rows and row_size", what)
		return nil
	case f.Has("per_user") && f.Has("rows"):
		d.Errorf(f.Key("rows"), "%s data gives per_user and rows: give one (rows are a fixed size, per_user grows with the users)", what)
		return nil
	}
	data, failed := &Data{}, &Data{failed: true}
	if f.Has("per_user") {
		if data.PerUser, ok = d.Bytes(f.Get("per_user"), what+" data per_user"); !ok {
			return failed
		}
	}
	if f.Has("rows") {
		if data.Rows, ok = d.Count(f.Get("rows"), what+" data rows"); !ok {
			return failed
		}
		if !f.Has("row_size") {
			d.Errorf(f.Key("rows"), "%s data rows needs row_size: the bytes of a row", what)
			return failed
		}
	}
	for _, s := range []struct {
		key string
		to  *float64
	}{{"row_size", &data.RowSize}, {"index_entry_size", &data.IndexEntrySize}, {"per_write", &data.PerWrite}, {"written", &data.Written}} {
		if f.Has(s.key) {
			if *s.to, ok = d.Bytes(f.Get(s.key), what+" data "+s.key); !ok {
				data.failed = true
			}
		}
	}
	for _, s := range []struct {
		key string
		to  *float64
	}{{"row_time", &data.RowTime}, {"page_time", &data.PageTime}, {"index_write_time", &data.IndexWriteTime}} {
		if f.Has(s.key) {
			if *s.to, ok = d.PositiveDuration(f.Get(s.key), what+" data "+s.key,
				fmt.Sprintf("%s data %s must be above 0 (leave it out for the default)", what, s.key)); !ok {
				data.failed = true
			}
		}
	}
	if f.Has("buffer_pool") && !decodeBufferPool(d, f.Get("buffer_pool"), what, data) {
		data.failed = true
	}
	if f.Has("volume") && !decodeVolume(d, f.Get("volume"), what, &data.Volume) {
		data.failed = true
	}
	return data
}

// validate checks the data's size and costs, under the database's data
// field.
func (data *Data) validate(e field.Errors, what string) {
	if data == nil || data.failed {
		return
	}
	switch v := data.PerUser; {
	case data.Rows > 0:
	case !(v > 0) || math.IsInf(v, 0):
		e.Add("per_user", "%s data per_user must be above 0 (leave data out for a database whose size is not modelled)", what)
	case v > maxPerUser:
		e.Add("per_user", "%s data per_user is %s; at most %s a user", what, units.FormatBytes(v), units.FormatBytes(maxPerUser))
	}
	if v := data.Written; v != 0 && !(v > 0 && v <= maxWritten) {
		e.Add("written", "%s data written is %s; at most %s", what, units.FormatBytes(v), units.FormatBytes(maxWritten))
	}
	if v := data.PerWrite; v != 0 && !(v > 0 && v <= maxPerUser) {
		e.Add("per_write", "%s data per_write is %s; at most %s a write", what, units.FormatBytes(v), units.FormatBytes(maxPerUser))
	}
	if r := data.Rows; r != 0 && !(r >= 1 && r <= maxRows) {
		e.Add("rows", "%s data rows must be from 1 to %g, got %g", what, float64(maxRows), r)
	}
	for _, s := range []struct {
		key      string
		v, limit float64
	}{{"row_size", data.RowSize, maxRowSize}, {"index_entry_size", data.IndexEntrySize, maxIndexEntry}} {
		if s.v != 0 && !(s.v >= 1 && s.v <= s.limit) {
			e.Add(s.key, "%s data %s must be from 1B to %s (a page), got %s", what, s.key, units.FormatBytes(s.limit), units.FormatBytes(s.v))
		}
	}
	for _, s := range []struct {
		key string
		v   float64
	}{{"row_time", data.RowTime}, {"page_time", data.PageTime}, {"index_write_time", data.IndexWriteTime}} {
		if s.v != 0 && !(s.v > 0 && s.v <= maxDataCost) {
			e.Add(s.key, "%s data %s must be above 0 and at most %s", what, s.key, units.FormatDuration(maxDataCost))
		}
	}
	data.validatePool(e, what)
}

// orDefault is v, or def when v is 0.
func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// tableBytes is the bytes of the table's rows at users users: PerUser ×
// users, or Rows × RowSize.
func (data *Data) tableBytes(users float64) float64 {
	if data.Rows > 0 {
		return float64(data.Rows*data.RowSize) + data.Written
	}
	return float64(data.PerUser*users) + data.Written
}

// rows is the rows of the table at users users (at least 1); 0 without a
// row size.
func (data *Data) rows(users float64) float64 {
	switch {
	case data.RowSize == 0:
		return 0
	case data.Rows > 0:
		return data.Rows + math.Floor(data.Written/data.RowSize)
	}
	return max(1, math.Ceil(data.tableBytes(users)/data.RowSize))
}

// Fanout is the entries of a B-tree page of rows of rowSize bytes: the
// rows a 16 KB page holds, at least 2.
func Fanout(rowSize float64) float64 { return max(2, math.Floor(PageSize/rowSize)) }

// BTreeHeight is the pages one descent of a B-tree of rows rows reads:
// the least h with fanout^h ≥ rows, at least 1 (the root, which holds up
// to fanout rows itself).
func BTreeHeight(rows, fanout float64) int {
	h, reach := 1, fanout
	for reach < rows {
		h++
		reach = float64(reach * fanout)
	}
	return h
}

// Indexes is the indexes the database keeps: one for each of its
// operations with index: true.
func (db *Database) Indexes() int {
	n := 0
	for _, op := range db.Operations {
		if op.Index != nil && *op.Index {
			n++
		}
	}
	return n
}

// Rows is the rows of the database at users users (in all shards); 0
// when they are not counted (no data, or no row size).
func (db *Database) Rows(users float64) float64 {
	if db.Data == nil {
		return 0
	}
	return db.Data.rows(users)
}

// ShardRows is the rows one server holds (its shard's part) at the
// workload's users; 0 when the rows are not counted.
func (db *Database) ShardRows() float64 {
	if db.Data == nil {
		return 0
	}
	r := db.Data.rows(db.Data.users)
	if r == 0 {
		return 0
	}
	return max(1, math.Ceil(r/float64(db.Shards)))
}

// scanTime is the time an unindexed query adds: every row of its shard
// examined (scanWork) and, in the estimate, its mean time on the volume
// reading the part of the shard's table the buffer pool cannot hold
// (scanIO, see withIO; in a run it queues at the volume after its work).
func (db *Database) scanTime() float64 { return db.scanWork() + db.scanIO }

// scanWork is an unindexed query's work: every row of its shard examined.
func (db *Database) scanWork() float64 {
	return float64(db.ShardRows() * orDefault(db.Data.RowTime, DefaultRowTime))
}

// lookupPages is the pages an indexed query reads: one descent of its
// shard's B-tree.
func (db *Database) lookupPages() int {
	return BTreeHeight(db.ShardRows(), Fanout(db.Data.RowSize))
}

// lookupTime is the work an indexed query adds: its pages read in memory.
func (db *Database) lookupTime() float64 {
	return float64(float64(db.lookupPages()) * orDefault(db.Data.PageTime, DefaultPageTime))
}

// indexWrites is the work the indexes add to every write.
func (db *Database) indexWrites() float64 {
	if db.Data == nil {
		return 0
	}
	return float64(float64(db.Indexes()) * orDefault(db.Data.IndexWriteTime, DefaultIndexWriteTime))
}

// Stored is what database db holds at users users: its data in all (the
// rows, PerUser × users or Rows × RowSize, and each declared index's
// entries) and on each server (its shard's part); 0, 0 without data.
func (db *Database) Stored(users float64) (total, perServer float64) {
	if db.Data == nil {
		return 0, 0
	}
	total = db.Data.tableBytes(users)
	if n := db.Indexes(); n > 0 {
		total += float64(float64(float64(n)*db.Data.rows(users)) * orDefault(db.Data.IndexEntrySize, DefaultIndexEntrySize))
	}
	return total, total / float64(db.Shards)
}

// Growth is what written bytes of rows add to the database's data: the
// rows, and each declared index's entries for them.
func (db *Database) Growth(written float64) float64 {
	if db.Data == nil || db.Data.RowSize == 0 {
		return written
	}
	entries := float64(float64(db.Indexes()) * orDefault(db.Data.IndexEntrySize, DefaultIndexEntrySize))
	return written * (1 + entries/db.Data.RowSize)
}

// StorageMonthly is the monthly price of database db's storage at users
// users: every server's volume (its shard's data), at StoragePerGiBMonth.
func (db *Database) StorageMonthly(users float64) float64 {
	_, each := db.Stored(users)
	return float64(each*float64(db.Units())) / (1 << 30) * StoragePerGiBMonth
}

// Storage implements topology.Storing: its data at users users (Stored,
// Rows) and its storage's price (StorageMonthly); ok is false without
// data.
func (db *Database) Storage(users float64) (topology.Storage, bool) {
	if db.Data == nil {
		return topology.Storage{}, false
	}
	total, each := db.Stored(users)
	return topology.Storage{Bytes: total, PerServer: each, Servers: db.Units(), Rows: db.Rows(users), Fixed: db.Data.Rows > 0,
		MonthlyUSD: db.StorageMonthly(users), PerGiBMonth: StoragePerGiBMonth, Limit: MaxStoragePerServer}, true
}

// PerWrite implements topology.Storing: the data's per_write; 0 without
// data.
func (db *Database) PerWrite() float64 {
	if db.Data == nil {
		return 0
	}
	return db.Data.PerWrite
}

// StorageGrowth implements topology.Storing: Growth, and its price on
// every server that stores its shard's part.
func (db *Database) StorageGrowth(written float64) (bytes, monthlyUSD float64) {
	g := db.Growth(written)
	return g, float64(g*float64(db.Units())/float64(db.Shards)) / (1 << 30) * StoragePerGiBMonth
}

// noteIndexes says, in the estimate's notes, how the database's reads find
// their rows and what the indexes cost its writes.
func (db *Database) noteIndexes(s topology.Solver, name string) {
	if db.Data == nil || db.Data.RowSize == 0 {
		return
	}
	visits := map[string]float64{}
	for c, class := range s.Classes() {
		visits[class] = s.Visits(c, name)
	}
	for _, class := range topology.SortedKeys(db.Operations) {
		switch op := db.Operations[class]; {
		case op.Index == nil || db.Data.writes[class]:
		case *op.Index && !plainOperation(class) && !(visits[class] > 0):
			s.Note("%s: the index of %s serves no read (its requests do not reach %s): it only costs every write %s and the storage its entries",
				name, class, name, units.FormatDuration(orDefault(db.Data.IndexWriteTime, DefaultIndexWriteTime)))
		case *op.Index:
			s.Note("%s: %s reads %s of a B-tree of %s rows a shard (fan-out %g), %s of work", name, class,
				units.Plural(db.lookupPages(), "page", "pages"), units.FormatCount(db.ShardRows()), Fanout(db.Data.RowSize), units.FormatDuration(db.lookupTime()))
		case db.scanIO == 0:
			s.Note("%s: %s scans %s rows a shard, %s of work", name, class, units.FormatCount(db.ShardRows()), units.FormatDuration(db.scanWork()))
		default:
			io := "without bound (its volume cannot keep up)"
			if !math.IsInf(db.scanIO, 1) {
				io = units.FormatDuration(db.scanIO) + " with its wait in the volume's queue (M/G/1, reads taken as Poisson) and its latency"
			}
			s.Note("%s: %s scans %s rows a shard, %s of work, and reads the %s the buffer pool cannot hold from the volume, %s of service (%s/s), %s",
				name, class, units.FormatCount(db.ShardRows()), units.FormatDuration(db.scanWork()), units.FormatBytes(db.scanBytes(0)),
				units.FormatDuration(db.scanService()), units.FormatBytes(db.Data.Volume.throughput()), io)
		}
	}
	if db.Data.PerWrite > 0 {
		s.Note("%s: its writes add %s each, so its reads slow down over a run; the estimate takes the rows at the start", name, units.FormatBytes(db.Data.PerWrite))
	}
	switch n := db.Indexes(); {
	case n == 1:
		s.Note("%s: 1 index adds %s to every write", name, units.FormatDuration(db.indexWrites()))
	case n > 1:
		s.Note("%s: %d indexes add %s to every write", name, n, units.FormatDuration(db.indexWrites()))
	}
}

// indexAdvice is the advice to index the reads that scan, when their
// scans are half of the database's work or more; "" otherwise.
func (db *Database) indexAdvice(s topology.Solver, name string) string {
	if db.Data == nil || db.Data.RowSize == 0 {
		return ""
	}
	var total, scans float64
	var worst string
	worstWork := 0.0
	for c, class := range s.Classes() {
		v := s.Visits(c, name)
		total += float64(v * topology.Mean(db.ClassTime(class, s.Writes(c))))
		if op := db.Operations[class]; op.Index != nil && !*op.Index && !s.Writes(c) {
			w := float64(v * db.scanTime())
			scans += w
			if w > worstWork {
				worst, worstWork = class, w
			}
		}
	}
	if op := db.Operations[OperationRead]; op.Index != nil && !*op.Index {
		for c := range s.Classes() {
			if _, mine := db.opTime(s.Classes()[c]); !mine && !s.Writes(c) {
				w := float64(s.Visits(c, name) * db.scanTime())
				scans += w
				if w > worstWork {
					worst, worstWork = OperationRead, w
				}
			}
		}
	}
	if worst == "" || !(scans >= total/2) {
		return ""
	}
	return fmt.Sprintf("Add an index: the reads that scan are %.0f%% of the database's work; %s scans %s rows a shard each time (%s). "+
		"With an index (operations: {%s: {index: true}}) each reads %s (%s), and every write pays %s more for it and the storage %s.",
		100*scans/total, worst, units.FormatCount(db.ShardRows()), units.FormatDuration(db.scanTime()), worst,
		units.Plural(db.lookupPages(), "page", "pages"), units.FormatDuration(db.lookupTime()), units.FormatDuration(orDefault(db.Data.IndexWriteTime, DefaultIndexWriteTime)),
		units.FormatBytes(float64(db.Data.rows(db.Data.users)*orDefault(db.Data.IndexEntrySize, DefaultIndexEntrySize))))
}

// ValidateData implements topology.DataHolder: it records the workload's
// users (0: none, an open rate) and the classes that write on its data,
// and refuses data that grows with users when the workload has none to
// count, and an index on an operation of a class that writes.
func (db *Database) ValidateData(e field.Errors, name string, users float64, writes []string) {
	for _, op := range topology.SortedKeys(db.Operations) {
		if o := db.Operations[op]; o.Index != nil && (op == OperationWrite || slices.Contains(writes, op)) {
			e.In("operations", op).AddAtKey("index", "database %s: operation %s writes, and index says how a read finds its rows: "+
				"a write pays for every index instead (data index_write_time); leave index out here", name, op)
		}
	}
	if db.Data == nil {
		return
	}
	db.Data.users, db.Data.writes = users, map[string]bool{}
	for _, w := range writes {
		db.Data.writes[w] = true
	}
	if users == 0 && db.Data.Rows == 0 {
		e.AddAtKey("data", "database %s: data per_user grows with the workload's users, and an open rate has none: "+
			"give the workload users (users: N) or a closed population, or give the data's rows and row_size", name)
	}
}

// DataGrows implements topology.DataHolder: its reads slow down as the
// run's writes add rows (data per_write, with reads that scan or descend
// an index).
func (db *Database) DataGrows() bool {
	if db.Data != nil && db.Data.PerWrite > 0 && db.Data.RowSize > 0 {
		for _, op := range db.Operations {
			if op.Index != nil {
				return true
			}
		}
	}
	return false
}

// growing is a read's service time t when its rows grow with the run's
// writes (data per_write): t, which counts the rows at the start, and the
// work of the rows added since.
type growing struct {
	t   sim.Dist
	db  *database
	idx bool // an indexed read; else a scan
}

// Sample implements sim.Dist.
func (g growing) Sample(r *rand.Rand) float64 { return g.t.Sample(r) + g.db.grownTime(g.idx) }

// Mean implements sim.Dist: at the start's rows.
func (g growing) Mean() float64 { return g.t.Mean() }

// SCV implements sim.Dist: at the start's rows.
func (g growing) SCV() float64 { return g.t.SCV() }

// String implements sim.Dist.
func (g growing) String() string { return g.t.String() + " and the rows written since the start" }

// growing wraps the reads that find rows (the plain read, and the
// classes' own, by class) so that their work counts the rows the run's
// writes add.
func (db *database) growing(read sim.Dist, byClass []sim.Dist) (sim.Dist, []sim.Dist) {
	spec := db.spec
	if spec.Data.RowSize == 0 {
		return read, byClass
	}
	if idx := spec.Operations[OperationRead].Index; idx != nil {
		read = growing{read, db, *idx}
	}
	for c, class := range db.net.Classes() {
		if c < len(byClass) && byClass[c] != nil && !spec.Data.writes[class] {
			if idx := spec.Operations[class].Index; idx != nil {
				byClass[c] = growing{byClass[c], db, *idx}
			}
		}
	}
	return read, byClass
}

// grownTime is the work the rows written since the start add to a read:
// a scan's rows (what they add to its reads from the volume queues there,
// see poolRuntime.served), or an indexed read's pages of a taller tree.
func (db *database) grownTime(idx bool) float64 {
	spec, d := db.spec, db.spec.Data
	if db.written == 0 {
		return 0
	}
	rows0 := spec.ShardRows()
	added := math.Floor(db.written / float64(spec.Shards) / d.RowSize)
	if idx {
		h := BTreeHeight(rows0+added, Fanout(d.RowSize)) - spec.lookupPages()
		return float64(float64(h) * orDefault(d.PageTime, DefaultPageTime))
	}
	return float64(added * orDefault(d.RowTime, DefaultRowTime))
}
