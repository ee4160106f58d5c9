package explain_test

import (
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/explain"
)

// TestDistanceAdvice checks that explain names the users who wait on
// distance, and a placement for them, when their region is far from where
// they are served; and says nothing of distance when every region is near.
func TestDistanceAdvice(t *testing.T) {
	const far = `name: far
workload: {rate: 100, regions: {us-east-1: 50%, ap-northeast-1: 50%}}
entry: app
regions: {default: us-east-1}
nodes:
  app: {kind: service, workers: 16, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 1s}
run: {seed: 2, warmup: 10s, duration: 120s}
`
	for _, c := range []struct {
		text, want string
		says       bool
	}{
		{far, "Users in ap-northeast-1 (50% of them) wait 145ms more on average than those in us-east-1", true},
		{strings.Replace(far, "ap-northeast-1: 50%", "us-east-2x: 0%", 1), "", false},
		{strings.Replace(far, "ap-northeast-1", "us-west-1", 1), "Users in us-west-1", true},
		{strings.Replace(far, "{us-east-1: 50%, ap-northeast-1: 50%}", "{us-east-1: 100%}", 1), "Users in", false},
	} {
		s, err := scenarios.Parse("t.yaml", []byte(c.text))
		if err != nil {
			if c.want == "" {
				continue // a refused variant: nothing to explain
			}
			t.Fatal(err)
		}
		ex, err := explain.Scenario(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(ex.Pattern, c.want); c.want != "" && got != c.says {
			t.Errorf("advice %q: contains %q = %v, want %v", ex.Pattern, c.want, got, c.says)
		}
	}
}

// TestNetworkShareThroughDNS checks the share of the latency explain puts
// on network round trips when a DNS answers the users with a far copy of a
// fleet: users in Sydney sent to us-east-1 wait 229.8 ms of round trip of a
// mean of 261 ms, 88%. The DNS's way to its target was counted twice (its
// route's latency and its own legs), and explain said 180% (hostile
// attack).
func TestNetworkShareThroughDNS(t *testing.T) {
	const text = `name: dns-far
workload: {rate: 50, regions: {ap-southeast-2: 100%}}
entry: dns
nodes:
  dns: {kind: dns, policy: latency, targets: [app]}
  app: {kind: service, regions: [us-east-1, eu-west-1], instances: 2, service_time: {dist: exponential, mean: 10ms}, instance: c6i.large}
run: {duration: 20s}
`
	_, out := explainText(t, text)
	if want := "Network round trips are 88% of the latency"; !strings.Contains(out, want) {
		t.Errorf("want %q in:\n%s", want, out)
	}
}

// TestDistanceNotWhenSaturated checks that explain does not put on
// distance the wait of users whose region's copy of a fleet saturated:
// eu-west-1's users waited 2.27 s more than us-east-1's, in the queue of
// their copy (one instance offered 112% of what it can take), and explain
// said "distance, not capacity" beside naming that copy the first limit
// (hostile attack).
func TestDistanceNotWhenSaturated(t *testing.T) {
	const text = `name: dist-saturated
workload: {rate: 200, regions: {us-east-1: 50%, eu-west-1: 50%}}
entry: dns
nodes:
  dns: {kind: dns, policy: latency, targets: [app]}
  app: {kind: service, regions: [us-east-1, eu-west-1], instances: {us-east-1: 4, eu-west-1: 1}, service_time: {dist: exponential, mean: 11ms}}
run: {seed: 1, duration: 30s}
`
	_, out := explainText(t, text)
	if strings.Contains(out, "distance, not capacity") {
		t.Errorf("eu-west-1's copy saturated, yet explain puts its users' wait on distance:\n%s", out)
	}
	if !strings.Contains(out, "What saturates first: app@eu-west-1") {
		t.Errorf("want app@eu-west-1 first:\n%s", out)
	}
}
