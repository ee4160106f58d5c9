package topology

import (
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
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
	// waits for the farthest replica's acknowledgement (MySQL Group
	// Replication and Aurora's storage quorum work this way; here each
	// replica is waited for).
	ReplicationSync = "sync"
	// ReplicationSemiSync: once one replica has received it (written it to
	// its relay log, not applied it), as MySQL's semisynchronous
	// replication (MySQL 8.0 Reference Manual, 19.4.10 "Semisynchronous
	// Replication": "the source waits ... until at least one replica
	// acknowledges receipt of the transaction"; AFTER_SYNC, the default).
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
		intField(d, m, "replicas", what, &db.Replicas)
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
		StringField(d, g, "region", &rg.Region)
		intField(d, g, "count", what+" replica group", &rg.Count)
		db.ReplicaGroups = append(db.ReplicaGroups, rg)
		db.Replicas += rg.Count
	}
}

// nodeRegion is the region a node is placed in (its own, or the
// scenario's default), resolved to a catalogue code; "" if none.
func (t *Topology) nodeRegion(n *Node) string {
	name := n.Region
	if name == "" && t.Regions != nil {
		name = t.Regions.Default
	}
	if name == "" {
		return ""
	}
	return t.Regions.region(name)
}

// validateReplication checks the replication mode, the replicas' groups
// by region and an active-active database's primaries: each region
// known, with a round trip to every region nodes are in (a reader may be
// anywhere), and the settings each needs.
func (db *Database) validateReplication(e field.Errors, c *Checker, what string) {
	if db.Replication != "" {
		oneOf(e, "replication", "replication", db.Replication, Replications)
		if db.Replication != ReplicationAsync && db.Replicas == 0 {
			e.AddAtKey("replication", "%s: replication %s waits for replicas, and it has none", what, db.Replication)
		}
	}
	if db.ReplicaGroups == nil && db.Primaries == nil {
		return
	}
	t := c.t
	home := t.nodeRegion(c.node)
	if !t.placed() || home == "" {
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
		if r := t.nodeRegion(n); r != "" && !n.Kind().Global && t.Regions.known(r) && !slices.Contains(used, r) {
			used = append(used, r)
		}
	}
	// checkRegion refuses an unknown region, or one without a round trip
	// to a region nodes are in.
	checkRegion := func(fe field.Errors, key, name string) bool {
		region := t.Regions.region(name)
		if !t.Regions.known(region) {
			fe.Add(key, "region %q is not in the catalogue nor in regions.rtt%s", name, yamlfile.DidYouMean(name, t.Regions.regionCandidates()))
			return false
		}
		for _, at := range used {
			if _, ok := t.Regions.rtt(region, at); !ok {
				fe.Add(key, "no round-trip time between %s and %s, where nodes are: give it in regions.rtt", region, at)
				return false
			}
		}
		return true
	}
	seen := map[string]bool{}
	for i, g := range db.ReplicaGroups {
		ge := e.In("replicas", strconv.Itoa(i))
		atLeast(ge, "count", what+" replica group", g.Count, 1)
		if g.Region == "" || !checkRegion(ge, "region", g.Region) {
			continue
		}
		if r := t.Regions.region(g.Region); seen[r] {
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
		if r := t.Regions.region(name); slices.Contains(regions, r) {
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
