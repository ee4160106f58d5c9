package database

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// A database's data across regions. Its replicas may be placed in other
// regions than its primary's, by group:
//
//	replicas: [{region: eu-west-1, count: 1}, {region: us-east-1, count: 2}]
//
// (a plain count puts them beside the primary, as before). A replica
// applies a write the one-way delay between the primary's place and its
// own (Topology.Hop, the one hop function) plus the apply time
// (replication_lag) after its commit, in commit order. replication says
// when a write commits: async (the default), sync (once every replica has
// applied it) or semi_sync (once one replica has received it). primaries
// makes the database active-active: a primary in each region named
// accepts writes, and replicates them to the others, where concurrent
// writes of one key are resolved last-writer-wins.

// ReplicaGroup is a number of a database's replicas placed in a region.
type ReplicaGroup struct {
	// Region is the region's name as the scenario gives it (a catalogue
	// code, or one of the scenario's regions.names).
	Region string
	Count  int
}

// When a write commits (Database.Replication).
const (
	// ReplicationAsync: at the primary; replicas apply it later.
	ReplicationAsync = "async"
	// ReplicationSync: once every replica has applied it: the writer
	// waits for the farthest replica's acknowledgement, as PostgreSQL's
	// synchronous_commit = remote_apply with every standby synchronous
	// ("commits will wait until replies from the current synchronous
	// standby(s) indicate they have received the commit record of the
	// transaction and applied it", PostgreSQL documentation,
	// synchronous_commit, in the server's Write Ahead Log settings).
	ReplicationSync = "sync"
	// ReplicationSemiSync: once one replica has received it (written it to
	// its relay log, not applied it), as MySQL's semisynchronous
	// replication (MySQL 8.4 Reference Manual, 19.4.10 "Semisynchronous
	// Replication": with rpl_semi_sync_source_wait_for_replica_count at
	// its default 1, "the source only waits for one replica to acknowledge
	// receipt of the transaction's events"; AFTER_SYNC, the default wait
	// point).
	ReplicationSemiSync = "semi_sync"
)

// Replications lists the replication modes.
var Replications = []string{ReplicationAsync, ReplicationSync, ReplicationSemiSync}

// MaxPrimaries bounds an active-active database's primaries.
const MaxPrimaries = 8

// primaries is the number of primaries of each shard: one, or one per
// region of an active-active database.
func (db *Database) primaries() int { return max(1, len(db.Primaries)) }

// decodeReplicas reads replicas: a count beside the primary, or a list of
// groups by region.
func decodeReplicas(d *yamlfile.Decoder, m yamlfile.Map, what string, db *Database) {
	n := m.Get("replicas")
	if n == nil || n.Kind != yaml.SequenceNode {
		topology.IntField(d, m, "replicas", what, &db.Replicas)
		return
	}
	if len(n.Content) == 0 {
		d.Errorf(n, "%s replicas: an empty list places none: leave replicas out, or give groups such as [{region: eu-west-1, count: 1}]", what)
		return
	}
	db.ReplicaGroups = []ReplicaGroup{}
	for _, item := range n.Content {
		g, ok := d.Mapping(item, what+" replica group", "region", "count")
		if !ok {
			continue
		}
		rg := ReplicaGroup{Count: 1}
		if !g.Has("region") {
			d.Errorf(item, "%s replica group needs region, e.g. {region: eu-west-1, count: 1}", what)
		}
		topology.StringField(d, g, "region", &rg.Region)
		topology.IntField(d, g, "count", what+" replica group", &rg.Count)
		db.ReplicaGroups = append(db.ReplicaGroups, rg)
		db.Replicas += rg.Count
	}
}

