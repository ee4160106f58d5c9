package sim

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// tracer is a Handler that appends "time name" lines and may schedule a
// follow-up event, as a kernel test script asks.
type tracer struct {
	k      *Kernel
	out    *strings.Builder
	names  []string
	then   map[int]followUp
	timers map[string]Timer // the latest scheduling of each name
}

// followUp is what a script asks an event to do when it fires: schedule
// another after a delay, or cancel another.
type followUp struct {
	delay   float64
	name    int
	cancels string
}

func (t *tracer) Handle(now Time, op int, _ any) {
	fmt.Fprintf(t.out, "%g %s\n", float64(now), t.names[op])
	f, ok := t.then[op]
	switch {
	case !ok:
	case f.cancels != "":
		t.cancel(f.cancels)
	default:
		t.timers[t.names[f.name]] = t.k.After(f.delay, t, f.name, nil)
	}
}

func (t *tracer) cancel(name string) {
	fmt.Fprintf(t.out, "%g cancel %s: %v\n", float64(t.k.Now()), name, t.k.Cancel(t.timers[name]))
}

func (t *tracer) name(s string) int {
	t.names = append(t.names, s)
	return len(t.names) - 1
}

// runScript interprets a kernel test script: "at T NAME [then D NAME2]"
// schedules NAME at T (and, when NAME fires, NAME2 after D); "at T NAME
// cancels NAME2" schedules NAME, which cancels NAME2 when it fires; "cancel
// NAME" cancels NAME's latest scheduling now; "run [UNTIL]" runs the
// kernel. It returns the trace.
func runScript(t *testing.T, script string) string {
	var out strings.Builder
	k := &Kernel{}
	tr := &tracer{k: k, out: &out, then: map[int]followUp{}, timers: map[string]Timer{}}
	for lineNo, line := range strings.Split(script, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		bad := func() { t.Fatalf("script line %d: cannot read %q", lineNo+1, line) }
		switch {
		case f[0] == "at" && (len(f) == 3 || len(f) == 6 && f[3] == "then" || len(f) == 5 && f[3] == "cancels"):
			at, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				bad()
			}
			op := tr.name(f[2])
			switch len(f) {
			case 6:
				d, err := strconv.ParseFloat(f[4], 64)
				if err != nil {
					bad()
				}
				tr.then[op] = followUp{delay: d, name: tr.name(f[5])}
			case 5:
				tr.then[op] = followUp{cancels: f[4]}
			}
			tr.timers[f[2]] = k.At(Time(at), tr, op, nil)
		case f[0] == "cancel" && len(f) == 2:
			tr.cancel(f[1])
		case f[0] == "run" && len(f) <= 2:
			until := Forever
			if len(f) == 2 {
				u, err := strconv.ParseFloat(f[1], 64)
				if err != nil {
					bad()
				}
				until = Time(u)
			}
			k.Run(until)
			fmt.Fprintf(&out, "run ended at %g with %d pending\n", float64(k.Now()), k.Pending())
		default:
			bad()
		}
	}
	return out.String()
}

