package database

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

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
	// Operations are its operations named by request class (see
	// Operation), and the sizes of the plain read and write
	// (OperationRead, OperationWrite); Size is the sizes of those that
	// give none.
	Operations map[string]Operation
	Size       topology.Size
	Workers    int // per server (primary or replica)
	Queue      int
	// FailoverTime is how long after its primary fails a replica is
	// promoted (seconds); writes the replica had not applied are lost.
	// 0 is DefaultFailoverTime.
	FailoverTime float64
	// ReplicaGroups, when given, place the replicas by region (see
	// replication.go); Replicas is then their sum.
	ReplicaGroups []ReplicaGroup
	// Replication is when a write commits: ReplicationAsync (the
	// default, ""), ReplicationSync or ReplicationSemiSync.
	Replication string
	// Primaries, when given, make the database active-active: a primary
	// in each of these regions accepts writes and replicates them to the
	// others, conflicts resolved last-writer-wins.
	Primaries []string
	// Data, when given, is how much it holds, growing with the users
	// (see data.go); nil: its size is not modelled.
	Data *Data

	// ioTime is, in the estimate, an indexed read's mean time on its
	// server's volume (see withIO); 0 in the spec itself.
	ioTime float64
	// ioBusy is, in the estimate, the busy share of the busiest server's
	// volume: its reads a second ÷ its IOPS, above 1 when they outrun
	// them (see withIO); 0 in the spec itself.
	ioBusy float64
	// scanIO is, in the estimate, a scan's mean time on its server's
	// volume: its wait, its service and the latency (see withIO); 0 in
	// the spec itself, whose runs queue scans at the volume.
	scanIO float64
	// volumeLimit and volumeReads say, in the estimate, what bounds the
	// volume and what a visit reads from it (see volumeWords).
	volumeLimit, volumeWhat string
}

// DefaultFailoverTime is how long a failover takes by default: Amazon RDS
// Multi-AZ says failovers "typically complete within 60–120 seconds".
const DefaultFailoverTime = 60.0

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

var databaseKind = topology.Kind{
	Name:         "database",
	Noun:         "database",
	Decode:       decodeDatabase,
	Workers:      true,
	Egress:       true,
	SessionStore: true,
	ScalesUp:     true,
	Figures:      (*Stats)(nil),
	NoFleet:      "a database in several regions would be separate databases sharing no data; place one database and its replicas instead (see docs/regions.md)",
}

// Kind implements Spec.
func (*Database) Kind() *topology.Kind { return &databaseKind }

// Units implements Spec: every server (primaries and replicas of every
// shard) is billed.
func (db *Database) Units() int { return db.Shards * (db.primaries() + db.Replicas) }

// NeedsKeys implements Spec: shards are chosen by key, and an
// active-active database's conflicts are writes of one key.
func (db *Database) NeedsKeys() bool { return db.Shards > 1 || len(db.Primaries) > 0 }

// WorkTimes implements Worked: its reads and its writes.
func (db *Database) WorkTimes() []sim.Dist { return db.workTimes() }

// WorkersPerInstance implements TypeSized.
func (db *Database) WorkersPerInstance() *int { return &db.Workers }

// Footprint implements engine.Builder: a station per shard's primary and one for its
// replicas, a ring or directory for its partitions, and the pages of its
// buffer pools' steady state.
func (db *Database) Footprint(keys int64) float64 {
	stations := 1.0
	if db.Replicas > 0 {
		stations = 2
	}
	f := float64(float64(db.Shards) * (float64(stations*engine.StationBytes) + float64(float64(db.primaries()+db.Replicas)*engine.InstanceBytes)))
	if db.poolReads() {
		f += float64(float64(min(keys, maxExactRanks)) * 2 * 16) // the pages of the pool's steady state (steady)
	}
	switch {
	case db.Shards == 1:
	case db.Partition == PartitionConsistent:
		f += float64(float64(db.Shards*db.VNodes) * engine.RingBytes)
	case db.Partition == PartitionDirectory:
		f += directoryBuckets * 4
	}
	return f
}

// Downstream implements Spec: a database calls nothing.
func (*Database) Downstream() []topology.Target { return nil }

func decodeDatabase(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	db := &Database{Shards: 1, Partition: PartitionHash, VNodes: topology.DefaultVNodes, ReadFrom: ReadReplicas,
		Workers: 1, Queue: topology.Unlimited}
	what := "database " + name
	topology.IntField(d, m, "shards", what, &db.Shards)
	decodeReplicas(d, m, what, db)
	topology.StringField(d, m, "replication", &db.Replication)
	if m.Has("primaries") {
		db.Primaries = topology.DecodeNames(d, m.Get("primaries"), what+" primaries")
	}
	topology.StringField(d, m, "partition", &db.Partition)
	topology.IntField(d, m, "vnodes", what, &db.VNodes)
	topology.StringField(d, m, "read_from", &db.ReadFrom)
	topology.DistField(d, m, "replication_lag", what, &db.ReplicationLag)
	topology.DurationField(d, m, "read_your_writes", what, &db.ReadYourWrites)
	if m.Has("pool") {
		// 0 is the model's "no pool", which a file says by leaving it out.
		db.Pool, _ = d.Int(m.Get("pool"), what+" pool", 1)
	}
	topology.DistField(d, m, "connect_time", what, &db.ConnectTime)
	// workers and cores are two spellings of one setting.
	if m.Has("workers") && m.Has("cores") {
		d.Errorf(m.Key("cores"), "%s: workers and cores say the same thing; give one", what)
	}
	topology.WorkersField(d, m, what, &db.Workers)
	if m.Has("cores") {
		db.Workers, _ = d.Int(m.Get("cores"), what+" cores", 1)
	}
	topology.QueueField(d, m, what, &db.Queue)
	topology.DurationField(d, m, "failover_time", what, &db.FailoverTime)
	if m.Has("failover_time") && db.FailoverTime == 0 {
		d.Errorf(m.Get("failover_time"), "%s: failover_time must be above 0 (leave it out for the default, %s)", what, units.FormatDuration(DefaultFailoverTime))
	}
	if db.Shards == 1 && (m.Has("partition") || m.Has("vnodes")) {
		d.Errorf(m.Key("kind"), "%s: partition and vnodes need shards: N (more than 1)", what)
	}
	st := m.Get("service_time")
	switch {
	case st == nil:
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
		topology.DistField(d, times, "read", what+" service_time", &db.ReadTime)
		topology.DistField(d, times, "write", what+" service_time", &db.WriteTime)
	}
	db.decodeOperations(d, m, what, st != nil && st.Kind == yaml.MappingNode && yamlfile.Find(st, "dist") == nil)
	db.Data = decodeData(d, m, what)
	return db
}

// Validate implements Spec: sizes the simulation can hold, known
// partitioning and read routing, settings that need replicas or exclude a
// pool, and service times.
func (db *Database) Validate(e field.Errors, c *topology.Checker) {
	what := "database " + c.Node().Name
	okShards, okReplicas := db.Shards >= 1 && db.Shards <= topology.MaxDatabaseNodes, db.Replicas >= 0 && db.Replicas <= topology.MaxDatabaseNodes
	topology.InRange(e, "shards", what, db.Shards, 1, topology.MaxDatabaseNodes)
	topology.InRange(e, "replicas", what, db.Replicas, 0, topology.MaxDatabaseNodes)
	if okShards && okReplicas && db.Units() > topology.MaxDatabaseNodes {
		e.Add("", "%s has %d servers (shards × (primaries + replicas)); at most %d are simulated", what, db.Units(), topology.MaxDatabaseNodes)
	}
	db.validateReplication(e, c, what)
	topology.OneOf(e, "partition", "partition", db.Partition, Partitions)
	topology.InRange(e, "vnodes", what, db.VNodes, 1, 10_000)
	topology.OneOf(e, "read_from", "read_from", db.ReadFrom, []string{ReadReplicas, ReadPrimary, ReadAny})
	topology.InRange(e, "pool", what, db.Pool, 0, topology.MaxWorkers)
	if db.Pool > 0 && db.ConnectTime != nil {
		e.AddAtKey("connect_time", "%s: connect_time is paid only without a pool; give one or the other", what)
	}
	topology.InRange(e, "workers", what, db.Workers, 1, topology.MaxWorkers)
	db.Data.validate(e.In("data"), what)
	topology.CheckQueue(e, what, db.Queue)
	if !(db.FailoverTime >= 0) || math.IsInf(db.FailoverTime, 0) {
		e.Add("failover_time", "%s: failover_time must be a duration above 0", what)
	}
	if db.Replicas == 0 && db.Primaries == nil {
		if db.ReplicationLag != nil {
			e.AddAtKey("replication_lag", "%s: replication_lag needs replicas", what)
		}
		if db.ReadYourWrites > 0 {
			e.AddAtKey("read_your_writes", "%s: read_your_writes needs replicas", what)
		}
	}
	if db.Partition == PartitionConsistent && okShards {
		topology.CheckRing(e, what, db.Shards, db.VNodes)
	}
	switch {
	case db.ReadTime == nil:
		e.Add("service_time", "%s needs a service_time: a distribution, or {read: ..., write: ...}", what)
	case db.WriteTime == nil:
		e.In("service_time").Add("write", "%s service_time needs write", what)
	}
	db.validateOperations(e, c, what)
}

