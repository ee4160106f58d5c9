package scenarios

import (
	"slices"
	"testing"
)

// TestCompletePath checks the completions of a --set path against a
// built-in's file: sections, its node names, a node's kind's fields,
// nested fields, a mapping's keys and a list's indexes from the file.
func TestCompletePath(t *testing.T) {
	data, err := BuiltinSource("checkout-api")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		prefix   string
		has, not []string
	}{
		{"", []string{"name=", "workload.", "nodes.", "slo.", "run."}, []string{"nodes="}},
		{"ru", []string{"run."}, []string{"name="}},
		{"nodes.", []string{"nodes.lb.", "nodes.app.", "nodes.db."}, []string{"nodes.instances="}},
		{"nodes.app.", []string{"nodes.app.instances=", "nodes.app.workers=", "nodes.app.autoscale.", "nodes.app.calls.", "nodes.app.region="}, []string{"nodes.app.algorithm="}},
		{"nodes.lb.", []string{"nodes.lb.algorithm=", "nodes.lb.health_check."}, []string{"nodes.lb.instances="}},
		{"nodes.app.autoscale.", []string{"nodes.app.autoscale.min=", "nodes.app.autoscale.scale_up."}, nil},
		{"nodes.app.calls.", []string{"nodes.app.calls.0."}, nil},
		{"nodes.app.calls.0.", []string{"nodes.app.calls.0.to=", "nodes.app.calls.0.retries."}, nil},
		{"nodes.app.service_time.", []string{"nodes.app.service_time.default=", "nodes.app.service_time.by_class."}, nil},
		{"workload.", []string{"workload.rate=", "workload.keys."}, nil},
		{"run.d", []string{"run.duration="}, []string{"run.seed="}},
		{"nodes.nosuch.", []string{"nodes.nosuch.kind=", "nodes.nosuch.region="}, []string{"nodes.nosuch.instances="}},
		{"nosuch.", nil, []string{"nosuch.x="}},
	} {
		got := CompletePath(data, c.prefix)
		for _, w := range c.has {
			if !slices.Contains(got, w) {
				t.Errorf("CompletePath(%q) = %v, want %s among them", c.prefix, got, w)
			}
		}
		for _, w := range c.not {
			if slices.Contains(got, w) {
				t.Errorf("CompletePath(%q) offers %s", c.prefix, w)
			}
		}
	}
	if got := CompleteBuiltins("three"); !slices.Equal(got, []string{"three-tier"}) {
		t.Errorf("CompleteBuiltins(three) = %v", got)
	}
}
