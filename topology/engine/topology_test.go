package engine

import (
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// build decodes a nodes section and builds its network on a fresh kernel,
// with the options changed as each of with says.
func build(t *testing.T, entry, nodes string, with ...func(*Options)) (*Network, *sim.Kernel, *outcomes) {
	t.Helper()
	return buildTopology(t, decodeNodes(t, entry, nodes), with...)
}

// decodeNodes decodes and checks a nodes section.
func decodeNodes(t *testing.T, entry, nodes string) *topology.Topology {
	t.Helper()
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: " + entry + "\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	d.Place(root, topo.Validate([]string{"read", "write"}, true))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	return topo
}

// buildTopology builds topo's network on a fresh kernel, with the options
// changed as each of with says.
func buildTopology(t *testing.T, topo *topology.Topology, with ...func(*Options)) (*Network, *sim.Kernel, *outcomes) {
	t.Helper()
	k := &sim.Kernel{}
	obs := &outcomes{}
	opts := Options{Seed: 1, Classes: []string{"read", "write"}}
	for _, f := range with {
		f(&opts)
	}
	net, err := NewNetwork(topo, k, opts, obs)
	if err != nil {
		t.Fatal(err)
	}
	return net, k, obs
}

type outcomes struct {
	byKind   [Outcomes]int
	onFinish func(now sim.Time)
	// traced, when not nil, is told of each request that ends.
	traced func(r *Request, now sim.Time, out Outcome)
}

func (o *outcomes) Finished(r *Request, now sim.Time, out Outcome) {
	o.byKind[out]++
	if o.onFinish != nil {
		o.onFinish(now)
	}
	if o.traced != nil {
		o.traced(r, now, out)
	}
}

// TestRejectedCallFailsCaller checks that a call refused by a full queue
// fails the calling request, which the caller does not count as completed.
func TestRejectedCallFailsCaller(t *testing.T) {
	net, k, obs := build(t, "app", `
  app: {kind: service, workers: 4, service_time: 0s, calls: [db]}
  db: {kind: service, workers: 1, queue: 0, service_time: 1s}
`)
	net.Submit(0, -1, -1, -1)
	net.Submit(0, -1, -1, -1)
	k.Run(sim.Forever)
	if obs.byKind[Completed] != 1 || obs.byKind[Rejected] != 1 {
		t.Fatalf("outcomes %v, want one completed and one rejected", obs.byKind)
	}
	st := net.Stats(1, k.Now())
	if st[0].Completed != 1 || st[1].Rejected != 1 {
		t.Fatalf("app completed %d, db rejected %d; want 1 and 1", st[0].Completed, st[1].Rejected)
	}
}

// TestBlockingHoldsWorker checks that a blocking service keeps its worker
// through its calls, so a second request waits for the first one's call;
// an event-loop service frees the worker, so both calls overlap.
func TestBlockingHoldsWorker(t *testing.T) {
	for _, c := range []struct {
		blocking bool
		end      sim.Time
	}{{true, 2}, {false, 1}} {
		net, k, _ := build(t, "app", `
  app: {kind: service, workers: 1, blocking: `+map[bool]string{true: "true", false: "false"}[c.blocking]+`, service_time: 0s, calls: [db]}
  db: {kind: service, workers: 2, service_time: 1s}
`)
		net.Submit(0, -1, -1, -1)
		net.Submit(0, -1, -1, -1)
		k.Run(sim.Forever)
		if k.Now() != c.end {
			t.Errorf("blocking=%v: both done at %v, want %v", c.blocking, k.Now(), c.end)
		}
	}
}

// TestClassFilteredCalls checks that a call limited to a class is made only
// for requests of that class.
func TestClassFilteredCalls(t *testing.T) {
	net, k, _ := build(t, "app", `
  app: {kind: service, service_time: 0s, calls: [{to: db, classes: [write]}]}
  db: {kind: service, service_time: 1s}
`)
	net.Submit(0, -1, -1, -1) // read
	net.Submit(1, -1, -1, -1) // write
	net.Submit(1, -1, -1, -1) // write
	k.Run(sim.Forever)
	if st := net.Stats(1, k.Now()); st[1].Arrivals != 2 {
		t.Fatalf("db saw %d calls, want 2 (writes only)", st[1].Arrivals)
	}
}

// TestDecodeErrors checks topology-level validation messages.
func TestDecodeErrors(t *testing.T) {
	cases := map[string]string{
		"  a: {kind: service}\n": `service a needs a service_time`,
		"  a: {kind: load_balancer, targets: [b]}\n  b: {kind: load_balancer, targets: a}\n": `can only target services`,
		"  a: {kind: service, service_time: 1ms, calls: [{too: b}]}\n":                       `unknown field "too" in call from a (did you mean "to"?)`,
		"  a: {kind: service, service_time: 1ms, instances: 20000}\n":                        `at most 10000 instances`,
		"  a: {service_time: 1ms}\n":                                                         `node a needs a kind`,
	}
	for nodes, want := range cases {
		d := &yamlfile.Decoder{File: "t.yaml"}
		root := d.Parse([]byte("entry: a\nnodes:\n" + nodes))
		m, _ := d.Mapping(root, "test", "entry", "nodes")
		topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
		d.Place(root, topo.Validate(nil, false))
		if err := d.Err(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("nodes:\n%s\nerror %v, want one containing %q", nodes, err, want)
		}
	}
}

// TestNetworkNoAllocs checks that a request's whole life through a balancer
// and two services allocates nothing once pools are warm.
func TestNetworkNoAllocs(t *testing.T) {
	net, k, _ := build(t, "lb", `
  lb: {kind: load_balancer, algorithm: power_of_two, targets: app}
  app: {kind: service, instances: 4, workers: 2, service_time: {dist: exponential, mean: 1ms}, calls: [db]}
  db: {kind: service, workers: 4, service_time: {dist: lognormal, mean: 1ms, cv: 1}}
`)
	for i := 0; i < 100; i++ {
		net.Submit(0, -1, -1, -1)
	}
	k.Run(sim.Forever)
	allocs := testing.AllocsPerRun(1000, func() {
		net.Submit(0, -1, -1, -1)
		k.Run(sim.Forever)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per request", allocs)
	}
}

// TestFinishedRequestLeavesMemory checks that a request that completes
// before its client timeout frees its record and its timeout event at once:
// with an hour's timeout and a request every 10 ms, only the requests in
// flight are held, not an hour's worth.
func TestFinishedRequestLeavesMemory(t *testing.T) {
	net, k, obs := build(t, "app", `
  app: {kind: service, workers: 4, service_time: {dist: exponential, mean: 1ms}}
`, func(o *Options) { o.Timeout = 3600 })
	const requests = 20_000
	for i := range requests {
		k.Run(sim.Time(float64(i) * 0.01))
		net.Submit(0, -1, -1, -1)
		if p := k.Pending(); p > 8 {
			t.Fatalf("after %d requests, %d events pending: timeouts of finished requests are kept", i+1, p)
		}
	}
	k.Run(sim.Forever)
	if obs.byKind[Completed] != requests || obs.byKind[TimedOut] != 0 {
		t.Fatalf("outcomes %v, want %d completed", obs.byKind, requests)
	}
	if records := len(net.freeReqs); records > 8 {
		t.Fatalf("%d request records allocated for %d requests, at most a few in flight at once", records, requests)
	}
}

// TestTimeoutStillFires checks the other side: a request slower than its
// timeout is reported timed out once, at the timeout, and its record is
// freed when its work ends.
func TestTimeoutStillFires(t *testing.T) {
	net, k, obs := build(t, "app", `
  app: {kind: service, service_time: 2s}
`, func(o *Options) { o.Timeout = 0.5 })
	var at sim.Time
	obs.onFinish = func(now sim.Time) { at = now }
	net.Submit(0, -1, -1, -1)
	k.Run(sim.Forever)
	if obs.byKind != [Outcomes]int{TimedOut: 1} || at != 0.5 {
		t.Fatalf("outcomes %v at %v, want one timeout at 0.5s", obs.byKind, at)
	}
	if net.InFlight() != 0 || len(net.freeReqs) != 1 {
		t.Fatalf("in flight %d, free records %d: the record was not freed", net.InFlight(), len(net.freeReqs))
	}
}

// TestFreedJobTimerNeverFires checks the lifecycle of a visit's timer: a
// timer kept in a job record is cancelled when the record is freed, so it
// cannot fire on the next visit that reuses the record.
func TestFreedJobTimerNeverFires(t *testing.T) {
	net, k, _ := build(t, "app", `
  app: {kind: service, service_time: 1ms}
`)
	fired := 0
	var h handler = func(sim.Time, int, any) { fired++ }
	r := net.newRequest(0, -1, -1, -1)
	j := net.newJob(r, nil)
	j.timer = k.After(1, h, 0, j)
	net.freeJob(j)
	reused := net.newJob(r, nil)
	if reused != j {
		t.Fatal("the freed record was not reused")
	}
	reused.timer = k.After(2, h, 0, reused) // the new visit's own timer
	k.Run(sim.Forever)
	if fired != 1 || k.Now() != 2 {
		t.Fatalf("%d timers fired, the last at %v; want only the new visit's, at 2", fired, k.Now())
	}
}

type handler func(now sim.Time, op int, data any)

func (h handler) Handle(now sim.Time, op int, data any) { h(now, op, data) }

// TestStallIsDetected runs, without validation, a topology whose requests
// can never finish (a coalesced miss whose miss path gets from the same
// cache, which validation refuses) and checks that the network notices the
// first moment no work is under way with requests in flight, and halts.
func TestStallIsDetected(t *testing.T) {
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte(`entry: app
nodes:
  app: {kind: service, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [helper]}]}
  helper: {kind: service, service_time: 1ms, calls: [{to: cache, op: get, on_miss: [db]}]}
  cache: {kind: cache, capacity: 10, coalesce: true}
  db: {kind: database, service_time: 1ms}
`))
	m, _ := d.Mapping(root, "test", "entry", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	if errs := topo.Validate([]string{"read", "write"}, true); len(errs) != 1 || !strings.Contains(errs[0].Error(), "its own fill") {
		t.Fatalf("validation: %v, want the coalesced-fill cycle refused", errs)
	}
	k := &sim.Kernel{}
	obs := &outcomes{}
	net, err := NewNetwork(topo, k, Options{Seed: 1, Classes: []string{"read", "write"}, KeyCount: 10}, obs)
	if err != nil {
		t.Fatal(err)
	}
	net.Submit(0, -1, -1, 3)
	k.Run(sim.Time(3600))
	if net.Stalled() == "" || obs.byKind[Completed] != 0 || k.Now() > 0.01 {
		t.Fatalf("stalled %q at %v with %v outcomes; want a stall noticed within milliseconds", net.Stalled(), k.Now(), obs.byKind)
	}
}

// TestNoFalseStall checks the other side: slow work (an hour of service)
// is not a stall, however long nothing completes.
func TestNoFalseStall(t *testing.T) {
	net, k, obs := build(t, "app", `
  app: {kind: service, workers: 4, service_time: 1h}
`)
	for range 4 {
		net.Submit(0, -1, -1, -1)
	}
	k.Run(sim.Forever)
	if net.Stalled() != "" || obs.byKind[Completed] != 4 {
		t.Fatalf("stalled %q, outcomes %v", net.Stalled(), obs.byKind)
	}
}
