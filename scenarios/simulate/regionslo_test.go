package simulate_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
)

// regionSLO has users in us-east-1 and ap-northeast-1 and one service in
// us-east-1 of constant 5 ms: a Tokyo user pays the last mile (20 ms) and
// the round trip across the Pacific (the catalogue's, over 100 ms), so its
// region's p99 is far above 100 ms while us-east-1's is about 25 ms.
const regionSLO = `name: region-slo
workload: {rate: 50, regions: {us-east-1: 50%, ap-northeast-1: 50%}}
entry: app
regions: {default: us-east-1}
nodes:
  app: {kind: service, workers: 100, service_time: {dist: constant, value: 5ms}}
slo:
  p99: 1s
  by_region:
    us-east-1: {p99: 100ms}
    ap-northeast-1: {p99: 100ms, error_rate: 1%}
run: {seed: 3, warmup: 5s, duration: 60s}
`

// TestRegionSLO checks objectives by user region: each region's are judged
// on its own figures, so the far region fails its p99 while the run's own
// objective and the near region's pass, and the run's verdict names the
// region that failed.
func TestRegionSLO(t *testing.T) {
	r := runText(t, regionSLO)
	if r.SLO.Pass {
		t.Fatalf("the run passes its SLO, but ap-northeast-1's p99 is over 100ms: %+v", r.SLO)
	}
	byName := map[string]int{}
	for i, rr := range r.Regions {
		byName[rr.Region] = i
	}
	us, tokyo := r.Regions[byName["us-east-1"]], r.Regions[byName["ap-northeast-1"]]
	if us.SLO == nil || !us.SLO.Pass || us.Latency.P99 > 0.1 {
		t.Errorf("us-east-1: p99 %v, verdict %+v; want a pass under 100ms", us.Latency.P99, us.SLO)
	}
	if tokyo.SLO == nil || tokyo.SLO.Pass || tokyo.Latency.P99 <= 0.1 {
		t.Errorf("ap-northeast-1: p99 %v, verdict %+v; want a failure over 100ms", tokyo.Latency.P99, tokyo.SLO)
	}
	if tokyo.ErrorRate == nil || *tokyo.ErrorRate != 0 {
		t.Errorf("ap-northeast-1 error rate %v, want 0", tokyo.ErrorRate)
	}
	if len(r.SLO.Violations) != 1 || !strings.HasPrefix(r.SLO.Violations[0], "ap-northeast-1 p99 ") {
		t.Errorf("violations %q, want ap-northeast-1's p99 alone", r.SLO.Violations)
	}
	for _, want := range []string{"p99 ", "us-east-1 p99 ", "ap-northeast-1 error rate "} {
		if !slices.ContainsFunc(r.SLO.Checks, func(c string) bool { return strings.HasPrefix(c, want) }) {
			t.Errorf("checks %q lack one starting %q", r.SLO.Checks, want)
		}
	}
	// Without the far region's objective, the run passes.
	if r := runText(t, regionSLO, "slo.by_region.ap-northeast-1=null"); !r.SLO.Pass {
		t.Errorf("without ap-northeast-1's objectives the run fails: %+v", r.SLO)
	}
}

// TestRegionSLORefused checks the objectives of regions the workload does
// not place users in, or of no region at all.
func TestRegionSLORefused(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown region", "ap-northeast-1: {p99: 100ms, error_rate: 1%}", "ap-northeast-2: {p99: 100ms}",
			`slo by_region names region "ap-northeast-2", where the workload places no users (regions: us-east-1, ap-northeast-1) (did you mean "ap-northeast-1"?)`},
		{"no objective", "ap-northeast-1: {p99: 100ms, error_rate: 1%}", "ap-northeast-1: {}",
			"slo by_region ap-northeast-1 sets no objective"},
		{"nested", "ap-northeast-1: {p99: 100ms, error_rate: 1%}", "ap-northeast-1: {p99: 100ms, by_class: {x: {p99: 1s}}}",
			"slo by_region ap-northeast-1: a region's objectives are its own; by_class goes at the top of slo"},
		{"no users placed", "workload: {rate: 50, regions: {us-east-1: 50%, ap-northeast-1: 50%}}", "workload: {rate: 50}",
			`slo by_region names region "ap-northeast-1", but the workload places no users (give workload.regions)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(regionSLO, tc.from, tc.to, 1)
			_, err := scenarios.Parse("region-slo.yaml", []byte(text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
