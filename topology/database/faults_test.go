package database

import (
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/topology/topotest"
)

// TestFaultKinds checks the words and checks of the database's fault
// kinds on faults built in Go: what each says it does, and what is
// refused, at which field (a primary or replica fault on another kind, a
// replica it lacks or one numbered below 0).
func TestFaultKinds(t *testing.T) {
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: app\nnodes:\n  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, replicas: 2, service_time: 1ms}\n  one: {kind: database, replicas: 1, service_time: 1ms}\n"))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		node     string
		effect   topology.FaultEffect
		describe string
		refused  string // FIELD: MESSAGE, "" when valid
	}{
		{"db", PrimaryDown{}, "primary down", ""},
		{"app", PrimaryDown{}, "primary down", "faults.0: primary and replica faults strike databases; app is a service"},
		{"db", ReplicaDown{1}, "replica 1 down", ""},
		{"db", ReplicaDown{2}, "replica 2 down", "faults.0.replica: fault replica 2: database db has 2 replicas (numbered from 0)"},
		{"one", ReplicaDown{1}, "replica 1 down", "faults.0.replica: fault replica 1: database one has 1 replica (numbered from 0)"},
		{"db", ReplicaDown{-1}, "replica -1 down", "faults.0.replica: a fault's replica is numbered from 0"},
	} {
		topotest.CheckFault(t, topo, c.node, c.effect, c.describe, c.refused)
	}
	// An instances fault takes as many of the primaries and of the
	// replicas: more than either has is refused (hostile review: it ran
	// as the whole node down).
	for _, c := range []struct {
		node    string
		count   int
		refused string
	}{
		{"db", 2, ""},
		{"db", 3, "faults.0.instances: fault instances 3: database db has 1 primary and 2 replicas, and a fault takes instances of each (leave instances out to take the whole node down)"},
		{"one", 1, ""},
		{"one", 2, "faults.0.instances: fault instances 2: database one has 1 primary and 1 replica, and a fault takes instances of each (leave instances out to take the whole node down)"},
	} {
		f := topology.Fault{Node: c.node, At: 1, For: 2, Effect: engine.InstancesDown{Count: c.count}}
		if got := topotest.FaultRefused(topo, f); got != c.refused {
			t.Errorf("instances: %d on %s: refused\n%s\nwant\n%s", c.count, c.node, got, c.refused)
		}
	}
}

// TestWorkersPerVCPU checks that a database takes its workers per server
// from its instance type's vCPUs: 64 on a db.r6g.16xlarge at 1 a vCPU.
func TestWorkersPerVCPU(t *testing.T) {
	topo := decodeHosted(t, "a", "{}", "  a: {kind: service, service_time: 1ms, calls: [{to: d}]}\n  d: {kind: database, service_time: 1ms, instance: db.r6g.16xlarge, workers: {per_vcpu: 1}}\n")
	if w := topo.Lookup("d").Spec.(*Database).Workers; w != 64 {
		t.Errorf("workers %d, want 64", w)
	}
}
