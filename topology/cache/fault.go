package cache

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// nodeFault is the kind of NodeDown: a fault entry's cache_node.
var nodeFault = topology.FaultKind{Name: "cache_node", Decode: decodeNodeDown, On: &kind, Part: true,
	Param: params.Param{Type: params.Int, Doc: "a cache's node (by number) goes down, losing its keys"}}

// NodeDown takes down node Node of a cache (0 is the first), which loses
// its keys.
type NodeDown struct{ Node int }

func decodeNodeDown(d *yamlfile.Decoder, n *yaml.Node) (topology.FaultEffect, bool) {
	i, ok := d.Int(n, "fault cache_node", 0)
	return NodeDown{i}, ok
}

// Kind implements topology.FaultEffect.
func (NodeDown) Kind() *topology.FaultKind { return &nodeFault }

// Describe implements topology.FaultEffect.
func (x NodeDown) Describe() string { return fmt.Sprintf("cache node %d down", x.Node) }

// Check implements topology.FaultEffect: nodes are numbered from 0.
func (x NodeDown) Check(e field.Errors) bool {
	if x.Node < 0 {
		e.Add("cache_node", "a fault's cache_node is numbered from 0")
		return false
	}
	return true
}

// Fit implements topology.Fitter: the cache has the node.
func (x NodeDown) Fit(e field.Errors, node *topology.Node) {
	if nodes := node.Spec.Units(); x.Node >= nodes {
		e.Given(node.Path("nodes")).Add("cache_node", "fault cache_node %d: cache %s has %s (numbered from 0)", x.Node, node.Name, units.Plural(nodes, "node", "nodes"))
	}
}

// FaultInstances implements topology.InstanceCounted: an instances fault
// takes down up to its nodes.
func (c *Cache) FaultInstances() (most int, has string, from []string) {
	return c.Nodes, units.Plural(c.Nodes, "node", "nodes"), []string{"nodes"}
}

// Strike implements topology.FaultEffect: the node goes down, losing its
// keys, or comes back.
func (x NodeDown) Strike(fl *engine.Faulter, on bool, _ sim.Time) {
	fl.Component().(*cache).partDown(x.Node, on)
}