// HitRatio implements Analytic.
func (*Database) HitRatio(topology.Solver, string) (float64, bool) { return 0, false }

// Routes implements Analytic: a database calls nothing.
func (*Database) Routes(topology.Solver, string, int, topology.Router) {}

// readsOnPrimary is the share of reads the primaries serve.
func (db *Database) readsOnPrimary() float64 {
	if db.Replicas == 0 {
		return 1
	}
	switch db.ReadFrom {
	case ReadReplicas:
		return 0
	case ReadAny:
		return 1 / float64(1+db.Replicas)
	}
	return 1
}

// Solve implements Analytic: writes at the primaries, reads at the
// primaries or replicas as read_from says, each group as M/G/c queues with
// the load spread evenly over shards. Like the simulation's report, the
// figures are the busiest group's.
func (db *Database) Solve(s topology.Solver, name string, rate float64, _ []float64) topology.Solution {
	db = db.withIO(s, name, true)
	// The plain reads and writes, then the classes' own operations.
	var reads, writes float64
	var own []classOp
	for c, class := range s.Classes() {
		switch t, mine := db.opTime(class); {
		case mine:
			own = append(own, classOp{s.Visits(c, name), t, s.Writes(c)})
		case s.Writes(c):
			writes += s.Visits(c, name)
		default:
			reads += s.Visits(c, name)
		}
	}
	onPrimary := db.readsOnPrimary()
	read, write := db.readTime(), db.writeTime()
	rt, wt := topology.Mean(read), topology.Mean(write)
	var work topology.Moments // the primaries' writes and reads
	work.Add(writes, wt, topology.SCV(write))
	work.Add(float64(reads*onPrimary), rt, topology.SCV(read))
	prim := topology.StationGroup{Count: db.Shards * db.primaries(), Workers: db.Workers, Rate: writes + float64(reads*onPrimary), SCV: work.SCV()}
	if prim.Rate > 0 {
		prim.Holding = (float64(writes*wt) + float64(reads*onPrimary*rt)) / prim.Rate
	}
	repl := topology.StationGroup{Count: max(1, db.Shards*db.Replicas), Workers: db.Workers, Rate: reads * (1 - onPrimary), Holding: rt, SCV: topology.SCV(read)}
	if len(own) > 0 {
		ownWork(own, onPrimary, &prim, &repl, work, reads, read)
	}
	okP, okR := prim.Solve(), repl.Solve()
	prim.NoteVariance(s, name)
	repl.NoteVariance(s, name)
	sol := topology.Solution{Stations: db.Units(), Workers: db.Workers, Overloaded: !okP || !okR, Volume: db.ioBusy,
		VolumeLimit: db.volumeLimit, VolumeReads: db.volumeWhat}
	busy := float64(prim.Rate*prim.Holding) + float64(repl.Rate*repl.Holding)
	sol.Utilization, sol.Wait = prim.Utilization(), topology.SteadyWait(prim.Wait)
	if db.Replicas > 0 && repl.Utilization() > sol.Utilization {
		sol.Utilization, sol.Wait = repl.Utilization(), topology.SteadyWait(repl.Wait)
	}
	if rate > 0 {
		sol.Holding = busy / rate
	}
	ack := db.ackMean(s, name) // a write's wait for its replicas (sync, semi_sync)
	if ack > 0 && db.ReplicationLag != nil && db.ReplicationLag.SCV() > 0 {
		s.Note("%s: a write's wait for its replicas is taken at the mean apply time (writes applied in order wait longer)", name)
	}
	sol.Response = topology.PerClass(s, func(c int) float64 {
		t, mine := db.opTime(s.Classes()[c])
		switch {
		case s.Writes(c) && !mine:
			return prim.Wait + wt + ack
		case s.Writes(c):
			return prim.Wait + topology.Mean(t) + ack
		case mine:
			return float64(onPrimary*(prim.Wait+topology.Mean(t))) + float64((1-onPrimary)*(repl.Wait+topology.Mean(t)))
		}
		return float64(onPrimary*(prim.Wait+rt)) + float64((1-onPrimary)*(repl.Wait+rt))
	})
	if db.Shards > 1 {
		s.Note("%s: load taken as spread evenly over shards (hot keys make some shards busier)", name)
	}
	db.noteIndexes(s, name)
	if db.Pool > 0 || db.ConnectTime != nil {
		s.Note("%s: connection pools and connect times are left out", name)
	}
	return sol
}

// NetworkLegs implements Analytic: none besides its calls.
func (*Database) NetworkLegs(topology.Solver, string, int) float64 { return 0 }

// Demand implements Analytic: every server, at the read time, or with
// operations of the classes' own, at the mean over the classes.
func (db *Database) Demand(s topology.Solver, name string) (topology.Demand, bool) {
	d := topology.Demand{Stations: db.Units(), Workers: db.Workers, Service: db.demand(s, name)}
	d.Volume, d.VolumeLatency = db.volumeDemand(s, name)
	if d.Volume > 0 {
		d.VolumeLimit, d.VolumeReads = db.volumeWords()
	}
	return d, true
}

// CapacityNote implements Explainer: with several servers, the busiest one
// sets the limit.
func (db *Database) CapacityNote(topology.Solution) string {
	if db.Units() > 1 {
		return "; the busiest server sets the limit"
	}
	return ""
}

// Advice implements Explainer: a cache or replicas for reads, shards for
// writes, judged by the work (visits × service time) of each.
func (db *Database) Advice(s topology.Solver, name string, _ topology.Solution) string {
	if a := db.poolAdvice(s, name); a != "" {
		return a
	}
	if a := db.scanAdvice(s, name); a != "" {
		return a
	}
	db = db.withIO(s, name, false)
	if a := db.indexAdvice(s, name); a != "" {
		return a
	}
	var reads, writes float64
	for c, class := range s.Classes() {
		t := db.ClassTime(class, s.Writes(c))
		if s.Writes(c) {
			writes += float64(s.Visits(c, name) * topology.Mean(t))
		} else {
			reads += float64(s.Visits(c, name) * topology.Mean(t))
		}
	}
	share, hot := topology.HotKey(s, db.Shards)
	switch {
	case writes > reads && hot:
		return fmt.Sprintf("The database is write-bound (%.0f%% of its work is writes), and its hottest key alone takes %s of its requests: a key lives on one shard, so more shards will not relieve the busiest one. "+
			"Spread that key's writes instead: split it into several keys (a counter into per-shard counters summed on read), or buffer and batch its writes; cache it for its reads.", 100*writes/(reads+writes), units.Percent(share))
	case writes > reads && db.Shards > 1:
		return fmt.Sprintf("The database is write-bound (%.0f%% of its work is writes) and already sharded: add shards, and check the busiest shard (hot keys) in 'scalesim run'.", 100*writes/(reads+writes))
	case writes > reads:
		return fmt.Sprintf("The database is write-bound (%.0f%% of its work is writes): shard it, so each primary takes a share of the writes.", 100*writes/(reads+writes))
	case db.Replicas == 0:
		return fmt.Sprintf("The database is read-heavy (%.0f%% of its work is reads): put a cache in front of it (cache-aside) or add read replicas.", 100*reads/(reads+writes))
	case hot && db.Shards > 1:
		return fmt.Sprintf("The database's reads outgrow its replicas, and its hottest key alone takes %s of its requests, all on one shard: cache that key in front of the database, or add replicas to that shard.", units.Percent(share))
	}
	return "The database's reads outgrow its replicas: add replicas or a cache in front of them."
}

