package simulate_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/queue"
	"github.com/scalesim/scalesim/topology/topic"
	"github.com/scalesim/scalesim/topology/workers"
)

// queueOf is a queue's own figures.
func queueOf(r *simulate.Report, name string) *queue.Stats {
	return node(r, name).Detail.(*queue.Stats)
}

// published is a scenario whose clients publish straight to queue jobs,
// which workers consume; fields are the queue's and the workers'.
func published(rate float64, queueFields, workerFields, run string) string {
	return fmt.Sprintf(`name: async
workload: {rate: %g}
entry: jobs
nodes:
  jobs: {kind: queue%s}
  work: {kind: workers, from: jobs, %s}
run: {%s}
`, rate, queueFields, workerFields, run)
}

// TestFidelityAsyncMMc checks that Poisson publishes consumed by c
// consumers with exponential work wait as in M/M/c: the async latency
// (publish to acknowledgement) is the Erlang C sojourn, in mean and p99.
func TestFidelityAsyncMMc(t *testing.T) {
	q := analytic.MMc{Lambda: 32, Mu: 10, C: 4}
	text := published(q.Lambda, ", publish_time: {dist: constant, value: 3ms}",
		"consumers: 4, service_time: {dist: exponential, mean: 100ms}", "warmup: 200s, duration: 20000s")
	reps := fidelity.Replicate(t, text, 8)
	async := func(r *simulate.Report) *queue.AsyncLatency { return queueOf(r, "jobs").AsyncLatency }
	fidelity.Check(t, "async mean (M/M/c sojourn)", reps, func(r *simulate.Report) float64 { return async(r).Mean }, q.MeanSojourn(), false)
	fidelity.Check(t, "async p99", reps, func(r *simulate.Report) float64 { return async(r).P99 }, q.SojournQuantile(0.99), true)
	fidelity.Check(t, "consumer utilization", reps, func(r *simulate.Report) float64 { return node(r, "work").Utilization }, q.Rho(), false)
	// The publisher waits for the publish alone.
	for _, r := range reps {
		if math.Abs(r.Latency.Max-0.003) > 1e-9 {
			t.Errorf("seed %d: a publish took up to %gs, want the publish time 3ms", r.Seed, r.Latency.Max)
		}
	}
}

// TestDeadLetterShare checks SQS's redrive arithmetic: with deliveries
// failing independently with probability f and at most k receives, a share
// f^k of the messages is dead-lettered and each message is delivered
// (1 − f^k) ÷ (1 − f) times on average.
func TestDeadLetterShare(t *testing.T) {
	const f, k = 0.5, 3
	text := `name: async
workload: {rate: 20}
entry: jobs
nodes:
  jobs: {kind: queue, max_receives: 3, dead_letter: parked}
  parked: {kind: queue}
  work: {kind: workers, from: jobs, consumers: 4, service_time: {dist: exponential, mean: 10ms}, failure_rate: 50%, retry_backoff: 100ms}
run: {warmup: 100s, duration: 4000s}
`
	reps := fidelity.Replicate(t, text, 6)
	finished := func(r *simulate.Report) float64 {
		q := queueOf(r, "jobs")
		return float64(q.Acknowledged + q.DeadLettered)
	}
	fidelity.Check(t, "dead-letter share f^k", reps, func(r *simulate.Report) float64 {
		return float64(queueOf(r, "jobs").DeadLettered) / finished(r)
	}, math.Pow(f, k), false)
	fidelity.Check(t, "deliveries per message", reps, func(r *simulate.Report) float64 {
		return float64(queueOf(r, "jobs").Delivered) / finished(r)
	}, queue.Deliveries(f, k), false)
	for _, r := range reps {
		jobs, parked := queueOf(r, "jobs"), queueOf(r, "parked")
		if parked.Published != jobs.DeadLettered {
			t.Errorf("seed %d: %d dead-lettered but the dead-letter queue got %d", r.Seed, jobs.DeadLettered, parked.Published)
		}
		if w := node(r, "work").Detail.(*workers.Stats); w.Failures == 0 {
			t.Errorf("seed %d: no failures reported", r.Seed)
		}
	}
}