// validateReplication checks the replication mode, the replicas' groups
// by region and an active-active database's primaries: each region
// known, with a round trip to every region nodes are in (a reader may be
// anywhere), and the settings each needs.
func (db *Database) validateReplication(e field.Errors, c *topology.Checker, what string) {
	if db.Replication != "" {
		topology.OneOf(e, "replication", "replication", db.Replication, Replications)
		if db.Replication != ReplicationAsync && db.Replicas == 0 {
			e.AddAtKey("replication", "%s: replication %s waits for replicas, and it has none", what, db.Replication)
		}
	}
	if db.ReplicaGroups == nil && db.Primaries == nil {
		return
	}
	t := c.Topology()
	home := t.NodeRegion(c.Node())
	if !t.Placed() || home == "" {
		field := "replicas"
		if db.Primaries != nil {
			field = "primaries"
		}
		e.AddAtKey(field, "%s: %s in regions need the node placed: give it region:, or the scenario regions: {default: REGION}", what, field)
		return
	}
	if db.Shards > 1 {
		e.AddAtKey("shards", "%s: shards with replicas or primaries placed by region are not modelled: give shards: 1, or a plain replicas count", what)
	}
	var used []string // the regions nodes are in
	for _, n := range t.Nodes {
		if r := t.NodeRegion(n); r != "" && !n.Kind().Global && t.Regions.Known(r) && !slices.Contains(used, r) {
			used = append(used, r)
		}
	}
	// checkRegion refuses an unknown region, or one without a round trip
	// to a region nodes are in.
	checkRegion := func(fe field.Errors, key, name string) bool { return t.CheckRegion(fe, key, name, used) }
	seen := map[string]bool{}
	for i, g := range db.ReplicaGroups {
		ge := e.In("replicas", strconv.Itoa(i))
		topology.AtLeast(ge, "count", what+" replica group", g.Count, 1)
		if g.Region == "" || !checkRegion(ge, "region", g.Region) {
			continue
		}
		if r := t.Regions.Region(g.Region); seen[r] {
			ge.Add("region", "%s: the replicas in %s are given twice: give one group a count", what, g.Region)
		} else {
			seen[r] = true
		}
	}
	if db.Primaries == nil {
		return
	}
	switch {
	case len(db.Primaries) < 2:
		e.AddAtKey("primaries", "%s: active-active needs primaries in two regions or more; with one, leave primaries out (the node's region holds its primary)", what)
	case len(db.Primaries) > MaxPrimaries:
		e.AddAtKey("primaries", "%s: at most %d primaries are simulated", what, MaxPrimaries)
	}
	var regions []string
	for i, name := range db.Primaries {
		if !checkRegion(e.In("primaries"), strconv.Itoa(i), name) {
			continue
		}
		if r := t.Regions.Region(name); slices.Contains(regions, r) {
			e.In("primaries").Add(strconv.Itoa(i), "%s: region %s has a primary already", what, name)
		} else {
			regions = append(regions, r)
		}
	}
	if len(regions) == len(db.Primaries) && !slices.Contains(regions, home) {
		e.AddAtKey("primaries", "%s is placed in %s, which is not one of its primaries' regions: place it in one of them", what, home)
	}
	if db.Replicas > 0 {
		e.AddAtKey("replicas", "%s: replicas beside several primaries are not modelled: each region's primary serves its reads", what)
	}
	if db.ReadYourWrites > 0 {
		e.AddAtKey("read_your_writes", "%s: with several primaries a user's reads go to the primary that took their writes already; leave read_your_writes out", what)
	}
	if db.Replication != "" && db.Replication != ReplicationAsync {
		e.AddAtKey("replication", "%s: primaries replicate to each other asynchronously (that is what makes conflicts): leave replication out", what)
	}
}

// HasPartIn implements Replicated: its replicas or a primary are in
// region.
func (db *Database) HasPartIn(t *topology.Topology, region string) bool {
	for _, g := range db.ReplicaGroups {
		if t.Regions.Region(g.Region) == region {
			return true
		}
	}
	for _, p := range db.Primaries {
		if t.Regions.Region(p) == region {
			return true
		}
	}
	return false
}

// ReplicationKinds implements Replicated: how the bytes of each write it
// commits are billed on their way to its other servers, one per server
// (see database.replicate): to each replica from the primary, or to each
// other primary from the one in the node's region (an active-active
// database's primaries are in distinct regions, so which one took the
// write does not change the kinds). Nil for any other node, or a database
// whose servers are all in its place.
func (db *Database) ReplicationKinds(t *topology.Topology, n *topology.Node) []topology.TransferKind {
	if db.ReplicaGroups == nil && db.Primaries == nil {
		return nil
	}
	home := n.Region
	if home == "" && t.Regions != nil {
		home = t.Regions.Default
	}
	from := n.Name + topology.PartSep + t.Regions.Region(home)
	var out []topology.TransferKind
	if db.Primaries != nil {
		for _, p := range db.Primaries {
			if t.Regions.Region(p) != t.Regions.Region(home) {
				out = append(out, t.Transfer(from, n.Name+topology.PartSep+p))
			}
		}
		return out
	}
	for _, g := range db.ReplicaGroups {
		for range g.Count {
			out = append(out, t.Transfer(from, n.Name+topology.PartSep+g.Region))
		}
	}
	return out
}