// database is the runtime of a Database node: per shard, a primary station
// with one server and a replica station with one server per replica. Writes
// go to the primary; each replica applies them, in commit order, after the
// replication lag.
type database struct {
	net    *engine.Network
	node   *topology.Node
	spec   *Database
	shards []*dbShard
	part   partitioner
	// track: staleness is tracked (replicas, and keys to track it by).
	track               bool
	connect, lag, picks *rand.Rand
	// userWrites is when each user last wrote, for read-your-writes.
	userWrites map[int32]sim.Time

	reads, writes, primaryReads, replicaReads int64
	stale, staleOwn, rywRouted                int64
	// fallbackReads are reads meant for replicas that the primary served,
	// every replica being down.
	fallbackReads int64
	// failovers are those in force in the measurement window (one under
	// way at its start is kept, clipped to it: see ResetStats), cur the
	// index of the one under way (-1: none).
	failovers []Failover
	cur       int
	// span gathers the failed requests of the failover under way.
	span *engine.Span
	// failing says the first shard's primary is down, since failedAt:
	// a failover is under way. promote is its pending promotion; awaiting
	// says its failover time has passed with no replica up, so the first
	// replica to come up is promoted at once.
	failing  bool
	failedAt sim.Time
	promote  sim.Timer
	awaiting bool
	// holds are the servers the primary and replica faults in force hold
	// down: a primary fault holds the primary's server, and once a replica
	// is promoted in its place, the place the failed server took among the
	// replicas (see promoteReplica).
	holds        map[*topology.Fault][]*engine.StationInstance
	poolWait     sim.Summary
	poolWaitHist sim.Histogram
	// lagged and laggedHist are the replication lag of each write on each
	// replica: from its commit to its apply, which waits for the writes
	// committed before it.
	lagged     sim.Summary
	laggedHist sim.Histogram
	// at places its servers, when some are away from the node's place
	// (nil: all are there); byPlace are the figures of each place.
	at      *placing
	byPlace []placeFigures
	// aa replicates between the primaries of an active-active database.
	aa *activeActive
	// replicated are the bytes of the window's writes sent to its other
	// servers (replicas, other primaries), by how they are billed.
	replicated [topology.TransferKinds]float64
	// pool is its servers' buffer pools and volumes (nil: every page in
	// memory).
	pool *poolRuntime
	// written is the bytes its writes have added since the run started
	// (data per_write).
	written float64
}

// placeFigures are a database's figures at one of its places: the reads
// its replicas served there, the stale ones, and the replication lag to
// them (to its primary, for an active-active database).
type placeFigures struct {
	reads, stale int64
	lag          sim.Summary
	lagHist      sim.Histogram
}

// dbShard is a primary with its replicas.
type dbShard struct {
	primary, replicas *engine.Station // replicas nil without replicas
	// lastWrite is the latest write of each key not yet applied everywhere.
	lastWrite map[int64]writeMark
	written   sim.FIFO[keyCommit] // writes in commit order, for pruning lastWrite
	logs      []replicaLog        // one per replica
	// acks are the writes waiting for replicas' acknowledgements (sync,
	// semi_sync).
	acks acks
	// apply and recv are commit's scratch space, by replica.
	apply, recv []sim.Time
}

type writeMark struct {
	commit sim.Time
	user   int32
}

type keyCommit struct {
	key    int64
	commit sim.Time
}

// replicaLog is a replica's replication stream: writes it has yet to apply,
// and the commit time up to which it has applied everything. A stalled
// replica applies nothing: it is down, or its primary is (the writes it
// has not applied when its primary fails are what it lacks if promoted).
type replicaLog struct {
	pending   sim.FIFO[applyMark]
	waits     sim.FIFO[waitMark] // beside pending, with sync or semi_sync
	applied   sim.Time           // every write committed at or before this is applied
	lastApply sim.Time           // when the latest write will be applied
	stalled   bool
}

type applyMark struct{ commit, apply sim.Time }

// waitMark is, for a write in the log of a database whose writes wait for
// replicas (sync, semi_sync), when the replica receives it (after the
// one-way delay) and when its writer is acknowledged; a log keeps one
// beside each applyMark (none with async: a write is acknowledged at its
// commit).
type waitMark struct{ recv, acked sim.Time }

// Build implements engine.Builder.
func (spec *Database) Build(net *engine.Network, node *topology.Node) engine.Component {
	rng := net.Stream(node.Name)
	db := &database{net: net, node: node, spec: spec,
		connect: net.Stream(node.Name + "/connect"),
		lag:     net.Stream(node.Name + "/lag"),
		picks:   net.Stream(node.Name + "/route"),
		track:   spec.Replicas > 0 && net.KeyCount() > 0,
		cur:     -1, holds: map[*topology.Fault][]*engine.StationInstance{},
		at: newPlacing(net.Topology(), node, spec),
	}
	if db.at != nil {
		db.byPlace = make([]placeFigures, len(db.at.names))
	}
	if len(spec.Primaries) > 0 {
		db.aa = newActiveActive(len(spec.Primaries))
	}
	if spec.ReadYourWrites > 0 {
		db.userWrites = map[int32]sim.Time{}
	}
	read, byClass := spec.readTime(), spec.opTimes(net.Classes())
	if spec.Data != nil && spec.Data.PerWrite > 0 {
		read, byClass = db.growing(read, byClass)
	}
	for i := range spec.Shards {
		sh := &dbShard{primary: engine.NewStation(net, db, rng, spec.primaries(), spec.Workers, spec.Queue, read, spec.writeTime())}
		sh.acks.db = db
		sizes := spec.SizeTable(net.Classes())
		sh.primary.ServeOperations(i, byClass, sizes)
		if spec.Replicas > 0 {
			sh.replicas = engine.NewStation(net, db, rng, spec.Replicas, spec.Workers, spec.Queue, read, spec.writeTime())
			sh.replicas.ServeOperations(i, byClass, sizes)
			sh.logs = make([]replicaLog, spec.Replicas)
			for i := range sh.logs {
				sh.logs[i].applied = -1
			}
			sh.lastWrite = map[int64]writeMark{}
		}
		db.shards = append(db.shards, sh)
	}
	if spec.Shards > 1 {
		db.part = newPartitioner(spec.Partition, spec.Shards, net.KeyCount(), spec.VNodes)
	}
	if spec.volumeReads() {
		db.pool = newPoolRuntime(db)
	}
	return db
}

func (db *database) Link(map[string]engine.Component) error { return nil }

// InUse is the replication logs (a pending entry per replica and write,
// the latest write of each key not yet applied everywhere) and the users'
// last writes.
func (db *database) InUse() float64 {
	mapped, queued := float64(len(db.userWrites)), 0.0
	for _, sh := range db.shards {
		mapped += float64(len(sh.lastWrite))
		queued += float64(sh.written.Len())
		for i := range sh.logs {
			queued += float64(sh.logs[i].pending.Len()) + float64(sh.logs[i].waits.Len())
		}
		queued += float64(sh.acks.waiting.Len())
	}
	total := float64(mapped*engine.MapEntryBytes) + float64(queued*engine.FIFOEntryBytes)
	if db.aa != nil {
		total += db.aa.inUse()
	}
	if db.pool != nil {
		total += db.pool.inUse()
	}
	return total
}

// Stations lists each shard's primary, then its replicas.
func (db *database) Stations() []*engine.Station {
	var out []*engine.Station
	for _, sh := range db.shards {
		out = append(out, sh.primary)
		if sh.replicas != nil {
			out = append(out, sh.replicas)
		}
	}
	return out
}

func (db *database) shardOf(key int64) *dbShard {
	if db.part == nil {
		return db.shards[0]
	}
	return db.shards[db.part.Part(key)]
}

