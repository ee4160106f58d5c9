package database

import (
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
)

// TestDataStored checks what a database with data holds and what its
// storage costs: per_user × users in all, a shard's part on each of its
// servers (a replica holds a copy), every server's volume at $0.115 per
// GiB-month.
func TestDataStored(t *testing.T) {
	for _, c := range []struct {
		name, db             string
		users                float64
		total, each, monthly float64
	}{
		// 1 GiB a user × 1024 users = 1 TiB on one server: 1024 GiB × $0.115.
		{"one server", "{kind: database, service_time: 1ms, data: {per_user: 1GiB}}", 1024, 1 << 40, 1 << 40, 1024 * 0.115},
		// Two shards of one primary and two replicas: half on each of 6.
		{"shards and replicas", "{kind: database, service_time: 1ms, shards: 2, replicas: 2, data: {per_user: 1GiB}}", 1024, 1 << 40, 1 << 39, 6 * 512 * 0.115},
		{"no data", "{kind: database, service_time: 1ms}", 1024, 0, 0, 0},
		// 1M rows of 100 B and an index of 32 B a row: 100 MB + 32 MB.
		{"rows and an index", "{kind: database, service_time: 1ms, data: {rows: 1M, row_size: 100B}, operations: {read: {index: true}}}",
			1024, 132e6, 132e6, 132e6 / (1 << 30) * 0.115},
	} {
		t.Run(c.name, func(t *testing.T) {
			topo := decodeHosted(t, "a", "{}", "  a: {kind: service, service_time: 1ms, calls: [d]}\n  d: "+c.db+"\n")
			db := topo.Lookup("d").Spec.(*Database)
			total, each := db.Stored(c.users)
			// The price to the rounding of its last operation.
			if got := db.StorageMonthly(c.users); total != c.total || each != c.each || math.Abs(got-c.monthly) > 1e-12*c.monthly {
				t.Errorf("stored %v, %v on each, $%v a month; want %v, %v, $%v", total, each, db.StorageMonthly(c.users), c.total, c.each, c.monthly)
			}
		})
	}
}

// TestDataRefused checks the data refused, each at its position, or at the
// --set that gave it, with the value as given.
func TestDataRefused(t *testing.T) {
	for _, c := range []struct{ name, data, want, set string }{
		{"zero", "{per_user: 0}", "t.yaml:4:59: database d data per_user must be positive, got 0", ""},
		{"too much", "{per_user: 2TB}", "t.yaml:4:59: database d data per_user is 1.82TiB; at most 931GiB a user", ""},
		{"missing", "{}", "t.yaml:4:48: database d data needs per_user", ""},
		{"misspelt", "{per_users: 1KB}", "per_users", ""},
		// The volume's throughput is read without its "/s" from a copy of
		// its node, which lost the --set it came from: the error was placed
		// at 1:1 of the file, quoting "0B" (found by a hostile review).
		{"volume throughput zero", "{rows: 1M, row_size: 100B, volume: {throughput: 0B/s}}",
			"t.yaml:4:96: database d data volume throughput (bytes a second, e.g. 125MiB/s) must be positive, got 0B/s", ""},
		{"volume throughput zero by --set", "{rows: 1M, row_size: 100B}",
			"--set nodes.d.data.volume.throughput=0B/s: database d data volume throughput (bytes a second, e.g. 125MiB/s) must be positive, got 0B/s",
			"nodes.d.data.volume.throughput=0B/s"},
		{"volume throughput not a size by --set", "{rows: 1M, row_size: 100B}",
			"--set nodes.d.data.volume.throughput=fast/s: database d data volume throughput (bytes a second, e.g. 125MiB/s): want a size a second such as 125MiB/s, got \"fast/s\"",
			"nodes.d.data.volume.throughput=fast/s"},
		// Out of range: the message quotes the value given.
		{"volume throughput over the range", "{rows: 1M, row_size: 100B, volume: {throughput: 2TiB/s}}",
			"database d data volume throughput must be from 1B/s to 1TiB/s, got 2TiB/s", ""},
		{"volume latency over the range", "{rows: 1M, row_size: 100B, volume: {latency: 20s}}",
			"database d data volume latency must be above 0 and at most 10s, got 20s", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &yamlfile.Decoder{File: "t.yaml"}
			root := d.Parse([]byte("entry: a\nnodes:\n  a: {kind: service, service_time: 1ms, calls: [d]}\n  d: {kind: database, service_time: 1ms, data: " + c.data + "}\n"))
			if c.set != "" {
				d.Set(root, c.set)
			}
			m, _ := d.Mapping(root, "test", "entry", "nodes")
			topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
			d.Place(root, topo.Validate(nil, true))
			d.Place(root, topo.ValidateData(1000, nil))
			if err := d.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}
