package estimate_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// TestEstimateReplication checks that the estimate and the run agree on a
// database whose replica is in another region, every time constant so
// both are exact: a service in us-west-2 reads from the replica in
// eu-west-1 (the only one: 140 ms round trip, plus the 2 ms query) and
// writes to the primary in us-east-1 (60 ms plus 2 ms), and the write waits
// with sync for the replica's apply and acknowledgement (80 ms round trip
// plus 10 ms apply), with semi_sync for its receipt (80 ms).
func TestEstimateReplication(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode        string
		read, write float64
	}{{"async", 0.142, 0.062}, {"sync", 0.142, 0.152}, {"semi_sync", 0.142, 0.142}} {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			text := fmt.Sprintf(`name: replication
regions: {rtt: [{between: [us-east-1, eu-west-1], rtt: 80ms}, {between: [us-west-2, us-east-1], rtt: 60ms}, {between: [us-west-2, eu-west-1], rtt: 140ms}]}
workload: {rate: 20, mix: {read: 50%%, write: 50%%}, keys: {dist: uniform, count: 1000}}
entry: app
nodes:
  app: {kind: service, region: us-west-2, workers: 10000, service_time: {dist: constant, value: 0}, calls: [db]}
  db: {kind: database, region: us-east-1, replicas: [{region: eu-west-1}], replication: %s, workers: 10000,
       service_time: {dist: constant, value: 2ms}, replication_lag: 10ms}
run: {warmup: 1s, duration: 20s}
`, c.mode)
			s, err := scenarios.Parse("replication.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			est, err := estimate.Scenario(s)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := simulate.Run(s)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range []float64{c.read, c.write} {
				if got := est.Classes[i].Latency; math.Abs(got-want) > 1e-9 {
					t.Errorf("estimate of class %s: %.9g s, want %.9g", est.Classes[i].Class, got, want)
				}
				if got := rep.Classes[i].Latency.Mean; math.Abs(got-want) > 1e-9 {
					t.Errorf("run of class %s: %.9g s, want %.9g", rep.Classes[i].Class, got, want)
				}
			}
		})
	}
}