// Accept pays the connect time of a request without a pooled connection,
// then routes it.
func (db *database) Accept(j *engine.Job) {
	if db.spec.ConnectTime != nil && db.net.Connect(j, db, db.spec.ConnectTime, db.connect) {
		return
	}
	if db.failing {
		db.refuseWrite(j)
	}
	if db.at != nil {
		if j.Part() == 0 { // not a call (the entry, a write-back flush): aimed from the node's place
			db.Aim(j, db.node.Name)
		}
		db.routePart(j)
		return
	}
	db.route(j)
}

// route sends writes to the shard's primary and reads where read_from says,
// except a user's reads within read_your_writes of their last write, which
// go to the primary.
func (db *database) route(j *engine.Job) {
	sh := db.shardOf(j.Key())
	st := sh.primary
	if !db.net.Writes(j) && sh.replicas != nil {
		switch db.spec.ReadFrom {
		case ReadReplicas:
			st = sh.replicas
		case ReadAny:
			if db.picks.IntN(1+db.spec.Replicas) > 0 {
				st = sh.replicas
			}
		}
		if st == sh.replicas && db.userWrites != nil && j.Request().User >= 0 {
			if t, ok := db.userWrites[j.Request().User]; ok && float64(db.net.Now()-t) < db.spec.ReadYourWrites {
				st = sh.primary
				db.rywRouted++
			}
		}
	}
	inst := st.Instances()[0]
	if st == sh.replicas {
		if inst = upReplica(st); inst == nil {
			// No replica is up (the promoted one's place is empty until
			// the failed server is back): reads go to the primary, as
			// Aurora's reader endpoint connects to the primary when a
			// cluster has no replica (Amazon Aurora User Guide, "Types of
			// Aurora endpoints").
			st, inst = sh.primary, sh.primary.Instances()[0]
			db.fallbackReads++
		}
	}
	st.Arrive(j, inst)
}

// upReplica is the next replica of st in turn that is up, or nil when
// every one is down: the reader endpoint leaves out replicas that are
// down.
func upReplica(st *engine.Station) *engine.StationInstance {
	inst := st.Next()
	for tries := 1; inst.Down() && tries < len(st.Active()); tries++ {
		inst = st.Next()
	}
	if inst.Down() {
		return nil
	}
	return inst
}

// Served implements engine.Server: it commits a write, or checks whether a
// replica read was stale. With a cache in the topology, the request is
// stamped with the version of the value it wrote or read (see versions).
func (db *database) Served(j *engine.Job) {
	if db.pool != nil && db.pool.served(j) {
		return // it reads pages from its volume first
	}
	db.complete(j)
}

// complete ends visit j's service: see served.
func (db *database) complete(j *engine.Job) {
	now := db.net.Now()
	sh := db.shards[j.Station().Part()] // routed by key in route
	switch {
	case db.net.Writes(j):
		db.writes++
		if d := db.spec.Data; d != nil {
			db.written += d.PerWrite
		}
		if db.userWrites != nil && j.Request().User >= 0 {
			db.userWrites[j.Request().User] = now
		}
		wait := 0.0
		switch {
		case db.aa != nil:
			db.aaCommit(j, now)
		case sh.replicas != nil:
			wait = db.commit(sh, j.Key(), j.Request().User, now)
		}
		db.replicate(j)
		// A write-back flush (the cache's own write, without a caller)
		// writes the value the cache holds.
		db.net.Committed(j)
		if wait > 0 {
			// Committed once the replicas acknowledge it (sync,
			// semi_sync): its worker is free, its reply waits.
			j.Station().Finish(j)
			sh.acks.waiting.Push(ackWait{j, now + sim.Time(wait)})
			db.net.FireAt(now+sim.Time(wait), &sh.acks)
			return
		}
	case j.Station() == sh.replicas:
		db.reads++
		db.replicaReads++
		stale := false
		if db.track {
			log := &sh.logs[j.Instance().Index()]
			log.advance(now)
			if w, ok := sh.lastWrite[j.Key()]; ok && w.commit > log.applied {
				stale = true
				db.stale++
				if w.user >= 0 && w.user == j.Request().User {
					db.staleOwn++
				}
			}
		}
		if db.byPlace != nil {
			f := &db.byPlace[db.replicaPlace(j.Instance().Index())]
			f.reads++
			if stale {
				f.stale++
			}
		}
		db.net.ReadKey(j, stale)
	default:
		db.reads++
		db.primaryReads++
		stale := db.aa != nil && db.aa.read(j.Instance().Index(), j.Key(), now)
		db.net.ReadKey(j, stale)
	}
	j.Station().Finish(j)
	db.net.Reply(j)
}

// commit records a write committed at the primary now: each replica will
// apply it after a lag (the one-way delay from the primary's place to the
// replica's, by Hop, plus the apply time, replication_lag), but not
// before the writes committed earlier. It returns how long the write
// waits for the replicas' acknowledgements (see ackDelay).
func (db *database) commit(sh *dbShard, key int64, user int32, now sim.Time) float64 {
	if db.track {
		sh.lastWrite[key] = writeMark{commit: now, user: user}
		sh.written.Push(keyCommit{key, now})
	}
	applied := sim.Forever
	prim := db.partAt(db.primaryPlace())
	if len(sh.apply) < len(sh.logs) {
		sh.apply, sh.recv = make([]sim.Time, len(sh.logs)), make([]sim.Time, len(sh.logs))
	}
	apply, recv := sh.apply, sh.recv
	for i := range sh.logs {
		log := &sh.logs[i]
		rep := db.partAt(db.replicaPlace(i))
		lag, _ := db.net.Hop(topology.HopReplication, prim, rep, db.spec.ReplicationLag, db.lag)
		// The lag measured is the one drawn, unless the write waits
		// behind an earlier one: then it is the time to that one's apply.
		// (apply − now for a write not held back would differ from the
		// lag drawn by rounding, 1e-14 s, which put a constant lag's p99
		// on one side of a printed digit and its mean on the other.)
		apply[i] = now + sim.Time(lag)
		if log.lastApply > apply[i] {
			apply[i] = log.lastApply
			lag = float64(apply[i] - now)
		}
		log.lastApply = apply[i]
		db.lagged.Add(lag)
		db.laggedHist.Add(lag)
		recv[i] = now
		if db.byPlace != nil {
			f := &db.byPlace[db.replicaPlace(i)]
			f.lag.Add(lag)
			f.lagHist.Add(lag)
			recv[i] += sim.Time(db.net.Topology().Hop(topology.HopReplication, prim, rep, 0))
		}
	}
	wait := db.ackDelay(now, apply, sh.logs)
	waits := db.spec.Replication == ReplicationSync || db.spec.Replication == ReplicationSemiSync
	for i := range sh.logs {
		log := &sh.logs[i]
		log.pending.Push(applyMark{commit: now, apply: apply[i]})
		if waits {
			log.waits.Push(waitMark{recv: recv[i], acked: now + sim.Time(wait)})
		}
		log.advance(now)
		applied = min(applied, log.applied)
	}
	// Writes applied on every replica can no longer be read stale.
	for sh.written.Len() > 0 && sh.written.Peek().commit <= applied {
		kc := sh.written.Pop()
		if sh.lastWrite[kc.key].commit == kc.commit {
			delete(sh.lastWrite, kc.key)
		}
	}
	return wait
}

// advance applies the writes due by now, unless the log is stalled.
func (l *replicaLog) advance(now sim.Time) {
	for !l.stalled && l.pending.Len() > 0 && l.pending.Peek().apply <= now {
		l.applied = l.pending.Pop().commit
		if l.waits.Len() > 0 {
			l.waits.Pop()
		}
	}
}

// PoolSize implements engine.Pooled: the connections each client instance keeps
// (the spec's pool).
func (db *database) PoolSize() int { return db.spec.Pool }

// PoolWaited implements engine.Pooled: it records the time a request waited for
// a pooled connection.
func (db *database) PoolWaited(w float64) {
	db.poolWait.Add(w)
	db.poolWaitHist.Add(w)
}

func (db *database) ResetStats(now sim.Time) {
	for _, st := range db.Stations() {
		st.ResetStats(now)
	}
	db.reads, db.writes, db.primaryReads, db.replicaReads = 0, 0, 0, 0
	db.stale, db.staleOwn, db.rywRouted, db.fallbackReads = 0, 0, 0, 0
	db.failovers, db.cur = db.clipFailover(now), -1
	if db.failovers != nil {
		db.cur = 0
	}
	db.replicated = [topology.TransferKinds]float64{}
	db.poolWait, db.poolWaitHist = sim.Summary{}, sim.Histogram{}
	db.lagged, db.laggedHist = sim.Summary{}, sim.Histogram{}
	for i := range db.byPlace {
		db.byPlace[i] = placeFigures{}
	}
	if db.aa != nil {
		db.aa.resetStats()
	}
	if db.pool != nil {
		db.pool.resetStats(now)
	}
}

