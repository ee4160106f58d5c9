// Package topotest helps the tests of node kinds that live in packages of
// their own: it decodes and checks a nodes section as a scenario file
// writes it, and builds its network on a fresh kernel, with an observer
// that counts how requests end. It imports the service kind, which the
// kinds' tests put in front of their nodes, so that it is registered.
package topotest

import (
	"errors"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	// Registers the service kind.
	"github.com/scalesim/scalesim/topology/engine"
	_ "github.com/scalesim/scalesim/topology/service"
)

// Classes are the request classes of a built network: 0 is read, 1 write.
var Classes = []string{"read", "write"}

// Build decodes nodes (the body of a scenario's nodes section, indented by
// two spaces) with entry as the entry node, checks it, and builds its
// network on a fresh kernel with seed 1 and the Classes, the options
// changed as each of with says. It fails the test on any error.
func Build(t testing.TB, entry, nodes string, with ...func(*engine.Options)) (*engine.Network, *sim.Kernel, *Outcomes) {
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
	opts := engine.Options{Seed: 1, Classes: Classes}
	for _, f := range with {
		f(&opts)
	}
	net, err := engine.NewNetwork(topo, k, opts, obs)
	if err != nil {
		t.Fatal(err)
	}
	return net, k, obs
}

// Outcomes counts how requests end, and calls OnFinish, when set, at each
// end.
type Outcomes struct {
	ByOutcome [engine.Outcomes]int
	OnFinish  func(now sim.Time)
}

// Finished implements engine.Observer.
func (o *Outcomes) Finished(_ *engine.Request, now sim.Time, out engine.Outcome) {
	o.ByOutcome[out]++
	if o.OnFinish != nil {
		o.OnFinish(now)
	}
}

// CheckFault checks a fault of effect on node (from 1 s, for 2 s) in
// topo: that it describes itself as describe, takes no instances down
// (a kind's own faults strike a part of the node), and that validating
// topo with it as the only fault gives refused, its errors as "FIELD:
// MESSAGE" lines ("" when valid). topology's own test of its fault kinds
// does the same without this helper, which it cannot import.
func CheckFault(t testing.TB, topo *topology.Topology, node string, effect topology.FaultEffect, describe, refused string) {
	t.Helper()
	f := topology.Fault{Node: node, At: 1, For: 2, Effect: effect}
	if got := f.What().Describe(); got != describe {
		t.Errorf("%#v: describes itself as %q, want %q", effect, got, describe)
	}
	if f.TakesInstancesDown() {
		t.Errorf("%#v: takes instances down", effect)
	}
	if got := FaultRefused(topo, f); got != refused {
		t.Errorf("%#v on %s: refused\n%s\nwant\n%s", effect, node, got, refused)
	}
}

// FaultRefused validates topo with f as its only fault and gives its
// errors as "FIELD: MESSAGE" lines ("" when valid).
func FaultRefused(topo *topology.Topology, f topology.Fault) string {
	topo.Faults = []topology.Fault{f}
	var got []string
	for _, err := range topo.Validate([]string{"read"}, true) {
		var fe *field.Error
		if errors.As(err, &fe) {
			got = append(got, fe.Where()+": "+fe.Msg)
		}
	}
	return strings.Join(got, "\n")
}
