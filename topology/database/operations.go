package database

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// Operation is a database operation named by a request class
// (operations: {CLASS: {service_time: DIST, size: {request, reply}}}): a
// visit of that class does it, as the class does (a read class's read, a
// write class's write; where it goes, the primary or a replica, follows
// the workload's writes). A visit a call makes a read or a write against
// its class's nature (a write class's cache miss, read from the database)
// does the plain read or write, as do the system's own writes (a
// write-back cache's flush). OperationRead and OperationWrite name the
// plain read and write, which every class without an operation of its own
// does: their service times are the database's ReadTime and WriteTime, and
// their entries here give their sizes.
type Operation struct {
	// ServiceTime is its time on a server; nil takes the plain read's or
	// write's.
	ServiceTime sim.Dist
	// Size is the bytes of its request and reply; zero figures take the
	// database's Size.
	Size topology.Size
	// Index, when given, says how a read of the class finds its rows in
	// the database's data (Data): through an index of its own (true: the
	// pages of one B-tree descent, and every write maintains the index) or
	// by scanning the shard's rows (false). nil: its service time is as
	// given, whatever the data.
	Index *bool
}

// The names of the plain read and write among a database's operations.
const (
	OperationRead  = "read"
	OperationWrite = "write"
)

// plainOperation says name is the plain read or write.
func plainOperation(name string) bool { return name == OperationRead || name == OperationWrite }

// decodeOperations reads a database's operations and size. A service time
// given for the plain read or write in operations becomes ReadTime or
// WriteTime: over the one service_time gives for both, or refused where
// service_time gives read and write apart (explicit) already.
func (db *Database) decodeOperations(d *yamlfile.Decoder, m yamlfile.Map, what string, explicit bool) {
	if m.Has("size") {
		if sm, ok := d.Mapping(m.Get("size"), what+" size", "request", "reply"); ok {
			db.Size = topology.DecodeSize(d, sm, what+" size")
		}
	}
	if !m.Has("operations") {
		return
	}
	om, ok := d.Mapping(m.Get("operations"), what+" operations")
	if !ok {
		return
	}
	db.Operations = map[string]Operation{}
	for _, name := range om.Keys() {
		opWhat := what + " operation " + name
		opm, ok := d.Mapping(om.Get(name), opWhat, "service_time", "size", "index")
		if !ok {
			continue
		}
		var op Operation
		topology.DistField(d, opm, "service_time", opWhat, &op.ServiceTime)
		if opm.Has("size") {
			if sm, ok := d.Mapping(opm.Get("size"), opWhat+" size", "request", "reply"); ok {
				op.Size = topology.DecodeSize(d, sm, opWhat+" size")
			}
		}
		if opm.Has("index") {
			if v, ok := d.Bool(opm.Get("index")); ok {
				op.Index = &v
			}
		}
		if plainOperation(name) && op.ServiceTime != nil {
			switch {
			case explicit:
				d.Errorf(opm.Get("service_time"), "%s: the %s's service time is given twice, in service_time and in operations.%s: give it in one place", what, name, name)
			case name == OperationRead:
				db.ReadTime = op.ServiceTime
			default:
				db.WriteTime = op.ServiceTime
			}
			op.ServiceTime = nil
		}
		db.Operations[name] = op
	}
}

// validateOperations checks a database's operations and sizes: each names
// a class of the workload (or the plain read or write), and each size is
// one.
func (db *Database) validateOperations(e field.Errors, c *topology.Checker, what string) {
	db.Size.Validate(e.In("size"), what+" size")
	var classes []string
	for _, name := range topology.SortedKeys(db.Operations) {
		op, oe := db.Operations[name], e.In("operations", name)
		switch {
		case !plainOperation(name):
			classes = append(classes, name)
		case op.ServiceTime != nil:
			// A file gives it as service_time (decodeOperations).
			oe.Add("service_time", "%s: the plain %s's service time is the database's (ReadTime, WriteTime)", what, name)
		}
		op.Size.Validate(oe.In("size"), what+" operation "+name+" size")
		if op.Index != nil && (db.Data == nil || db.Data.RowSize == 0 && !db.Data.failed) {
			oe.AddAtKey("index", "%s: operation %s's index needs the rows it finds: give the database data with a row_size "+
				"(data: {per_user: 2KB, row_size: 200B} or {rows: 10M, row_size: 200B})", what, name)
		}
	}
	names := append(slices.Clone(c.Classes()), OperationRead, OperationWrite)
	for _, name := range classes {
		if !slices.Contains(c.Classes(), name) {
			e.In("operations").AddAtKey(name, "%s operations name %q, which is neither a class of the workload mix (%s) nor the plain read or write%s",
				what, name, strings.Join(c.Classes(), ", "), yamlfile.DidYouMean(name, names))
		}
	}
}

