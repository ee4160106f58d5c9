package explain_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestAdviceWhatIsInFront checks that the advice to add instances to a
// service busy with its own work says what is in front of it. A dns that
// sends straight to a fleet's copies (or to a node in one region) has no
// balancer behind it, and explain advised 'add instances behind the load
// balancer' (hostile review): the copy takes the dns's requests on its own
// instances in turn, so the advice is to add instances to it, in its
// region's count for a copy (a count by region gives every region's: the
// advice said instances: {eu-west-1: N}, which is refused without
// us-east-1's). 4 workers of 1 ms an instance, 2 instances: a
// copy takes 8000/s, here offered 1500/s (a node in one region 3000/s).
func TestAdviceWhatIsInFront(t *testing.T) {
	const file = `name: front
workload: {rate: 3000, regions: {us-east-1: 50%%, eu-west-1: 50%%}}
entry: %s
nodes:
%s
run: {seed: 1, warmup: 1s, duration: 4s}
`
	const app = "  app: {kind: service, %s, instances: 2, workers: 4, service_time: {dist: exponential, mean: 1ms}}"
	fleet, one := fmt.Sprintf(app, "regions: [us-east-1, eu-west-1]"), fmt.Sprintf(app, "region: us-east-1")
	cases := []struct {
		name, entry, nodes string
		want, not          string
	}{
		{"a dns to a fleet's copies", "dns", "  dns: {kind: dns, policy: latency, targets: [app]}\n" + fleet,
			"is busy with its own work: add instances to it (app's instances by region, more for %s); keep them stateless", "load balancer"},
		{"a dns to a node in one region", "dns", "  dns: {kind: dns, policy: latency, targets: [app]}\n" + one,
			"app is busy with its own work: add instances to it; keep them stateless", "load balancer"},
		{"a dns to a fleet of balancers", "dns", "  dns: {kind: dns, policy: latency, targets: [lb]}\n  lb: {kind: load_balancer, targets: app, regions: [us-east-1, eu-west-1]}\n" + fleet,
			"is busy with its own work: add instances behind the load balancer; keep them stateless", "add instances to it"},
		{"a balancer", "lb", "  lb: {kind: load_balancer, targets: app, region: us-east-1}\n" + one,
			"app is busy with its own work: add instances behind the load balancer; keep them stateless", "add instances to it"},
		{"nothing in front", "app", one,
			"app is busy with its own work: put a load balancer in front of it and add instances behind it", "add instances to it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex, _ := explainText(t, fmt.Sprintf(file, c.entry, c.nodes))
			first := ex.Limits[0].Node
			want := c.want
			if strings.Contains(want, "%s") {
				_, region, _ := strings.Cut(first, "@")
				want = fmt.Sprintf(want, region)
			}
			if !strings.HasPrefix(first, "app") || !strings.Contains(ex.Pattern, want) || strings.Contains(ex.Pattern, c.not) {
				t.Errorf("first %s, advice %q; want it to say %q, and no %q", first, ex.Pattern, want, c.not)
			}
		})
	}
}
