package topology

import (
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// checkNodes decodes and checks a nodes section whose workload has the
// classes given, and returns its errors ("" for none).
func checkNodes(classes []string, nodes string) string {
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: app\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := Decode(d, m.Get("nodes"), m.Get("entry"))
	if !d.Failed() {
		d.Place(root, topo.Validate(classes, true))
	}
	if err := d.Err(); err != nil {
		return err.Error()
	}
	return ""
}

// TestClassWorkErrors checks the refusals of per-class service times,
// sizes and database operations, each at its position.
func TestClassWorkErrors(t *testing.T) {
	classes := []string{"feed", "post", "read"}
	for _, c := range []struct{ name, nodes, want string }{
		{"unknown class in by_class",
			"  app: {kind: service, service_time: {default: 1ms, by_class: {psot: 5ms}}}\n",
			`t.yaml:3:64: service app service_time by_class names class "psot", which the workload mix does not have (classes: feed, post, read) (did you mean "post"?)`},
		{"no default for a class",
			"  app: {kind: service, service_time: {by_class: {post: 5ms, feed: 2ms}}}\n",
			`t.yaml:3:38: service app service_time has no default, and by_class gives none for "read": give default: DIST`},
		{"a mapping that is neither",
			"  app: {kind: service, service_time: {read: 1ms}}\n",
			`t.yaml:3:38: node app service_time: missing "dist"`},
		{"unknown field beside by_class",
			"  app: {kind: service, service_time: {default: 1ms, by_clas: {post: 5ms}}}\n",
			`t.yaml:3:53: unknown field "by_clas" in node app service_time (did you mean "by_class"?)`},
		{"a bad distribution of a class",
			"  app: {kind: service, service_time: {default: 1ms, by_class: {post: {dist: expo, mean: 1ms}}}}\n",
			`unknown distribution "expo"`},
		{"negative size",
			"  app: {kind: service, service_time: 1ms, size: {request: -1KB}}\n",
			`t.yaml:3:59: node app size request: want a size such as 512B`},
		{"zero size",
			"  app: {kind: service, service_time: 1ms, size: {reply: 0B}}\n",
			`t.yaml:3:57: node app size reply must be positive, got 0B`},
		{"size of an unknown class",
			"  app: {kind: service, service_time: 1ms, size: {by_class: {fed: {reply: 40KB}}}}\n",
			`t.yaml:3:61: node app size by_class names class "fed", which the workload mix does not have (classes: feed, post, read) (did you mean "feed"?)`},
		{"unknown field of a class's size",
			"  app: {kind: service, service_time: 1ms, size: {by_class: {feed: {replies: 40KB}}}}\n",
			`unknown field "replies" in node app size of feed (did you mean "reply"?)`},
		{"database operation of an unknown class",
			"  app: {kind: database, service_time: 1ms, operations: {fede: {service_time: 5ms}}}\n",
			`t.yaml:3:57: database app operations name "fede", which is neither a class of the workload mix (feed, post, read) nor the plain read or write (did you mean "feed"?)`},
		{"database read given twice",
			"  app: {kind: database, service_time: {read: 1ms, write: 2ms}, operations: {read: {service_time: 5ms}}}\n",
			`t.yaml:3:98: database app: the read's service time is given twice, in service_time and in operations.read: give it in one place`},
		{"database operation's unknown field",
			"  app: {kind: database, service_time: 1ms, operations: {feed: {service_tim: 5ms}}}\n",
			`unknown field "service_tim" in database app operation feed (did you mean "service_time"?)`},
		{"database operations and no write time",
			"  app: {kind: database, operations: {read: {service_time: 5ms}}}\n",
			`database app service_time needs write`},
		{"database operation's negative size",
			"  app: {kind: database, service_time: 1ms, operations: {feed: {size: {reply: -4KB}}}}\n",
			`t.yaml:3:78: database app operation feed size reply: want a size such as 512B`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := checkNodes(classes, c.nodes)
			if !strings.Contains(got, c.want) {
				t.Errorf("error\n%s\nwant one containing\n%s", got, c.want)
			}
		})
	}
}

