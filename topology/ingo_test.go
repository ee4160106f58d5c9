package topology_test

import (
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/service"
)

// The checks of a topology built in Go (not read from a file), with
// services of the service kind.

// TestValidateSizesInGo checks that sizes built in Go are checked like a
// file's: a negative or infinite one is refused at its field.
func TestValidateSizesInGo(t *testing.T) {
	topo := topology.New("app", &topology.Node{Name: "app", Spec: &service.Service{Pool: topology.Pool{Instances: 1, Workers: 1, Queue: topology.Unlimited,
		ServiceTime: sim.Constant{Value: 0.001}, Size: topology.Sizes{Size: topology.Size{Request: -1}, ByClass: map[string]topology.Size{"read": {Reply: math.Inf(1)}}}}}})
	var where []string
	for _, err := range topo.Validate([]string{"read"}, false) {
		if w := err.(*field.Error).Where(); strings.Contains(w, "size") {
			where = append(where, w)
		}
	}
	got := strings.Join(where, " ")
	if got != "nodes.app.size.request nodes.app.size.by_class.read.reply" {
		t.Fatalf("errors at %q", got)
	}
}

// TestValidateHosts checks the refusals of hosts built in Go, each at its
// field's path.
func TestValidateHosts(t *testing.T) {
	svc := func(name, host string) *topology.Node {
		return &topology.Node{Name: name, Host: host, Spec: &service.Service{Pool: topology.Pool{Instances: 1, Workers: 1, Queue: topology.Unlimited, ServiceTime: sim.Constant{Value: 0.001}}}}
	}
	for _, c := range []struct {
		name  string
		hosts []*topology.Host
		nodes []*topology.Node
		want  []string // PATH: message
	}{
		{"fine", []*topology.Host{{Name: "box", Cores: 4}}, []*topology.Node{svc("app", "box")}, nil},
		{"no cores", []*topology.Host{{Name: "box"}}, []*topology.Node{svc("app", "box")}, []string{"hosts.box.cores: host box has 0 cores"}},
		{"negative", []*topology.Host{{Name: "box", Cores: -2, Memory: -1, Price: topology.Price{Hourly: -1}}}, []*topology.Node{svc("app", "box")},
			[]string{"hosts.box.cores: host box has -2 cores", "hosts.box.memory: host box memory must be a size", "hosts.box.cost.hourly: cost hourly must not be negative"}},
		{"too many", []*topology.Host{{Name: "box", Cores: topology.MaxCores + 1}}, []*topology.Node{svc("app", "box")}, []string{"hosts.box.cores: host box cores is at most"}},
		{"unknown", []*topology.Host{{Name: "box", Cores: 1}}, []*topology.Node{svc("app", "box"), svc("db", "bx")}, []string{`nodes.db.host: node db: host "bx" is not a host (did you mean "box"?)`}},
		{"no hosts", nil, []*topology.Node{svc("app", "box")}, []string{`nodes.app.host: node app: host "box" is not a host: the scenario has no hosts section`}},
		{"idle and named as a node", []*topology.Host{{Name: "app", Cores: 1}, {Name: "spare", Cores: 1}}, []*topology.Node{svc("app", "app")},
			[]string{"hosts.app: host app has the name of a node", "hosts.spare: nothing runs on host spare"}},
		{"bad name", []*topology.Host{{Name: "a b", Cores: 1}}, []*topology.Node{svc("app", "a b")}, []string{`hosts.a b: host name "a b" must be`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			topo := topology.New(c.nodes[0].Name, c.nodes...)
			topo.Hosts = c.hosts
			var got []string
			for _, err := range topo.Validate([]string{"read"}, false) {
				fe := err.(*field.Error)
				if fe.Where() == "hosts" || strings.HasPrefix(fe.Where(), "hosts.") || strings.HasSuffix(fe.Where(), ".host") {
					got = append(got, fe.Where()+": "+fe.Msg)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("errors %q, want %d like %q", got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d is %q, want it to begin %q", i, got[i], w)
				}
			}
		})
	}
}
