package simulate_test

import (
	"fmt"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/workloads"
)

// warmCache is a minute of reads through a cache (or a CDN) of 20k of 1M
// Zipf keys at 500 requests a second, measured from time 0: a cold cache
// climbs all minute long.
func warmCache(front string, warm bool) string {
	return fmt.Sprintf(`name: warm
workload:
  rate: 500
  keys: {dist: zipf, s: 0.8, count: 1M}
entry: %s
nodes:
  app:
    kind: service
    workers: 100
    service_time: {dist: constant, value: 1ms}
    calls:
      - {to: cache, op: get, on_miss: [db]}
  edge: {kind: cdn, origin: db, capacity: 20k, warm: %[2]t}
  cache: {kind: cache, capacity: 20k, warm: %[2]t}
  db: {kind: database, workers: 100, service_time: {dist: constant, value: 2ms}}
run: {seed: 1, warmup: 0s, duration: 60s}
`, front, warm)
}

// frontHit is the hit ratio of the cache or CDN in front.
func frontHit(r *simulate.Report, front string) (hit float64, halves *[2]float64, warming bool) {
	if front == "edge" {
		c := cdnOf(r, "edge")
		return *c.EdgeHitRatio, c.HitRatioHalves, c.StillWarming
	}
	c := cacheOf(r, "cache")
	return *c.HitRatio, c.HitRatioHalves, c.StillWarming
}

// TestWarmingFlag checks that the report flags a cold cache (and CDN)
// whose hit ratio climbs over the window, and not a warm one.
func TestWarmingFlag(t *testing.T) {
	t.Parallel()
	for _, front := range []string{"app", "edge"} {
		for _, warm := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s warm=%t", front, warm), func(t *testing.T) {
				s, err := scenarios.Parse("warm.yaml", []byte(warmCache(front, warm)))
				if err != nil {
					t.Fatal(err)
				}
				r, err := simulate.Run(s)
				if err != nil {
					t.Fatal(err)
				}
				hit, halves, warming := frontHit(r, front)
				t.Logf("hit ratio %.4f, halves %v, still warming %t", hit, *halves, warming)
				if warming == warm {
					t.Errorf("still warming %t, want %t", warming, !warm)
				}
			})
		}
	}
}

// TestWarmStartHitRatio checks that a warm LRU cache, and a warm CDN, hit
// from the first request at Che's approximation of their steady state (as
// the estimate gives it), and a warm TTL cache at the renewal formula's:
// the first minute's hit ratio, over replications, within the fidelity
// tolerance.
func TestWarmStartHitRatio(t *testing.T) {
	if testing.Short() {
		t.Skip("fidelity replications run without -short") // its set-up alone takes seconds
	}
	ttl := `name: warm-ttl
workload:
  rate: 500
  keys: {dist: zipf, s: 0.8, count: 10k}
entry: app
nodes:
  app:
    kind: service
    workers: 100
    service_time: {dist: constant, value: 1ms}
    calls:
      - {to: cache, op: get, on_miss: [db]}
  cache: {kind: cache, capacity: 10k, ttl: 30s, warm: true}
  db: {kind: database, workers: 100, service_time: {dist: constant, value: 2ms}}
run: {seed: 1, warmup: 0s, duration: 60s}
`
	keys := &workloads.Keys{Dist: workloads.KeysZipf, S: 0.8, Count: 10_000}
	pop := make([]float64, keys.Count)
	for r := range pop {
		pop[r] = keys.Popularity()(int64(r))
	}
	for _, tc := range []struct {
		name, text, front string
		theory            func(t *testing.T, text string) float64
	}{
		{"cache lru", warmCache("app", true), "app", cheOf("cache")},
		{"cdn", warmCache("edge", true), "edge", cheOf("edge")},
		{"cache ttl", ttl, "app", func(*testing.T, string) float64 { return analytic.TTLHitRatio(pop, 500, 30) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reps := fidelity.Replicate(t, tc.text, 10)
			fidelity.Check(t, "first minute's hit ratio", reps, func(r *simulate.Report) float64 {
				h, _, _ := frontHit(r, tc.front)
				return h
			}, tc.theory(t, tc.text), false)
		})
	}
}

// cheOf is the estimate's hit ratio of node: Che's approximation.
func cheOf(node string) func(t *testing.T, text string) float64 {
	return func(t *testing.T, text string) float64 {
		s, err := scenarios.Parse("warm.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		m, err := estimate.NewModel(s)
		if err != nil {
			t.Fatal(err)
		}
		return m.HitRatio(node)
	}
}
