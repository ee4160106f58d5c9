// Package topotest helps the tests of node kinds that live in packages of
// their own: it decodes and checks a nodes section as a scenario file
// writes it, and builds its network on a fresh kernel, with an observer
// that counts how requests end. It imports the service kind, which the
// kinds' tests put in front of their nodes, so that it is registered.
package topotest

import (
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	// Registers the service kind.
	_ "github.com/scalesim/scalesim/topology/service"
)

// Classes are the request classes of a built network: 0 is read, 1 write.
var Classes = []string{"read", "write"}

// Build decodes nodes (the body of a scenario's nodes section, indented by
// two spaces) with entry as the entry node, checks it, and builds its
// network on a fresh kernel with seed 1 and the Classes, the options
// changed as each of with says. It fails the test on any error.
func Build(t testing.TB, entry, nodes string, with ...func(*topology.Options)) (*topology.Network, *sim.Kernel, *Outcomes) {
	t.Helper()
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: " + entry + "\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	d.Place(root, topo.Validate(Classes, true))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	k := &sim.Kernel{}
	obs := &Outcomes{}
	opts := topology.Options{Seed: 1, Classes: Classes}
	for _, f := range with {
		f(&opts)
	}
	net, err := topology.NewNetwork(topo, k, opts, obs)
	if err != nil {
		t.Fatal(err)
	}
	return net, k, obs
}

// Outcomes counts how requests end, and calls OnFinish, when set, at each
// end.
type Outcomes struct {
	ByOutcome [topology.Outcomes]int
	OnFinish  func(now sim.Time)
}

// Finished implements topology.Observer.
func (o *Outcomes) Finished(_ *topology.Request, now sim.Time, out topology.Outcome) {
	o.ByOutcome[out]++
	if o.OnFinish != nil {
		o.OnFinish(now)
	}
}
