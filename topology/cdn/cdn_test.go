package cdn_test

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology/cdn"
	"github.com/scalesim/scalesim/topology/topotest"
)

// TestCDNEdge checks that a CDN serves a cached object from the edge at the
// edge latency, fetches a miss from the origin, and passes other classes
// through.
func TestCDNEdge(t *testing.T) {
	net, k, obs := topotest.Build(t, "edge", `
  edge:
    kind: cdn
    origin: app
    classes: [read]
    capacity: 10
    edge_latency: {dist: constant, value: 10ms}
    origin_latency: {dist: constant, value: 50ms}
    object_size: 1KB
  app: {kind: service, workers: 10, service_time: {dist: constant, value: 5ms}}
`)
	var ends []float64
	obs.OnFinish = func(now sim.Time) { ends = append(ends, float64(now)) }
	net.Submit(0, -1, -1, 1) // miss: 10 + 50 + 5 ms
	k.Run(1)
	net.Submit(0, -1, -1, 1) // hit: 10 ms
	net.Submit(1, -1, -1, 1) // write class, passed through: 65 ms
	k.Run(2)
	want := []float64{0.065, 1.010, 1.065}
	for i := range want {
		if i >= len(ends) || math.Abs(ends[i]-want[i]) > 1e-9 {
			t.Fatalf("requests ended at %v, want %v", ends, want)
		}
	}
	c := net.Stats(2, k.Now())[0].Detail.(*cdn.CDNStats)
	if c.EdgeHits != 1 || c.OriginFetches != 2 || c.EgressBytes != 2000 {
		t.Errorf("%d hits, %d origin fetches, %g bytes out; want 1, 2, 2000", c.EdgeHits, c.OriginFetches, c.EgressBytes)
	}
}
