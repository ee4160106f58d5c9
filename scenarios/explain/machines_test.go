package explain_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
)

// TestExplainMachines checks what explain says from the nodes' instance
// types: the size that carries a node whose workers come from its type,
// against more instances at catalogue prices; the family's largest type as
// the hard limit; a database scaled up, not out; and workers far above a
// type's vCPUs for work that may be CPU. Capacity is 2 workers per vCPU ÷
// 10 ms: 400/s on a c6i.large, so 1000/s is 250% of it and needs 2.5 ÷
// 0.7 × 2 = 7.1, so 8 vCPUs. The database behind app is offered 800/s ×
// 4 ms ÷ 2 workers = 160% by the estimate, though app lets only its 64
// workers' worth through: 160% ÷ 70% × 2 = 4.6, so 5 vCPUs.
func TestExplainMachines(t *testing.T) {
	const file = `name: machines
workload: {rate: 1000}
entry: app
nodes:
  app: {kind: service, instance: c6i.large, workers: {per_vcpu: 2}, service_time: 10ms}
run: {duration: 20s, warmup: 2s}
`
	for _, c := range []struct {
		name      string
		sets      []string
		want, not []string
	}{
		{"up or out", nil, []string{
			"What the machines say, from their instance types:",
			"% busy by its offered load on 1 × c6i.large (2 vCPUs each, workers 2 per vCPU); at most 70% busy it needs 8 vCPUs: " +
				"scaling up to 1 × c6i.2xlarge ($248 a month) costs the same as scaling out to 4 × c6i.large ($248 a month)",
			"the largest c6i, c6i.32xlarge (128 vCPUs), is the hard limit of scaling up",
		}, nil},
		{"out cheaper", []string{"nodes.app.instances=3", "workload.rate=1300"}, []string{
			// 1300 ÷ 1200 ÷ 0.7 × 6 = 9.3 vCPUs: 5 × c6i.large ($310) against 3 × c6i.xlarge ($372).
			"scaling out to 5 × c6i.large ($310 a month) is cheaper than up to 3 × c6i.xlarge ($372 a month)",
		}, nil},
		{"hard limit", []string{"nodes.app.instance=c6i.32xlarge", "workload.rate=30k"}, []string{
			"The largest c6i, c6i.32xlarge (128 vCPUs), is the hard limit of scaling up and is not enough: scale out, to 2 × c6i.32xlarge",
		}, nil},
		{"database", []string{"nodes.app.calls=[db]", "nodes.app.workers=64",
			"nodes.db={kind: database, instance: db.r6g.large, workers: {per_vcpu: 1}, service_time: 4ms}", "workload.rate=800"}, []string{
			"% busy by its offered load on 1 × db.r6g.large",
			"at most 70% busy it needs 5 vCPUs: db.r6g.2xlarge (8 vCPUs, $628 a month for 1) carries it; the largest db.r6g, db.r6g.16xlarge (64 vCPUs), is the hard limit of scaling up, beyond which shard",
		}, []string{"scaling out"}},
		// 300/s × 10 ms = 3 workers busy at once, on 2 vCPUs.
		{"oversubscribed", []string{"nodes.app.workers=16", "workload.rate=300"}, []string{
			"app runs 16 workers per instance on c6i.large, which has 2 vCPUs, and calls nothing, so its time is its own work; 3",
			"of them were busy at once on average",
			"give it workers: {per_vcpu: 1}; keep 16 if its time is waiting (I/O)",
		}, []string{"busy by its offered load"}},
		// 100/s × 10 ms = 1 busy at once: within its vCPUs.
		{"within its vCPUs", []string{"nodes.app.workers=16", "workload.rate=100"}, nil, []string{"What the machines say"}},
		{"few workers", []string{"nodes.app.workers=4", "workload.rate=300"}, nil, []string{"What the machines say"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ex := explained(t, func() (*scenarios.Scenario, error) { return scenarios.Parse("machines.yaml", []byte(file), c.sets...) })
			var b bytes.Buffer
			if err := ex.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("the explanation lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range c.not {
				if strings.Contains(b.String(), w) {
					t.Errorf("the explanation says %q:\n%s", w, b.String())
				}
			}
		})
	}
}