// clipFailover is the failover under way at now, the measurement
// window's start, clipped to the window: it is reported from now on,
// marked as begun in the warm-up, and measured on what the window sees
// (its span counts only the window's requests). Nil without one.
func (db *database) clipFailover(now sim.Time) []Failover {
	if db.cur < 0 || db.cur >= len(db.failovers) {
		return nil
	}
	fo := db.failovers[db.cur]
	return []Failover{{At: float64(now), Region: fo.Region, Outcome: FailoverUnderWay, BeganInWarmup: true, began: fo.began, span: fo.span}}
}

// Stats are a database's figures over the measurement window.
type Stats struct {
	Reads        int64 `json:"reads"`
	Writes       int64 `json:"writes"`
	PrimaryReads int64 `json:"primary_reads"`
	ReplicaReads int64 `json:"replica_reads"`
	// StaleReads are replica reads of a key whose latest write the replica
	// had not applied; StaleOwnWrites are those by the user who wrote it.
	StaleReads     int64    `json:"stale_reads"`
	StaleOwnWrites int64    `json:"stale_own_writes"`
	StaleFraction  *float64 `json:"stale_fraction"` // of replica reads; null without any
	// ReplicationLagMean, ReplicationLagP99 and ReplicationLagMax are the
	// lag measured from each write's commit to its apply on each replica
	// (null without writes to replicate). A replica applies writes in
	// commit order: a write is applied replication_lag after its commit,
	// or when the write before it is, if that is later, so the measured
	// lag exceeds the lag drawn when writes come faster than it.
	ReplicationLagMean *float64 `json:"replication_lag_mean"`
	ReplicationLagP99  *float64 `json:"replication_lag_p99"`
	ReplicationLagMax  *float64 `json:"replication_lag_max"`
	// ReadYourWrites counts reads sent to the primary because their user
	// wrote recently.
	ReadYourWrites int64 `json:"read_your_writes_routed"`
	// PrimaryFallbackReads counts reads meant for the replicas that went
	// to the primary because no replica was up (a failover's promoted
	// replica leaves an empty place, or replicas are down).
	PrimaryFallbackReads int64 `json:"primary_fallback_reads"`
	// PoolWaits counts pooled connection acquisitions, PoolWaitMean and
	// PoolWaitP99 the time they waited (null without any).
	PoolWaits    int64        `json:"pool_waits"`
	PoolWaitMean *float64     `json:"pool_wait_mean"`
	PoolWaitP99  *float64     `json:"pool_wait_p99"`
	Shards       []ShardStats `json:"shards"`
	Imbalance    *float64     `json:"imbalance"` // busiest shard's load ÷ the mean; null without requests
	// ReshardMoved is, for each partitioning scheme, the fraction of keys
	// that would move going from this many shards to one more.
	ReshardMoved map[string]float64 `json:"reshard_moved,omitempty"`
	// Failovers are the primary failures of the window and what each cost.
	Failovers []Failover `json:"failovers,omitempty"`
	// Replication is sync or semi_sync when writes wait for replicas
	// (omitted for async).
	Replication string `json:"replication,omitempty"`
	// Places are its figures by region, when its servers are in several
	// (replicas placed by region, or several primaries).
	Places []PlaceStats `json:"places,omitempty"`
	// ActiveActive are the conflicts between its primaries' writes.
	ActiveActive *ActiveActiveStats `json:"active_active,omitempty"`
	// ReplicationTransfer is the bytes per second of its writes sent to
	// its servers in other regions (each write's request bytes to each
	// replica, or to each other primary), which the transfer cost prices
	// as inter-region; absent when none are.
	ReplicationTransfer float64 `json:"replication_transfer_bytes_per_sec,omitempty"`
	// BufferPool are its buffer pools' and volumes' figures, when its
	// indexed reads go through a pool.
	BufferPool *BufferPoolStats `json:"buffer_pool,omitempty"`
	// WrittenBytes are the bytes the window's writes added to its data
	// (data per_write); absent when its writes add none.
	WrittenBytes float64 `json:"written_bytes,omitempty"`
}

// WaitingOn implements engine.Waiting: a database makes no calls; its workers
// wait on its volume's reads (through a buffer pool) and on its replicas'
// acknowledgements (sync or semi_sync replication); "" (its calls, as
// the report said before) when neither.
func (s *Stats) WaitingOn() string {
	var on []string
	if s.BufferPool != nil {
		on = append(on, "reads from its volume")
	}
	if s.Replication != "" {
		on = append(on, "its replicas' acknowledgements")
	}
	if len(on) == 2 {
		return on[0] + " and " + on[1]
	}
	if len(on) == 1 {
		return on[0]
	}
	return ""
}

// PlaceStats are a database's figures in one region: its servers there,
// the reads its replicas there served (stale: of a key whose latest write
// they had not applied), and the replication lag measured to them, from
// each write's commit to its apply there (to a primary there, from the
// others, for an active-active database).
type PlaceStats struct {
	Region        string   `json:"region"`
	Primaries     int      `json:"primaries"`
	Replicas      int      `json:"replicas"`
	Writes        int64    `json:"writes"` // taken by its primary (active-active)
	ReplicaReads  int64    `json:"replica_reads"`
	StaleReads    int64    `json:"stale_reads"`
	StaleFraction *float64 `json:"stale_fraction"` // of its replica reads; null without any
	LagMean       *float64 `json:"replication_lag_mean"`
	LagP99        *float64 `json:"replication_lag_p99"`
	LagMax        *float64 `json:"replication_lag_max"`
}

// ActiveActiveStats are the conflicts of an active-active database's
// writes: pairs of writes of one key at different primaries, neither of
// which had seen the other (Conflicts), and the writes that lost such a
// conflict by last-writer-wins, acknowledged and then silently
// overwritten (LostUpdates); StaleReads are reads at a primary of a key
// another primary's write had not reached yet.
type ActiveActiveStats struct {
	Conflicts   int64 `json:"conflicts"`
	LostUpdates int64 `json:"lost_updates"`
	Reads       int64 `json:"reads"`
	StaleReads  int64 `json:"stale_reads"`
}

// Failover is a primary's failure. Writes fail until a replica is
// promoted or the primary is back (WritesUnavailable). A promotion loses
// the writes the promoted replica had not applied; a primary back before a
// promotion has every write it acknowledged, and loses none (as with
// Amazon RDS Multi-AZ and Aurora, whose failover promotes a standby or
// replica; a failed primary that recovers first stays the primary). Its
// recovery objectives (RTO, RPO) are measured as a region outage's are
// (see Recovery).
type Failover struct {
	At float64 `json:"at"` // seconds since the run started
	// Region is the region whose outage failed the primary; "" for a
	// fault on the database itself.
	Region string `json:"region,omitempty"`
	// WritesUnavailable is the time from the failure to the promotion or
	// the primary's return: how long the database refused writes (what
	// the field rto meant before the recovery time was measured on the
	// requests); null while it still did at the run's end.
	WritesUnavailable *float64 `json:"writes_unavailable"`
	// WritesFailed counts the requests that failed because writes were
	// unavailable: the failed primary refused or dropped a write of
	// theirs (one queued or in service when it failed, or waiting for
	// replicas' acknowledgements), and they
	// ended without a reply. One whose write a retry, a fallback or a
	// hedge made good is not counted.
	WritesFailed int64 `json:"writes_failed"`
	// Promoted says a replica was promoted.
	Promoted bool `json:"promoted"`
	// BeganInWarmup says the primary failed in the warm-up and writes
	// were still unavailable at the window's start: the failover is
	// clipped to the window (At is the window's start, and its recovery
	// objectives are measured on what the window saw).
	BeganInWarmup bool `json:"began_in_warmup,omitempty"`
	// Outcome is how it ended: FailoverPromoted, FailoverPrimaryBack,
	// FailoverNoReplica, or FailoverUnderWay at the run's end.
	Outcome string `json:"outcome"`
	engine.Recovery
	// lost and rpo are what a promotion lost (see Recovery.LostWrites
	// and RPO); span gathers its failed requests; began is when the
	// primary failed (At, unless clipped to the window), which names the
	// region outage that caused it (OutageLoss).
	lost  int64
	rpo   float64
	span  *engine.Span
	began float64
}

