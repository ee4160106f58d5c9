package topology

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Topology is a validated architecture: its nodes and the node requests
// enter at.
type Topology struct {
	Entry string
	// Nodes in file order.
	Nodes  []*Node
	byName map[string]*Node
	// Hosts are the machines nodes share (host: NAME), in file order.
	Hosts []*Host
	// declared holds every name in the file, even of nodes that failed to
	// decode, so that references to them do not raise further errors.
	declared []string
	// removed are the nodes overrides removed (--set nodes.NAME=null), by
	// name, with the override: a reference to one says so.
	removed map[string]string
	// Faults is the fault schedule: what fails, when and how.
	Faults []Fault
	// Deploys is the deploy schedule: which services' instances are
	// replaced, when and how (see Deploy).
	Deploys []Deploy
	// Regions, when not nil, is the scenario's regions section (see
	// Node.Region).
	Regions *Regions
	// Distance, when not nil, is the delay a hop pays for the distance
	// between its nodes (see Hop), set by Validate when the nodes are
	// placed (validatePlacement).
	Distance func(kind HopKind, from, to string) float64
	// transfer, when not nil, says how the bytes between two nodes are
	// billed (see TransferKind), set with Distance.
	transfer func(from, to string) TransferKind
	// fleets are the nodes written in several regions, by name (see
	// ResolveFleets); bodies each decoded node's body in the file;
	// written, for a node whose list of names ResolveFleets expanded (a
	// dns's targets: [app] are app's copies), the item of the list as
	// written that each item of the expanded list came from, by node and
	// field path (-1: a single name written without a list).
	fleets         map[string]*fleet
	bodies         map[string]*yaml.Node
	written        map[string]map[string][]int
	fleetsResolved bool
}

// Node is one component of the architecture: its name, its kind's spec
// and its price.
type Node struct {
	Name string
	// Host names the host it runs on (see Host); empty: a machine of its
	// own for each instance.
	Host string
	Spec Spec
	// Price is what one billable unit of the node costs; see Units.
	Price Price
	// Region and Zone place the node (see Regions); empty: the regions'
	// default, or nowhere in a topology that places nothing.
	Region, Zone string
	// fleetOf is set on a copy of a node in several regions (see Fleet).
	fleetOf string
	// PerVCPU, when above 0, gives the node's workers per instance from
	// its instance type: PerVCPU × the type's vCPUs (workers: {per_vcpu:
	// N}; see sizeFromType).
	PerVCPU int
}

// Kind is the node's kind.
func (n *Node) Kind() *Kind { return n.Spec.Kind() }

// Units is the number of billable units of the node: service instances,
// cache nodes, database servers (primaries and replicas of every shard),
// and one for a load balancer or CDN.
func (n *Node) Units() int { return n.Spec.Units() }

// Lookup returns the node called name, or nil.
func (t *Topology) Lookup(name string) *Node { return t.byName[name] }

// Index is the place of the node called name in t.Nodes, or -1.
func (t *Topology) Index(name string) int {
	for i, node := range t.Nodes {
		if node.Name == name {
			return i
		}
	}
	return -1
}

// Reaches says a request at the node called from can end up waiting on
// the node called to: to is from, or is reached by from's calls (and
// theirs, and a balancer's targets, ...). A publish to a queue or topic
// waits for the broker, not for its consumers: the path stops there.
func (t *Topology) Reaches(from, to string) bool {
	seen := map[string]bool{}
	var walk func(name string) bool
	walk = func(name string) bool {
		if name == to {
			return true
		}
		n := t.byName[name]
		if n == nil || seen[name] || n.Kind().Broker {
			return false
		}
		seen[name] = true
		for _, tg := range n.Spec.Downstream() {
			if walk(tg.To) {
				return true
			}
		}
		return false
	}
	return walk(from)
}

// Names lists the node names in file order.
func (t *Topology) Names() []string {
	names := make([]string, len(t.Nodes))
	for i, n := range t.Nodes {
		names[i] = n.Name
	}
	return names
}

// commonFields are accepted by every kind.
var commonFields = []string{"kind", "instance", "cost", "region", "regions", "zone", "host"}

// MaxNodes bounds the nodes of a topology.
const MaxNodes = 10_000

