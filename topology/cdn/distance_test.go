package cdn_test

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/cdn"
)

// globalCDN has half its users in us-east-1, by the origin, and half in
// ap-northeast-1, 145.3 ms away; the CDN's edges are near both.
const globalCDN = `name: global-cdn
workload: {rate: 100, regions: {us-east-1: 50%, ap-northeast-1: 50%}, keys: {dist: zipf, s: 1.0, count: 10k}}
entry: edge
regions: {default: us-east-1}
nodes:
  edge: {kind: cdn, origin: app, capacity: 5k, edge_latency: {dist: constant, value: 5ms}, object_size: 40KB}
  app: {kind: service, workers: 16, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 1s}
run: {seed: 2, warmup: 60s, duration: 1200s}
`

// TestCDNByDistance checks that a hit is served at the edge near its user
// (the last mile and the edge latency alone, wherever the user is) and a
// miss goes from the user's region to the origin's and back: the far
// region's users wait longer by the round trip on their misses alone,
// (1 − hit ratio) × 145.3 ms, within the two means' confidence intervals.
// Without the CDN they pay the round trip on every request.
func TestCDNByDistance(t *testing.T) {
	s, err := scenarios.Parse("t.yaml", []byte(globalCDN))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := simulate.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	var st *cdn.CDNStats
	for _, n := range rep.Nodes {
		if x, ok := n.Detail.(*cdn.CDNStats); ok {
			st = x
		}
	}
	near, far := rep.Regions[0].Latency, rep.Regions[1].Latency
	if near.MeanCI95 == nil || far.MeanCI95 == nil || st == nil || st.EdgeHitRatio == nil {
		t.Fatal("no confidence intervals or no hit ratio")
	}
	const rtt = 0.1453 // us-east-1 ↔ ap-northeast-1 in topology/regions.tsv
	want := (1 - *st.EdgeHitRatio) * rtt
	got := far.Mean - near.Mean
	tol := (near.MeanCI95[1] - near.MeanCI95[0] + far.MeanCI95[1] - far.MeanCI95[0]) / 2
	t.Logf("hit ratio %.4f: the far users wait %.4g s more, want %.4g ± %.2g", *st.EdgeHitRatio, got, want, tol)
	if math.Abs(got-want) > tol {
		t.Errorf("the far users wait %.4g s more than the near, want %.4g ± %.2g", got, want, tol)
	}
	if p50 := far.P50; math.Abs(p50-0.025) > 0.001 {
		t.Errorf("the far users' median %v, want a hit's 25 ms (20 ms last mile, 5 ms edge)", p50)
	}
	// Without the CDN every request of the far users crosses the ocean.
	s, err = scenarios.Parse("t.yaml", []byte(globalCDN), "entry=app")
	if err != nil {
		t.Fatal(err)
	}
	if rep, err = simulate.Run(s); err != nil {
		t.Fatal(err)
	}
	if d := rep.Regions[1].Latency.Mean - rep.Regions[0].Latency.Mean; math.Abs(d-rtt) > 0.005 {
		t.Errorf("without the CDN the far users wait %.4g s more, want the round trip %.4g", d, rtt)
	}
}