// placing is where a database's parts are: places[0] is the node's own
// (its name for Hop), the others NODE@REGION; the place of each primary
// and each replica server, by index; and a round-robin cursor per place
// for the replicas there.
type placing struct {
	names     []string // for Hop
	regions   []string
	primaryAt []int
	replicaAt []int
	rr        []int
}

// place is the index of region in p's places, added if new.
func (p *placing) place(node, region string) int {
	if i := slices.Index(p.regions, region); i >= 0 {
		return i
	}
	p.regions = append(p.regions, region)
	p.names = append(p.names, node+topology.PartSep+region)
	p.rr = append(p.rr, 0)
	return len(p.regions) - 1
}

// newPlacing places a database's servers: its primaries (one, in the
// node's region, or one per region of Primaries) and its replicas (by
// group, or all beside the primary). It is nil when every server is in
// the node's own place.
func newPlacing(t *topology.Topology, node *topology.Node, spec *Database) *placing {
	if spec.ReplicaGroups == nil && spec.Primaries == nil {
		return nil
	}
	p := &placing{names: []string{node.Name}, regions: []string{t.NodeRegion(node)}, rr: []int{0}}
	if spec.Primaries == nil {
		p.primaryAt = []int{0}
	}
	for _, name := range spec.Primaries {
		p.primaryAt = append(p.primaryAt, p.place(node.Name, t.Regions.Region(name)))
	}
	for _, g := range spec.ReplicaGroups {
		at := p.place(node.Name, t.Regions.Region(g.Region))
		for range g.Count {
			p.replicaAt = append(p.replicaAt, at)
		}
	}
	return p
}

// PartName implements engine.Parted: a part is a replica group's place (part > 0:
// the place part − 1) or a primary's (part < 0: the place −part − 1).
func (db *database) PartName(part int8) string {
	if part > 0 {
		return db.at.names[part-1]
	}
	return db.at.names[-part-1]
}

// Aim implements engine.Parted: a write goes to the primary (with several, the
// nearest up, by Hop from the caller), a read where read_from and
// read_your_writes say: to the replicas nearest the caller that have one
// up (as a reader endpoint in the caller's region would), or to the
// primary when no replica is up.
func (db *database) Aim(j *engine.Job, from string) string {
	if db.at == nil {
		return db.node.Name // placed whole, in one region
	}
	nearest := func(ok func(place int) bool) int {
		best, bestD := -1, 0.0
		for place, name := range db.at.names {
			if !ok(place) {
				continue
			}
			if d := db.net.Topology().Hop(topology.HopCall, from, name, 0); best < 0 || d < bestD {
				best, bestD = place, d
			}
		}
		return best
	}
	sh := db.shards[0]
	primary := func() string {
		p := db.at.primaryAt[0]
		if len(db.at.primaryAt) > 1 {
			p = nearest(func(place int) bool { return db.primaryAt(place) != nil && !db.primaryAt(place).Down() })
			if p < 0 { // every primary down: the nearest, to fail there
				p = nearest(func(place int) bool { return db.primaryAt(place) != nil })
			}
		}
		j.SetPart(int8(-p - 1))
		return db.at.names[p]
	}
	if db.net.Writes(j) || sh.replicas == nil || db.spec.ReadFrom == ReadPrimary {
		return primary()
	}
	if db.spec.ReadFrom == ReadAny && db.picks.IntN(1+db.spec.Replicas) == 0 {
		return primary()
	}
	if db.userWrites != nil && j.Request().User >= 0 {
		if t, ok := db.userWrites[j.Request().User]; ok && float64(db.net.Now()-t) < db.spec.ReadYourWrites {
			db.rywRouted++
			return primary()
		}
	}
	p := nearest(func(place int) bool {
		for i, at := range db.at.replicaAt {
			if at == place && !sh.replicas.Instances()[i].Down() {
				return true
			}
		}
		return false
	})
	if p < 0 {
		db.fallbackReads++
		return primary()
	}
	j.SetPart(int8(p + 1))
	return db.at.names[p]
}

