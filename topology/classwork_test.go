package topology

import (
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
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
	} {
		if got := checkNodes(classes, nodes); got != "" {
			t.Errorf("nodes\n%s\nrefused: %s", nodes, got)
		}
	}
}