// New makes a topology of nodes, in order, whose requests arrive at entry.
// Check it with Validate before running it.
func New(entry string, nodes ...*Node) *Topology {
	t := &Topology{Entry: entry, Nodes: nodes, byName: map[string]*Node{}}
	for _, n := range nodes {
		t.byName[n.Name] = n
	}
	return t
}

// Decode reads the nodes section (a mapping of name to node) and the entry
// node name. Problems with the file's form (unknown kinds and fields, wrong
// types) are recorded in d; Validate checks the topology itself.
func Decode(d *yamlfile.Decoder, nodes, entry *yaml.Node) *Topology {
	t := New("")
	t.removed = d.RemovedUnder("nodes")
	if entry != nil {
		t.Entry, _ = d.String(entry)
	}
	m, ok := d.Mapping(nodes, "nodes", nil...)
	if !ok {
		return t
	}
	t.declared = m.Keys()
	for _, name := range m.Keys() {
		body := m.Get(name)
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
		if t.decodeFleet(d, name, body, k) {
			continue
		}
		t.add(t.decodeNode(d, name, body, k))
	}
	return t
}

// decodeNode reads the fields of node name of kind k from its body, and
// keeps the body (see ResolveFleets).
func (t *Topology) decodeNode(d *yamlfile.Decoder, name string, body *yaml.Node, k *Kind) *Node {
	fields, _ := d.Mapping(body, "node "+name+" ("+k.Name+")", append(slices.Clone(commonFields), params.NamesOf(k.Params)...)...)
	n := &Node{Name: name, Spec: k.Decode(d, fields, name)}
	n.Price = decodePrice(d, fields, name, k)
	n.PerVCPU = decodePerVCPU(d, fields, name, n.Spec)
	StringField(d, fields, "region", &n.Region)
	StringField(d, fields, "zone", &n.Zone)
	StringField(d, fields, "host", &n.Host)
	if t.bodies == nil {
		t.bodies = map[string]*yaml.Node{}
	}
	t.bodies[name] = body
	return n
}

// add appends node n.
func (t *Topology) add(n *Node) {
	t.Nodes = append(t.Nodes, n)
	t.byName[n.Name] = n
}

