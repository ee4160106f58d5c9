package service_test

import (
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/service"
)

// What the rest of the program asks a service through, instead of naming
// it.
var (
	_ topology.CallMaker      = (*service.Service)(nil)
	_ topology.SessionKeeper  = (*service.Service)(nil)
	_ topology.Autoscaled     = (*service.Service)(nil)
	_ topology.Worked         = (*service.Service)(nil)
	_ topology.TypeSized      = (*service.Service)(nil)
	_ topology.CallTimer      = (*service.Service)(nil)
	_ topology.ClassTimed     = (*service.Service)(nil)
	_ topology.OperationSized = (*service.Service)(nil)
)

// TestDecodeDefaults checks what a service's fields default to, as the
// params table says, and that an autoscaler without instances starts at
// its minimum.
func TestDecodeDefaults(t *testing.T) {
	for _, c := range []struct {
		name, node         string
		instances, workers int
		blocking, deployed bool
	}{
		{"defaults", "{kind: service, service_time: 1ms}", 1, 1, true, true},
		{"given", "{kind: service, service_time: 1ms, instances: 4, workers: 8, blocking: false}", 4, 8, false, true},
		{"autoscaled", "{kind: service, service_time: 1ms, autoscale: {min: 3, max: 9, target: 0.6}}", 3, 1, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &yamlfile.Decoder{File: "t.yaml"}
			root := d.Parse([]byte("entry: app\nnodes:\n  app: " + c.node + "\n"))
			m, _ := d.Mapping(root, "test", "entry", "nodes")
			topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
			d.Place(root, topo.Validate([]string{"read"}, false))
			if err := d.Err(); err != nil {
				t.Fatal(err)
			}
			n := topo.Lookup("app")
			s := n.Spec.(*service.Service)
			if s.Instances != c.instances || s.Workers != c.workers || s.Queue != topology.Unlimited || s.Blocking != c.blocking {
				t.Errorf("instances %d, workers %d, queue %d, blocking %v; want %d, %d, unlimited, %v",
					s.Instances, s.Workers, s.Queue, s.Blocking, c.instances, c.workers, c.blocking)
			}
			if k := n.Kind(); k.Deployed != c.deployed || !k.Workers || !k.SessionStore || topology.LookupKind("service") != k {
				t.Errorf("kind %+v is not the registered service kind with workers, deploys and sessions", k)
			}
		})
	}
}
