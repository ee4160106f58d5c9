package topic

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

func init() { topology.Register(&kind) }

// Topic fans a publish out, as Amazon SNS does to SQS subscriptions: once
// the publish is stored (PublishTime), each subscribed queue gets a copy of
// the message. A full subscriber drops its copy and counts it; the others
// are not held back.
type Topic struct {
	PublishTime sim.Dist
	Subscribers []string
}

// kind is the topic kind, registered when the package is imported.
var kind = topology.Kind{
	Name:   "topic",
	Noun:   "topic",
	Decode: decodeTopic,
	Broker: true,
}

// Kind implements Spec.
func (*Topic) Kind() *topology.Kind { return &kind }

// Units implements Spec: one topic is billed.
func (*Topic) Units() int { return 1 }

// NeedsKeys implements Spec.
func (*Topic) NeedsKeys() bool { return false }

// Footprint implements engine.Builder.
func (t *Topic) Footprint(int64) float64 { return float64(64 + 8*len(t.Subscribers)) }

// Downstream implements Spec: its subscribers, which get copies, not
// calls: nodes of a kind that takes them (Kind.Subscribes: queues).
func (t *Topic) Downstream() []topology.Target {
	var out []topology.Target
	for _, s := range t.Subscribers {
		out = append(out, topology.Target{To: s, Subscribes: true, Field: []string{"subscribers"}, Ref: true})
	}
	return out
}

func decodeTopic(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	t := &Topic{}
	topology.DistField(d, m, "publish_time", "topic "+name, &t.PublishTime)
	if m.Has("subscribers") {
		t.Subscribers = topology.DecodeNames(d, m.Get("subscribers"), "subscribers")
	}
	return t
}

// Validate implements Spec: some subscribers, each once.
func (t *Topic) Validate(e field.Errors, c *topology.Checker) {
	if len(t.Subscribers) == 0 {
		e.Add("subscribers", "topic %s needs subscribers: the queues that get a copy of each message", c.Node().Name)
	}
	seen := map[string]bool{}
	for _, s := range t.Subscribers {
		if seen[s] {
			e.Add("subscribers", "topic %s lists %s twice", c.Node().Name, s)
		}
		seen[s] = true
	}
}

// HitRatio implements Analytic.
func (*Topic) HitRatio(topology.Solver, string) (float64, bool) { return 0, false }

// Routes implements Analytic: a copy to each subscriber, whose publish
// time is not the publisher's.
func (t *Topic) Routes(_ topology.Solver, _ string, _ int, route topology.Router) {
	for _, s := range t.Subscribers {
		route(s, 1, 0)
	}
}

// Solve implements Analytic: a publish takes the publish time.
func (t *Topic) Solve(sv topology.Solver, _ string, _ float64, _ []float64) topology.Solution {
	pub := topology.Mean(t.PublishTime)
	return topology.Solution{Response: topology.PerClass(sv, func(int) float64 { return pub })}
}

// NetworkLegs implements Analytic.
func (*Topic) NetworkLegs(topology.Solver, string, int) float64 { return 0 }

// Demand implements Analytic.
func (*Topic) Demand(topology.Solver, string) (topology.Demand, bool) {
	return topology.Demand{}, false
}

// CapacityNote implements Explainer.
func (*Topic) CapacityNote(topology.Solution) string { return "" }

// Advice implements Explainer.
func (*Topic) Advice(topology.Solver, string, topology.Solution) string { return "" }

// topic is the runtime of a Topic.
type topic struct {
	net       *engine.Network
	node      *topology.Node
	spec      *Topic
	rng       *rand.Rand
	subs      []offerer
	published int64
}

// offerer is a subscriber: a queue, which takes a copy of each message.
type offerer interface {
	Offer(class int, user int32, key int64)
}

// Build implements engine.Builder.
func (t *Topic) Build(net *engine.Network, node *topology.Node) engine.Component {
	return &topic{net: net, node: node, spec: t, rng: net.Stream(node.Name)}
}

// Link finds the subscribers, queues by validation.
func (t *topic) Link(byName map[string]engine.Component) error {
	for _, s := range t.spec.Subscribers {
		q, ok := byName[s].(offerer)
		if !ok {
			return fmt.Errorf("topic: subscriber %s takes no copies", s)
		}
		t.subs = append(t.subs, q)
	}
	return nil
}

// Accept takes a publish: after the publish time each subscriber gets a
// copy and the publisher is answered.
func (t *topic) Accept(j *engine.Job) {
	if t.net.Publishing(j, t, t.spec.PublishTime, t.rng) {
		return
	}
	t.published++
	r := j.Request()
	for _, q := range t.subs {
		q.Offer(r.Class, r.User, j.Key())
	}
	t.net.Reply(j)
}

func (t *topic) Stations() []*engine.Station { return nil }
func (t *topic) InUse() float64              { return 0 }
func (t *topic) ResetStats(sim.Time)         { t.published = 0 }

// TopicStats are a topic's figures over the measurement window.
type TopicStats struct {
	Published   int64    `json:"published"`
	Subscribers []string `json:"subscribers"`
}

func (t *topic) Stats(window float64, _ sim.Time) engine.NodeStats {
	s := engine.NodeStats{Instances: 1, Arrivals: t.published, Completed: t.published,
		Detail: &TopicStats{Published: t.published, Subscribers: t.spec.Subscribers}}
	if window > 0 {
		s.Throughput = float64(t.published) / window
	}
	return s
}

// JSONKey implements Detail.
func (*TopicStats) JSONKey() string { return "topic" }

// WriteText implements Detail.
func (s *TopicStats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s %d published, a copy each to %s\n", node, s.Published, units.Plural(len(s.Subscribers), "subscriber", "subscribers"))
}