// Validate checks the topology as a whole and each node's settings: node
// names, the entry, every node by its kind's own checks (ranges, required
// fields), references to existing nodes of the right kinds, the classes
// calls name (classes are the workload's), the keys caches and shards need
// (hasKeys says the workload gives them), and call cycles. Each error is a
// *field.Error naming the field it concerns, under nodes.NAME or entry.
func (t *Topology) Validate(classes []string, hasKeys bool) []error {
	e := field.New()
	nodes := e.In("nodes")
	switch {
	case len(t.Nodes) == 0 && len(t.declared) == 0:
		nodes.Add("", "nodes is empty: a scenario needs at least one node")
	case max(len(t.Nodes), len(t.declared)) > MaxNodes:
		nodes.Add("", "%d nodes: at most %d are simulated", max(len(t.Nodes), len(t.declared)), MaxNodes)
		return e.List() // checking each would only repeat it
	}
	switch {
	case t.Entry == "":
		e.Add("entry", "the scenario needs an entry: the node requests arrive at")
	case t.byName[t.Entry] == nil && !contains(t.declared, t.Entry):
		e.Add("entry", "entry %q is not a node%s", t.Entry, t.unknownNode(t.Entry))
	case t.byName[t.Entry] != nil && t.byName[t.Entry].Kind().Consumer:
		e.Add("entry", "the entry %s is a %s, which takes its work from a queue: make a service the entry, or a queue that clients publish to",
			t.Entry, t.byName[t.Entry].Kind().Noun)
	case t.byName[t.Entry] != nil && t.byName[t.Entry].Kind().NeedsOp:
		e.Add("entry", "the entry %s is a %s, which serves only calls with an op (get, set, delete): make a service the entry and have it call %s",
			t.Entry, t.byName[t.Entry].Kind().Noun, t.Entry)
	}
	for _, n := range t.Nodes {
		ne := nodes.In(n.Name)
		if !field.ValidName(n.writtenName()) {
			ne.AddAtKey("", "node name %q must be %s", n.Name, field.NameRule)
		}
		c := &Checker{t: t, node: n, classes: classes}
		t.sizeFromType(n, ne)
		n.Spec.Validate(ne, c)
		n.Price.validate(ne.In("cost"))
		for _, tg := range n.Spec.Downstream() {
			target := t.byName[tg.To]
			switch {
			case target == nil && !contains(t.declared, tg.To):
				ne.In(tg.Field...).Add("", "node %s refers to %q, which is not a node%s", n.Name, tg.To, t.unknownNode(tg.To))
			case target != nil && tg.Want != nil && target.Kind() != tg.Want:
				ne.In(tg.Field...).Add("", "%s %s can only target %ss; %s is a %s", n.Kind().Noun, n.Name, tg.Want.Noun, tg.To, target.Kind().Noun)
			case target != nil && tg.Balanced && !target.Kind().Balanced:
				ne.In(tg.Field...).Add("", "%s %s can only target %s; %s is a %s", n.Kind().Noun, n.Name, nounsOf(func(k *Kind) bool { return k.Balanced }), tg.To, target.Kind().Noun)
			case target != nil && tg.Subscribes && !target.Kind().Subscribes:
				ne.In(tg.Field...).Add("", "%s %s can only target %s; %s is a %s", n.Kind().Noun, n.Name, nounsOf(func(k *Kind) bool { return k.Subscribes }), tg.To, target.Kind().Noun)
			case target != nil && target.Kind().Consumer && !tg.Ref:
				ne.In(tg.Field...).Add("", "%s takes its work from queue %s, not from calls: publish to that queue instead",
					tg.To, consumerQueue(target))
			case target != nil && target.Kind().NeedsOp && tg.AsIs:
				ne.In(tg.Field...).Add("", "%s %s passes requests on as they are, but %s is a %s, which serves only calls with an op (get, set, delete) from a service",
					n.Kind().Noun, n.Name, tg.To, target.Kind().Noun)
			}
		}
	}
	if !hasKeys {
		t.needKeys(nodes)
	}
	t.validateFaults(e)
	t.validateDeploys(e)
	t.validatePlacement(e)
	t.validateHosts(e)
	if !t.findCycles(nodes) {
		t.checkFanOut(e)
	}
	t.validateFleetRefs(e)
	return t.fleetErrors(e.List())
}

// names lists every node name, those of nodes that failed to decode too.
func (t *Topology) names() []string {
	if t.declared != nil {
		return t.declared
	}
	return t.Names()
}

// needKeys reports, once, the nodes that need the workload to give keys
// (caches, CDNs, sharded databases) when it gives none. A cache that no
// call reaches (a session store) keeps users' keys, not the workload's.
func (t *Topology) needKeys(nodes field.Errors) {
	called := map[string]bool{}
	for _, n := range t.Nodes {
		for _, c := range CallsOf(n.Spec) {
			called[c.To] = true
		}
	}
	var need []string
	first := ""
	for _, n := range t.Nodes {
		if n.Spec.NeedsKeys() && (!n.Kind().KeysWhenCalled || called[n.Name]) {
			need = append(need, n.Kind().Name+" "+n.Name)
			if first == "" {
				first = n.Name
			}
		}
	}
	if first != "" {
		nodes.AddAtKey(first, "%s: the workload must say which keys requests touch, e.g. keys: {dist: zipf, s: 0.9, count: 1M}",
			strings.Join(need, ", "))
	}
}

// accepts says the target may be the node it names.
func (e Target) accepts(n *Node) bool {
	return (e.Want == nil || n.Kind() == e.Want) && (!e.Balanced || n.Kind().Balanced) && (!e.Subscribes || n.Kind().Subscribes) && !(e.AsIs && n.Kind().NeedsOp)
}

// nounsOf names the kinds that can do what has says, in the plural: the
// kinds whose nodes may stand behind a load balancer (Kind.Balanced),
// "services"; those that may subscribe to a topic, "queues".
func nounsOf(has func(*Kind) bool) string {
	var out []string
	for _, name := range Kinds() {
		if k := registry[name]; has(k) {
			out = append(out, k.Noun+"s")
		}
	}
	return strings.Join(out, " or ")
}

// Checker is what a spec checks itself against: the topology and the
// workload's classes.
type Checker struct {
	t       *Topology
	node    *Node
	classes []string
}

