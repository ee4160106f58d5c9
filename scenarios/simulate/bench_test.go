package simulate_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// mmc10 is the reference model: M/M/10 with λ = 9/s and μ = 1/s, run long
// enough for about `customers` arrivals.
func mmc10(customers int) *scenarios.Scenario {
	s, err := scenarios.Parse("mmc10", []byte(fmt.Sprintf(`name: mmc10
workload: {rate: 9}
entry: station
nodes:
  station: {kind: service, workers: 10, service_time: {dist: exponential, mean: 1s}}
run: {seed: 1, warmup: 0s, duration: %ds}
`, customers/9)))
	if err != nil {
		panic(err)
	}
	return s
}

// BenchmarkMMc runs the reference M/M/10 model through the whole stack
// (generator, network, statistics) and reports simulation events and
// customers per second of wall time.
func BenchmarkMMc(b *testing.B) {
	const customers = 1_000_000
	b.ReportAllocs()
	var events uint64
	for i := 0; i < b.N; i++ {
		r, err := simulate.Run(mmc10(customers))
		if err != nil {
			b.Fatal(err)
		}
		events += r.Events
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/sec, "events/s")
	b.ReportMetric(sec*1e9/float64(events), "ns/event")
	b.ReportMetric(float64(b.N*customers)/sec, "customers/s")
}

// BenchmarkBuiltins runs the data-tier built-ins (caches, replicas, pools,
// shards, a CDN) and reports events and requests per second of wall time.
func BenchmarkBuiltins(b *testing.B) {
	for _, name := range []string{"read-heavy", "sharded-writes", "async-orders"} {
		b.Run(name, func(b *testing.B) {
			s, err := scenarios.Builtin(name)
			if err != nil {
				b.Fatal(err)
			}
			events, requests := runBench(b, s)
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(events)/sec, "events/s")
			b.ReportMetric(sec*1e9/float64(events), "ns/event")
			b.ReportMetric(float64(requests)/sec, "requests/s")
		})
	}
}

// runBench runs s b.N times, reporting allocations, and returns the events
// and requests of all the runs. Runs only read a scenario, so one serves all.
func runBench(b *testing.B, s *scenarios.Scenario) (events, requests int64) {
	b.Helper()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := simulate.Run(s)
		if err != nil {
			b.Fatal(err)
		}
		events += int64(r.Events)
		requests += r.Requests.Arrived
	}
	return events, requests
}

// BenchmarkFloorMMc is the least work any event-driven simulator must do for
// the same model: a hand-written binary heap of departure times, exponential
// draws from the same PCG generator, and a running sum of sojourn times. The
// ratio of BenchmarkMMc's time per customer to this one's is the cost of the
// general machinery.
func BenchmarkFloorMMc(b *testing.B) {
	const customers = 1_000_000
	for i := 0; i < b.N; i++ {
		sink = floorMMc(customers, 9, 1, 10)
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(2*b.N*customers)/sec, "events/s")
	b.ReportMetric(sec*1e9/float64(2*b.N*customers), "ns/event")
	b.ReportMetric(float64(b.N*customers)/sec, "customers/s")
}

var sink float64

// floorMMc simulates an M/M/c queue for n customers and returns the mean
// sojourn time. Departures are kept in a min-heap; queued customers' arrival
// times in a FIFO slice.
func floorMMc(n int, lambda, mu float64, c int) float64 {
	r := rand.New(rand.NewPCG(1, 2))
	var heap []float64 // departure times
	var queue []float64
	busy, total := 0, 0.0
	t, nextArrival := 0.0, r.ExpFloat64()/lambda
	push := func(x float64) {
		heap = append(heap, x)
		for i := len(heap) - 1; i > 0; {
			p := (i - 1) / 2
			if heap[p] <= heap[i] {
				break
			}
			heap[p], heap[i] = heap[i], heap[p]
			i = p
		}
	}
	pop := func() float64 {
		top := heap[0]
		last := len(heap) - 1
		heap[0] = heap[last]
		heap = heap[:last]
		for i := 0; ; {
			l, s := 2*i+1, i
			if l < last && heap[l] < heap[s] {
				s = l
			}
			if l+1 < last && heap[l+1] < heap[s] {
				s = l + 1
			}
			if s == i {
				break
			}
			heap[i], heap[s] = heap[s], heap[i]
			i = s
		}
		return top
	}
	// Each departure record carries its customer's arrival time implicitly:
	// the sojourn is accumulated when service starts (wait) plus the service
	// time drawn then.
	for arrived := 0; arrived < n || len(heap) > 0; {
		if arrived < n && (len(heap) == 0 || nextArrival < heap[0]) {
			t = nextArrival
			arrived++
			nextArrival = t + r.ExpFloat64()/lambda
			if busy < c {
				busy++
				s := r.ExpFloat64() / mu
				total += s
				push(t + s)
			} else {
				queue = append(queue, t)
			}
			continue
		}
		t = pop()
		if len(queue) > 0 {
			a := queue[0]
			queue = queue[1:]
			s := r.ExpFloat64() / mu
			total += t - a + s
			push(t + s)
		} else {
			busy--
		}
	}
	return total / float64(n)
}

// TestFloorModelIsRight keeps the floor honest: its mean sojourn must match
// Erlang C (1.669 s for M/M/10 at λ = 9) within 3%.
func TestFloorModelIsRight(t *testing.T) {
	if got := floorMMc(1_000_000, 9, 1, 10); got < 1.669*0.97 || got > 1.669*1.03 {
		t.Fatalf("floor M/M/10 mean sojourn %g, want 1.669", got)
	}
}

// TestMemoryFlatInRunLength checks that doubling the run length of the
// reference model adds almost no heap allocations: records are pooled,
// events allocate nothing, and histograms have a fixed size.
func TestMemoryFlatInRunLength(t *testing.T) {
	allocs := func(customers int) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, err := simulate.Run(mmc10(customers)); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs
	}
	short, long := allocs(100_000), allocs(400_000)
	t.Logf("allocations: %d for 100k customers, %d for 400k", short, long)
	if long > short+500 {
		t.Fatalf("allocations grow with run length: %d for 100k customers, %d for 400k", short, long)
	}
}

// BenchmarkDayAutoscaled runs a day of traffic with a daily cycle (mean
// 1000 req/s, peak-to-trough 4) on a load balancer and an app tier under an
// HPA, sampled every minute, and reports requests and events per second of
// wall time and the wall time of the whole day.
func BenchmarkDayAutoscaled(b *testing.B) {
	s, err := scenarios.Parse("day", []byte(`name: day
workload:
  rate: 1000
  shape: [{diurnal: {peak_to_trough: 4, peak_at: 20h}}]
entry: lb
nodes:
  lb: {kind: load_balancer, targets: app}
  app:
    kind: service
    instances: 20
    workers: 8
    service_time: {dist: exponential, mean: 80ms}
    autoscale: {min: 4, max: 100, metric: utilization, target: 60%}
slo: {p99: 500ms}
run: {warmup: 0s, duration: 1d, sample: 1m, max_requests: 100M}
`))
	if err != nil {
		b.Fatal(err)
	}
	events, requests := runBench(b, s)
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(requests)/sec, "requests/s")
	b.ReportMetric(float64(events)/sec, "events/s")
	b.ReportMetric(sec/float64(b.N), "s/day")
}
