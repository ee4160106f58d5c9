package topology

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Kind is one kind of node, registered once with everything the rest of
// the program needs to know about it: how a scenario file writes it, how it
// is decoded and, through its Spec, how it is checked, how it runs, what it
// reports, how the analytic estimate treats it and what explain advises.
// Adding a kind is a package that defines its Kind and Spec and calls
// Register in its init, and its import in topology/kinds.
type Kind struct {
	// Name is how a scenario file writes the kind: kind: NAME.
	Name string
	// Noun names a node of the kind in messages, e.g. "load balancer".
	Noun string
	// Decode reads the fields of the node called name. Problems are
	// recorded in d; the Spec is meaningful only if d has none.
	Decode func(d *yamlfile.Decoder, m yamlfile.Map, name string) Spec
	// Workers says its nodes serve requests with workers, so that they
	// have a utilization, an offered load, queues and waits, and can be a
	// bottleneck. Nodes without (load balancers, CDNs) pass requests on in
	// no time or scale out of sight.
	Workers bool
	// Balanced says its nodes may stand behind a load balancer: their
	// runtime is one station of instances each of which serves any
	// request (a service's pool), which a balancer picks among (see
	// Target.Balanced).
	Balanced bool
	// Subscribes says its nodes may subscribe to a topic: their runtime
	// takes a copy of each message published there (a queue's Offer);
	// see Target.Subscribes.
	Subscribes bool
	// Deployed says a deploy (deploy: in the topology) may replace its
	// nodes' instances: its runtime is one station, whose instances are
	// taken out and put in (a pool's, such as a service's).
	Deployed bool
	// Egress says its nodes count the bytes they send, which per_gb
	// prices charge for.
	Egress bool
	// NeedsOp says its nodes serve only calls that name an operation
	// (get, set, delete), which only a service's calls do: such a node
	// cannot be the entry, nor the target of a node that passes requests
	// on as they are (a CDN's origin).
	NeedsOp bool
	// Broker says its nodes take publishes (queues, topics): a call to
	// one returns once the message is stored, without waiting for its
	// consumers.
	Broker bool
	// Consumer says its nodes take their work from a queue, never from
	// calls: they cannot be called, nor be the entry.
	Consumer bool
	// SessionStore says its nodes can keep users' sessions for a
	// service (sessions: {store: NODE}), read on every request.
	SessionStore bool
	// KeysWhenCalled says its nodes need the workload's keys only when a
	// call reaches them: one only a session store keeps users' keys.
	KeysWhenCalled bool
	// Global says its nodes are in no region (a DNS answers users
	// wherever they are): a placed topology does not ask them for one,
	// and hops to and from them pay no distance.
	Global bool
	// NoFleet, when not "", is why a node of the kind cannot be in several
	// regions (regions: [...]), said where a node gives them: a database's
	// copies would share no data.
	NoFleet string
	// ScalesUp says its nodes' servers are not interchangeable (a
	// database's writes go to the primary of their shard), so that only a
	// bigger server carries more of its load: explain sizes it up, to its
	// family's largest type, then says to split its data, never to add
	// instances.
	ScalesUp bool
	// Figures, when not nil, is its nodes' Detail (a nil pointer of its
	// type) whose fields the reference documents under its JSON key:
	// docs/reference.md and the report's JSON Schema.
	Figures Detail
	// Params describe its own fields, the ones a node of the kind accepts
	// besides those every node has (kind, instance, cost, region...): name,
	// type, default, unit and meaning, for the decoder (a field no param
	// names is refused as unknown), the reference, the JSON Schema and
	// completion. Each kind's table is in a file beside it
	// (NAME_params.go, or params.go in a kind's own package).
	Params []params.Param
}

