package simulate_test

import (
	"testing"

	"github.com/scalesim/scalesim/scenarios/simulate"
)

// TestTriggerKinds checks the structured form of each kind of trigger in
// the report (its kind, node, region and effect), so that a reader of the
// JSON need not parse the text label.
func TestTriggerKinds(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: triggers
regions: {default: us-east-1}
workload: {rate: 50, shape: [{spike: {at: 100s, for: 10s, factor: 2}}]}
entry: app
nodes:
  app: {kind: service, instances: 2, workers: 4, service_time: 5ms, calls: [{to: db}]}
  db: {kind: service, workers: 4, service_time: 5ms}
faults:
  - {at: 40s, for: 10s, node: db, latency: 20ms}
  - {at: 60s, for: 10s, node: db}
  - {at: 130s, for: 5s, region: us-east-1}
deploy: [{at: 80s, node: app, strategy: rolling}]
slo: {p99: 500ms}
run: {warmup: 10s, duration: 150s}
`)
	want := []simulate.Trigger{
		{Kind: simulate.TriggerFault, Node: "db", Effect: "latency", At: 40},
		{Kind: simulate.TriggerFault, Node: "db", Effect: "down", At: 60},
		{Kind: simulate.TriggerDeploy, Node: "app", At: 80},
		{Kind: simulate.TriggerSpike, At: 100},
		{Kind: simulate.TriggerFault, Region: "us-east-1", Effect: "down", At: 130},
	}
	if len(rep.Triggers) != len(want) {
		t.Fatalf("%d triggers, want %d: %+v", len(rep.Triggers), len(want), rep.Triggers)
	}
	for i, w := range want {
		g := rep.Triggers[i]
		if g.Kind != w.Kind || g.Node != w.Node || g.Region != w.Region || g.Effect != w.Effect || g.At != w.At || g.What == "" {
			t.Errorf("trigger %d: %q kind %q node %q region %q effect %q at %g; want %+v", i, g.What, g.Kind, g.Node, g.Region, g.Effect, g.At, w)
		}
	}
}
