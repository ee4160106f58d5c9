package topology

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// Topic fans a publish out, as Amazon SNS does to SQS subscriptions: once
// the publish is stored (PublishTime), each subscribed queue gets a copy of
// the message. A full subscriber drops its copy and counts it; the others
// are not held back.
type Topic struct {
	PublishTime sim.Dist
	Subscribers []string
}

var topicKind = Kind{
	Name:   "topic",
	Noun:   "topic",
	Fields: []string{"publish_time", "subscribers"},
	Decode: decodeTopic,
	Broker: true,
}

// Kind implements Spec.
func (*Topic) Kind() *Kind { return &topicKind }

// Units implements Spec: one topic is billed.
func (*Topic) Units() int { return 1 }

// NeedsKeys implements Spec.
func (*Topic) NeedsKeys() bool { return false }

// Footprint implements Spec.
func (t *Topic) Footprint(int64) float64 { return float64(64 + 8*len(t.Subscribers)) }

// Downstream implements Spec: its subscribers, which get copies, not
// calls.
func (t *Topic) Downstream() []Target {
	var out []Target
	for _, s := range t.Subscribers {
		out = append(out, Target{To: s, Want: &queueKind, Field: []string{"subscribers"}, Ref: true})
	}
	return out
}

func decodeTopic(d *yamlfile.Decoder, m yamlfile.Map, name string) Spec {
	t := &Topic{}
	distField(d, m, "publish_time", "topic "+name, &t.PublishTime)
	if m.Has("subscribers") {
		t.Subscribers = decodeNames(d, m.Get("subscribers"), "subscribers")
	}
	return t
}

// Validate implements Spec: some subscribers, each once.
func (t *Topic) Validate(e field.Errors, c *Checker) {
	if len(t.Subscribers) == 0 {
		e.Add("subscribers", "topic %s needs subscribers: the queues that get a copy of each message", c.node.Name)
	}
	seen := map[string]bool{}
	for _, s := range t.Subscribers {
		if seen[s] {
			e.Add("subscribers", "topic %s lists %s twice", c.node.Name, s)
		}
		seen[s] = true
	}
}

// HitRatio implements Analytic.
func (*Topic) HitRatio(Solver, string) (float64, bool) { return 0, false }

// Routes implements Analytic: a copy to each subscriber, whose publish
// time is not the publisher's.
func (t *Topic) Routes(_ Solver, _ string, _ int, route Router) {
	for _, s := range t.Subscribers {
		route(s, 1, 0)
	}
}

// Solve implements Analytic: a publish takes the publish time.
func (t *Topic) Solve(sv Solver, _ string, _ float64, _ []float64) Solution {
	pub := mean(t.PublishTime)
	return Solution{Response: perClass(sv, func(int) float64 { return pub })}
}

// NetworkLegs implements Analytic.
func (*Topic) NetworkLegs(Solver, string, int) float64 { return 0 }

// Demand implements Analytic.
func (*Topic) Demand(Solver, string) (Demand, bool) { return Demand{}, false }

// CapacityNote implements Explainer.
func (*Topic) CapacityNote(Solution) string { return "" }

// Advice implements Explainer.
func (*Topic) Advice(Solver, string, Solution) string { return "" }

// topic is the runtime of a Topic.
type topic struct {
	net       *Network
	node      *Node
	spec      *Topic
	rng       *rand.Rand
	subs      []*queue
	published int64
}

func (t *Topic) Build(net *Network, node *Node) Component {
	return &topic{net: net, node: node, spec: t, rng: sim.NewStream(net.opts.Seed, node.Name)}
}

func (t *topic) Link(byName map[string]Component) error {
	for _, s := range t.spec.Subscribers {
		t.subs = append(t.subs, byName[s].(*queue))
	}
	return nil
}

// Accept takes a publish: after the publish time each subscriber gets a
// copy and the publisher is answered.
func (t *topic) Accept(j *Job) {
	if t.net.publishing(j, t, t.spec.PublishTime, t.rng) {
		return
	}
	t.published++
	for _, q := range t.subs {
		q.offer(j.req.Class, j.req.User, j.req.Key)
	}
	t.net.reply(j)
}

func (t *topic) Stations() []*Station { return nil }
func (t *topic) InUse() float64       { return 0 }
func (t *topic) ResetStats(sim.Time)  { t.published = 0 }

// TopicStats are a topic's figures over the measurement window.
type TopicStats struct {
	Published   int64    `json:"published"`
	Subscribers []string `json:"subscribers"`
}

func (t *topic) Stats(window float64, _ sim.Time) NodeStats {
	s := NodeStats{Instances: 1, Arrivals: t.published, Completed: t.published,
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
	fmt.Fprintf(w, "%-11s %d published, a copy each to %d subscribers\n", node, s.Published, len(s.Subscribers))
}
