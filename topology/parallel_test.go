package topology

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

// parallelErrors decodes and checks a nodes section (entry app, classes
// read and write) and returns its errors, each at its position ("" for
// none).
func parallelErrors(nodes string) string {
	d := &yamlfile.Decoder{File: "p.yaml"}
	root := d.Parse([]byte("entry: app\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := Decode(d, m.Get("nodes"), m.Get("entry"))
	if !d.Failed() {
		d.Place(root, topo.Validate([]string{"read", "write"}, true))
	}
	if err := d.Err(); err != nil {
		return err.Error()
	}
	return ""
}

// TestParallelRefusals checks that each malformed parallel step or
// fan-out is refused at its position: a quorum beyond the calls or below
// 1, no calls or an empty list, a policy on the entry instead of its
// members, classes on a member, a count without bound, a fan-out whose
// visits exceed the limit on their own or nested in another, a quorum
// beyond a fan-out's visits, a batch that is not a whole number.
func TestParallelRefusals(t *testing.T) {
	const called = "  a: {kind: service, service_time: 1ms}\n  b: {kind: service, service_time: 1ms}\n"
	for _, c := range []struct{ name, app, want string }{
		{"quorum above the calls", "{parallel: {wait: 3, calls: [a, b]}}",
			"p.yaml:3:69: a quorum of 3 replies can never be met by 2 calls"},
		{"quorum of 0", "{parallel: {wait: 0, calls: [a, b]}}",
			"p.yaml:3:69: wait: a quorum must be at least 1 reply, got 0 (any is 1, all is every call)"},
		{"wait of a word", "{parallel: {wait: most, calls: [a, b]}}",
			`p.yaml:3:69: wait: all, any or a number of replies (a quorum, such as 2), got "most"`},
		{"empty calls", "{parallel: {wait: any, calls: []}}",
			"p.yaml:3:81: parallel calls is empty: give the calls it sends at once"},
		{"no calls", "{parallel: {wait: any}}",
			"p.yaml:3:62: parallel needs calls"},
		{"a policy on the entry", "{parallel: {calls: [a, b]}, timeout: 1s}",
			"p.yaml:3:79: a parallel entry takes classes besides its calls: timeout goes on each of its calls"},
		{"classes on a member", "{parallel: {calls: [a, {to: b, classes: [read]}]}}",
			"p.yaml:3:91: a call in parallel runs whenever its step does: give classes on the parallel entry"},
		{"unknown class on the entry", "{parallel: {calls: [a, b]}, classes: [raed]}",
			`p.yaml:3:88: parallel calls from app name class "raed"`},
		{"unbounded count", "{to: a, fan_out: {count: {dist: exponential, mean: 5}}}",
			"p.yaml:3:76: a fan-out count drawn from exponential(mean 5) has no upper bound: give max"},
		{"a billion visits", "{to: a, fan_out: {count: 1e9}}",
			"p.yaml:3:76: a fan-out of up to 1000000000 keys in visits of 1 key(s) each makes up to 1000000000 visits per request; at most 10000 are simulated: carry more keys per visit (batch: 100000 or more)"},
		{"quorum above a fan-out's visits", "{to: a, fan_out: {count: 10, batch: 5, wait: 3}}",
			"p.yaml:3:96: a quorum of 3 replies can never be met: the fan-out makes at most 2 visits"},
		{"a fractional batch", "{to: a, fan_out: {count: 10, batch: 1.5}}",
			"p.yaml:3:87: fan_out batch must be a whole number from 1 to 1.07e+09, got 1.5"},
		{"a heavy tail with no max", "{to: a, fan_out: {count: {dist: pareto, min: 1, alpha: 0.8}}}",
			"p.yaml:3:91: fan_out count: a pareto from min needs max"},
		{"unknown field", "{to: a, fan_out: {count: 3, batches: 2}}",
			`p.yaml:3:79: unknown field "batches" in fan_out (did you mean "batch"?)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := parallelErrors("  app: {kind: service, service_time: 1ms, calls: [" + c.app + "]}\n" + called)
			if !strings.Contains(got, c.want) {
				t.Errorf("errors\n%s\nwant one containing\n%s", got, c.want)
			}
		})
	}
}

// TestFanOutsMultiply checks the visit limit across nodes: 200 visits of
// a fan-out, each fanning out to 100 more, make 2×10⁴ visits a request,
// over the limit: refused at the entry; 10 × 100 are within it.
func TestFanOutsMultiply(t *testing.T) {
	nodes := func(outer int) string {
		return fmt.Sprintf("  app: {kind: service, service_time: 1ms, calls: [{to: b, fan_out: {count: %d}}]}\n", outer) +
			"  b: {kind: service, service_time: 1ms, calls: [{to: a, fan_out: {count: 100}}]}\n  a: {kind: service, service_time: 1ms}\n"
	}
	want := "p.yaml:1:8: a request arriving at app can make up to 2.02e+04 visits to nodes (calls multiply along the way); at most 10000 are simulated per request"
	if got := parallelErrors(nodes(200)); got != want {
		t.Errorf("errors\n%s\nwant\n%s", got, want)
	}
	if got := parallelErrors(nodes(10)); got != "" {
		t.Errorf("10 × 100 visits refused: %s", got)
	}
}