// TestClassWorkAccepted checks forms that are valid: a default with some
// classes of their own, every class its own with no default, a database
// whose plain read and write come from operations, sizes by class.
func TestClassWorkAccepted(t *testing.T) {
	classes := []string{"feed", "post", "read"}
	for _, nodes := range []string{
		"  app: {kind: service, service_time: {default: 1ms, by_class: {post: 5ms}}}\n",
		"  app: {kind: service, service_time: {by_class: {post: 5ms, feed: 2ms, read: 1ms}}}\n",
		"  app: {kind: service, service_time: 1ms, size: {request: 2KB, by_class: {feed: {reply: 40KB}}}}\n",
		"  app: {kind: database, operations: {read: {service_time: 1ms}, write: {service_time: 3ms, size: {request: 2KB}}, feed: {service_time: 9ms}}}\n",
		"  app: {kind: database, service_time: 1ms, operations: {write: {service_time: 3ms}}, size: {reply: 1KB}}\n",
	} {
		if got := checkNodes(classes, nodes); got != "" {
			t.Errorf("nodes\n%s\nrefused: %s", nodes, got)
		}
	}
}

// TestClassServiceTimes checks that each class is served its own time at
// a service, the default where it has none, and at a database its own
// operation as its class does it: a write class's cache-miss read does the
// plain read.
func TestClassServiceTimes(t *testing.T) {
	topo := decodeNodesWith(t, []string{"feed", "post", "read"}, "app", `
  app: {kind: service, workers: 3, service_time: {default: 1s, by_class: {post: 2s}}, calls: [{to: cache, op: get, on_miss: [db]}, {to: db, classes: [post]}]}
  cache: {kind: cache, capacity: 10, service_time: 0s}
  db: {kind: database, workers: 3, service_time: {read: 10s, write: 20s}, operations: {feed: {service_time: 100s}, post: {service_time: 200s}}}
`)
	ends := map[int]sim.Time{}
	net, k, obs := buildTopology(t, topo, func(o *Options) {
		o.Classes, o.Writes, o.KeyCount = []string{"feed", "post", "read"}, []bool{false, true, false}, 100
	})
	obs.traced = func(r *Request, now sim.Time, _ Outcome) { ends[r.Class] = now }
	for c := range 3 {
		net.Submit(c, -1, -1, int64(c))
	}
	k.Run(sim.Forever)
	// feed: 1 s here, its own 100 s read on a miss. post: 2 s here, a
	// miss's read against its nature (the plain 10 s read), then its own
	// 200 s write. read: 1 s and the plain 10 s read.
	want := map[int]sim.Time{0: 101, 1: 212, 2: 11}
	for c, w := range want {
		if ends[c] != w {
			t.Errorf("class %d ended at %v, want %v", c, ends[c], w)
		}
	}
}

// decodeNodesWith decodes and checks a nodes section for a workload of
// the classes given.
func decodeNodesWith(t *testing.T, classes []string, entry, nodes string) *Topology {
	t.Helper()
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: " + entry + "\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := Decode(d, m.Get("nodes"), m.Get("entry"))
	d.Place(root, topo.Validate(classes, true))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	return topo
}

// TestTransfer checks the bytes a service and a database receive and
// send: each class's request where it arrives, its reply where a visit
// completes, by the class's size (a database's by its operation as the
// class does it), defaults where none is given; and egress for per_gb.
func TestTransfer(t *testing.T) {
	topo := decodeNodesWith(t, []string{"feed", "post", "read"}, "app", `
  app: {kind: service, workers: 3, service_time: 1s, size: {reply: 10KB, by_class: {post: {request: 3KB}}}, calls: [db]}
  db: {kind: database, workers: 3, service_time: 1s, size: {request: 100B}, operations: {feed: {size: {reply: 50KB}}, write: {size: {reply: 10B}}}}
`)
	net, k, _ := buildTopology(t, topo, func(o *Options) {
		o.Classes, o.Writes = []string{"feed", "post", "read"}, []bool{false, true, false}
	})
	for c := range 3 {
		net.Submit(c, -1, -1, -1)
	}
	k.Run(sim.Forever)
	st := net.Stats(2, k.Now())
	// app: requests 1KB (default), 3KB, 1KB; replies 10KB each.
	// db: requests 100B each; replies feed 50KB, post (a write) 10B,
	// read the default 4KB.
	for i, want := range []Transfer{{InBytesPerSec: 5e3 / 2, OutBytesPerSec: 30e3 / 2}, {InBytesPerSec: 300.0 / 2, OutBytesPerSec: 54010.0 / 2}} {
		if got := st[i].Transfer; got == nil || *got != want {
			t.Errorf("%s: transfer %+v, want %+v", st[i].Name, got, want)
		}
		if st[i].Usage.EgressBytesPerSec != want.OutBytesPerSec {
			t.Errorf("%s: egress %g, want %g", st[i].Name, st[i].Usage.EgressBytesPerSec, want.OutBytesPerSec)
		}
	}
}
