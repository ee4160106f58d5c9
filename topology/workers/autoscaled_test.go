package workers_test

import (
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	_ "github.com/scalesim/scalesim/topology/service" // in front of the queue
	_ "github.com/scalesim/scalesim/topology/workers" // and the queue it takes from
)

// TestWorkerGroupsAutoscale checks that a worker group's autoscaler counts
// as one, as a service's does: the topology changes its instances over
// time (so no run of it is judged overloaded by growth alone), and what
// its autoscaler records is budgeted before the run. (Both once looked at
// services only.)
func TestWorkerGroupsAutoscale(t *testing.T) {
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte(`entry: app
nodes:
  app: {kind: service, service_time: 1ms, calls: [{to: q, async: true}]}
  q: {kind: queue}
  w: {kind: workers, from: q, service_time: 10ms, autoscale: {min: 1, max: 50, metric: backlog_per_consumer, target: 5}}
`))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	if !topo.Autoscaled() || !(engine.AutoscaleFootprint(topo, 3600) > 0) {
		t.Fatalf("autoscaled %v, footprint %g; want a worker group's autoscaler counted", topo.Autoscaled(), engine.AutoscaleFootprint(topo, 3600))
	}
}