// Outcomes of a failover.
const (
	// FailoverPromoted: a replica was promoted.
	FailoverPromoted = "promoted"
	// FailoverPrimaryBack: the primary came back before the failover time,
	// with a replica up that would have been promoted.
	FailoverPrimaryBack = "primary back"
	// FailoverNoReplica: the primary came back, and no replica was up to
	// promote when the failover time had passed (or the database has
	// none).
	FailoverNoReplica = "no replica"
	// FailoverUnderWay: writes were still unavailable when the run ended.
	FailoverUnderWay = "under way"
)

// ShardStats are one shard's figures.
type ShardStats struct {
	Load               float64 `json:"load"` // share of the database's requests
	PrimaryUtilization float64 `json:"primary_utilization"`
	ReplicaUtilization float64 `json:"replica_utilization"`
}

func (db *database) Stats(window float64, now sim.Time) engine.NodeStats {
	s := engine.NodeStats{Instances: db.spec.Units()}
	ds := &Stats{Reads: db.reads, Writes: db.writes, PrimaryReads: db.primaryReads,
		ReplicaReads: db.replicaReads, StaleReads: db.stale, StaleOwnWrites: db.staleOwn,
		StaleFraction: topology.Ratio(float64(db.stale), float64(db.replicaReads)), ReadYourWrites: db.rywRouted,
		PrimaryFallbackReads: db.fallbackReads, PoolWaits: int64(db.poolWait.N())}
	if ds.PoolWaits > 0 {
		mean, p99 := db.poolWait.Mean(), db.poolWaitHist.Quantile(0.99)
		ds.PoolWaitMean, ds.PoolWaitP99 = &mean, &p99
	}
	if db.lagged.N() > 0 {
		mean, p99, most := db.lagged.Mean(), db.laggedHist.Quantile(0.99), db.lagged.Max()
		ds.ReplicationLagMean, ds.ReplicationLagP99, ds.ReplicationLagMax = &mean, &p99, &most
	}
	arrivals := make([]float64, len(db.shards))
	for i, sh := range db.shards {
		primary := sh.primary.Stats(window, now)
		s.Add(primary)
		arrivals[i] = float64(primary.Arrivals)
		shard := ShardStats{PrimaryUtilization: primary.Utilization}
		if sh.replicas != nil {
			replicas := sh.replicas.Stats(window, now)
			s.Add(replicas)
			arrivals[i] += float64(replicas.Arrivals)
			shard.ReplicaUtilization = replicas.Utilization
		}
		ds.Shards = append(ds.Shards, shard)
	}
	loads, imbalance := topology.LoadShares(arrivals)
	for i := range ds.Shards {
		ds.Shards[i].Load = loads[i]
	}
	ds.Imbalance = imbalance
	if db.spec.Shards > 1 {
		ds.ReshardMoved = map[string]float64{}
		for _, p := range Partitions {
			ds.ReshardMoved[p] = reshardMoved(p, db.spec.Shards, db.net.KeyCount(), db.spec.VNodes)
		}
	}
	ds.Failovers = db.failoverStats()
	if db.pool != nil {
		ds.BufferPool = db.pool.stats(window, now)
	}
	if d := db.spec.Data; d != nil {
		ds.WrittenBytes = float64(float64(db.writes) * d.PerWrite)
	}
	db.placeStats(ds)
	for _, f := range db.failovers {
		s.Lost += f.lost
	}
	if db.aa != nil {
		for _, l := range db.aa.losses {
			s.Lost += l.lost
		}
	}
	s.SetTransfer(window, db.spec.sizesGiven() || db.node.Price.PerGB > 0, db.Stations()...)
	db.replicationStats(ds, &s, window)
	s.Detail = ds
	return s
}

// JSONKey implements Detail.
func (*Stats) JSONKey() string { return "database" }

// VolumeBusy implements engine.VolumeBusy: the busiest volume's busy share, when
// the indexed reads went through a pool and read pages from a volume, or
// scans read from it (or it was busy with a read that none finished).
func (d *Stats) VolumeBusy() (float64, bool) {
	if bp := d.BufferPool; bp == nil || (bp.VolumeReads+bp.VolumeScans == 0 && bp.VolumeUtilization == 0) {
		return 0, false
	}
	return d.BufferPool.VolumeUtilization, true
}

// DataWritten implements engine.DataWritten: WrittenBytes.
func (d *Stats) DataWritten() float64 { return d.WrittenBytes }

// Episodes implements engine.Episodes: its failovers, each until its
// writes were available again (end while they were not).
func (d *Stats) Episodes(end float64, each func(rc *engine.Recovery, start, until float64)) {
	for k := range d.Failovers {
		fo := &d.Failovers[k]
		until := end
		if fo.WritesUnavailable != nil {
			until = fo.At + *fo.WritesUnavailable
		}
		each(&fo.Recovery, fo.At, until)
	}
}

// WriteText implements Detail.
func (d *Stats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s %s (%d on replicas), %s", node, units.Plural(d.Reads, "read", "reads"), d.ReplicaReads, units.Plural(d.Writes, "write", "writes"))
	if d.ReplicaReads > 0 {
		fmt.Fprintf(w, "; stale reads %s of replica reads (%d by their writer)", units.OrUnknown(d.StaleFraction, units.Percent), d.StaleOwnWrites)
	}
	if d.ReadYourWrites > 0 {
		fmt.Fprintf(w, "; %s sent to the primary for read-your-writes", units.Plural(d.ReadYourWrites, "read", "reads"))
	}
	if d.PrimaryFallbackReads > 0 {
		fmt.Fprintf(w, "; %s sent to the primary with no replica up", units.Plural(d.PrimaryFallbackReads, "read", "reads"))
	}
	fmt.Fprintln(w)
	if d.ReplicationLagMean != nil {
		fmt.Fprintf(w, "%-11s replication lag mean %s, p99 %s, max %s (commit to apply; writes apply in order)\n", "",
			units.FormatDuration(*d.ReplicationLagMean), units.OrUnknown(d.ReplicationLagP99, units.FormatDuration), units.OrUnknown(d.ReplicationLagMax, units.FormatDuration))
	}
	d.writePlaces(w)
	if d.BufferPool != nil {
		d.BufferPool.writeText(w)
	}
	if d.PoolWaits > 0 {
		fmt.Fprintf(w, "%-11s connection pool wait mean %s, p99 %s\n", "", units.OrUnknown(d.PoolWaitMean, units.FormatDuration), units.OrUnknown(d.PoolWaitP99, units.FormatDuration))
	}
	for _, f := range d.Failovers {
		how := map[string]string{FailoverPromoted: "a replica promoted", FailoverPrimaryBack: "the primary back before a promotion",
			FailoverNoReplica: "no replica up to promote", FailoverUnderWay: "under way at the end"}[f.Outcome]
		var notes []string
		if f.Region != "" {
			notes = append(notes, "region "+f.Region+" down")
		}
		if f.BeganInWarmup {
			notes = append(notes, "began in the warm-up")
		}
		where := ""
		if notes != nil {
			where = " (" + strings.Join(notes, "; ") + ")"
		}
		fmt.Fprintf(w, "%-11s primary failed at %s%s: writes unavailable for %s (%s), %s failed for it; %s\n", "",
			units.FormatDuration(f.At), where, units.OrUnknown(f.WritesUnavailable, units.FormatDuration), how, units.Plural(f.WritesFailed, "request", "requests"), f.Recovery.Text())
	}
	if len(d.Shards) > 1 {
		loads := make([]float64, len(d.Shards))
		for i, sh := range d.Shards {
			loads[i] = sh.Load
		}
		fmt.Fprintf(w, "%-11s shard load %s (imbalance %s)\n", "", topology.FormatShares(loads), units.OrUnknown(d.Imbalance, topology.FormatRatio))
		fmt.Fprintf(w, "%-11s going to %d shards moves", "", len(d.Shards)+1)
		for _, p := range Partitions {
			fmt.Fprintf(w, " %s %s", p, units.Percent(d.ReshardMoved[p]))
		}
		fmt.Fprintln(w, " of keys")
	}
}