// ownOperation is class's own operation, and whether it has one: one
// named by the class (not the plain read or write) that gives a service
// time or an index. A visit of a class without one does the plain read's
// or write's.
func (db *Database) ownOperation(class string) (Operation, bool) {
	op, ok := db.Operations[class]
	return op, ok && !plainOperation(class) && (op.ServiceTime != nil || op.Index != nil)
}

// readIndex is what a read visit of class says of an index: its own
// operation's, or the plain read's (nil: not said).
func (db *Database) readIndex(class string) *bool {
	op, ok := db.ownOperation(class)
	if !ok {
		op = db.Operations[OperationRead]
	}
	return op.Index
}

// opTime is the service time of class's own operation, and whether it has
// one.
func (db *Database) opTime(class string) (sim.Dist, bool) {
	op, ok := db.ownOperation(class)
	if !ok {
		return nil, false
	}
	t, write := op.ServiceTime, db.Data != nil && db.Data.writes[class]
	switch {
	case t != nil:
	case write:
		t = db.WriteTime
	default:
		t = db.ReadTime
	}
	if write {
		return db.plus(t, db.indexWrites()), true
	}
	return db.found(t, op.Index), true
}

// readTime is the plain read's service time: ReadTime, and the rows it
// finds when operations.read says how (index).
func (db *Database) readTime() sim.Dist {
	return db.found(db.ReadTime, db.Operations[OperationRead].Index)
}

// writeTime is the plain write's service time: WriteTime and the work of
// every index.
func (db *Database) writeTime() sim.Dist { return db.plus(db.WriteTime, db.indexWrites()) }

// found is a read's service time t and the work of finding its rows, as
// index says: a B-tree descent (true), a scan (false), or nothing more
// (nil).
func (db *Database) found(t sim.Dist, index *bool) sim.Dist {
	switch {
	case index == nil || db.Data == nil || db.Data.RowSize == 0:
		return t
	case *index:
		return db.plus(t, db.lookupTime()+db.ioTime)
	}
	return db.plus(t, db.scanTime())
}

// plus is t and a constant c more (t itself when c is 0).
func (db *Database) plus(t sim.Dist, c float64) sim.Dist {
	if c == 0 || t == nil {
		return t
	}
	return shifted{t, c}
}

// ClassTime implements ClassTimed: the service time of a visit of class,
// a write or not, as the class does it: its own operation, or the plain
// read or write.
func (db *Database) ClassTime(class string, write bool) sim.Dist {
	if t, mine := db.opTime(class); mine {
		return t
	}
	if write {
		return db.writeTime()
	}
	return db.readTime()
}

// opTimes is the table of the classes' own operations' service times by
// class index (nil where a class has none); nil when none has.
func (db *Database) opTimes(classes []string) []sim.Dist {
	by := map[string]sim.Dist{}
	for _, class := range classes {
		if t, mine := db.opTime(class); mine {
			by[class] = t
		}
	}
	return topology.ClassTimes(by, classes)
}

// workTimes are the plain read's and write's service times, then those of
// the classes' own operations in the order of their names.
func (db *Database) workTimes() []sim.Dist {
	out := []sim.Dist{db.readTime(), db.writeTime()}
	for _, name := range topology.SortedKeys(db.Operations) {
		if t, mine := db.opTime(name); mine {
			out = append(out, t)
		}
	}
	return out
}

