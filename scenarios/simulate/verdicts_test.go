package simulate_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
)

// TestTurnedAwaySaturates runs a node that turns away a share of its
// arrivals before any work (a full queue, load shedding, a rate limit)
// in a run of 10 s, too short for the saturation of a stretch (three
// sample windows) and with its workers far from busy: with a queue of one
// place at ρ = 0.4 (M/M/1/2 turns away ρ²(1 − ρ)/(1 − ρ³) = 10.3% of
// arrivals, its workers 36% busy) it read 'ok' (hostile review). A node
// that turns away TurnedAwayShare of its arrivals or more is saturated,
// whatever the run's length; one that turns away fewer is not.
func TestTurnedAwaySaturates(t *testing.T) {
	for _, c := range []struct {
		name, work, want string
		saturated        bool
	}{
		{"a full queue", "queue: 1", "it turned away 8.72% of its arrivals (87 rejected by a full queue)", true},
		{"shedding", "max_concurrency: 2", "shed", true},
		{"a rate limit", "rate_limit: {rate: 80, burst: 10}", "rate limited", true},
		{"a queue rarely full", "queue: 4", "", false}, // 0.6% of arrivals turned away by M/M/1/5
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runText(t, `name: turned-away
workload: {rate: 100}
entry: app
nodes:
  app: {kind: service, workers: 4, service_time: {dist: exponential, mean: 1ms}, calls: [work]}
  work: {kind: service, workers: 1, `+c.work+`, service_time: {dist: exponential, mean: 4ms}}
run: {seed: 1, warmup: 1s, duration: 10s}
`)
			w := node(r, "work")
			why := strings.Join(w.SaturatedBecause, "; ")
			if w.Saturated != c.saturated || !strings.Contains(why, c.want) {
				t.Fatalf("work saturated %v (%q) with %d rejected, %d shed, %d rate limited of %d arrivals; want saturated %v, %q",
					w.Saturated, why, w.Rejected, w.Shed, w.RateLimited, w.Arrived(), c.saturated, c.want)
			}
			if c.saturated && r.Bottleneck != "work" {
				t.Errorf("bottleneck %q, want work", r.Bottleneck)
			}
		})
	}
}

// TestVolumeSaturatedNoCI runs a database saturated by its volume alone
// (110 indexed reads a second of 3 pages each from 300 IOPS: 110% of what
// it serves) through workers enough that no queue of theirs grows, in a
// run of 30 s that is not stopped for overload. Its reads wait longer the
// longer the run, so the mean latency has no limit: the report gave a
// 95% CI of 2.68s–3.53s around 3.11s (hostile review). A node saturated
// by its volume counts as one whose queue grows.
func TestVolumeSaturatedNoCI(t *testing.T) {
	r := runText(t, volumeOver(110, "{seed: 1, warmup: 5s, duration: 30s}"))
	if r.StoppedEarly != "" || !node(r, "db").Saturated {
		t.Fatalf("stopped %q, db saturated %v; want a run to its end with db saturated by its volume", r.StoppedEarly, node(r, "db").Saturated)
	}
	if l := r.Latency; l == nil || l.MeanCI95 != nil || !strings.Contains(l.NoCI, "db's volume") {
		t.Fatalf("latency %+v; want no CI, for db's volume", l)
	}
}

// TestVolumeSaturatedClosedCI runs a database saturated by its volume
// under a closed population: 20 users thinking 1 s on average, each
// request a scan of 2 MiB from a volume of 20 MiB/s (100 ms: at most 10
// a second, against the 18 a second the users would send). The volume is
// busy throughout, but at most 20 reads wait at it, so the mean latency
// has a limit and an interval (the report said 'db's volume is 100% busy,
// the reads waiting at it grow with the run': true only of an open
// workload). By Little's law over the cycle of think and response, the
// mean latency is N ÷ X − Z with X the throughput: within the interval and
// 1% (the window's edges), and X within 1% of the 10/s the volume serves.
func TestVolumeSaturatedClosedCI(t *testing.T) {
	text := strings.Replace(strings.Replace(scanDB(1, "{throughput: 20MiB/s}"),
		"workload: {rate: 1, mix: {search: 1}}", "workload: {closed: {users: 20, think_time: {dist: exponential, mean: 1s}}, mix: {search: 1}}", 1),
		"run: {warmup: 20s, duration: 1000s}", "run: {seed: 1, warmup: 20s, duration: 300s}", 1)
	r := runText(t, text)
	if !node(r, "db").Saturated {
		t.Fatalf("db not saturated by its volume: %+v", node(r, "db"))
	}
	l := r.Latency
	if l == nil || l.MeanCI95 == nil {
		t.Fatalf("latency %+v; want a CI: a closed population bounds the volume's queue", l)
	}
	x := r.Throughput
	want := 20/x - 1
	half := (l.MeanCI95[1] - l.MeanCI95[0]) / 2
	t.Logf("throughput %.4g/s, latency %.4g s ± %.3g, Little's law %.4g s", x, l.Mean, half, want)
	if math.Abs(x-10) > 0.1 {
		t.Errorf("throughput %.4g/s, want the volume's 10/s", x)
	}
	if math.Abs(l.Mean-want) > half+0.01*want {
		t.Errorf("mean latency %.4g s, want N ÷ X − Z = %.4g s within %.3g", l.Mean, want, half+0.01*want)
	}
}