// The database's faults: its primary's failure starts a failover, and a
// replica's takes that replica down. Each fault holds the server it struck
// down until it ends (overlapping faults on one server each hold it: it is
// back when the last ends).
var (
	primaryFault = topology.FaultKind{Name: "primary", Decode: decodePrimaryDown, On: &databaseKind, Part: true,
		Param: params.Param{Type: params.Bool, Doc: "a database's primary goes down (it fails over)"}}
	replicaFault = topology.FaultKind{Name: "replica", Decode: decodeReplicaDown, On: &databaseKind, Part: true,
		Param: params.Param{Type: params.Int, Doc: "a database's replica (by number) goes down"}}
)

// PrimaryDown takes down a database's primary (its first shard's): a
// replica is promoted after the database's failover time.
type PrimaryDown struct{}

func decodePrimaryDown(d *yamlfile.Decoder, n *yaml.Node) (topology.FaultEffect, bool) {
	v, ok := d.BoolOf(n, "fault primary")
	if ok && !v {
		d.Errorf(n, "primary: false strikes no primary: leave primary out (a fault without it takes the whole node down)")
	}
	return PrimaryDown{}, ok && v
}

// Kind implements FaultEffect.
func (PrimaryDown) Kind() *topology.FaultKind { return &primaryFault }

// Describe implements FaultEffect.
func (PrimaryDown) Describe() string { return "primary down" }

// Check implements FaultEffect: any primary: true does something.
func (PrimaryDown) Check(field.Errors) bool { return true }

// Fit implements Fitter: a primary fault on an active-active database,
// which has a primary in each region, is refused (a region fault takes
// one down).
func (PrimaryDown) Fit(e field.Errors, node *topology.Node) {
	if db := node.Spec.(*Database); len(db.Primaries) > 0 {
		e.Given(node.Path("primaries")).Add("primary", "database %s has a primary in each of its regions: take one down with a region fault, {region: REGION, at, for}", node.Name)
	}
}

// Strike implements FaultEffect: see strikePrimary.
func (PrimaryDown) Strike(fl *engine.Faulter, on bool, now sim.Time) {
	fl.Component().(*database).strikePrimary(fl.Fault(), on, now)
}

// strikePrimary holds its primary (its first shard's) down for f and
// starts a failover, or lets go of it (on false).
func (db *database) strikePrimary(f *topology.Fault, on bool, now sim.Time) {
	sh := db.shards[0]
	if !on {
		db.lift(f, now)
		return
	}
	if !db.failing {
		db.beginFailover(now)
	}
	engine.HoldDown(sh.primary.Instances()[0])
	db.holds[f] = []*engine.StationInstance{sh.primary.Instances()[0]}
	if !db.failing {
		db.fail(sh, now)
	}
}

// ReplicaDown takes down a database's replica (its first shard's), Replica
// from 0.
type ReplicaDown struct{ Replica int }

func decodeReplicaDown(d *yamlfile.Decoder, n *yaml.Node) (topology.FaultEffect, bool) {
	r, ok := d.Int(n, "fault replica", 0)
	return ReplicaDown{r}, ok
}

// Kind implements FaultEffect.
func (ReplicaDown) Kind() *topology.FaultKind { return &replicaFault }

// Describe implements FaultEffect.
func (x ReplicaDown) Describe() string { return fmt.Sprintf("replica %d down", x.Replica) }

// Check implements FaultEffect: replicas are numbered from 0.
func (x ReplicaDown) Check(e field.Errors) bool {
	if x.Replica < 0 {
		e.Add("replica", "a fault's replica is numbered from 0")
		return false
	}
	return true
}

// Fit implements Fitter: the database has the replica.
func (x ReplicaDown) Fit(e field.Errors, node *topology.Node) {
	if db := node.Spec.(*Database); x.Replica >= db.Replicas {
		e.Given(node.Path("replicas")).Add("replica", "fault replica %d: database %s has %s (numbered from 0)", x.Replica, node.Name, units.Plural(db.Replicas, "replica", "replicas"))
	}
}

// FaultInstances implements topology.InstanceCounted: an instances fault
// takes down as many of its primaries and of its replicas (of each
// shard), so up to the more of the two.
func (db *Database) FaultInstances() (most int, has string, from []string) {
	has = units.Plural(db.primaries(), "primary", "primaries") + " and " + units.Plural(db.Replicas, "replica", "replicas")
	if db.Shards > 1 {
		has += " a shard"
	}
	// Not the shards: the count is each shard's, however many there are.
	return max(db.primaries(), db.Replicas), has + ", and a fault takes instances of each", []string{"primaries", "replicas"}
}

// Strike implements FaultEffect: see strikeReplica.
func (x ReplicaDown) Strike(fl *engine.Faulter, on bool, now sim.Time) {
	fl.Component().(*database).strikeReplica(fl.Fault(), x.Replica, on, now)
}

// strikeReplica holds its replica (its first shard's, from 0) down for f,
// its replication stalled, or lets go of it (on false).
func (db *database) strikeReplica(f *topology.Fault, replica int, on bool, now sim.Time) {
	sh := db.shards[0]
	if !on {
		db.lift(f, now)
		return
	}
	inst := sh.replicas.Instances()[replica]
	if engine.HoldDown(inst) {
		sh.logs[inst.Index()].stall(now)
	}
	db.holds[f] = []*engine.StationInstance{inst}
}

// lift ends f's hold on the server it struck: a primary back ends the
// failover, a replica back applies what it missed.
func (db *database) lift(f *topology.Fault, now sim.Time) {
	sh := db.shards[0]
	held := db.holds[f]
	delete(db.holds, f)
	for _, inst := range held {
		switch {
		case !engine.ReleaseDown(inst):
		case inst.Station() == sh.primary && db.aa != nil:
			// A region's primary back: the others never failed over, and
			// ReleaseDown set its station's fault flag from every fault
			// in force (an errors fault on the node outlasts the outage).
		case inst.Station() == sh.primary:
			db.primaryBack(sh, now)
		default:
			db.replicaBack(sh, inst, now)
		}
	}
}

// stall stops the replica applying writes, after those due by now.
func (l *replicaLog) stall(now sim.Time) {
	l.advance(now)
	l.stalled = true
}

// fail starts a failover: replication stops (what each replica has not
// applied, it lacks), and the first replica up failover_time later is
// promoted.
func (db *database) fail(sh *dbShard, now sim.Time) {
	db.failing, db.failedAt = true, now
	if db.span == nil { // opened by the strike before it held the primary (see beginFailover)
		db.span = db.net.OpenSpan(now)
	}
	sh.acks.failAll(db.span)
	for i := range sh.logs {
		sh.logs[i].stall(now)
	}
	db.failovers = append(db.failovers, Failover{At: float64(now), Outcome: FailoverUnderWay, span: db.span, began: float64(now)})
	db.cur = len(db.failovers) - 1
	if sh.replicas != nil {
		db.promote = db.net.After(cmp.Or(db.spec.FailoverTime, DefaultFailoverTime), db, opPromote, nil)
	} else {
		db.awaiting = true // nothing to promote
	}
}

// beginFailover opens the span of a failover beginning now, before the
// fault holds the primary down, so that the writes its queue fails at once
// are the failover's (failedDown); fail then takes it.
func (db *database) beginFailover(now sim.Time) {
	if db.span == nil {
		db.span = db.net.OpenSpan(now)
	}
}

// primaryBack ends a failover without a promotion: the failed primary is
// back with every write it acknowledged, and the replicas up go on
// applying them.
func (db *database) primaryBack(sh *dbShard, now sim.Time) {
	if !db.failing {
		return
	}
	db.net.Kernel().Cancel(db.promote)
	outcome := FailoverPrimaryBack
	if db.awaiting {
		outcome = FailoverNoReplica
	}
	db.failing, db.awaiting, db.promote = false, false, sim.Timer{}
	for i := range sh.logs {
		if !sh.replicas.Instances()[i].Down() {
			sh.logs[i].stalled = false
			sh.logs[i].advance(now)
		}
	}
	db.restored(now, outcome, 0, 0)
}

