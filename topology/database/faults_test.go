package database

import (
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/topotest"
)

// TestFaultKinds checks the words and checks of the database's fault
// kinds on faults built in Go: what each says it does, and what is
// refused, at which field (a primary or replica fault on another kind, a
// replica it lacks or one numbered below 0).
func TestFaultKinds(t *testing.T) {
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: app\nnodes:\n  app: {kind: service, service_time: 1ms, calls: [db]}\n  db: {kind: database, replicas: 2, service_time: 1ms}\n"))
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
		{"db", ReplicaDown{2}, "replica 2 down", "faults.0.replica: database db has 2 replicas (numbered from 0)"},
		{"db", ReplicaDown{-1}, "replica -1 down", "faults.0.replica: a fault's replica is numbered from 0"},
	} {
		topotest.CheckFault(t, topo, c.node, c.effect, c.describe, c.refused)
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
