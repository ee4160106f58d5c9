package topology

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Topology is a validated architecture: its nodes and the node requests
// enter at.
type Topology struct {
	Entry string
	// Nodes in file order.
	Nodes  []*Node
	byName map[string]*Node
	// declared holds every name in the file, even of nodes that failed to
	// decode, so that references to them do not raise further errors.
	declared []string
}

// Node is one component of the architecture: its name, its kind's spec
// and its price.
type Node struct {
	Name string
	Spec Spec
	// Price is what one billable unit of the node costs; see Units.
	Price Price
	pos   *yaml.Node
}

// Kind is the node's kind.
func (n *Node) Kind() *Kind { return n.Spec.Kind() }

// Units is the number of billable units of the node: service instances,
// cache nodes, database servers (primaries and replicas of every shard),
// and one for a load balancer or CDN.
func (n *Node) Units() int { return n.Spec.Units() }

// Lookup returns the node called name, or nil.
func (t *Topology) Lookup(name string) *Node { return t.byName[name] }

// Names lists the node names in file order.
func (t *Topology) Names() []string {
	names := make([]string, len(t.Nodes))
	for i, n := range t.Nodes {
		names[i] = n.Name
	}
	return names
}

// commonFields are accepted by every kind.
var commonFields = []string{"kind", "instance", "cost"}

// Decode reads the nodes section (a mapping of name to node) and the entry
// node name, and validates the whole: known kinds and fields, references to
// existing nodes, call classes among classes, no call cycles. Problems are
// recorded in d; the Topology is meaningful only if d has none.
func Decode(d *yamlfile.Decoder, nodes, entry *yaml.Node, classes []string) *Topology {
	t := &Topology{byName: map[string]*Node{}}
	m, ok := d.Mapping(nodes, "nodes", nil...)
	if !ok {
		return t
	}
	t.declared = m.Keys()
	for _, name := range m.Keys() {
		body := m.Get(name)
		n := &Node{Name: name, pos: m.Key(name)}
		if strings.ContainsAny(name, " \t/") {
			d.Errorf(m.Key(name), "node name %q may not contain spaces or slashes", name)
		}
		if body.Kind != yaml.MappingNode {
			d.Errorf(body, "node %s must be a mapping of fields, such as {kind: service, ...}", name)
			continue
		}
		kn := yamlfile.Find(body, "kind")
		if kn == nil {
			d.Errorf(m.Key(name), "node %s needs a kind (one of %s)", name, strings.Join(Kinds(), ", "))
			continue
		}
		kindName, ok := d.String(kn)
		if !ok {
			continue
		}
		k := LookupKind(kindName)
		if k == nil {
			d.Errorf(kn, "node %s: unknown kind %q%s", name, kindName, yamlfile.DidYouMean(kindName, Kinds()))
			continue
		}
		fields, _ := d.Mapping(body, "node "+name+" ("+kindName+")", append(slices.Clone(commonFields), k.Fields...)...)
		n.Spec = k.Decode(d, fields, name)
		n.Price = decodePrice(d, fields, n)
		t.Nodes = append(t.Nodes, n)
		t.byName[name] = n
	}
	if len(m.Keys()) == 0 {
		d.Errorf(nodes, "nodes is empty: a scenario needs at least one node")
	}
	if entry == nil {
		d.Errorf(nodes, "the scenario needs an entry: the node requests arrive at")
	} else if name, ok := d.String(entry); ok {
		t.Entry = name
		if !m.Has(name) {
			d.Errorf(entry, "entry %q is not a node%s", name, yamlfile.DidYouMean(name, t.declared))
		}
	}
	t.validate(d, classes)
	return t
}

// CheckKeys reports, once, the nodes that need the workload to give keys
// (caches, CDNs, sharded databases) when it gives none.
func (t *Topology) CheckKeys(d *yamlfile.Decoder, hasKeys bool) {
	if hasKeys {
		return
	}
	var need []string
	var first *yaml.Node
	for _, n := range t.Nodes {
		if n.Spec.NeedsKeys() {
			need = append(need, n.Kind().Name+" "+n.Name)
			if first == nil {
				first = n.pos
			}
		}
	}
	if first != nil {
		d.Errorf(first, "%s: the workload must say which keys requests touch, e.g. keys: {dist: zipf, s: 0.9, count: 1M}",
			strings.Join(need, ", "))
	}
}

// validate checks references, classes and cycles once every node is decoded.
func (t *Topology) validate(d *yamlfile.Decoder, classes []string) {
	for _, n := range t.Nodes {
		for _, e := range n.Spec.Downstream() {
			target := t.byName[e.To]
			switch {
			case target == nil && !contains(t.declared, e.To):
				d.Errorf(e.pos, "node %s refers to %q, which is not a node%s", n.Name, e.To, yamlfile.DidYouMean(e.To, t.declared))
			case target != nil && !e.accepts(target):
				d.Errorf(e.pos, "%s %s can only target %ss; %s is a %s", n.Kind().Noun, n.Name, e.Want.Noun, e.To, target.Kind().Name)
			}
		}
		n.Spec.check(&checker{d: d, t: t, node: n, classes: classes})
	}
	t.findCycles(d)
}

// accepts says the target may be the node it names.
func (e Target) accepts(n *Node) bool { return e.Want == nil || n.Kind() == e.Want }

// checker is what a spec checks itself against: the topology and the
// workload's classes.
type checker struct {
	d       *yamlfile.Decoder
	t       *Topology
	node    *Node
	classes []string
}

// unknownClass records an error for each of names that is not a class of
// the workload; what says who names it, e.g. "cdn edge caches".
func (c *checker) unknownClasses(pos *yaml.Node, names []string, what string) {
	for _, cl := range names {
		if !contains(c.classes, cl) {
			c.d.Errorf(pos, "%s class %q, which the workload mix does not have (classes: %s)%s",
				what, cl, strings.Join(c.classes, ", "), yamlfile.DidYouMean(cl, c.classes))
		}
	}
}

// findCycles reports each call cycle once, at the edge that closes it.
func (t *Topology) findCycles(d *yamlfile.Decoder) {
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(n *Node)
	visit = func(n *Node) {
		state[n.Name] = onPath
		path = append(path, n.Name)
		for _, e := range n.Spec.Downstream() {
			next := t.byName[e.To]
			if next == nil || !e.accepts(next) {
				continue // already reported
			}
			switch state[e.To] {
			case onPath:
				start := indexOf(path, e.To)
				cycle := append(append([]string(nil), path[start:]...), e.To)
				d.Errorf(e.pos, "call cycle: %s (a request would never finish)", strings.Join(cycle, " → "))
			case unvisited:
				visit(next)
			}
		}
		path = path[:len(path)-1]
		state[n.Name] = done
	}
	for _, n := range t.Nodes {
		if state[n.Name] == unvisited {
			visit(n)
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func contains(list []string, s string) bool { return indexOf(list, s) >= 0 }

// decodeNames reads a name or a list of names.
func decodeNames(d *yamlfile.Decoder, n *yaml.Node, what string) []string {
	if n.Kind == yaml.ScalarNode {
		if s, ok := d.String(n); ok {
			return []string{s}
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.Errorf(n, "%s must be a name or a non-empty list of names", what)
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if s, ok := d.String(item); ok {
			out = append(out, s)
		}
	}
	return out
}

// nonNil turns a nil list into an empty one, so that "given" and "absent"
// stay distinct.
func nonNil(calls []Call) []Call {
	if calls == nil {
		return []Call{}
	}
	return calls
}