// Spec is the model of one node of some kind: the node's settings, with
// the behaviour that follows from them.
type Spec interface {
	// Kind is the kind of node it describes.
	Kind() *Kind
	// Units is the number of billable units: instances, cache nodes,
	// database servers, or one.
	Units() int
	// Downstream lists the nodes it sends requests to.
	Downstream() []Target
	// NeedsKeys says it needs the workload to say which keys requests
	// touch.
	NeedsKeys() bool
	// Analytic is its treatment in the analytic estimate.
	Analytic
	// Explainer is what explain says of it.
	Explainer

	// Validate records what is wrong with the node's settings, alone and in
	// the context of the whole topology (classes its calls name,
	// operations on other nodes), under the node's path.
	Validate(e field.Errors, c *Checker)
}

// Target is a node a node sends requests to.
type Target struct {
	To string
	// Want, when not nil, is the only kind the target may be.
	Want *Kind
	// Balanced says the target must be of a kind whose nodes may stand
	// behind a load balancer (Kind.Balanced).
	Balanced bool
	// Subscribes says the target must be of a kind whose nodes may
	// subscribe to a topic (Kind.Subscribes).
	Subscribes bool
	// OneOf marks targets of which each request visits one (a
	// balancer's), as opposed to calls that are all made.
	OneOf bool
	// Field is the path, below the node, of the setting that names it,
	// such as calls.0.to.
	Field []string
	// AsIs says requests go on to it as they arrived, without an
	// operation of their own (a CDN's misses to its origin); see
	// Kind.NeedsOp.
	AsIs bool
	// Ref says the node names it without sending requests there (the
	// queue workers take from, a dead-letter queue, a topic's
	// subscribers): call cycles and fan-out leave it out.
	Ref bool
	// Times, when above 1, is the most visits one request makes to it
	// through this field (a call's fan-out to other keys).
	Times float64
}

// Detail is a kind's own figures in a node's report, such as a cache's hit
// ratio: written under JSONKey in the node's JSON report, and as lines of
// the run report's table.
type Detail interface {
	// JSONKey is the field of the node's JSON report the figures are under.
	JSONKey() string
	// WriteText writes the figures as lines of the run report; the first
	// line starts with the node's name in 11 columns, the others with 11
	// spaces.
	WriteText(w io.Writer, node string)
}

// Storage is what a node holds at some number of users on storage priced
// by the month, and its price.
type Storage struct {
	// Bytes is its data in all, PerServer what each of its Servers holds
	// (its part).
	Bytes, PerServer float64
	Servers          int
	// Rows are its rows, 0 when it does not count them; Fixed says their
	// number is given, not grown with the users.
	Rows  float64
	Fixed bool
	// MonthlyUSD is the price of storing it for a month, at PerGiBMonth
	// dollars a GiB-month; Limit is the most one server can store.
	MonthlyUSD, PerGiBMonth, Limit float64
}

// Storing is a spec whose data is kept on storage priced by the month (a
// database with data): the report prices it and a timeline dates its
// growth without naming its kind.
type Storing interface {
	// Storage is its data at users users and its price; ok is false when
	// it holds none.
	Storage(users float64) (s Storage, ok bool)
	// PerWrite is the bytes each write adds to its data; 0 when its
	// writes add none.
	PerWrite() float64
	// StorageGrowth is what written bytes of rows add to its data
	// (indexes included), and what storing that adds to its monthly
	// price.
	StorageGrowth(written float64) (bytes, monthlyUSD float64)
}

// registry holds the registered kinds by name.
var registry = map[string]*Kind{}

// Register adds a kind to the registry, so that scenario files may use it.
// It panics if the name is taken: kinds are registered when the program
// starts.
func Register(k *Kind) {
	if _, taken := registry[k.Name]; taken {
		panic(fmt.Sprintf("topology: kind %q registered twice", k.Name))
	}
	registry[k.Name] = k
}

// Kinds lists the node kinds a scenario file may use.
func Kinds() []string { return slices.Sorted(maps.Keys(registry)) }

// LookupKind returns the registered kind called name, or nil.
func LookupKind(name string) *Kind { return registry[name] }
