package topology

import (
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
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

// Node is one component of the architecture. Exactly one of the kind
// specific fields is set, according to Kind.
type Node struct {
	Name     string
	Kind     string
	Service  *Service
	Balancer *Balancer
	Cache    *Cache
	Database *Database
	CDN      *CDN
	// Price is what one billable unit of the node costs; see Units.
	Price Price
	pos   *yaml.Node
}

// Units is the number of billable units of the node: service instances,
// cache nodes, database servers (primaries and replicas of every shard),
// and one for a load balancer or CDN.
func (n *Node) Units() int {
	switch {
	case n.Service != nil:
		return n.Service.Instances
	case n.Cache != nil:
		return n.Cache.Nodes
	case n.Database != nil:
		return n.Database.Shards * (1 + n.Database.Replicas)
	}
	return 1
}

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

// Service is a pool of identical instances, each with a number of workers
// sharing one FIFO queue. A request is served for ServiceTime, then makes
// its Calls in order, waiting for each reply.
type Service struct {
	Instances   int
	Workers     int
	Queue       int // waiting places per instance; Unlimited for no limit
	ServiceTime sim.Dist
	Calls       []Call
	// Blocking: a worker is held while the request's calls run
	// (thread-per-request); otherwise it is freed after the service time
	// (event loop).
	Blocking bool
}

// MaxInstances bounds the instances of one service, each simulated with its
// own queue.
const MaxInstances = 10_000

// Unlimited is the Queue of a service without a waiting-room limit.
const Unlimited = -1

// Capacity is the number of requests the service can work on at once.
func (s *Service) Capacity() int { return s.Instances * s.Workers }

// Call is a synchronous call from a service to another node.
type Call struct {
	To string
	// Classes limits the call to requests of these classes; empty means all.
	Classes []string
	// Op is the operation of a call to a cache: get, set or delete; empty
	// for calls to other kinds.
	Op string
	// OnMiss are the calls a get makes when the key is not cached (e.g.
	// read the database); then the key is filled (cache-aside).
	OnMiss []Call
	// Write are the calls that store the value of a set or delete (e.g.
	// write the database).
	Write []Call
	// Policy of a set: write_through runs Write before updating the cache;
	// write_back updates the cache and leaves Write to the cache's periodic
	// flush.
	Policy string
	// Latency is the network round trip of the call; nil takes the
	// scenario's default.
	Latency sim.Dist
	pos     *yaml.Node
}

// Cache operations and write policies.
const (
	OpGet        = "get"
	OpSet        = "set"
	OpDelete     = "delete"
	WriteThrough = "write_through"
	WriteBack    = "write_back"
)

// walkCalls calls f on each call and each call nested in it, depth first.
func walkCalls(calls []Call, f func(c *Call)) {
	for i := range calls {
		f(&calls[i])
		walkCalls(calls[i].OnMiss, f)
		walkCalls(calls[i].Write, f)
	}
}

// Balancer spreads requests over the instances of its target services.
type Balancer struct {
	Algorithm string
	Targets   []string
	pos       *yaml.Node
}

// Load-balancing algorithms.
const (
	RoundRobin  = "round_robin"
	Random      = "random"
	LeastConn   = "least_conn"
	PowerOfTwo  = "power_of_two"
	DefaultAlgo = RoundRobin
)

// Algorithms lists the load-balancing algorithms.
var Algorithms = []string{RoundRobin, Random, LeastConn, PowerOfTwo}

// kind describes one node kind: the fields it accepts and how to decode them.
// Adding a node kind means adding an entry to kinds, a decoder, and a
// component in network.go.
type kind struct {
	fields []string
	decode func(d *yamlfile.Decoder, m yamlfile.Map, n *Node)
	// targets lists the nodes a node of this kind sends requests to, with
	// the YAML nodes to blame in errors.
	targets func(n *Node) []edge
}

type edge struct {
	to  string
	pos *yaml.Node
}

// Node kinds.
const (
	KindService      = "service"
	KindLoadBalancer = "load_balancer"
	KindCache        = "cache"
	KindDatabase     = "database"
	KindCDN          = "cdn"
)

var kinds = map[string]kind{
	KindService: {
		fields:  []string{"instances", "workers", "queue", "service_time", "calls", "blocking"},
		decode:  decodeService,
		targets: serviceTargets,
	},
	KindLoadBalancer: {
		fields:  []string{"algorithm", "targets"},
		decode:  decodeBalancer,
		targets: balancerTargets,
	},
	KindCache: {
		fields: []string{"nodes", "vnodes", "capacity", "memory", "item_size", "eviction", "ttl",
			"service_time", "workers", "queue", "coalesce", "flush_interval", "failures"},
		decode:  decodeCache,
		targets: noTargets,
	},
	KindDatabase: {
		fields: []string{"shards", "replicas", "partition", "vnodes", "read_from", "replication_lag",
			"read_your_writes", "pool", "connect_time", "service_time", "workers", "cores", "queue"},
		decode:  decodeDatabase,
		targets: noTargets,
	},
	KindCDN: {
		fields:  []string{"origin", "classes", "capacity", "ttl", "edge_latency", "origin_latency", "object_size"},
		decode:  decodeCDN,
		targets: cdnTargets,
	},
}

// commonFields are accepted by every kind.
var commonFields = []string{"kind", "instance", "cost"}

func noTargets(*Node) []edge { return nil }

// Kinds lists the node kinds a scenario file may use.
func Kinds() []string { return slices.Sorted(maps.Keys(kinds)) }

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
		k, known := kinds[kindName]
		if !known {
			d.Errorf(kn, "node %s: unknown kind %q%s", name, kindName, yamlfile.DidYouMean(kindName, Kinds()))
			continue
		}
		n.Kind = kindName
		fields, _ := d.Mapping(body, "node "+name+" ("+kindName+")", append(slices.Clone(commonFields), k.fields...)...)
		k.decode(d, fields, n)
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
		if n.Cache != nil || n.CDN != nil || (n.Database != nil && n.Database.Shards > 1) {
			need = append(need, n.Kind+" "+n.Name)
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
		for _, e := range kinds[n.Kind].targets(n) {
			target := t.byName[e.to]
			switch {
			case target == nil && !contains(t.declared, e.to):
				d.Errorf(e.pos, "node %s refers to %q, which is not a node%s", n.Name, e.to, yamlfile.DidYouMean(e.to, t.declared))
			case target != nil && !validTarget(n, target):
				d.Errorf(e.pos, "load balancer %s can only target services; %s is a %s", n.Name, e.to, target.Kind)
			}
		}
		if n.Service != nil {
			walkCalls(n.Service.Calls, func(c *Call) {
				for _, cl := range c.Classes {
					if !contains(classes, cl) {
						d.Errorf(c.pos, "call from %s to %s names class %q, which the workload mix does not have (classes: %s)%s",
							n.Name, c.To, cl, strings.Join(classes, ", "), yamlfile.DidYouMean(cl, classes))
					}
				}
				t.validateOp(d, n, c)
			})
		}
		if n.CDN != nil {
			for _, cl := range n.CDN.Classes {
				if !contains(classes, cl) {
					d.Errorf(n.CDN.classesPos, "cdn %s caches class %q, which the workload mix does not have (classes: %s)%s",
						n.Name, cl, strings.Join(classes, ", "), yamlfile.DidYouMean(cl, classes))
				}
			}
		}
	}
	t.findCycles(d)
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
		for _, e := range kinds[n.Kind].targets(n) {
			next := t.byName[e.to]
			if next == nil || !validTarget(n, next) {
				continue // already reported
			}
			switch state[e.to] {
			case onPath:
				start := indexOf(path, e.to)
				cycle := append(append([]string(nil), path[start:]...), e.to)
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

// validateOp checks that a call's op and its fields suit the node it calls.
func (t *Topology) validateOp(d *yamlfile.Decoder, from *Node, c *Call) {
	target := t.byName[c.To]
	if target == nil {
		return // reported already
	}
	toCache := target.Kind == KindCache
	switch {
	case toCache && c.Op == "":
		d.Errorf(c.pos, "call from %s to cache %s needs an op: get, set or delete", from.Name, c.To)
	case !toCache && c.Op != "":
		d.Errorf(c.pos, "op %q applies to calls to a cache; %s is a %s", c.Op, c.To, target.Kind)
	case c.OnMiss != nil && c.Op != OpGet:
		d.Errorf(c.pos, "on_miss goes with op: get (the calls made when the key is not cached)")
	case c.Write != nil && c.Op != OpSet && c.Op != OpDelete:
		d.Errorf(c.pos, "write goes with op: set or delete (the calls that store the value)")
	case c.Policy != "" && c.Op != OpSet:
		d.Errorf(c.pos, "policy goes with op: set")
	case c.Policy == WriteBack && len(c.Write) == 0:
		d.Errorf(c.pos, "a write_back set needs write: the calls the cache's flush makes, e.g. [db]")
	}
	if c.Policy == WriteBack {
		for _, w := range c.Write {
			if len(w.OnMiss)+len(w.Write) > 0 || w.Op != "" {
				d.Errorf(w.pos, "a write_back flush makes plain calls; %s cannot have an op, on_miss or write", w.To)
			}
		}
	}
}

// validTarget reports whether node n may send requests to target.
func validTarget(n, target *Node) bool {
	return n.Kind != KindLoadBalancer || target.Kind == KindService
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

func decodeService(d *yamlfile.Decoder, m yamlfile.Map, n *Node) {
	s := &Service{Instances: 1, Workers: 1, Queue: Unlimited, Blocking: true}
	n.Service = s
	what := "node " + n.Name
	if m.Has("instances") {
		s.Instances, _ = d.Int(m.Get("instances"), what+" instances", 1)
		if s.Instances > MaxInstances {
			d.Errorf(m.Get("instances"), "%s: at most %d instances", what, MaxInstances)
		}
	}
	if m.Has("workers") {
		s.Workers, _ = d.Int(m.Get("workers"), what+" workers", 1)
	}
	if m.Has("queue") {
		s.Queue, _ = d.Int(m.Get("queue"), what+" queue", 0)
	}
	if m.Has("blocking") {
		s.Blocking, _ = d.Bool(m.Get("blocking"))
	}
	if !m.Has("service_time") {
		d.Errorf(m.Key("kind"), "service %s needs a service_time, e.g. {dist: exponential, mean: 20ms}", n.Name)
	} else {
		s.ServiceTime = d.Dist(m.Get("service_time"), what+" service_time", yamlfile.Seconds)
	}
	if m.Has("calls") {
		s.Calls = decodeCalls(d, m.Get("calls"), n.Name)
	}
}

// decodeCalls reads a list of calls: {to: NAME, classes: [read]} or a bare
// NAME.
func decodeCalls(d *yamlfile.Decoder, n *yaml.Node, from string) []Call {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "calls of %s must be a list, e.g. [{to: db}]", from)
		return nil
	}
	var calls []Call
	for _, item := range n.Content {
		c := Call{pos: item}
		if item.Kind == yaml.ScalarNode {
			c.To, _ = d.String(item)
			calls = append(calls, c)
			continue
		}
		m, ok := d.Mapping(item, "call from "+from, "to", "classes", "op", "on_miss", "write", "policy", "latency")
		if !ok {
			continue
		}
		if !m.Has("to") {
			d.Errorf(item, "a call from %s needs \"to\": the node it calls", from)
			continue
		}
		c.To, _ = d.String(m.Get("to"))
		c.pos = m.Get("to")
		if m.Has("classes") {
			c.Classes = decodeNames(d, m.Get("classes"), "classes")
		}
		if m.Has("op") {
			c.Op = d.OneOf(m.Get("op"), "op", OpGet, OpSet, OpDelete)
		}
		if m.Has("policy") {
			c.Policy = d.OneOf(m.Get("policy"), "policy", WriteThrough, WriteBack)
		}
		if m.Has("latency") {
			c.Latency = d.Dist(m.Get("latency"), "call latency", yamlfile.Seconds)
		}
		if m.Has("on_miss") {
			c.OnMiss = nonNil(decodeCalls(d, m.Get("on_miss"), from))
		}
		if m.Has("write") {
			c.Write = nonNil(decodeCalls(d, m.Get("write"), from))
		}
		calls = append(calls, c)
	}
	return calls
}

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

func serviceTargets(n *Node) []edge {
	var out []edge
	walkCalls(n.Service.Calls, func(c *Call) {
		if c.To != "" {
			out = append(out, edge{c.To, c.pos})
		}
	})
	return out
}

func decodeBalancer(d *yamlfile.Decoder, m yamlfile.Map, n *Node) {
	b := &Balancer{Algorithm: DefaultAlgo}
	n.Balancer = b
	if m.Has("algorithm") {
		if a, ok := d.String(m.Get("algorithm")); ok {
			if !contains(Algorithms, a) {
				d.Errorf(m.Get("algorithm"), "load balancer %s: unknown algorithm %q (one of %s)%s",
					n.Name, a, strings.Join(Algorithms, ", "), yamlfile.DidYouMean(a, Algorithms))
			}
			b.Algorithm = a
		}
	}
	if !m.Has("targets") {
		d.Errorf(m.Key("kind"), "load balancer %s needs targets: the service(s) it spreads requests over", n.Name)
		return
	}
	b.Targets = decodeNames(d, m.Get("targets"), "targets")
	b.pos = m.Get("targets")
}

func balancerTargets(n *Node) []edge {
	var out []edge
	for _, t := range n.Balancer.Targets {
		out = append(out, edge{t, n.Balancer.pos})
	}
	return out
}