// TestVisibilityShorterThanWork checks at-least-once delivery: a message
// whose processing (2.5 s) outlasts its visibility timeout (1 s) is
// received again at 1 s and 2 s by idle consumers, so each message is
// processed three times: two duplicates and two redeliveries per message.
// With a visibility timeout longer than the work there are none.
func TestVisibilityShorterThanWork(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		visibility string
		dups       float64
	}{{"1s", 2}, {"5s", 0}} {
		rep := runText(t, published(1, ", visibility_timeout: "+c.visibility,
			"consumers: 60, service_time: {dist: constant, value: 2.5s}", "warmup: 10s, duration: 2000s"))
		q := queueOf(rep, "jobs")
		t.Logf("visibility %s: %d acknowledged, %d duplicates, %d redelivered", c.visibility, q.Acknowledged, q.Duplicates, q.Redelivered)
		// Messages straddling the window's start or end are counted in
		// part: those published within 3 s of either, at 1 per second,
		// are at most a few dozen (Poisson tail at 12 sigma).
		straddle := float64(2 * (3 + 12*math.Sqrt(3)))
		if d := float64(q.Duplicates) - c.dups*float64(q.Acknowledged); math.Abs(d) > c.dups*straddle {
			t.Errorf("visibility %s: %d duplicates for %d acknowledged, want %g each", c.visibility, q.Duplicates, q.Acknowledged, c.dups)
		}
		if d := float64(q.Redelivered) - c.dups*float64(q.Acknowledged); math.Abs(d) > c.dups*straddle {
			t.Errorf("visibility %s: %d redelivered for %d acknowledged, want %g each", c.visibility, q.Redelivered, q.Acknowledged, c.dups)
		}
		if q.Acknowledged < 1800 {
			t.Errorf("visibility %s: only %d acknowledged", c.visibility, q.Acknowledged)
		}
	}
}

// TestTopicFanOut checks that a topic delivers a copy of each message to
// each of three subscribers, and that a slow subscriber's backlog does not
// hold back the others.
func TestTopicFanOut(t *testing.T) {
	t.Parallel()
	rep := runText(t, `name: fan-out
workload: {rate: 50}
entry: app
nodes:
  app:
    kind: service
    workers: 100
    service_time: {dist: exponential, mean: 5ms}
    calls: [{to: orders, async: true}]
  orders: {kind: topic, subscribers: [payment, email, analytics]}
  payment: {kind: queue}
  email: {kind: queue}
  analytics: {kind: queue}
  pay: {kind: workers, from: payment, consumers: 4, service_time: {dist: exponential, mean: 20ms}}
  mail: {kind: workers, from: email, consumers: 4, service_time: {dist: exponential, mean: 20ms}}
  count: {kind: workers, from: analytics, consumers: 1, service_time: {dist: exponential, mean: 40ms}}
run: {warmup: 20s, duration: 600s}
`)
	topic := node(rep, "orders").Detail.(*topic.TopicStats)
	for _, q := range []string{"payment", "email", "analytics"} {
		if got := queueOf(rep, q).Published; got != topic.Published {
			t.Errorf("%s got %d copies of %d messages", q, got, topic.Published)
		}
	}
	// analytics is offered 50/s × 40 ms = 2 on one consumer: its backlog
	// grows by about 25 a second; the others' stay small.
	slow, fast := queueOf(rep, "analytics"), queueOf(rep, "payment")
	if slow.BacklogEnd < 10000 {
		t.Errorf("the slow subscriber's backlog is %d at the end; want it to grow (about 25/s)", slow.BacklogEnd)
	}
	if !node(rep, "count").Saturated {
		t.Error("the slow subscriber's workers are not reported saturated")
	}
	if fast.BacklogMax > 100 || fast.AsyncLatency.P99 > 1 {
		t.Errorf("a fast subscriber was held back: backlog max %d, async p99 %gs", fast.BacklogMax, fast.AsyncLatency.P99)
	}
	if rep.Latency.P99 > 0.1 {
		t.Errorf("publishers waited for consumers: p99 %gs", rep.Latency.P99)
	}
}

