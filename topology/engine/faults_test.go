package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
)

// faultNodes are nodes of each kind a fault strikes in its own way.
const faultNodes = `
  app: {kind: service, instances: 3, service_time: 1ms, calls: [{to: c, op: get}]}
  c: {kind: cache, nodes: 2, capacity: 100}
  one: {kind: service, service_time: 1ms}
  auto: {kind: service, service_time: 1ms, autoscale: {min: 1, max: 6, target: 70%}}
  sched: {kind: service, service_time: 1ms, autoscale: {min: 1, max: 6, target: 70%, schedule: [{at: 1h, max: 10}]}}
`

// TestFaultKinds checks each fault kind's own words and checks on faults
// built in Go (a file's are checked by TestParseFaultErrors and the
// hostile corpus): what it says it does, whether it takes instances down,
// and what is refused, at which field.
func TestFaultKinds(t *testing.T) {
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: app\nnodes:\n" + faultNodes))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		node     string
		effect   topology.FaultEffect
		describe string
		down     bool
		refused  string // FIELD: MESSAGE, "" when valid
	}{
		{"app", nil, "down", true, ""},
		{"app", NodeDown{}, "down", true, ""},
		{"app", InstancesDown{2}, "2 instances down", true, ""},
		{"app", InstancesDown{0}, "0 instances down", true, "faults.0.instances: a fault's instances must be 1 or more"},
		{"app", InstancesDown{3}, "3 instances down", true, ""},
		// Hostile review: more instances than the node has ran as the
		// whole node down; they are refused as a cache_node or replica
		// it does not have is.
		{"app", InstancesDown{4}, "4 instances down", true, "faults.0.instances: fault instances 4: service app has 3 instances (leave instances out to take the whole node down)"},
		{"one", InstancesDown{1}, "1 instance down", true, ""},
		{"one", InstancesDown{2}, "2 instances down", true, "faults.0.instances: fault instances 2: service one has 1 instance (leave instances out to take the whole node down)"},
		{"auto", InstancesDown{6}, "6 instances down", true, ""},
		{"auto", InstancesDown{7}, "7 instances down", true, "faults.0.instances: fault instances 7: service auto has at most 6 instances, its autoscaler's max (leave instances out to take the whole node down)"},
		{"sched", InstancesDown{10}, "10 instances down", true, ""},
		{"sched", InstancesDown{11}, "11 instances down", true, "faults.0.instances: fault instances 11: service sched has at most 10 instances, its autoscaler's scheduled max (leave instances out to take the whole node down)"},
		{"c", InstancesDown{2}, "2 instances down", true, ""},
		{"c", InstancesDown{3}, "3 instances down", true, "faults.0.instances: fault instances 3: cache c has 2 nodes (leave instances out to take the whole node down)"},
		{"app", Errors{0.1}, "errors 10%", false, ""},
		{"app", Errors{0}, "errors 0%", false, "faults.0.errors: a fault's errors must be above 0% (0% fails nothing: leave the fault out)"},
		{"app", Errors{1.5}, "errors 150%", false, "faults.0.errors: a fault's errors are a share from 0 to 100%"},
		{"app", Slow{3}, "slow ×3", false, ""},
		{"app", Slow{-1}, "slow ×-1", false, "faults.0.slow: a fault's slow factor must be a positive number"},
		{"app", Latency{0.02}, "latency +20ms", false, ""},
		{"app", Latency{0}, "latency +0s", false, "faults.0.latency: a fault's latency must be a duration above 0"},
	}
	for _, c := range cases {
		f := topology.Fault{Node: c.node, At: 1, For: 2, Effect: c.effect}
		if got := f.What().Describe(); got != c.describe {
			t.Errorf("%#v: describes itself as %q, want %q", c.effect, got, c.describe)
		}
		if got := f.TakesInstancesDown(); got != c.down {
			t.Errorf("%#v: takes instances down %v, want %v", c.effect, got, c.down)
		}
		topo.Faults = []topology.Fault{f}
		var got []string
		for _, err := range topo.Validate([]string{"read"}, true) {
			var fe *field.Error
			if errors.As(err, &fe) {
				got = append(got, fe.Where()+": "+fe.Msg)
			}
		}
		if strings.Join(got, "\n") != c.refused {
			t.Errorf("%#v on %s: refused\n%s\nwant\n%s", c.effect, c.node, strings.Join(got, "\n"), c.refused)
		}
	}
}

// TestFaultFieldsRegistered checks that a fault entry's fields are its
// schedule's and each registered kind's: a misspelt kind is suggested.
func TestFaultFieldsRegistered(t *testing.T) {
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("- {at: 1s, for: 1s, node: app, cache-node: 1}"))
	topology.DecodeFaults(d, root)
	want := `t.yaml:1:32: unknown field "cache-node" in fault (did you mean "cache_node"?)`
	if err := d.Err(); err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}
