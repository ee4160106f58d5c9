package engine

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// TestHopsTimeEveryMessage checks that every message between nodes is
// timed by Hop, the delayed paths included: with a distance of 1 ms on
// every hop of one kind, a request through a balancer to a service that
// calls a database takes exactly that much longer per hop of that kind
// (a forward, a call, two replies: the database's to the service and the
// service's to the client), and nothing when the distance is on a kind
// the request makes no use of.
func TestHopsTimeEveryMessage(t *testing.T) {
	const nodes = `  lb: {kind: load_balancer, targets: app}
  app: {kind: service, service_time: 10ms, calls: [db]}
  db: {kind: service, service_time: 5ms}
`
	for _, c := range []struct {
		kind  topology.HopKind
		extra float64 // over the 15 ms of service
	}{
		{topology.HopForward, 0.001},
		{topology.HopCall, 0.001},
		{topology.HopReply, 0.002},
		{topology.HopOriginFetch, 0},
	} {
		net, k, obs := build(t, "lb", nodes)
		kind := c.kind
		net.topo.Distance = func(k topology.HopKind, _, _ string) float64 {
			if k == kind {
				return 0.001
			}
			return 0
		}
		var took sim.Time
		obs.onFinish = func(now sim.Time) { took = now }
		net.Submit(0, -1, -1, -1)
		k.Run(sim.Forever)
		if obs.byKind[Completed] != 1 || math.Abs(float64(took)-(0.015+c.extra)) > 1e-12 {
			t.Errorf("hop kind %d at 1 ms: %d completed after %v, want one after %v", c.kind, obs.byKind[Completed], took, 0.015+c.extra)
		}
	}
}