// primaryAt is the primary server placed at place, or nil.
func (db *database) primaryAt(place int) *engine.StationInstance {
	for i, at := range db.at.primaryAt {
		if at == place {
			return db.shards[0].primary.Instances()[i]
		}
	}
	return nil
}

// routePart sends j to the part aim chose: a primary, or the next replica
// up at its place in turn; with none up there any more, to the primary.
func (db *database) routePart(j *engine.Job) {
	sh := db.shards[0]
	if j.Part() < 0 {
		inst := sh.primary.Instances()[0] // the one primary, wherever a promotion put it
		if db.aa != nil {
			inst = db.primaryAt(int(-j.Part() - 1))
		}
		sh.primary.Arrive(j, inst)
		return
	}
	place := int(j.Part() - 1)
	n := len(db.at.replicaAt)
	for k := range n {
		i := (db.at.rr[place] + k) % n
		if db.at.replicaAt[i] == place && !sh.replicas.Instances()[i].Down() {
			db.at.rr[place] = i + 1
			sh.replicas.Arrive(j, sh.replicas.Instances()[i])
			return
		}
	}
	db.fallbackReads++
	sh.primary.Arrive(j, sh.primary.Instances()[0])
}

// ackWait is a write whose commit waits for replicas' acknowledgements
// (sync, semi_sync): its reply leaves the primary at at.
type ackWait struct {
	j  *engine.Job
	at sim.Time
}

// acks is a shard's writes waiting for acknowledgements. Their times
// grow with the commits (a replica applies in commit order, and a
// receipt is a fixed way from the primary), so they are a FIFO.
type acks struct {
	db      *database
	waiting sim.FIFO[ackWait]
}

// Fire implements engine.Firer: the writes acknowledged by now are replied to.
func (a *acks) Fire(now sim.Time) {
	for a.waiting.Len() > 0 && a.waiting.Peek().at <= now {
		a.db.net.Reply(a.waiting.Pop().j)
	}
}

// failAll fails the writes still waiting: their primary failed before
// they were acknowledged (they may survive on a replica, but their
// writers were told they failed). Their requests are marked as failed for
// want of writes in the failover whose span is span.
func (a *acks) failAll(span *engine.Span) {
	for a.waiting.Len() > 0 {
		j := a.waiting.Pop().j
		j.Fail(engine.CauseFailed)
		span.FailsWrite(j)
		a.db.net.Reply(j)
	}
}

// ackDelay is how long after its commit now a write is acknowledged to
// its writer, given the time each replica applies it (apply, by replica;
// a replica whose log is stalled, down, acknowledges nothing): with sync,
// when the last replica's acknowledgement of its apply is back; with
// semi_sync, when the first replica's acknowledgement of its receipt is
// back (the way there and back, without the apply). A write with no
// replica up to acknowledge it commits at once (MySQL's source waits
// rpl_semi_sync_source_timeout, 10 s by default, then reverts to
// asynchronous replication until a replica catches up; here at once).
func (db *database) ackDelay(now sim.Time, apply []sim.Time, logs []replicaLog) float64 {
	mode := db.spec.Replication
	if mode == "" || mode == ReplicationAsync {
		return 0
	}
	prim := db.partAt(db.primaryPlace())
	delay, any := 0.0, false
	for i, a := range apply {
		if logs[i].stalled {
			continue
		}
		rep := db.partAt(db.replicaPlace(i))
		back := db.net.Topology().Hop(topology.HopReply, rep, prim, 0)
		var d float64
		if mode == ReplicationSync {
			d = float64(a-now) + back
		} else {
			d = db.net.Topology().Hop(topology.HopReplication, prim, rep, 0) + back
		}
		switch {
		case !any:
			delay = d
		case mode == ReplicationSync:
			delay = max(delay, d)
		default:
			delay = min(delay, d)
		}
		any = true
	}
	return delay
}

// partAt is the name for Hop of place (the node's own without placing).
func (db *database) partAt(place int) string {
	if db.at == nil {
		return db.node.Name
	}
	return db.at.names[place]
}

// primaryPlace is the place of the (first) primary; replicaPlace that of
// replica i.
func (db *database) primaryPlace() int {
	if db.at == nil {
		return 0
	}
	return db.at.primaryAt[0]
}