// TestOffloadSlowWork checks the playbook's claim that moving slow side
// work (a 500 ms email send) off the request path cuts the response time
// and raises the rate a fixed fleet sustains: the same app calls the
// email service synchronously, or publishes to a queue its workers
// consume.
func TestOffloadSlowWork(t *testing.T) {
	t.Parallel()
	scenario := func(rate float64, async bool) string {
		calls := "[email]"
		if async {
			calls = "[{to: outbox, async: true}]"
		}
		return fmt.Sprintf(`name: offload
workload: {rate: %g}
entry: app
nodes:
  app: {kind: service, instances: 2, workers: 16, service_time: {dist: exponential, mean: 20ms}, calls: %s}
  email: {kind: service, instances: 4, workers: 32, service_time: {dist: exponential, mean: 500ms}}
  outbox: {kind: queue, publish_time: {dist: constant, value: 5ms}}
  mailer: {kind: workers, from: outbox, consumers: 128, service_time: {dist: exponential, mean: 500ms}}
run: {warmup: 30s, duration: 300s}
`, rate, calls)
	}
	// Synchronously each request holds an app worker for 20 + 500 ms: 32
	// workers sustain about 61 req/s. Asynchronously it holds one for
	// 25 ms: about 1280 req/s.
	syncRep, asyncRep := runText(t, scenario(50, false)), runText(t, scenario(50, true))
	if !(asyncRep.Latency.P99 < syncRep.Latency.P99/5) {
		t.Errorf("p99 with the queue %gs, without %gs: want it far lower", asyncRep.Latency.P99, syncRep.Latency.P99)
	}
	over := runText(t, scenario(200, false))
	if !node(over, "app").Saturated {
		t.Error("at 200 req/s the synchronous app is not saturated")
	}
	fine := runText(t, scenario(200, true))
	if node(fine, "app").Saturated || node(fine, "mailer").Saturated {
		t.Errorf("at 200 req/s the async design saturates: app %v, mailer %v", node(fine, "app").OfferedLoad, node(fine, "mailer").OfferedLoad)
	}
}

// TestConsumerOutageDrains checks the backlog arithmetic of an outage: the
// consumers are scaled to 0 by a schedule for T = 120 s while messages
// arrive at λ = 20/s, so λT = 2400 messages build up, and after the
// restart c = 4 consumers of rate μ = 10/s drain them at cμ − λ = 20/s, in
// λT ÷ (cμ − λ) = 120 s. The oldest message has waited about T.
func TestConsumerOutageDrains(t *testing.T) {
	t.Parallel()
	const lambda, T, c, mu = 20.0, 120.0, 4.0, 10.0
	rep := runText(t, published(lambda, "", `consumers: 4, service_time: {dist: exponential, mean: 100ms},
    autoscale: {min: 4, max: 4, metric: backlog_per_consumer, target: 1000, boot_time: 0s,
      schedule: [{at: 600s, max: 0}, {at: 720s, min: 4, max: 4}]}`, "warmup: 60s, duration: 1140s, sample: 5s"))
	q := queueOf(rep, "jobs")
	// The backlog peaks at the restart: λT give or take 5 standard
	// deviations of the Poisson count (√(λT) ≈ 49).
	want := lambda * T
	if d := math.Abs(float64(q.BacklogMax) - want); d > 5*math.Sqrt(want)+c {
		t.Errorf("backlog peaked at %d, want λT = %g", q.BacklogMax, want)
	}
	if q.OldestAgeMax < T || q.OldestAgeMax > T+10 {
		t.Errorf("the oldest message waited %gs, want about T = %gs", q.OldestAgeMax, T)
	}
	// The drain ends at the first window after the restart whose backlog
	// is back to the few messages of steady state. Its length varies with
	// the arrivals and services of the outage and the drain: about
	// √(λ(2T) + cμT) ≈ 98 messages, or 5 s at 20/s; the tolerance is 5
	// of those, and a window.
	drain := lambda * T / (c*mu - lambda)
	end := -1.0
	for _, smp := range rep.Series.Samples {
		if smp.Start > 720 && smp.Queues[0].Backlog < 5 {
			end = smp.Start - 720
			break
		}
	}
	t.Logf("peak backlog %d, oldest %.1fs, drained in %gs (theory %gs)", q.BacklogMax, q.OldestAgeMax, end, drain)
	if end < 0 || math.Abs(end-drain) > 5*5+5 {
		t.Errorf("the backlog drained in %gs, want (λT)/(cμ − λ) = %gs", end, drain)
	}
}

