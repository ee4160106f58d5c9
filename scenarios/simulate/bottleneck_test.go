package simulate_test

import "testing"

// TestBottleneckSaturated checks that the bottleneck is a node the run
// found saturated when there is one: a fleet's copy in eu-west-1 calls a
// database in us-east-1 across the Atlantic, its 16 workers held waiting
// on the way (113% offered, 6% of its own) while the database is 24% busy.
// The database has the most own demand, but what fails is the copy's
// workers; a saturated node that calls another saturated node is held
// waiting on that one, which is then the bottleneck.
func TestBottleneckSaturated(t *testing.T) {
	cases := []struct {
		name, db, want string
	}{
		{"a copy held waiting on the distance", "workers: 8, service_time: {dist: exponential, mean: 5ms}", "app@eu-west-1"},
		{"a saturated database", "workers: 1, service_time: {dist: exponential, mean: 3ms}", "db"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runText(t, `name: bn
workload: {rate: 400, regions: {us-east-1: 50%, eu-west-1: 50%}}
entry: dns
nodes:
  dns: {kind: dns, policy: latency, targets: [app]}
  app:
    kind: service
    regions: [us-east-1, eu-west-1]
    workers: 16
    service_time: {dist: exponential, mean: 5ms}
    calls: [db]
  db: {kind: service, region: us-east-1, `+c.db+`}
run: {seed: 1, warmup: 10s, duration: 30s}
`)
			if r.Bottleneck != c.want || !node(r, c.want).Saturated {
				t.Fatalf("bottleneck %q (saturated %v); want %s, saturated", r.Bottleneck, node(r, r.Bottleneck).Saturated, c.want)
			}
		})
	}
}