func (db *database) replicaPlace(i int) int {
	if db.at == nil || db.at.replicaAt == nil {
		return 0
	}
	return db.at.replicaAt[i]
}

// activeActive is the replication between an active-active database's
// primaries: each write committed at one is applied at each other the
// one-way delay between their places plus the apply time after its
// commit, in commit order (per pair), and the writes of a key not yet
// applied everywhere are kept to find conflicts and stale reads.
//
// Two writes of a key committed at different primaries conflict when
// neither had seen the other: the later one (at time t, at primary b)
// was committed before the earlier one (at s, at primary a) was applied
// at b, at s + W, W the lag from a to b. Last-writer-wins keeps the later
// (by commit time) everywhere, so the earlier one is a lost update: its
// writer was acknowledged, and its value silently overwritten by a writer
// that never saw it. A write is lost once, however many later writes it
// conflicts with.
//
// The expected rate (per key): writes at a and b are independent Poisson
// processes of rates λa and λb; a pair (s at a, t at b) with t > s
// conflicts when t − s < W_ab(s), the lag of the write at s, which does
// not depend on b's writes. So the pairs with t > s come at rate
// λa·∫₀^∞ λb·P(W_ab > u) du = λa·λb·E[W_ab], and those with s > t at
// λa·λb·E[W_ba]: conflicts per unit time = λa·λb·(E[W_ab] + E[W_ba]),
// 2·λa·λb·w for a lag w each way. A write at a is lost when a write at b
// follows within its lag: lost updates per unit time =
// λa·(1 − E[e^{−λb·W_ab}]) + λb·(1 − E[e^{−λa·W_ba}]).
type activeActive struct {
	n         int // primaries
	lastApply [MaxPrimaries][MaxPrimaries]sim.Time
	// recent are the writes of each key not yet applied at every
	// primary, oldest first; order the keys written, by commit, to prune
	// it.
	recent                        map[int64][]aaWrite
	order                         sim.FIFO[aaKey]
	conflicts, lostUpdates, stale int64
	writes, reads                 [MaxPrimaries]int64
	// losses are the writes region outages lost in the window (see
	// fail), one entry an outage striking a primary.
	losses []aaLoss
}

// aaLoss is what an outage of region, from at, lost at the primary it
// struck: lost writes, the oldest committed rpo seconds before at.
type aaLoss struct {
	region string
	at     sim.Time
	lost   int64
	rpo    float64
}

// aaWrite is a write committed at primary at, applied at primary k at
// seen[k] (seen[at] is its commit).
type aaWrite struct {
	seen [MaxPrimaries]sim.Time
	at   int8
	lost bool
}

type aaKey struct {
	key  int64
	done sim.Time // when the write is applied everywhere
}

func newActiveActive(n int) *activeActive {
	return &activeActive{n: n, recent: map[int64][]aaWrite{}}
}

// commit records a write of key committed at primary at now: it counts
// the conflicts it makes with the writes of other primaries it had not
// seen, and schedules its apply at the others. lag draws a write's lag
// from primary a to primary b (the one-way delay plus the apply time).
func (aa *activeActive) commit(at int, key int64, now sim.Time, lag func(a, b int) float64, measured func(b int, lag float64)) {
	aa.prune(now)
	aa.writes[at]++
	w := aaWrite{at: int8(at)}
	list := aa.recent[key]
	for i := range list {
		if e := &list[i]; int(e.at) != at && e.seen[at] > now {
			aa.conflicts++
			if !e.lost {
				e.lost = true
				aa.lostUpdates++
			}
		}
	}
	done := now
	for b := range aa.n {
		if b == at {
			w.seen[b] = now
			continue
		}
		// The lag measured is the one drawn unless the write waits behind
		// an earlier one (as at a replica: see database.commit).
		l := lag(at, b)
		apply := now + sim.Time(l)
		if prev := aa.lastApply[at][b]; prev > apply {
			apply, l = prev, float64(prev-now)
		}
		aa.lastApply[at][b] = apply
		w.seen[b] = apply
		done = max(done, apply)
		measured(b, l)
	}
	aa.recent[key] = append(list, w)
	aa.order.Push(aaKey{key, done})
}

// read says whether a read of key at primary at now is stale: a write of
// another primary committed before now is not applied there yet.
func (aa *activeActive) read(at int, key int64, now sim.Time) bool {
	aa.reads[at]++
	for _, e := range aa.recent[key] {
		if int(e.at) != at && e.seen[at] > now {
			aa.stale++
			return true
		}
	}
	return false
}