// TestBacklogAutoscaling checks that scaling consumers on the backlog per
// consumer, as KEDA's queue scalers do, keeps the oldest message young
// through a burst (20/s, then 100/s for 5 minutes) that a fixed group of
// 4 consumers (40/s at most) falls minutes behind on.
func TestBacklogAutoscaling(t *testing.T) {
	t.Parallel()
	scenario := func(autoscale string) string {
		return fmt.Sprintf(`name: burst
workload: {rate: 20, shape: [{spike: {at: 10m, for: 5m, factor: 5}}]}
entry: jobs
nodes:
  jobs: {kind: queue}
  work: {kind: workers, from: jobs, consumers: 4, service_time: {dist: exponential, mean: 100ms}%s}
run: {warmup: 60s, duration: 1800s}
`, autoscale)
	}
	fixed := queueOf(runText(t, scenario("")), "jobs")
	rep := runText(t, scenario(`,
    autoscale: {min: 4, max: 40, metric: backlog_per_consumer, target: 5, boot_time: 20s}`))
	scaled := queueOf(rep, "jobs")
	sc := node(rep, "work").Scaling
	t.Logf("oldest message: fixed %.0fs, autoscaled %.1fs; consumers %d to %d, %d events", fixed.OldestAgeMax, scaled.OldestAgeMax, sc.Min, sc.Max, sc.EventCount)
	// The fixed group falls behind by (100 − 40)/s × 300 s = 18000
	// messages, which it works off at 20/s: the last waits minutes.
	if fixed.OldestAgeMax < 300 {
		t.Errorf("the fixed group kept up: oldest message %gs", fixed.OldestAgeMax)
	}
	// The autoscaler reacts within its metric window, an interval and a
	// boot (about 95 s): the backlog it lets build is worked off quickly.
	if scaled.OldestAgeMax > 120 || sc.Max < 10 {
		t.Errorf("autoscaled: oldest message %gs, at most %d consumers", scaled.OldestAgeMax, sc.Max)
	}
	if sc.Min != 4 || sc.EventCount == 0 {
		t.Errorf("consumers %d to %d with %d events: want a scale up from 4 and back", sc.Min, sc.Max, sc.EventCount)
	}
}

// partitioned is a scenario whose clients publish keyed messages to a
// queue of 8 partitions, consumed by 8 consumers.
func partitioned(keys, queueFields, workerFields string) string {
	return fmt.Sprintf(`name: partitions
workload: {rate: 40, keys: %s}
entry: jobs
nodes:
  jobs: {kind: queue, partitions: 8%s}
  work: {kind: workers, from: jobs, consumers: 8, service_time: {dist: exponential, mean: 20ms}%s}
run: {warmup: 30s, duration: 1200s}
`, keys, queueFields, workerFields)
}

// TestPartitionOrder checks that a partitioned queue has each
// partition's messages (so each key's) processed in publish order, even
// when a fifth of the processings fail and are retried after a backoff;
// and that the check can see a broken order: a visibility timeout shorter
// than the work lets a duplicate finish after the next message.
func TestPartitionOrder(t *testing.T) {
	t.Parallel()
	uniform := "{dist: uniform, count: 10k}"
	ordered := queueOf(runText(t, partitioned(uniform, "", ", failure_rate: 20%, retry_backoff: 50ms")), "jobs")
	t.Logf("with failures: %d acknowledged, %d redelivered, %d out of order", ordered.Acknowledged, ordered.Redelivered, *ordered.OutOfOrder)
	if *ordered.OutOfOrder != 0 || ordered.Redelivered < ordered.Acknowledged/10 {
		t.Errorf("%d acknowledged out of order, %d redelivered: want none out of order, and redeliveries", *ordered.OutOfOrder, ordered.Redelivered)
	}
	broken := queueOf(runText(t, partitioned(uniform, ", visibility_timeout: 10ms", "")), "jobs")
	t.Logf("visibility 10ms on 20ms of work: %d out of order", *broken.OutOfOrder)
	if *broken.OutOfOrder == 0 {
		t.Error("a visibility timeout shorter than the work broke no order")
	}
}

