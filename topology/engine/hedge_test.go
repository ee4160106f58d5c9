package engine

import (
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/sim"
)

// TestPercentileHedgeWaitsForSamples checks a hedge after a percentile of
// the call's latencies: nothing is hedged until MinHedgeSamples attempts
// have succeeded, however slow; then a slow attempt is hedged after the
// percentile of the latencies so far (within the histogram's accuracy).
func TestPercentileHedgeWaitsForSamples(t *testing.T) {
	topo := decodeNodes(t, "app", `
  app: {kind: service, workers: 10, service_time: 0s, calls: [{to: db, hedge: {after: p50}}]}
  db: {kind: service, service_time: 0s}
`)
	// The first 99 attempts take 1 s and 3 s in turn (50 and 49 of them:
	// a median of 1 s, a p99 of 3 s); the 100th, sent with 99 samples,
	// takes 4 s unhedged; the 101st takes 4 s too, hedged after the
	// median by one of 200 ms.
	db := &fake{trace: &strings.Builder{}}
	for i := range MinHedgeSamples - 1 {
		db.replies = append(db.replies, fakeReply{delay: float64(1 + 2*(i%2))})
	}
	db.replies = append(db.replies, fakeReply{delay: 4}, fakeReply{delay: 4}, fakeReply{delay: 0.2})
	topo.Nodes[1].Spec = fakeSpec{topo.Nodes[1].Spec, db}
	net, k, obs := buildTopology(t, topo)
	var took []float64
	obs.traced = func(r *Request, now sim.Time, o Outcome) {
		if o != Completed {
			t.Errorf("request %d %s at %v", r.Seq, outcomeNames[o], now)
		}
		took = append(took, float64(now-r.Arrived))
	}
	for i := range MinHedgeSamples + 1 {
		k.Run(sim.Time(5 * i)) // each request alone
		net.Submit(0, -1, -1, -1)
	}
	k.Run(sim.Forever)
	e := net.comps[0].(*instancePool).prog[0].edge
	if e.hedges != 1 || e.attempts != MinHedgeSamples+2 || len(took) != MinHedgeSamples+1 {
		t.Fatalf("%d hedges, %d attempts, %d requests done; want 1 hedge (of the last request), %d attempts, %d requests",
			e.hedges, e.attempts, len(took), MinHedgeSamples+2, MinHedgeSamples+1)
	}
	if got := took[MinHedgeSamples-1]; got != 4 {
		t.Errorf("request %d took %v s, want 4 s: hedged before %d samples", MinHedgeSamples, got, MinHedgeSamples)
	}
	// The median of 50 latencies of 1 s, 49 of 3 s and one of 4 s is
	// 1 s, as the histogram gives it; then the hedge's 200 ms.
	if got, want := took[MinHedgeSamples], 1.2; math.Abs(got-want) > sim.HistogramAccuracy {
		t.Errorf("the hedged request took %v s, want %v within %v", got, want, sim.HistogramAccuracy)
	}
}
