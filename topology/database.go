package topology

import (
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
)

// database is the runtime of a Database node: per shard, a primary station
// with one server and a replica station with one server per replica. Writes
// go to the primary; each replica applies them, in commit order, after the
// replication lag.
type database struct {
	net    *Network
	node   *Node
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
	poolWait                                  sim.Summary
	poolWaitHist                              sim.Histogram
}

// dbShard is a primary with its replicas.
type dbShard struct {
	primary, replicas *station // replicas nil without replicas
	// lastWrite is the latest write of each key not yet applied everywhere.
	lastWrite map[int64]writeMark
	written   sim.FIFO[keyCommit] // writes in commit order, for pruning lastWrite
	logs      []replicaLog        // one per replica
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
// and the commit time up to which it has applied everything.
type replicaLog struct {
	pending   sim.FIFO[applyMark]
	applied   sim.Time // every write committed at or before this is applied
	lastApply sim.Time // when the latest write will be applied
}

type applyMark struct{ commit, apply sim.Time }

// opConnected: a request has paid its connect time (data: the *job).
const opConnected = 0

func newDatabase(net *Network, node *Node, rng *rand.Rand, seed uint64) *database {
	spec := node.Database
	db := &database{net: net, node: node, spec: spec,
		connect: sim.NewStream(seed, node.Name+"/connect"),
		lag:     sim.NewStream(seed, node.Name+"/lag"),
		picks:   sim.NewStream(seed, node.Name+"/route"),
		track:   spec.Replicas > 0 && net.opts.KeyCount > 0,
	}
	if spec.ReadYourWrites > 0 {
		db.userWrites = map[int32]sim.Time{}
	}
	for i := range spec.Shards {
		sh := &dbShard{primary: newStation(net, db, rng, 1, spec.Workers, spec.Queue, spec.ReadTime, spec.WriteTime)}
		sh.primary.part = i
		if spec.Replicas > 0 {
			sh.replicas = newStation(net, db, rng, spec.Replicas, spec.Workers, spec.Queue, spec.ReadTime, spec.WriteTime)
			sh.replicas.part = i
			sh.logs = make([]replicaLog, spec.Replicas)
			for i := range sh.logs {
				sh.logs[i].applied = -1
			}
			sh.lastWrite = map[int64]writeMark{}
		}
		db.shards = append(db.shards, sh)
	}
	if spec.Shards > 1 {
		db.part = newPartitioner(spec.Partition, spec.Shards, net.opts.KeyCount, spec.VNodes)
	}
	return db
}

func (db *database) shardOf(key int64) *dbShard {
	if db.part == nil {
		return db.shards[0]
	}
	return db.shards[db.part.part(key)]
}

// accept pays the connect time of a request without a pooled connection,
// then routes it.
func (db *database) accept(j *job) {
	if j.pool == nil && db.spec.ConnectTime != nil {
		db.net.k.After(db.spec.ConnectTime.Sample(db.connect), db, opConnected, j)
		return
	}
	db.route(j)
}

// Handle implements sim.Handler: a connection is established.
func (db *database) Handle(_ sim.Time, _ int, data any) { db.route(data.(*job)) }

// route sends writes to the shard's primary and reads where read_from says,
// except a user's reads within read_your_writes of their last write, which
// go to the primary.
func (db *database) route(j *job) {
	sh := db.shardOf(j.req.Key)
	st := sh.primary
	if !db.net.writes(j) && sh.replicas != nil {
		switch db.spec.ReadFrom {
		case ReadReplicas:
			st = sh.replicas
		case ReadAny:
			if db.picks.IntN(1+db.spec.Replicas) > 0 {
				st = sh.replicas
			}
		}
		if st == sh.replicas && db.userWrites != nil && j.req.User >= 0 {
			if t, ok := db.userWrites[j.req.User]; ok && float64(db.net.k.Now()-t) < db.spec.ReadYourWrites {
				st = sh.primary
				db.rywRouted++
			}
		}
	}
	inst := st.insts[0]
	if st == sh.replicas {
		inst = st.next()
	}
	st.arrive(j, inst)
}

// served commits a write, or checks whether a replica read was stale.
func (db *database) served(j *job) {
	now := db.net.k.Now()
	sh := db.shards[j.st.part] // routed by key in route
	switch {
	case db.net.writes(j):
		db.writes++
		if db.userWrites != nil && j.req.User >= 0 {
			db.userWrites[j.req.User] = now
		}
		if db.track {
			db.commit(sh, j.req.Key, j.req.User, now)
		}
	case j.st == sh.replicas:
		db.reads++
		db.replicaReads++
		if db.track {
			log := &sh.logs[j.inst.index]
			log.advance(now)
			if w, ok := sh.lastWrite[j.req.Key]; ok && w.commit > log.applied {
				db.stale++
				if w.user >= 0 && w.user == j.req.User {
					db.staleOwn++
				}
			}
		}
	default:
		db.reads++
		db.primaryReads++
	}
	j.st.finish(j)
	db.net.reply(j)
}

// commit records a write committed at the primary now: each replica will
// apply it after a lag, but not before the writes committed earlier.
func (db *database) commit(sh *dbShard, key int64, user int32, now sim.Time) {
	sh.lastWrite[key] = writeMark{commit: now, user: user}
	sh.written.Push(keyCommit{key, now})
	applied := sim.Forever
	for i := range sh.logs {
		log := &sh.logs[i]
		apply := now
		if db.spec.ReplicationLag != nil {
			apply += sim.Time(db.spec.ReplicationLag.Sample(db.lag))
		}
		apply = max(apply, log.lastApply)
		log.lastApply = apply
		log.pending.Push(applyMark{commit: now, apply: apply})
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
}

// advance applies the writes due by now.
func (l *replicaLog) advance(now sim.Time) {
	for l.pending.Len() > 0 && l.pending.Peek().apply <= now {
		l.applied = l.pending.Pop().commit
	}
}

// poolWaited records the time a request waited for a pooled connection.
func (db *database) poolWaited(w float64) {
	db.poolWait.Add(w)
	db.poolWaitHist.Add(w)
}

func (db *database) resetStats(now sim.Time) {
	for _, st := range stationsOf(db) {
		st.resetStats(now)
	}
	db.reads, db.writes, db.primaryReads, db.replicaReads = 0, 0, 0, 0
	db.stale, db.staleOwn, db.rywRouted = 0, 0, 0
	db.poolWait, db.poolWaitHist = sim.Summary{}, sim.Histogram{}
}

// DatabaseStats are a database's figures over the measurement window.
type DatabaseStats struct {
	Reads        int64 `json:"reads"`
	Writes       int64 `json:"writes"`
	PrimaryReads int64 `json:"primary_reads"`
	ReplicaReads int64 `json:"replica_reads"`
	// StaleReads are replica reads of a key whose latest write the replica
	// had not applied; StaleOwnWrites are those by the user who wrote it.
	StaleReads     int64   `json:"stale_reads"`
	StaleOwnWrites int64   `json:"stale_own_writes"`
	StaleFraction  float64 `json:"stale_fraction"` // of replica reads
	// ReadYourWrites counts reads sent to the primary because their user
	// wrote recently.
	ReadYourWrites int64 `json:"read_your_writes_routed"`
	// PoolWaits counts pooled connection acquisitions, PoolWaitMean and
	// PoolWaitP99 the time they waited.
	PoolWaits    int64        `json:"pool_waits"`
	PoolWaitMean float64      `json:"pool_wait_mean"`
	PoolWaitP99  float64      `json:"pool_wait_p99"`
	Shards       []ShardStats `json:"shards"`
	Imbalance    float64      `json:"imbalance"` // busiest shard's load ÷ the mean
	// ReshardMoved is, for each partitioning scheme, the fraction of keys
	// that would move going from this many shards to one more.
	ReshardMoved map[string]float64 `json:"reshard_moved,omitempty"`
}

// ShardStats are one shard's figures.
type ShardStats struct {
	Load               float64 `json:"load"` // share of the database's requests
	PrimaryUtilization float64 `json:"primary_utilization"`
	ReplicaUtilization float64 `json:"replica_utilization"`
}

func (db *database) stats(window float64, now sim.Time) NodeStats {
	s := NodeStats{Instances: db.node.Units()}
	ds := &DatabaseStats{Reads: db.reads, Writes: db.writes, PrimaryReads: db.primaryReads,
		ReplicaReads: db.replicaReads, StaleReads: db.stale, StaleOwnWrites: db.staleOwn,
		StaleFraction: share(float64(db.stale), float64(db.replicaReads)), ReadYourWrites: db.rywRouted,
		PoolWaits: int64(db.poolWait.N()), PoolWaitMean: db.poolWait.Mean(), PoolWaitP99: db.poolWaitHist.Quantile(0.99)}
	arrivals := make([]float64, len(db.shards))
	for i, sh := range db.shards {
		primary := sh.primary.stats(window, now)
		s.add(primary)
		arrivals[i] = float64(primary.Arrivals)
		shard := ShardStats{PrimaryUtilization: primary.Utilization}
		if sh.replicas != nil {
			replicas := sh.replicas.stats(window, now)
			s.add(replicas)
			arrivals[i] += float64(replicas.Arrivals)
			shard.ReplicaUtilization = replicas.Utilization
		}
		ds.Shards = append(ds.Shards, shard)
	}
	loads, imbalance := loadShares(arrivals)
	for i := range ds.Shards {
		ds.Shards[i].Load = loads[i]
	}
	ds.Imbalance = imbalance
	if db.spec.Shards > 1 {
		ds.ReshardMoved = map[string]float64{}
		for _, p := range Partitions {
			ds.ReshardMoved[p] = reshardMoved(p, db.spec.Shards, db.net.opts.KeyCount, db.spec.VNodes)
		}
	}
	s.Database = ds
	return s
}

// add folds one station's figures into s: counts, rates and queues add up;
// utilization, offered load and waits are the busiest station's.
func (s *NodeStats) add(st NodeStats) {
	if st.Utilization >= s.Utilization {
		s.Utilization, s.WaitMean, s.WaitP99 = st.Utilization, st.WaitMean, st.WaitP99
	}
	s.OfferedLoad = max(s.OfferedLoad, st.OfferedLoad)
	s.QueueLength += st.QueueLength
	s.Throughput += st.Throughput
	s.Arrivals += st.Arrivals
	s.Completed += st.Completed
	s.Rejected += st.Rejected
}