// demand is the mean work of a visit to the database called name for mean
// value analysis: the read time or, with operations of the classes' own,
// the mean over the classes weighted by their visits (each class as it
// does its work: its own operation, or the plain read or write).
func (db *Database) demand(s topology.Solver, name string) float64 {
	var h topology.Moments
	own := false
	for c, class := range s.Classes() {
		_, mine := db.opTime(class)
		own = own || mine
		h.Add(s.Visits(c, name), topology.Mean(db.ClassTime(class, s.Writes(c))), 1)
	}
	if !own || h.Weight() == 0 {
		return topology.Mean(db.readTime())
	}
	return h.Mean()
}

// classOp is the visits of a class that does an operation of its own, at
// service time t, a write or a read.
type classOp struct {
	visits float64
	t      sim.Dist
	write  bool
}

// ownWork adds the classes' own operations to the groups of the primaries
// (prim, whose plain work so far is work) and the replicas (repl, which
// serve the plain reads' share (1 − onPrimary) of reads visits, at the
// read time): writes and the primaries' share of reads to the first, the
// rest of the reads to the second. Each group's holding time is then the
// mixture of what it serves (the mean and SCV of the mixed service
// distribution), so that every class waits the same and is served its
// own time.
func ownWork(own []classOp, onPrimary float64, prim, repl *topology.StationGroup, work topology.Moments, reads float64, read sim.Dist) {
	var replica topology.Moments
	replica.Add(float64(reads*(1-onPrimary)), topology.Mean(read), topology.SCV(read))
	busy := float64(prim.Rate * prim.Holding)
	for _, op := range own {
		m, scv := topology.Mean(op.t), topology.SCV(op.t)
		onP := op.visits
		if !op.write {
			onP = float64(op.visits * onPrimary)
			off := float64(op.visits * (1 - onPrimary))
			replica.Add(off, m, scv)
			repl.Rate += off
		}
		work.Add(onP, m, scv)
		prim.Rate += onP
		busy += float64(onP * m)
	}
	prim.SCV = work.SCV()
	if prim.Rate > 0 {
		prim.Holding = busy / prim.Rate
	}
	if replica.Weight() > 0 {
		repl.Holding, repl.SCV = replica.Mean(), replica.SCV()
	}
}

// shifted is a distribution d and a constant c more: a query's work and
// the work of finding its rows. It draws the same random numbers as d.
type shifted struct {
	d sim.Dist
	c float64
}

// Sample implements sim.Dist.
func (s shifted) Sample(r *rand.Rand) float64 { return s.d.Sample(r) + s.c }

// Mean implements sim.Dist.
func (s shifted) Mean() float64 { return s.d.Mean() + s.c }

// SCV implements sim.Dist: the variance is d's, over the larger mean.
func (s shifted) SCV() float64 {
	m := s.d.Mean()
	t := m + s.c
	if t == 0 {
		return 0
	}
	return float64(float64(s.d.SCV()*m)*m) / float64(t*t)
}

// String implements sim.Dist.
func (s shifted) String() string { return s.d.String() + " + " + units.FormatDuration(s.c) }

// SizeTable implements topology.OperationSized: a database's size table, its
// classes' operations' and its plain read's and write's, over its Size
// and the defaults.
func (db *Database) SizeTable(classes []string) *topology.SizeTable {
	var byClass []topology.Size
	for i, class := range classes {
		op, ok := db.Operations[class]
		if !ok || plainOperation(class) {
			continue
		}
		if byClass == nil {
			byClass = make([]topology.Size, len(classes))
		}
		byClass[i] = db.Size.Over(op.Size)
	}
	return topology.NewSizeTable(byClass, db.Size.Over(db.Operations[OperationRead].Size), db.Size.Over(db.Operations[OperationWrite].Size))
}

// sizesGiven says the database sets a size of its own.
func (db *Database) sizesGiven() bool {
	if db.Size != (topology.Size{}) {
		return true
	}
	for _, op := range db.Operations {
		if op.Size != (topology.Size{}) {
			return true
		}
	}
	return false
}