// Node is the node being checked.
func (c *Checker) Node() *Node { return c.node }

// UnknownClasses records an error at field for each of names that is not a
// class of the workload; what says who names it, e.g. "cdn edge caches".
func (c *Checker) UnknownClasses(e field.Errors, fieldName string, names []string, what string) {
	for _, cl := range names {
		if !contains(c.classes, cl) {
			e.Add(fieldName, "%s class %q, which the workload mix does not have (classes: %s)%s",
				what, cl, strings.Join(c.classes, ", "), yamlfile.DidYouMean(cl, c.classes))
		}
	}
}

// findCycles reports each call cycle once, at the edge that closes it, and
// says whether it found any.
func (t *Topology) findCycles(nodes field.Errors) bool {
	found := false
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
			if next == nil || !e.accepts(next) || e.Ref {
				continue // already reported
			}
			switch state[e.To] {
			case onPath:
				start := slices.Index(path, e.To)
				cycle := append(append([]string(nil), path[start:]...), e.To)
				nodes.In(n.Name).In(e.Field...).Add("", "call cycle: %s (a request would never finish)", strings.Join(cycle, " → "))
				found = true
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
	return found
}

// MaxVisitsPerRequest bounds the visits to nodes one request can make, so
// that calls that multiply (ten services each calling the next ten times)
// cannot make a single request run for ever.
const MaxVisitsPerRequest = 10_000

// checkFanOut reports a topology in which a request arriving at the entry
// can make more than MaxVisitsPerRequest visits: every call counts (a
// cache's on-miss calls as if every get missed), and of a balancer's
// targets the one that costs most. It needs a topology without cycles.
func (t *Topology) checkFanOut(e field.Errors) {
	memo := map[string]float64{}
	var visits func(name string) float64
	visits = func(name string) float64 {
		if v, ok := memo[name]; ok {
			return v
		}
		n := t.byName[name]
		if n == nil {
			return 0
		}
		memo[name] = 0 // a cycle through an edge refused elsewhere ends here
		total, alternative := 1.0, 0.0
		for _, tg := range n.Spec.Downstream() {
			if next := t.byName[tg.To]; next == nil || !tg.accepts(next) || tg.Ref {
				continue // reported already, or not a call
			}
			v := visits(tg.To)
			if tg.Times > 1 {
				v = float64(v * tg.Times)
			}
			if tg.OneOf {
				alternative = max(alternative, v)
			} else {
				total += v
			}
		}
		memo[name] = total + alternative
		return memo[name]
	}
	if v := visits(t.Entry); v > MaxVisitsPerRequest {
		e.Add("entry", "a request arriving at %s can make up to %.3g visits to nodes (calls multiply along the way); at most %d are simulated per request",
			t.Entry, v, MaxVisitsPerRequest)
	}
	for _, n := range t.Nodes {
		if n.Kind().Consumer {
			if v := visits(n.Name); v > MaxVisitsPerRequest {
				e.In("nodes", n.Name).AddAtKey("", "a message processed by %s can make up to %.3g visits to nodes (calls multiply along the way); at most %d are simulated per message",
					n.Name, v, MaxVisitsPerRequest)
			}
		}
	}
}

// Consumers names the nodes that take messages from the queue called
// name.
func (t *Topology) Consumers(name string) []string {
	var out []string
	for _, node := range t.Nodes {
		if p, ok := node.Spec.(interface{ PullsFrom() string }); ok && p.PullsFrom() == name {
			out = append(out, node.Name)
		}
	}
	return out
}

// Consumer names the node that takes messages from the queue called name,
// or "".
func (t *Topology) Consumer(name string) string {
	if c := t.Consumers(name); len(c) > 0 {
		return c[0]
	}
	return ""
}

// consumerQueue names the queue a consumer node takes from.
func consumerQueue(n *Node) string {
	if p, ok := n.Spec.(interface{ PullsFrom() string }); ok {
		return p.PullsFrom()
	}
	return "its queue"
}

// contains says s is in list.
func contains(list []string, s string) bool { return slices.Contains(list, s) }

// DecodeNames reads a name or a list of names.
func DecodeNames(d *yamlfile.Decoder, n *yaml.Node, what string) []string {
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