// prune forgets the writes applied everywhere by now.
func (aa *activeActive) prune(now sim.Time) {
	for aa.order.Len() > 0 && aa.order.Peek().done <= now {
		k := aa.order.Pop().key
		list := aa.recent[k]
		kept := list[:0]
		for _, e := range list {
			done := e.seen[0]
			for b := 1; b < aa.n; b++ {
				done = max(done, e.seen[b])
			}
			if done > now {
				kept = append(kept, e)
			}
		}
		if len(kept) == 0 {
			delete(aa.recent, k)
		} else {
			aa.recent[k] = kept
		}
	}
}

// inUse is the bytes its writes not yet applied everywhere hold.
func (aa *activeActive) inUse() float64 {
	return float64(float64(aa.order.Len())*float64(unsafe.Sizeof(aaWrite{})+engine.FIFOEntryBytes)) + float64(float64(len(aa.recent))*engine.MapEntryBytes)
}

// fail is primary at's failure now, in region's outage: the writes it
// committed that some other primary had not applied yet (still within
// their replication lag: the one-way delay plus the apply time, in commit
// order) never leave it, as asynchronous replication loses them on a
// failover; they were acknowledged, so they are lost writes (the RPO),
// λ_w·E[lag] an outage for Poisson writes at λ_w. They are forgotten:
// with three primaries or more, one that reached some of the others is
// lost too (the others lack it), and no longer conflicts or makes a read
// stale where it did arrive.
func (aa *activeActive) fail(at int, region string, now sim.Time) {
	loss := aaLoss{region: region, at: now}
	for key, list := range aa.recent {
		kept := list[:0]
		for _, e := range list {
			unsent := false
			for b := range aa.n {
				unsent = unsent || (b != at && e.seen[b] > now)
			}
			if int(e.at) == at && unsent {
				loss.lost++
				loss.rpo = max(loss.rpo, float64(now-e.seen[at]))
				continue
			}
			kept = append(kept, e)
		}
		if len(kept) == 0 {
			delete(aa.recent, key)
		} else {
			aa.recent[key] = kept
		}
	}
	for b := range aa.n {
		aa.lastApply[at][b] = min(aa.lastApply[at][b], now)
	}
	aa.losses = append(aa.losses, loss)
}

// lostIn is the writes lost and the RPO window of region's outage that
// began at; ok is false when it struck no primary.
func (aa *activeActive) lostIn(region string, at sim.Time) (lost int64, rpo float64, ok bool) {
	for _, l := range aa.losses {
		if l.region == region && l.at == at {
			lost, rpo, ok = lost+l.lost, max(rpo, l.rpo), true
		}
	}
	return lost, rpo, ok
}

func (aa *activeActive) resetStats() {
	aa.losses = nil
	aa.conflicts, aa.lostUpdates, aa.stale = 0, 0, 0
	aa.writes, aa.reads = [MaxPrimaries]int64{}, [MaxPrimaries]int64{}
}

// Down implements engine.Downer: a region fault takes down the servers placed in
// its region (a primary there fails over to a replica elsewhere; an
// active-active database's other primaries go on taking writes); any other
// fault that takes the node down takes every server down, as a station's
// instances go down.
func (db *database) Down(fl *engine.Faulter, count int, on bool, now sim.Time) {
	if fl.Fault().Region == "" || db.at == nil {
		fl.DownStations(count, on, now)
		return
	}
	if !on {
		db.lift(fl.Fault(), now)
		return
	}
	sh := db.shards[0]
	region := db.net.Topology().Regions.Region(fl.Fault().Region)
	// The primaries first, so that when the region is back the primary
	// returns before its replicas there (which a failover still waiting
	// for a replica would otherwise promote).
	var held []*engine.StationInstance
	failed := false
	for _, at := range db.at.primaryAt {
		if db.at.regions[at] == region && db.aa == nil && !db.failing {
			db.beginFailover(now) // before the hold fails its queue
		}
	}
	for i, at := range db.at.primaryAt {
		if db.at.regions[at] == region {
			if db.aa != nil && !sh.primary.Instances()[i].Down() {
				db.aa.fail(i, fl.Fault().Region, now)
			}
			engine.HoldDown(sh.primary.Instances()[i])
			held = append(held, sh.primary.Instances()[i])
			failed = db.aa == nil && !db.failing
		}
	}
	for i, at := range db.at.replicaAt {
		if db.at.regions[at] == region {
			inst := sh.replicas.Instances()[i]
			if engine.HoldDown(inst) {
				sh.logs[i].stall(now)
			}
			held = append(held, inst)
		}
	}
	db.holds[fl.Fault()] = held
	if failed {
		db.fail(sh, now)
		if db.cur >= 0 {
			db.failovers[db.cur].Region = fl.Fault().Region
		}
	}
}