// TestRegionNoCIWhenDiverging checks that a region's mean latency has no
// interval when the run's has none for a queue that grows: its users
// wait in the same queues. The regions' CIs were kept (hostile review of
// the CI rule).
func TestRegionNoCIWhenDiverging(t *testing.T) {
	r := runText(t, `name: regions-over
workload: {rate: 110, keys: {dist: uniform, count: 1M}, regions: {us-east-1: 50%, eu-west-1: 50%}}
entry: app
nodes:
  app: {kind: service, region: us-east-1, workers: 100000, service_time: 1ms, calls: [{to: db}]}
  db:
    kind: database
    region: us-east-1
    workers: 100000
    service_time: 1ms
    data: {rows: 1M, row_size: 100B, buffer_pool: 32KiB, volume: {iops: 300}}
    operations: {read: {index: true}}
run: {seed: 1, warmup: 5s, duration: 30s}
`)
	if r.Latency == nil || r.Latency.NoCI == "" {
		t.Fatalf("latency %+v; want no CI", r.Latency)
	}
	for _, rr := range r.Regions {
		if l := rr.Latency; l == nil || l.MeanCI95 != nil || l.NoCI != r.Latency.NoCI {
			t.Errorf("region %s latency %+v; want no CI, as the run's", rr.Region, l)
		}
	}
}

// TestBalancerTurnedAwayShare checks the share a load balancer's rate
// limit turns away, of all that arrive: at 200/s through a limit of
// 100/s it is about half. Its arrivals were those it forwarded, so the
// report said 96.6% (990 of the 1025 it let through).
func TestBalancerTurnedAwayShare(t *testing.T) {
	r := runText(t, `name: lb
workload: {rate: 200}
entry: lb
nodes:
  lb: {kind: load_balancer, targets: [app], rate_limit: {rate: 100}}
  app: {kind: service, instances: 2, workers: 4, service_time: {dist: exponential, mean: 5ms}}
run: {seed: 1, warmup: 1s, duration: 10s}
`)
	lb := node(r, "lb")
	if lb.Arrived() != r.Requests.Arrived || !strings.Contains(strings.Join(lb.SaturatedBecause, "; "), "it turned away 49.1% of its arrivals (990 rate limited)") {
		t.Fatalf("lb arrivals %d of the run's %d, saturated because %q; want all of them, 49.1%% turned away", lb.Arrived(), r.Requests.Arrived, lb.SaturatedBecause)
	}
}

// TestPrecisionWithoutCI runs to a precision (as a sweep's points do) a
// database whose volume is offered 110% of what it serves: the run stops
// for overload, and its mean has no interval. The precision line quoted
// one anyway ("mean latency ±13.8% (95% CI), target ±5% NOT met within
// the run's budgets"), beside a latency line that says there is none, and
// blamed the budgets. Without a CI there is no precision achieved.
func TestPrecisionWithoutCI(t *testing.T) {
	s, err := scenarios.Parse("test.yaml", []byte(volumeOver(110, "{seed: 1, warmup: 5s, duration: 60s}")))
	if err != nil {
		t.Fatal(err)
	}
	s.Run.Precision = 0.05
	r := mustRun(t)(s, nil)
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	p := r.Precision
	if r.Latency == nil || r.Latency.NoCI == "" || p == nil || p.Achieved != nil || p.Met ||
		!strings.Contains(b.String(), "precision   target ±5% NOT met: the mean latency has no CI (see latency)") {
		t.Fatalf("latency %+v, precision %+v; want no CI and no precision achieved:\n%s", r.Latency, p, b.String())
	}
}

// volumeOver is a scenario of rate requests a second to a service whose
// database reads each row through a volume of 300 IOPS, its 32 KiB buffer
// pool holding next to nothing of the 1M rows, with run as its run section.
func volumeOver(rate int, run string) string {
	return fmt.Sprintf(`name: volume-over
workload: {rate: %d, keys: {dist: uniform, count: 1M}}
entry: app
nodes:
  app: {kind: service, workers: 100000, service_time: 1ms, calls: [{to: db}]}
  db:
    kind: database
    workers: 100000
    service_time: 1ms
    data: {rows: 1M, row_size: 100B, buffer_pool: 32KiB, volume: {iops: 300}}
    operations: {read: {index: true}}
run: %s
`, rate, run)
}
