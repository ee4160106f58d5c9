package balancer

import (
	"fmt"
	"testing"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/topology/service"
	"github.com/scalesim/scalesim/topology/topotest"
)

// outstanding are the visits at each instance the balancer sends to.
func outstanding(b *balancer) []int {
	var out []int
	for _, in := range b.insts {
		out = append(out, in.Outstanding())
	}
	return out
}

// lbOf is the runtime of the balancer lb.
func lbOf(net *engine.Network) *balancer { return net.Component("lb").(*balancer) }

// TestRoundRobin checks that round-robin deals requests out in turn.
func TestRoundRobin(t *testing.T) {
	net, _, _ := topotest.Build(t, "lb", `
  lb: {kind: load_balancer, algorithm: round_robin, targets: app}
  app: {kind: service, instances: 3, service_time: 1s}
`)
	for i := 0; i < 7; i++ {
		net.Submit(0, -1, -1, -1)
	}
	if got := outstanding(lbOf(net)); got[0] != 3 || got[1] != 2 || got[2] != 2 {
		t.Fatalf("outstanding %v, want [3 2 2]", got)
	}
}

// TestLeastConnAndPowerOfTwo check that both pick the less-loaded
// instance: over two instances each request goes to the one with fewer
// visits, so they stay even (a random choice would not).
func TestLeastConnAndPowerOfTwo(t *testing.T) {
	for _, algo := range []string{LeastConn, PowerOfTwo} {
		t.Run(algo, func(t *testing.T) {
			net, _, _ := topotest.Build(t, "lb", `
  lb: {kind: load_balancer, algorithm: `+algo+`, targets: app}
  app: {kind: service, instances: 2, service_time: 1s}
`)
			for i := 0; i < 8; i++ {
				net.Submit(0, -1, -1, -1)
				if got := outstanding(lbOf(net)); max(got[0], got[1])-min(got[0], got[1]) > 1 {
					t.Fatalf("outstanding %v after %d requests: each should go to the less-loaded instance", got, i+1)
				}
			}
		})
	}
}

// TestBalancerOnHost checks that a balancer placed on a host is refused
// there: it has no workers to take the host's cores.
func TestBalancerOnHost(t *testing.T) {
	app := &topology.Node{Name: "app", Host: "box", Spec: &service.Service{Pool: topology.Pool{Instances: 1, Workers: 1, Queue: topology.Unlimited, ServiceTime: sim.Constant{Value: 0.001}}}}
	lb := &topology.Node{Name: "lb", Host: "box", Spec: &Balancer{Algorithm: RoundRobin, Targets: []string{"app"}}}
	topo := topology.New("lb", lb, app)
	topo.Hosts = []*topology.Host{{Name: "box", Cores: 1}}
	var got []string
	for _, err := range topo.Validate([]string{"read"}, false) {
		if fe := err.(*field.Error); fe.Where() == "nodes.lb.host" {
			got = append(got, fe.Msg)
		}
	}
	if want := "node lb: a load balancer has no workers of its own"; len(got) != 1 || len(got[0]) < len(want) || got[0][:len(want)] != want {
		t.Fatalf("errors at nodes.lb.host %q, want one beginning %q", got, want)
	}
}

// targets builds services a, b, … with the given instances, and returns
// their stations.
func targets(t *testing.T, instances []int) []*engine.Station {
	nodes := ""
	names := ""
	for i, n := range instances {
		name := string(rune('a' + i))
		nodes += fmt.Sprintf("  %s: {kind: service, instances: %d, service_time: 1s}\n", name, n)
		if i > 0 {
			names += ", "
		}
		names += name
	}
	net, _, _ := topotest.Build(t, "lb", "  lb: {kind: load_balancer, targets: ["+names+"]}\n"+nodes)
	var out []*engine.Station
	for i := range instances {
		out = append(out, net.Component(string(rune('a' + i))).Stations()[0])
	}
	return out
}