// aaCommit commits a write at the primary that served j, on an
// active-active database.
func (db *database) aaCommit(j *engine.Job, now sim.Time) {
	at := j.Instance().Index()
	db.aa.commit(at, j.Key(), now, func(a, b int) float64 {
		lag, _ := db.net.Hop(topology.HopReplication, db.at.names[db.at.primaryAt[a]], db.at.names[db.at.primaryAt[b]], db.spec.ReplicationLag, db.lag)
		return lag
	}, func(b int, lag float64) {
		db.lagged.Add(lag)
		db.laggedHist.Add(lag)
		f := &db.byPlace[db.at.primaryAt[b]]
		f.lag.Add(lag)
		f.lagHist.Add(lag)
	})
}

// placeStats fills in the figures by place and the active-active ones.
func (db *database) placeStats(ds *Stats) {
	if db.spec.Replication != ReplicationAsync {
		ds.Replication = db.spec.Replication
	}
	if db.at == nil {
		return
	}
	for place, region := range db.at.regions {
		f := &db.byPlace[place]
		ps := PlaceStats{Region: region, ReplicaReads: f.reads, StaleReads: f.stale, StaleFraction: topology.Ratio(float64(f.stale), float64(f.reads))}
		for i, at := range db.at.primaryAt {
			if at == place {
				ps.Primaries++
				if db.aa != nil {
					ps.Writes = db.aa.writes[i]
				}
			}
		}
		for _, at := range db.at.replicaAt {
			if at == place {
				ps.Replicas++
			}
		}
		if f.lag.N() > 0 {
			mean, p99, most := f.lag.Mean(), f.lagHist.Quantile(0.99), f.lag.Max()
			ps.LagMean, ps.LagP99, ps.LagMax = &mean, &p99, &most
		}
		ds.Places = append(ds.Places, ps)
	}
	if db.aa != nil {
		ds.ActiveActive = &ActiveActiveStats{Conflicts: db.aa.conflicts, LostUpdates: db.aa.lostUpdates, StaleReads: db.aa.stale}
		for _, r := range db.aa.reads {
			ds.ActiveActive.Reads += r
		}
	}
}

// writePlaces writes the figures by region and the active-active ones.
func (d *Stats) writePlaces(w io.Writer) {
	if d.Replication != "" {
		fmt.Fprintf(w, "%-11s replication %s: a write commits once %s\n", "", d.Replication,
			map[string]string{ReplicationSync: "every replica up has applied it", ReplicationSemiSync: "one replica has received it"}[d.Replication])
	}
	for _, p := range d.Places {
		var parts []string
		if p.Primaries > 0 {
			parts = append(parts, "primary")
		}
		switch {
		case p.Replicas > 0:
			parts = append(parts, units.Plural(p.Replicas, "replica", "replicas"))
		case p.Primaries == 0:
			parts = append(parts, "no server up") // a promotion moved its servers' places
		}
		fmt.Fprintf(w, "%-11s %s: %s", "", p.Region, strings.Join(parts, " and "))
		if d.ActiveActive != nil {
			fmt.Fprintf(w, ", %s", units.Plural(p.Writes, "write", "writes"))
		}
		if p.Replicas > 0 || p.ReplicaReads > 0 {
			fmt.Fprintf(w, ", %s, stale %s", units.Plural(p.ReplicaReads, "replica read", "replica reads"), units.OrUnknown(p.StaleFraction, units.Percent))
		}
		if p.LagMean != nil {
			fmt.Fprintf(w, ", replication lag mean %s, p99 %s, max %s", units.FormatDuration(*p.LagMean),
				units.OrUnknown(p.LagP99, units.FormatDuration), units.OrUnknown(p.LagMax, units.FormatDuration))
		}
		fmt.Fprintln(w)
	}
	if a := d.ActiveActive; a != nil {
		fmt.Fprintf(w, "%-11s active-active: %s (writes of one key at two primaries, neither seeing the other); %s silently overwritten (last writer wins); %d of %s stale\n", "",
			units.Plural(a.Conflicts, "conflict", "conflicts"), units.Plural(a.LostUpdates, "write", "writes"), a.StaleReads, units.Plural(a.Reads, "read", "reads"))
	}
}

