package simulate_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
)

// deployScenario is 4 instances of one worker (5 ms, exponential: 200/s
// each) at 640/s, 80% load, with the given deploy of app; boot 60s.
func deployScenario(deploy string) string {
	return fmt.Sprintf(`name: deploy
workload: {rate: 640}
entry: app
nodes:
  app: {kind: service, instances: 4, workers: 1, service_time: {dist: exponential, mean: 5ms}, instance: c6i.large}
deploy:
  - %s
slo: {p99: 200ms}
run: {warmup: 60s, duration: 480s, sample: 10s}
`, deploy)
}

// p99s are the windows' p99 latencies of the windows wholly within
// [from, to).
func p99s(rep *simulate.Report, from, to float64) []float64 {
	var out []float64
	for _, s := range rep.Series.Samples {
		if s.Start >= from && s.Start+s.Duration <= to && s.P99 != nil {
			out = append(out, *s.P99)
		}
	}
	return out
}

// meanSD is the mean and standard deviation of xs.
func meanSD(xs []float64) (mean, sd float64) {
	var s sim.Summary
	for _, x := range xs {
		s.Add(x)
	}
	return s.Mean(), math.Sqrt(s.Variance())
}

// TestDeployProofs runs the proofs of deployments at 80% load on 4
// instances (λ = 640/s, μ = 200/s each, boot 60s):
//
//   - rolling, max_surge 0, max_unavailable 25%: one instance out at a
//     time, so 3 instances take the load for the 4 boots, 107%. Per
//     instance λ/3 − μ = 13.3/s more arrive than it serves: over a boot
//     of 60 s, 800. Old instances go newest first and each one drained
//     works off its queue, so at the end of each phase the instances
//     taking work hold 800, 1600, 2400 … in the fluid approximation: 2400
//     after phase 1, 4000 after 2 (the one drained takes its 800 away),
//     4800 after 3 and after 4. The backlog at the end of the deploy is
//     4800 ± 4σ, σ² = λT + departures (≈ 4μT: every server busy), from
//     Poisson arrivals and exponential services over T = 240 s.
//   - rolling, max_surge 25%, max_unavailable 0: never fewer than 4
//     instances take work; no error and no window's p99 beyond the
//     windows' before the deploy (their mean + 4 standard deviations).
//   - blue_green, keep 5m: the node is billed for 8 instances for exactly
//     the boot and the keep (360 s), so its cost is 0.085 $/h × (4 + 4 ×
//     360 ÷ 480) × 730 h to the cent's rounding error.
func TestDeployProofs(t *testing.T) {
	t.Parallel()
	const (
		lambda, mu, boot = 640.0, 200.0, 60.0
		window           = 480.0
	)
	cases := []struct {
		name, deploy string
		check        func(t *testing.T, rep *simulate.Report, d engine.DeployStats)
	}{
		{"rolling surge 0", "{at: 180s, node: app, strategy: rolling, max_unavailable: 25%, max_surge: 0}", func(t *testing.T, rep *simulate.Report, d engine.DeployStats) {
			if d.MaxSurge != 0 || d.MaxUnavailable != 1 || d.FewestTaking != 3 || d.Booted != 4 {
				t.Errorf("budgets %d/%d, fewest taking work %d, booted %d; want 0/1, 3, 4", d.MaxSurge, d.MaxUnavailable, d.FewestTaking, d.Booted)
			}
			if d.Switched == nil || *d.Switched != 180+4*boot {
				t.Fatalf("all new at %v, want %v (4 boots one after another)", d.Switched, 180+4*boot)
			}
			end := *d.Switched
			backlog := 0.0
			for _, s := range rep.Series.Samples {
				if s.Start >= 180 && s.Start+s.Duration < end { // at end the last new one is ready
					if got := s.Nodes[0].Instances; got != 3 {
						t.Errorf("window at %gs: %d instances take work, want 3", s.Start, got)
					}
				}
				if s.Start+s.Duration <= end {
					backlog += float64(s.Arrived - s.Completed)
				}
			}
			per := float64((lambda/3 - mu) * boot) // one instance's growth over a boot
			fluid := 6 * per                       // 3 per + (3 per − per) + … = 6 per after phases 3 and 4
			sigma := math.Sqrt(lambda*(end-180) + 4*mu*(end-180))
			t.Logf("backlog at the deploy's end %.0f, fluid %.0f, σ %.0f", backlog, fluid, sigma)
			if math.Abs(backlog-fluid) > 4*sigma {
				t.Errorf("backlog at the deploy's end %.0f, the arithmetic says %.0f ± %.0f (4σ)", backlog, fluid, 4*sigma)
			}
			before, _ := meanSD(p99s(rep, 60, 180))
			worst := 0.0
			for _, p := range p99s(rep, 180, end) {
				worst = max(worst, p)
			}
			t.Logf("p99 of the windows: %.3gs before, at most %.3gs during", before, worst)
			// The oldest instance's queue after 3 phases: 3 × per, waited
			// through at μ.
			if want := 3 * per / mu; worst < want/2 || worst < 10*before {
				t.Errorf("p99 during the deploy at most %.3gs, before %.3gs; the arithmetic says waits of %.3gs", worst, before, want)
			}
		}},
		{"rolling surge 25%", "{at: 180s, node: app, strategy: rolling, max_unavailable: 0, max_surge: 25%}", func(t *testing.T, rep *simulate.Report, d engine.DeployStats) {
			if d.MaxSurge != 1 || d.MaxUnavailable != 0 || d.FewestTaking != 4 {
				t.Errorf("budgets %d/%d, fewest taking work %d; want 1/0, 4", d.MaxSurge, d.MaxUnavailable, d.FewestTaking)
			}
			if d.Switched == nil || *d.Switched != 180+4*boot {
				t.Fatalf("all new at %v, want %v", d.Switched, 180+4*boot)
			}
			if n := rep.Requests.Errors + rep.Requests.TimedOut + rep.Requests.Rejected; n != 0 {
				t.Errorf("%d requests failed", n)
			}
			mean, sd := meanSD(p99s(rep, 60, 180))
			during, _ := meanSD(p99s(rep, 180, *d.Switched))
			t.Logf("p99 of the windows: %.3gs ± %.3gs before, %.3gs during", mean, sd, during)
			for _, p := range p99s(rep, 180, *d.Switched) {
				if p > mean+4*sd {
					t.Errorf("a window's p99 during the deploy is %.3gs, beyond the windows' before it: %.3g + 4 × %.3g", p, mean, sd)
				}
			}
		}},
		{"blue_green", "{at: 120s, node: app, strategy: blue_green, keep: 5m}", func(t *testing.T, rep *simulate.Report, d engine.DeployStats) {
			if d.MostBilled != 8 || d.FewestTaking != 4 || d.Switched == nil || *d.Switched != 120+boot || d.Done == nil || *d.Done != 120+boot+300 {
				t.Fatalf("most billed %d, fewest taking work %d, switched %v, done %v; want 8, 4, 180, 480", d.MostBilled, d.FewestTaking, d.Switched, d.Done)
			}
			units := float64(4 + 4*(boot+300)/window)
			if got, want := rep.Cost.ByNode["app"], float64(0.085*units*topology.HoursPerMonth); math.Abs(got-want) > 1e-9*want {
				t.Errorf("app costs %.9g a month, want %.9g (%.4g instances on average)", got, want, units)
			}
			if n := rep.Requests.Errors + rep.Requests.TimedOut; n != 0 {
				t.Errorf("%d requests failed", n)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := runText(t, deployScenario(c.deploy))
			if len(rep.Deploys) != 1 {
				t.Fatalf("%d deploys reported", len(rep.Deploys))
			}
			found := false
			for _, tr := range rep.Triggers {
				found = found || (tr.At == rep.Deploys[0].At && tr.What == rep.Deploys[0].What)
			}
			if !found {
				t.Errorf("no trigger for the deploy in %+v", rep.Triggers)
			}
			c.check(t, rep, rep.Deploys[0])
		})
	}
}

// TestDeployWindow checks that a deploy's summary follows the rule of every
// episode that struck before the measurement window (here [60s, 180s)): one
// over by the window's start, or at it, is the warm-up's and left out; one
// under way then is clipped to the window, from its start, marked as begun
// in the warm-up and counted from there, as its trigger is. The summary
// line kept its real start (and the whole deploy's counts) while its
// trigger was clipped, and listed deploys wholly in the warm-up.
func TestDeployWindow(t *testing.T) {
	t.Parallel()
	const warmup = 60.0
	cases := []struct {
		name, deploys string
		want          []engine.DeployStats // At, BeganInWarmup, Booted
		line          string               // in the table, if any
	}{
		{"over in the warm-up", "[{at: 5s, node: app, strategy: rolling, boot_time: 1s}]", nil, ""},
		{"done at the window's start", "[{at: 50s, node: app, strategy: rolling, boot_time: 10s, max_surge: 100%}]", nil, ""},
		{"superseded at the window's start", "[{at: 30s, node: app, strategy: rolling, boot_time: 20s}, {at: 60s, node: app, strategy: rolling, boot_time: 5s}]",
			[]engine.DeployStats{{At: 60, Booted: 8}}, "deploy      app at 60s: all new at"},
		{"under way at the window's start", "[{at: 30s, node: app, strategy: rolling, boot_time: 20s}]",
			[]engine.DeployStats{{At: 60, BeganInWarmup: true, Booted: 0}}, "deploy      app at 60s (began in the warm-up): all new at 70s, done 70s; 8 instances (surge 2, unavailable 2), 0 booted"},
		{"switched in the warm-up", "[{at: 50s, node: app, strategy: blue_green, boot_time: 5s, keep: 20s}]",
			[]engine.DeployStats{{At: 60, BeganInWarmup: true}}, "deploy      app at 60s (began in the warm-up): all new at 60s, done 75s; 8 instances, 0 booted"},
		{"the window's own", "[{at: 60s, node: app, strategy: rolling, boot_time: 5s}]", []engine.DeployStats{{At: 60, Booted: 8}}, "deploy      app at 60s: all new at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep := runText(t, `name: deploy-window
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, instances: 8, service_time: 5ms}
deploy: `+c.deploys+`
run: {warmup: 60s, duration: 2m, sample: 5s}
`)
			if len(rep.Deploys) != len(c.want) {
				t.Fatalf("deploys %+v, want %d", rep.Deploys, len(c.want))
			}
			var deployTriggers []simulate.Trigger
			for _, tr := range rep.Triggers {
				if tr.Kind == simulate.TriggerDeploy {
					deployTriggers = append(deployTriggers, tr)
				}
			}
			if len(deployTriggers) != len(c.want) {
				t.Fatalf("deploy triggers %+v, want %d", deployTriggers, len(c.want))
			}
			for i, w := range c.want {
				d, tr := rep.Deploys[i], deployTriggers[i]
				if d.At != w.At || d.BeganInWarmup != w.BeganInWarmup || d.Booted != w.Booted {
					t.Errorf("deploy at %g, began in the warm-up %v, %d booted; want %g, %v, %d", d.At, d.BeganInWarmup, d.Booted, w.At, w.BeganInWarmup, w.Booted)
				}
				if tr.At != d.At || tr.BeganInWarmup != d.BeganInWarmup || d.At < warmup {
					t.Errorf("trigger at %g began %v; its deploy's at %g began %v", tr.At, tr.BeganInWarmup, d.At, d.BeganInWarmup)
				}
			}
			var table strings.Builder
			if err := rep.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			if c.line != "" && !strings.Contains(table.String(), c.line) {
				t.Errorf("table without %q:\n%s", c.line, table.String())
			}
			if c.line == "" && strings.Contains(table.String(), "deploy ") {
				t.Errorf("table lists a deploy:\n%s", table.String())
			}
		})
	}
}
