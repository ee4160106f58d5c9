package simulate_test

import (
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// farDB is an M/M/1 database in us-east-1 called by a front service in
// eu-west-1 that does no work of its own (a constant 0 service time,
// enough workers never to queue): each request pays the database's M/M/1
// sojourn and the round trip between the regions, 80.5 ms in the
// catalogue, once out and back.
const farDB = `name: far
workload: {rate: 60}
entry: front
regions: {names: {eu: eu-west-1, us: us-east-1}}
nodes:
  front: {kind: service, region: eu, workers: 1000, service_time: {dist: constant, value: 0s}, calls: [{to: db}]}
  db: {kind: database, region: us, workers: 1, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 1s}
run: {seed: 5, warmup: 60s, duration: 1200s}
`

// TestCrossRegionCall checks the proof of the issue: a request from
// eu-west-1 to a service in us-east-1 and back pays exactly the matrix
// round trip plus the M/M/1 sojourn, in the simulation (within the
// replications' confidence interval) and in the estimate.
func TestCrossRegionCall(t *testing.T) {
	const rtt = 0.0805 // eu-west-1 ↔ us-east-1 in topology/regions.tsv
	want := rtt + analytic.MMc{Lambda: 60, Mu: 100, C: 1}.MeanSojourn()
	reps := fidelity.Replicate(t, farDB, 6)
	fidelity.Check(t, "mean latency (M/M/1 + RTT)", reps, fidelity.MeanLatency, want, false)
	s, err := scenarios.Parse("far.yaml", []byte(farDB))
	if err != nil {
		t.Fatal(err)
	}
	est, err := estimate.Scenario(s)
	if err != nil {
		t.Fatal(err)
	}
	if est.Latency == nil || math.Abs(*est.Latency-want) > 1e-9 {
		t.Errorf("estimate %v, want %v", est.Latency, want)
	}
	// Placed in one region and zone, nothing is far.
	near := runText(t, farDB, "nodes.db.region=eu")
	if near.Latency.Mean > 0.05 {
		t.Errorf("in one region the mean latency is %v, want the M/M/1 sojourn alone (25 ms)", near.Latency.Mean)
	}
}

// usersOnTheMap has users in two regions, 70% in us-east-1 and 30% in
// eu-west-1, and one M/M/1 service in us-east-1: a request pays the last
// mile (20 ms round trip), the round trip from its user's region to the
// service's (none, or 80.5 ms), and the M/M/1 sojourn.
const usersOnTheMap = `name: map
workload: {rate: 60, regions: {us-east-1: 70%, eu-west-1: 30%}}
entry: app
regions: {default: us-east-1}
nodes:
  app: {kind: service, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 1s}
run: {seed: 9, warmup: 60s, duration: 1200s}
`

// TestUsersOnTheMap checks each region's mean latency against the last
// mile, the matrix round trip and the M/M/1 sojourn, within the
// replications' confidence interval, and that the regions split the
// requests by their shares within binomial tolerance.
func TestUsersOnTheMap(t *testing.T) {
	sojourn := analytic.MMc{Lambda: 60, Mu: 100, C: 1}.MeanSojourn()
	reps := fidelity.Replicate(t, usersOnTheMap, 6)
	for i, c := range []struct {
		region string
		rtt    float64
	}{{"us-east-1", 0}, {"eu-west-1", 0.0805}} {
		fidelity.Check(t, c.region+" mean latency", reps, func(r *simulate.Report) float64 { return r.Regions[i].Latency.Mean }, 0.020+c.rtt+sojourn, false)
	}
	r := reps[0]
	n := float64(r.Regions[0].Completed + r.Regions[1].Completed)
	share := float64(r.Regions[1].Completed) / n
	if se := math.Sqrt(0.3 * 0.7 / n); math.Abs(share-0.3) > 4*se {
		t.Errorf("eu-west-1 sent %.4f of the requests, want 0.3 ± %.4f (4 SE)", share, 4*se)
	}
	var table strings.Builder
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "by region   us-east-1       70% of users: mean ") {
		t.Errorf("the table lacks the regions' latencies:\n%s", table.String())
	}
}