// AimedPart implements Replicated: for the estimate, the name for Hop of
// the part of the database to that serves a call of class c from the node
// from, as the simulation aims it (database.Aim): its replicas nearest
// the caller for a read with read_from: replicas, its primary nearest the
// caller for a write to an active-active one; the node itself otherwise.
func (db *Database) AimedPart(sv topology.Solver, from, to string, c int) string {
	if db.ReplicaGroups == nil && db.Primaries == nil {
		return to
	}
	var regions []string
	switch {
	case db.Primaries != nil:
		regions = db.Primaries
	case sv.Writes(c) || db.ReadFrom != ReadReplicas:
		return to
	default:
		for _, g := range db.ReplicaGroups {
			regions = append(regions, g.Region)
		}
	}
	best, bestD := to, 0.0
	for i, r := range regions {
		part := to + topology.PartSep + r
		if d := sv.Hop(topology.HopCall, from, part, 0); i == 0 || d < bestD {
			best, bestD = part, d
		}
	}
	return best
}

// ackMean is, for the estimate, the mean time a write waits for the
// replicas' acknowledgements (see ackDelay), from the mean apply time:
// with sync the farthest replica's way there, apply and way back, with
// semi_sync the nearest one's way there and back.
func (db *Database) ackMean(s topology.Solver, name string) float64 {
	if db.Replication == "" || db.Replication == ReplicationAsync || db.Replicas == 0 {
		return 0
	}
	places := []string{name}
	if db.ReplicaGroups != nil {
		places = places[:0]
		for _, g := range db.ReplicaGroups {
			places = append(places, name+topology.PartSep+g.Region)
		}
	}
	out := 0.0
	for i, p := range places {
		back := s.Hop(topology.HopReply, p, name, 0)
		if db.Replication == ReplicationSync {
			out = max(out, s.Hop(topology.HopReplication, name, p, topology.Mean(db.ReplicationLag))+back)
		} else if d := s.Hop(topology.HopReplication, name, p, 0) + back; i == 0 || d < out {
			out = d
		}
	}
	return out
}

// replicate counts the bytes the write j committed sends to the database's
// other servers: its request's bytes to each replica, or to each other
// primary of an active-active database, billed by where they are (see
// transferBetween). Every committed write is counted, once per server,
// as a replica down catches up on the same bytes later. Between regions
// they are billed as inter-region transfer, as AWS bills the replication
// of an RDS cross-region read replica or an Aurora global database
// ("Exploring Data Transfer Costs for AWS Managed Databases", AWS
// Architecture Blog, 2021); a database's servers have no zones of their
// own, so replication within a region is free (as RDS Multi-AZ's is).
func (db *database) replicate(j *engine.Job) {
	if !db.net.Topology().PricesTransfer() || db.at == nil {
		return // every server in the node's place
	}
	bytes := j.Station().SizeOf(j).Request
	if db.aa != nil {
		from := db.at.names[db.at.primaryAt[j.Instance().Index()]]
		for b, at := range db.at.primaryAt {
			if b != j.Instance().Index() {
				db.replicated[db.net.Topology().Transfer(from, db.at.names[at])] += bytes
			}
		}
		return
	}
	from := db.partAt(db.primaryPlace())
	for i := range db.shards[0].logs {
		db.replicated[db.net.Topology().Transfer(from, db.partAt(db.replicaPlace(i)))] += bytes
	}
}

// replicationStats adds the window's replication bytes to the node's
// crossings (the transfer cost) and to its figures.
func (db *database) replicationStats(ds *Stats, s *engine.NodeStats, window float64) {
	if window <= 0 {
		return
	}
	for k, b := range db.replicated {
		if topology.TransferKind(k) != topology.TransferFree {
			s.Crossed[k] += b / window
			ds.ReplicationTransfer += b / window
		}
	}
}