// replicaBack brings a replica's server back: it catches up from the
// primary if that is up (at once, a simplification), and otherwise lacks
// what it had not applied; a failover waiting for a replica promotes it.
func (db *database) replicaBack(sh *dbShard, inst *engine.StationInstance, now sim.Time) {
	if !db.failing {
		sh.logs[inst.Index()] = replicaLog{applied: now, lastApply: now}
		return
	}
	if db.awaiting {
		db.promoteReplica(sh, inst.Index(), now)
	}
}

// Opcodes of a database's events.
const opPromote = 0

// Handle implements sim.Handler: the failover time has passed. The first
// replica up is promoted; with none up, the failover waits for one.
func (db *database) Handle(now sim.Time, _ int, _ any) {
	sh := db.shards[0]
	db.promote = sim.Timer{}
	if !sh.primary.Instances()[0].Down() {
		db.primaryBack(sh, now) // brought back by a fault on the whole node ending
		return
	}
	for _, inst := range sh.replicas.Instances() {
		if !inst.Down() {
			db.promoteReplica(sh, inst.Index(), now)
			return
		}
	}
	db.awaiting = true
}

// promoteReplica promotes replica i: its server serves as the primary
// (the primary station takes writes again), and the writes it had not
// applied are lost. The failed server takes its place among the replicas,
// held down by the faults that held it, and comes back there as a replica
// when they end. The other replicas follow the new primary: they keep what
// it has and go on applying it.
func (db *database) promoteReplica(sh *dbShard, i int, now sim.Time) {
	log := &sh.logs[i]
	// The new primary has every write committed up to have: those it
	// applied, and with semi_sync those it received by the failure (it
	// applies its relay log before it serves). Of the others, those
	// acknowledged to their writers are lost (with sync, none: a write is
	// acknowledged once every replica applied it).
	have := log.applied
	var lost int64
	rpo := 0.0
	for log.pending.Len() > 0 {
		m, w := log.pending.Pop(), waitMark{acked: -1} // async: acknowledged at its commit
		if log.waits.Len() > 0 {
			w = log.waits.Pop()
		}
		switch {
		case db.spec.Replication == ReplicationSemiSync && w.recv <= db.failedAt:
			have = m.commit
		case w.acked <= db.failedAt:
			if lost == 0 {
				rpo = float64(db.failedAt - m.commit)
			}
			lost++
		}
	}
	p, r := sh.primary.Instances()[0], sh.replicas.Instances()[i]
	for _, held := range db.holds {
		for k, inst := range held {
			if inst == p {
				held[k] = r
			}
		}
	}
	if db.at != nil { // the promoted server's place is the primary's now, and the failed one's among the replicas
		db.at.primaryAt[0], db.at.replicaAt[i] = db.at.replicaAt[i], db.at.primaryAt[0]
	}
	engine.MoveHolds(p, r)
	for j := range sh.logs {
		if j != i {
			sh.logs[j].drop(have)
			sh.logs[j].stalled = sh.replicas.Instances()[j].Down()
			sh.logs[j].advance(now)
		}
	}
	*log = replicaLog{applied: now, lastApply: now, stalled: true}
	db.forget(sh, have)
	// MoveHolds set both stations' fault flags from the faults in force.
	db.failing, db.awaiting = false, false
	db.restored(now, FailoverPromoted, lost, rpo)
}

// drop removes the writes committed after have from the log: the new
// primary lacks them, so they never reach the replica.
func (l *replicaLog) drop(have sim.Time) {
	var kept sim.FIFO[applyMark]
	var keptWaits sim.FIFO[waitMark]
	l.lastApply = 0
	for l.pending.Len() > 0 {
		m, waits := l.pending.Pop(), l.waits.Len() > 0
		var w waitMark
		if waits {
			w = l.waits.Pop()
		}
		if m.commit <= have {
			kept.Push(m)
			if waits {
				keptWaits.Push(w)
			}
			l.lastApply = m.apply
		}
	}
	l.pending, l.waits = kept, keptWaits
}

// forget stops tracking for stale reads the writes committed after have,
// which a promotion lost: a key whose latest write was lost has as its
// latest the one before, if that is still tracked (its writer unknown).
func (db *database) forget(sh *dbShard, have sim.Time) {
	if !db.track {
		return
	}
	var kept sim.FIFO[keyCommit]
	lost := map[int64]bool{}
	for sh.written.Len() > 0 {
		if kc := sh.written.Pop(); kc.commit <= have {
			kept.Push(kc)
		} else {
			lost[kc.key] = true
			delete(sh.lastWrite, kc.key)
		}
	}
	for kept.Len() > 0 {
		kc := kept.Pop()
		if lost[kc.key] {
			sh.lastWrite[kc.key] = writeMark{commit: kc.commit, user: -1}
		}
		sh.written.Push(kc)
	}
}

// restored records how writes came back, for the failover under way (one
// in force in the measurement window), and ends its span.
func (db *database) restored(now sim.Time, outcome string, lost int64, rpo float64) {
	db.net.CloseSpan(db.span)
	db.span = nil
	if db.cur < 0 {
		return
	}
	fo := &db.failovers[db.cur]
	back := float64(now) - fo.At
	if fo.BeganInWarmup && back == 0 {
		// Writes back at the window's start, the instant it was clipped
		// to: the failover lies wholly in the warm-up (the window is
		// [its start, the run's end)), and is not the window's.
		db.failovers = slices.Delete(db.failovers, db.cur, db.cur+1)
		db.cur = -1
		return
	}
	fo.WritesUnavailable, fo.Outcome, fo.Promoted, fo.lost, fo.rpo = &back, outcome, outcome == FailoverPromoted, lost, rpo
	db.cur = -1
}

// OutageLoss implements engine.OutageLoser: with its servers all in the region
// (down as one), its writes are back when the region is; an active-active
// database's primary there lost what it had not sent the others (they go
// on taking writes); otherwise, what the failover the outage caused lost,
// unknown while it is under way.
func (db *database) OutageLoss(region string, at sim.Time, ended bool) (lost int64, rpo float64, back bool) {
	if db.at == nil {
		return 0, 0, ended
	}
	if db.aa != nil {
		if l, w, ok := db.aa.lostIn(region, at); ok {
			return l, w, true
		}
		return 0, 0, true
	}
	back = true
	for _, fo := range db.failovers {
		switch {
		case fo.Region != region || fo.began != float64(at):
		case fo.Outcome == FailoverUnderWay:
			back = false
		default:
			lost += fo.lost
			rpo = max(rpo, fo.rpo)
		}
	}
	return lost, rpo, back
}

// failoverStats are the window's failovers with their recovery
// objectives as the run measured them: the RTO's requests part and the
// RPO, both null for one still under way (the report completes the SLO
// part from its sample windows).
func (db *database) failoverStats() []Failover {
	out := slices.Clone(db.failovers)
	for i := range out {
		fo := &out[i]
		back := fo.Outcome != FailoverUnderWay
		fo.WritesFailed = fo.span.WritesFailed()
		fo.span.Requests(&fo.Recovery, back)
		if back {
			lost, rpo := fo.lost, fo.rpo
			fo.LostWrites, fo.RPO = &lost, &rpo
		}
	}
	return out
}

// FailedDown implements engine.DownFailer: a write queued at the primary or in
// its service when it failed is failed for want of writes too.
func (db *database) FailedDown(j *engine.Job) {
	if db.span != nil && j.Station() == db.shards[0].primary && db.net.Writes(j) {
		db.span.FailsWrite(j)
	}
}

// refuseWrite marks j's request as one whose write the failed primary
// refuses, while a failover is under way: if it fails, it failed for want
// of writes (Failover.WritesFailed).
func (db *database) refuseWrite(j *engine.Job) {
	if db.span != nil && db.net.Writes(j) && db.shardOf(j.Key()) == db.shards[0] && db.shards[0].primary.Instances()[0].Down() {
		db.span.FailsWrite(j)
	}
}

// ShardOf returns the function that places a key of a keyCount-key space on
// one of d's shards.
func ShardOf(d *Database, keyCount int64) func(key int64) int {
	if d.Shards == 1 {
		return func(int64) int { return 0 }
	}
	return newPartitioner(d.Partition, d.Shards, keyCount, d.VNodes).Part
}