// TestHotPartition checks that Zipf keys make one partition hot: one
// consumer at a time serves a partition, so the partition holding the
// most popular key backs up while the others keep up, and the report
// shows it.
func TestHotPartition(t *testing.T) {
	t.Parallel()
	// Zipf s = 1.2 over 1000 keys: the top key alone is about a fifth of
	// the messages. At 400/s an even share is 50/s a partition, which one
	// consumer (50/s at 20 ms) barely serves; the top key's partition gets
	// far more, and only one consumer may serve it at a time.
	text := strings.Replace(partitioned("{dist: zipf, s: 1.2, count: 1000}", "", ""), "rate: 40", "rate: 400", 1)
	rep := runText(t, text)
	q := queueOf(rep, "jobs")
	hot, most := 0, 0.0
	for i, l := range q.PartitionLoad {
		if l > most {
			hot, most = i, l
		}
	}
	t.Logf("partition load %v, imbalance %.3g, backlog at end %v", q.PartitionLoad, *q.PartitionImbalance, q.PartitionBacklog)
	if *q.PartitionImbalance < 1.5 {
		t.Errorf("imbalance %.3g: Zipf keys should make a hot partition", *q.PartitionImbalance)
	}
	if most*400 <= 50 {
		t.Fatalf("the hot partition gets %.3g/s, within one consumer's 50/s: the test needs more", most*400)
	}
	for i, b := range q.PartitionBacklog {
		switch {
		case i == hot && b < 1000:
			t.Errorf("the hot partition %d (%.3g/s) has %d messages waiting at the end; want a backlog", i, most*400, b)
		case i != hot && q.PartitionLoad[i]*400 < 45 && b > 100:
			t.Errorf("partition %d (%.3g/s) has %d messages waiting; only the hot one should back up", i, q.PartitionLoad[i]*400, b)
		}
	}
}

// TestFullQueue checks that a publish to a full queue fails the request
// that made it (rejected, like a full service queue), or with on_full:
// block holds it until there is room, so that it waits out the consumers.
func TestFullQueue(t *testing.T) {
	t.Parallel()
	scenario := func(onFull string) string {
		return fmt.Sprintf(`name: full
workload: {rate: 100, timeout: 10s}
entry: app
nodes:
  app: {kind: service, workers: 2000, service_time: 1ms, calls: [{to: jobs, async: true}]}
  jobs: {kind: queue, capacity: 20, on_full: %s}
  work: {kind: workers, from: jobs, consumers: 1, service_time: {dist: constant, value: 20ms}}
run: {warmup: 10s, duration: 300s}
`, onFull)
	}
	// One consumer takes 50/s of the 100/s offered: about half the
	// publishes find the queue full.
	rejected := runText(t, scenario("reject"))
	q := queueOf(rejected, "jobs")
	if rejected.Requests.Rejected != q.DroppedFull || q.DroppedFull < 10000 {
		t.Errorf("%d requests rejected, %d publishes dropped full: want them equal, about half of %d", rejected.Requests.Rejected, q.DroppedFull, rejected.Requests.Arrived)
	}
	blocked := runText(t, scenario("block"))
	q = queueOf(blocked, "jobs")
	if q.DroppedFull != 0 || blocked.Requests.Rejected != 0 || q.Blocked < 1000 {
		t.Errorf("blocking: %d dropped, %d rejected, %d blocked: want none dropped and many blocked", q.DroppedFull, blocked.Requests.Rejected, q.Blocked)
	}
	// Blocked publishers wait their turn: the clients, waiting 10 s at
	// most, time out.
	if blocked.Requests.TimedOut == 0 || blocked.Latency.P99 < 1 {
		t.Errorf("blocking: %d timed out, p99 %gs: publishers should wait for room", blocked.Requests.TimedOut, blocked.Latency.P99)
	}
}

