package database

import (
	"strings"
	"testing"
)

// TestReplicationRefusals checks that each malformed placement of a
// database's data is refused at its position: replicas in an unknown
// region or given twice, a count below 1, an empty list, replicas by
// region on a database not placed or sharded, an unknown replication
// mode, waiting for replicas it does not have, active-active with one
// region, a region twice, the node outside its primaries, and with
// replicas.
func TestReplicationRefusals(t *testing.T) {
	const app = "  app: {kind: service, region: us-east-1, service_time: 1ms, calls: [db]}\n"
	for _, c := range []struct{ name, db, want string }{
		{"unknown region", "replicas: [{region: eu-west-9}]",
			`p.yaml:4:82: region "eu-west-9" is not in the catalogue nor in regions.rtt (did you mean "eu-west-1"?)`},
		{"a region twice", "replicas: [{region: eu-west-1}, {region: eu-west-1, count: 2}]",
			"p.yaml:4:103: database db: the replicas in eu-west-1 are given twice: give one group a count"},
		{"count 0", "replicas: [{region: eu-west-1, count: 0}]",
			"p.yaml:4:100: database db replica group count must be at least 1, got 0"},
		{"empty list", "replicas: []",
			"p.yaml:4:72: database db replicas: an empty list places none"},
		{"sharded", "shards: 2, replicas: [{region: eu-west-1}]",
			"p.yaml:4:62: database db: shards with replicas or primaries placed by region are not modelled"},
		{"unknown mode", "replicas: 1, replication: eventual",
			`p.yaml:4:88: unknown replication "eventual" (one of async, sync, semi_sync)`},
		{"sync without replicas", "replication: sync",
			"p.yaml:4:62: database db: replication sync waits for replicas, and it has none"},
		{"one primary", "primaries: [us-east-1]",
			"p.yaml:4:62: database db: active-active needs primaries in two regions or more"},
		{"a primary twice", "primaries: [us-east-1, eu-west-1, us-east-1]",
			"p.yaml:4:96: database db: region us-east-1 has a primary already"},
		{"outside its primaries", "primaries: [eu-west-1, ap-northeast-1]",
			"p.yaml:4:62: database db is placed in us-east-1, which is not one of its primaries' regions"},
		{"primaries and replicas", "primaries: [us-east-1, eu-west-1], replicas: 1",
			"p.yaml:4:97: database db: replicas beside several primaries are not modelled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := checkNodes("p.yaml", []string{"read", "write"}, app+"  db: {kind: database, region: us-east-1, service_time: 1ms, "+c.db+"}\n")
			if !strings.Contains(got, c.want) {
				t.Errorf("errors\n%s\nwant one containing\n%s", got, c.want)
			}
		})
	}
}