// TestKernelScripts runs each script under testdata/kernel and compares the
// trace with the part after "----". With -update the expected part is
// rewritten.
func TestKernelScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/kernel/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no kernel scripts found: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, want, found := strings.Cut(string(raw), "----\n")
			if !found {
				t.Fatalf("%s: no ---- separator", file)
			}
			got := runScript(t, input)
			if *update {
				if err := os.WriteFile(file, []byte(input+"----\n"+got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("trace differs\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}

// TestKernelHeapOrder schedules many events at pseudo-random times and checks
// that they come out sorted by time, ties in scheduling order.
func TestKernelHeapOrder(t *testing.T) {
	k := &Kernel{}
	r := NewStream(1, "heap")
	var got []float64
	rec := handlerFunc(func(now Time, op int, _ any) { got = append(got, float64(now)*1e6+float64(op)) })
	const n = 5000
	for i := 0; i < n; i++ {
		k.At(Time(r.IntN(100)), rec, i, nil) // many ties
	}
	k.Run(Forever)
	if len(got) != n {
		t.Fatalf("fired %d events, want %d", len(got), n)
	}
	for i := 1; i < n; i++ {
		if got[i] < got[i-1] {
			t.Fatalf("event %d out of order: %v after %v", i, got[i], got[i-1])
		}
	}
}

type handlerFunc func(now Time, op int, data any)

func (f handlerFunc) Handle(now Time, op int, data any) { f(now, op, data) }

// TestKernelHalt checks that Halt stops Run after the current event.
func TestKernelHalt(t *testing.T) {
	k := &Kernel{}
	fired := 0
	h := handlerFunc(func(Time, int, any) {
		fired++
		if fired == 2 {
			k.Halt()
		}
	})
	for i := 1; i <= 4; i++ {
		k.At(Time(i), h, 0, nil)
	}
	k.Run(Forever)
	if fired != 2 || k.Now() != 2 || k.Pending() != 2 {
		t.Fatalf("after Halt: fired %d, now %v, pending %d; want 2, 2, 2", fired, k.Now(), k.Pending())
	}
}

// TestKernelWatch checks that a watch is called when the events delivered
// reach the count it asked for, wherever the events come from (here, each
// event schedules the next at the same instant, as a chain of zero-delay
// work would), and that it can halt the run at an exact count.
func TestKernelWatch(t *testing.T) {
	k := &Kernel{}
	var h handlerFunc
	h = func(Time, int, any) { k.After(0, h, 0, nil) } // never ends by itself
	k.At(0, h, 0, nil)
	var calls []uint64
	k.Watch(10, func() uint64 {
		calls = append(calls, k.Fired())
		if k.Fired() >= 35 {
			k.Halt()
		}
		return min(k.Fired()+10, 35)
	})
	k.Run(Forever)
	want := []uint64{10, 20, 30, 35}
	if fmt.Sprint(calls) != fmt.Sprint(want) || k.Fired() != 35 {
		t.Fatalf("watch called at %v (fired %d); want %v (fired 35)", calls, k.Fired(), want)
	}
}

// TestKernelNoAllocs checks that scheduling and delivering events allocates
// nothing once the heap has grown.
func TestKernelNoAllocs(t *testing.T) {
	k := &Kernel{}
	var h handlerFunc = func(Time, int, any) {}
	payload := &struct{ x int }{}
	for i := 0; i < 1000; i++ {
		k.After(float64(i), h, 0, payload)
	}
	allocs := testing.AllocsPerRun(100, func() {
		k.After(1500, h, 1, payload)
		k.Step(Forever)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per schedule+step, want 0", allocs)
	}
}

// BenchmarkKernel measures schedule+deliver throughput in the steady state of
// a hold model: each delivered event schedules one more, with 10 or 1000
// events pending (a small M/M/c model, a mid-sized network).
func BenchmarkKernel(b *testing.B) {
	for _, pending := range []int{10, 1000} {
		b.Run(fmt.Sprintf("pending=%d", pending), func(b *testing.B) {
			k := &Kernel{}
			r := NewStream(7, "bench")
			var h handlerFunc = func(Time, int, any) {}
			for i := 0; i < pending; i++ {
				k.After(r.ExpFloat64()*float64(pending), h, 0, nil)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k.After(r.ExpFloat64()*float64(pending), h, 0, nil)
				k.Step(Forever)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
		})
	}
}

// TestFIFO checks order across growth and wrap-around.
func TestFIFO(t *testing.T) {
	var q FIFO[int]
	next, want := 0, 0
	for round := 0; round < 50; round++ {
		for i := 0; i < round%7+3; i++ {
			q.Push(next)
			next++
		}
		for i := 0; i < round%5+1 && q.Len() > 0; i++ {
			if got := q.Pop(); got != want {
				t.Fatalf("popped %d, want %d", got, want)
			}
			want++
		}
	}
	for q.Len() > 0 {
		if got := q.Pop(); got != want {
			t.Fatalf("popped %d, want %d", got, want)
		}
		want++
	}
	if want != next {
		t.Fatalf("popped %d items, pushed %d", want, next)
	}
}

// TestKernelCancelMatchesModel schedules and cancels events at random,
// from outside and inside handlers, and checks that exactly the events not
// cancelled fire, in (time, scheduling) order, across compactions.
func TestKernelCancelMatchesModel(t *testing.T) {
	k := &Kernel{}
	r := NewStream(3, "cancel-model")
	type ev struct {
		at        Time
		seq       int
		timer     Timer
		cancelled bool
	}
	var events []*ev
	var fired []int
	var h handlerFunc
	schedule := func() {
		e := &ev{at: k.Now() + Time(r.IntN(50)), seq: len(events)}
		e.timer = k.At(e.at, h, e.seq, nil)
		events = append(events, e)
	}
	cancelSome := func() {
		e := events[r.IntN(len(events))]
		want := !e.cancelled && !slices.Contains(fired, e.seq)
		if got := k.Cancel(e.timer); got != want {
			t.Fatalf("Cancel(event %d) = %v, want %v", e.seq, got, want)
		}
		e.cancelled = e.cancelled || want
	}
	h = func(now Time, op int, _ any) {
		fired = append(fired, op)
		if len(events) < 20000 {
			schedule()
			for range r.IntN(3) {
				cancelSome()
			}
		}
	}
	for range 2000 {
		schedule()
	}
	for range 1500 {
		cancelSome()
	}
	k.Run(Forever)
	var want []int
	for _, e := range events {
		if !e.cancelled {
			want = append(want, e.seq)
		}
	}
	slices.SortStableFunc(want, func(a, b int) int { return cmp.Compare(events[a].at, events[b].at) })
	if !slices.Equal(fired, want) {
		t.Fatalf("fired %d events, want %d, or in another order", len(fired), len(want))
	}
	if k.Pending() != 0 || len(k.heap) != 0 {
		t.Fatalf("after the run: %d pending, %d heap entries", k.Pending(), len(k.heap))
	}
}

// TestKernelCancelEverything cancels every pending event, enough of them to
// compact the heap down to nothing, then schedules again.
func TestKernelCancelEverything(t *testing.T) {
	k := &Kernel{}
	fired := 0
	h := handlerFunc(func(Time, int, any) { fired++ })
	var timers []Timer
	for i := range 3 * compactMin {
		timers = append(timers, k.At(Time(i), h, 0, nil))
	}
	for _, tm := range timers {
		if !k.Cancel(tm) {
			t.Fatal("a pending event could not be cancelled")
		}
	}
	if k.Pending() != 0 || len(k.heap) > compactMin {
		t.Fatalf("%d pending, %d heap entries after cancelling everything", k.Pending(), len(k.heap))
	}
	k.At(5, h, 0, nil)
	k.Run(Forever)
	if fired != 1 || k.Now() != 5 {
		t.Fatalf("fired %d, now %v; want the one event left, at 5", fired, k.Now())
	}
}

// TestKernelTimersFlatMemory is the pattern of client timeouts: each of
// millions of requests schedules a long timeout and a short reply, and the
// reply cancels the timeout. The heap and the slots must stay proportional
// to the requests in flight, not grow with the requests run, and the steady
// state must allocate nothing.
func TestKernelTimersFlatMemory(t *testing.T) {
	requests := 3_000_000
	if testing.Short() {
		requests = 300_000
	}
	k := &Kernel{}
	r := NewStream(5, "timeouts")
	var timeouts []Timer // by request, reused as a ring
	const inFlight = 1000
	timeouts = make([]Timer, inFlight)
	sent, expired := 0, 0
	var h handlerFunc
	h = func(now Time, op int, data any) {
		switch op {
		case 0: // a reply: cancel its timeout, send the next request
			i := sent % inFlight
			if !k.Cancel(timeouts[i]) {
				t.Fatalf("request %d: its timeout was not pending", sent)
			}
			sent++
			if sent < requests {
				timeouts[i] = k.After(100, h, 1, nil) // far later than any reply
				k.After(r.ExpFloat64()*0.001, h, 0, nil)
			}
		case 1:
			expired++
		}
	}
	// One request at a time per ring slot keeps inFlight timeouts pending.
	for i := range inFlight {
		timeouts[i] = k.After(100, h, 1, nil)
	}
	k.After(0, h, 0, nil)
	maxHeap, maxSlots := 0, 0
	for k.Step(Forever) {
		maxHeap, maxSlots = max(maxHeap, len(k.heap)), max(maxSlots, len(k.slots))
		if sent == requests/2 {
			allocs := testing.AllocsPerRun(1000, func() { k.Step(Forever) })
			if allocs != 0 {
				t.Fatalf("%v allocations per event with cancels, want 0", allocs)
			}
		}
	}
	// The last reply cancelled one timeout and scheduled none.
	if expired != inFlight-1 {
		t.Fatalf("%d timeouts expired, want the %d left when the requests ran out", expired, inFlight-1)
	}
	// Live events: inFlight timeouts and one reply; cancelled entries are
	// compacted once they are half the heap.
	bound := 2*(inFlight+1) + compactMin + 1
	if maxHeap > bound || maxSlots > bound {
		t.Fatalf("after %d requests: heap grew to %d entries and %d slots, want at most %d", requests, maxHeap, maxSlots, bound)
	}
	t.Logf("%d requests, %d cancels: heap at most %d entries, %d slots", requests, requests, maxHeap, maxSlots)
}

// BenchmarkKernelTimeouts measures the cost of a timer that is almost
// always cancelled: each reply schedules the next reply and a timeout, and
// cancels the previous timeout, with 1000 requests in flight.
func BenchmarkKernelTimeouts(b *testing.B) {
	k := &Kernel{}
	r := NewStream(9, "bench-timeouts")
	const inFlight = 1000
	timeouts := make([]Timer, inFlight)
	next := 0
	var h handlerFunc = func(Time, int, any) {}
	for i := range inFlight {
		timeouts[i] = k.After(100, h, 1, nil)
		k.After(r.ExpFloat64(), h, 0, nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.Step(Forever)
		k.Cancel(timeouts[next])
		timeouts[next] = k.After(100, h, 1, nil)
		k.After(r.ExpFloat64(), h, 0, nil)
		next = (next + 1) % inFlight
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/request")
}

// TestFIFORoom checks that a queue's room grows with its length a little
// at a time and is never less than its capacity: 8 at first, twice the
// length past half the capacity, and the capacity after a drain.
func TestFIFORoom(t *testing.T) {
	var q FIFO[int]
	for i := 1; i <= 100; i++ {
		q.Push(i)
		if r := q.Room(); r < q.Cap() || r != max(q.Cap(), 2*i) {
			t.Fatalf("length %d, capacity %d: room %d", i, q.Cap(), r)
		}
	}
	for q.Len() > 0 {
		q.Pop()
	}
	if q.Room() != q.Cap() {
		t.Fatalf("drained: room %d, capacity %d", q.Room(), q.Cap())
	}
}