// TestConsumersDown checks a fault on a worker group: down consumers
// receive nothing, so the messages of the outage wait in the queue (a
// backlog of λT, seen in the time series) instead of being received and
// failed at once, and none is dead-lettered; a processing the fault cuts
// off neither acknowledges nor fails its message, which comes back once,
// after its visibility timeout. With some consumers down, the others take
// the work.
func TestConsumersDown(t *testing.T) {
	t.Parallel()
	const lambda, T = 20.0, 200.0
	for _, c := range []struct {
		fault   string
		backlog bool // the outage's messages pile up
	}{
		{"{at: 2m, for: 200s, node: work}", true},
		{"{at: 2m, for: 200s, node: work, instances: 3}", false},
	} {
		t.Run(c.fault, func(t *testing.T) {
			t.Parallel()
			rep := runText(t, fmt.Sprintf(`name: consumers-down
workload: {rate: %g}
entry: jobs
nodes:
  jobs: {kind: queue, visibility_timeout: 30s, max_receives: 5, dead_letter: dlq}
  dlq: {kind: queue}
  work: {kind: workers, from: jobs, consumers: 6, service_time: {dist: exponential, mean: 100ms}, retry_backoff: 1s}
faults: [%s]
run: {warmup: 30s, duration: 10m, sample: 5s}
`, lambda, c.fault))
			q, w := queueOf(rep, "jobs"), node(rep, "work").Detail.(*workers.Stats)
			t.Logf("backlog max %d, %d dead-lettered, %d failed, %d cut off, %d redelivered", q.BacklogMax, q.DeadLettered, w.Failures, w.Interrupted, q.Redelivered)
			if q.DeadLettered != 0 || w.Failures != 0 {
				t.Errorf("%d messages dead-lettered and %d processings failed: down consumers took messages", q.DeadLettered, w.Failures)
			}
			// Each processing cut off (at most one per consumer down)
			// brings its message back once.
			if w.Interrupted > 6 || q.Redelivered != w.Interrupted {
				t.Errorf("%d processings cut off, %d messages redelivered: want the same, at most one per consumer", w.Interrupted, q.Redelivered)
			}
			// The time series shows the backlog: at the end of the outage
			// it is λT give or take 5 standard deviations of the Poisson
			// count, or a few messages when half the consumers remain.
			var atEnd float64
			for _, smp := range rep.Series.Samples {
				if smp.Start+smp.Duration <= 120+T {
					atEnd = smp.Queues[0].Backlog
				}
			}
			want := 0.0
			if c.backlog {
				want = lambda * (T - 5) // the last window ends 5 s before the fault does at most
			}
			if math.Abs(atEnd-want) > 5*math.Sqrt(lambda*T)+lambda*5 {
				t.Errorf("backlog %g at the end of the outage, want about %g", atEnd, want)
			}
		})
	}
}

// TestRetryBackoff checks when a failed message is visible again: after
// retry_backoff, 0 included (at once), or after its visibility timeout
// when the group sets none. Each delivery fails with probability 1/2 and
// takes 10 ms, with consumers to spare, so a message's N deliveries
// (geometric, mean 2, variance 2) take 10 ms × N + wait × (N − 1) from
// publish to acknowledgement: on average 20 ms + wait, with a standard
// deviation of (10 ms + wait)·√2 per message.
func TestRetryBackoff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		backoff string
		wait    float64
	}{{"", 30}, {", retry_backoff: 0s", 0}, {", retry_backoff: 5s", 5}} {
		t.Run(fmt.Sprint("wait=", c.wait), func(t *testing.T) {
			t.Parallel()
			rep := runText(t, published(50, ", visibility_timeout: 30s",
				"consumers: 100, service_time: {dist: constant, value: 10ms}, failure_rate: 50%"+c.backoff, "warmup: 300s, duration: 2000s"))
			a := queueOf(rep, "jobs").AsyncLatency
			n := float64(queueOf(rep, "jobs").Acknowledged)
			want, se := 0.02+c.wait, (0.01+c.wait)*math.Sqrt2/math.Sqrt(n)
			t.Logf("async mean %.5gs over %g messages, want %.5gs ± %.2g (SE)", a.Mean, n, want, se)
			if math.Abs(a.Mean-want) > 5*se {
				t.Errorf("async mean %.5gs, want %.5gs (wait %gs between deliveries)", a.Mean, want, c.wait)
			}
		})
	}
}
