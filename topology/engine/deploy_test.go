package engine

import (
	"github.com/scalesim/scalesim/topology"
	"testing"
)

// TestDeployBudgets checks the budgets' rounding against the Kubernetes
// documentation's (a surge's percentage rounds up, the unavailable's
// down) and a canary's instance counts against Argo Rollouts' basic
// canary (ceil(w × N) new, ceil((1 − w) × N) old, within N + surge).
func TestDeployBudgets(t *testing.T) {
	pct := func(v float64) topology.Budget { return topology.Budget{Share: v, IsShare: true} }
	for _, c := range []struct {
		b          topology.Budget
		n          int
		surge, una int
	}{
		{pct(0.25), 4, 1, 1},
		{pct(0.25), 5, 2, 1},              // 1.25
		{pct(0.10), 4, 1, 0},              // 0.4
		{pct(29 * 0.01), 100, 29, 29},     // 28.999999999999996 in binary, as a file's 29% is decoded
		{pct(1), 7, 7, 7},                 // all
		{topology.Budget{N: 2}, 10, 2, 2}, // a count as it is
	} {
		if s, u := c.b.Of(c.n, true), c.b.Of(c.n, false); s != c.surge || u != c.una {
			t.Errorf("%s of %d: surge %d, unavailable %d; want %d, %d", c.b, c.n, s, u, c.surge, c.una)
		}
	}
	for _, c := range []struct {
		n, surge   int
		weight     float64
		fresh, old int
	}{
		{4, 1, 0.10, 1, 4},  // 1 + ceil(3.6) = 5 = N + surge
		{4, 0, 0.10, 1, 3},  // within the surge: the old give way
		{10, 3, 0.25, 3, 8}, // ceil(2.5), ceil(7.5)
		{4, 1, 0.50, 2, 2},
		{4, 1, 1, 4, 0},
	} {
		d := &deployer{plans: []*topology.Deploy{{Strategy: topology.StrategyCanary, Steps: []topology.CanaryStep{{Weight: c.weight}}}}, n: c.n, surge: c.surge}
		if f, o := d.targets(); f != c.fresh || o != c.old {
			t.Errorf("canary %g of %d (surge %d): %d new, %d old; want %d, %d", c.weight, c.n, c.surge, f, o, c.fresh, c.old)
		}
	}
}
