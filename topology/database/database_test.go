package database

import (
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"

	// The tests put services, and a cache, in front of the database.
	_ "github.com/scalesim/scalesim/topology/cache"
	"github.com/scalesim/scalesim/topology/engine"
	_ "github.com/scalesim/scalesim/topology/service"
)

// checkNodes decodes and checks a nodes section (its entry app) whose
// workload has the classes given, and returns its errors ("" for none),
// placed in the file named file.
func checkNodes(file string, classes []string, nodes string) string {
	d := &yamlfile.Decoder{File: file}
	root := d.Parse([]byte("entry: app\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	if !d.Failed() {
		d.Place(root, topo.Validate(classes, true))
	}
	if err := d.Err(); err != nil {
		return err.Error()
	}
	return ""
}

// decodeHosted decodes and checks a hosts section and a nodes section,
// for a workload that reads and writes.
func decodeHosted(t *testing.T, entry, hosts, nodes string) *topology.Topology {
	t.Helper()
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: " + entry + "\nhosts: " + hosts + "\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "hosts", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	topo.Hosts = topology.DecodeHosts(d, m.Get("hosts"))
	d.Place(root, topo.Validate([]string{"read", "write"}, true))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	return topo
}

// ends records when the last request of each class ended.
type ends struct{ at map[int]sim.Time }

// Finished implements engine.Observer.
func (e *ends) Finished(r *engine.Request, now sim.Time, _ engine.Outcome) { e.at[r.Class] = now }

// buildClasses decodes and checks a nodes section (its entry app) for a
// workload of the classes given, those that write as writes says, and
// builds its network on a fresh kernel with seed 1 and 100 keys.
func buildClasses(t *testing.T, classes []string, writes []bool, nodes string) (*engine.Network, *sim.Kernel, *ends) {
	t.Helper()
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: app\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	d.Place(root, topo.Validate(classes, true))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	k := &sim.Kernel{}
	e := &ends{at: map[int]sim.Time{}}
	net, err := engine.NewNetwork(topo, k, engine.Options{Seed: 1, Classes: classes, Writes: writes, KeyCount: 100}, e)
	if err != nil {
		t.Fatal(err)
	}
	return net, k, e
}

// TestOperationErrors checks the refusals of a database's operations,
// each at its position.
func TestOperationErrors(t *testing.T) {
	classes := []string{"feed", "post", "read"}
	for _, c := range []struct{ name, nodes, want string }{
		{"database operation of an unknown class",
			"  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, service_time: 1ms, operations: {fede: {service_time: 5ms}}}\n",
			`t.yaml:4:56: database db operations name "fede", which is neither a class of the workload mix (feed, post, read) nor the plain read or write (did you mean "feed"?)`},
		{"database read given twice",
			"  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, service_time: {read: 1ms, write: 2ms}, operations: {read: {service_time: 5ms}}}\n",
			`t.yaml:4:97: database db: the read's service time is given twice, in service_time and in operations.read: give it in one place`},
		{"database operation's unknown field",
			"  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, service_time: 1ms, operations: {feed: {service_tim: 5ms}}}\n",
			`unknown field "service_tim" in database db operation feed (did you mean "service_time"?)`},
		{"database operations and no write time",
			"  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, operations: {read: {service_time: 5ms}}}\n",
			`database db service_time needs write`},
		{"database operation's negative size",
			"  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, service_time: 1ms, operations: {feed: {size: {reply: -4KB}}}}\n",
			`t.yaml:4:77: database db operation feed size reply: want a size such as 512B`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := checkNodes("t.yaml", classes, c.nodes)
			if !strings.Contains(got, c.want) {
				t.Errorf("error\n%s\nwant one containing\n%s", got, c.want)
			}
		})
	}
}

// TestOperationsAccepted checks forms that are valid: a database whose
// plain read and write come from operations, sizes by operation.
func TestOperationsAccepted(t *testing.T) {
	classes := []string{"feed", "post", "read"}
	for _, nodes := range []string{
		"  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, operations: {read: {service_time: 1ms}, write: {service_time: 3ms, size: {request: 2KB}}, feed: {service_time: 9ms}}}\n",
		"  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, service_time: 1ms, operations: {write: {service_time: 3ms}}, size: {reply: 1KB}}\n",
	} {
		if got := checkNodes("t.yaml", classes, nodes); got != "" {
			t.Errorf("nodes\n%s\nrefused: %s", nodes, got)
		}
	}
}

// TestClassServiceTimes checks that each class is served, at a database,
// its own operation as its class does it (and at a service its own time,
// the default where it has none): a write class's cache-miss read does the
// plain read.
func TestClassServiceTimes(t *testing.T) {
	net, k, ends := buildClasses(t, []string{"feed", "post", "read"}, []bool{false, true, false}, `
  app: {kind: service, workers: 3, service_time: {default: 1s, by_class: {post: 2s}}, calls: [{to: cache, op: get, on_miss: [db]}, {to: db, classes: [post]}]}
  cache: {kind: cache, capacity: 10, service_time: 0s}
  db: {kind: database, workers: 3, service_time: {read: 10s, write: 20s}, operations: {feed: {service_time: 100s}, post: {service_time: 200s}}}
`)
	for c := range 3 {
		net.Submit(c, -1, -1, int64(c))
	}
	k.Run(sim.Forever)
	// feed: 1 s here, its own 100 s read on a miss. post: 2 s here, a
	// miss's read against its nature (the plain 10 s read), then its own
	// 200 s write. read: 1 s and the plain 10 s read.
	want := map[int]sim.Time{0: 101, 1: 212, 2: 11}
	for c, w := range want {
		if ends.at[c] != w {
			t.Errorf("class %d ended at %v, want %v", c, ends.at[c], w)
		}
	}
}

// TestTransfer checks the bytes a service and a database receive and
// send: each class's request where it arrives, its reply where a visit
// completes, by the class's size (a database's by its operation as the
// class does it), defaults where none is given; and egress for per_gb.
func TestTransfer(t *testing.T) {
	net, k, _ := buildClasses(t, []string{"feed", "post", "read"}, []bool{false, true, false}, `
  app: {kind: service, workers: 3, service_time: 1s, size: {reply: 10KB, by_class: {post: {request: 3KB}}}, calls: [db]}
  db: {kind: database, workers: 3, service_time: 1s, size: {request: 100B}, operations: {feed: {size: {reply: 50KB}}, write: {size: {reply: 10B}}}}
`)
	for c := range 3 {
		net.Submit(c, -1, -1, -1)
	}
	k.Run(sim.Forever)
	st := net.Stats(2, k.Now())
	// app: requests 1KB (default), 3KB, 1KB; replies 10KB each.
	// db: requests 100B each; replies feed 50KB, post (a write) 10B,
	// read the default 4KB.
	for i, want := range []engine.Transfer{{InBytesPerSec: 5e3 / 2, OutBytesPerSec: 30e3 / 2}, {InBytesPerSec: 300.0 / 2, OutBytesPerSec: 54010.0 / 2}} {
		if got := st[i].Transfer; got == nil || *got != want {
			t.Errorf("%s: transfer %+v, want %+v", st[i].Name, got, want)
		}
		if st[i].Usage.EgressBytesPerSec != want.OutBytesPerSec {
			t.Errorf("%s: egress %g, want %g", st[i].Name, st[i].Usage.EgressBytesPerSec, want.OutBytesPerSec)
		}
	}
}
