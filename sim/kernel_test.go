package sim

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// tracer is a Handler that appends "time name" lines and may schedule a
// follow-up event, as a kernel test script asks.
type tracer struct {
	k     *Kernel
	out   *strings.Builder
	names []string
	then  map[int]followUp
}

type followUp struct {
	delay float64
	name  int
}

func (t *tracer) Handle(now Time, op int, _ any) {
	fmt.Fprintf(t.out, "%g %s\n", float64(now), t.names[op])
	if f, ok := t.then[op]; ok {
		t.k.After(f.delay, t, f.name, nil)
	}
}

func (t *tracer) name(s string) int {
	t.names = append(t.names, s)
	return len(t.names) - 1
}

// runScript interprets a kernel test script: "at T NAME [then D NAME2]"
// schedules NAME at T (and, when NAME fires, NAME2 after D); "run [UNTIL]"
// runs the kernel. It returns the trace.
func runScript(t *testing.T, script string) string {
	var out strings.Builder
	k := &Kernel{}
	tr := &tracer{k: k, out: &out, then: map[int]followUp{}}
	for lineNo, line := range strings.Split(script, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		bad := func() { t.Fatalf("script line %d: cannot read %q", lineNo+1, line) }
		switch {
		case f[0] == "at" && (len(f) == 3 || len(f) == 6 && f[3] == "then"):
			at, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				bad()
			}
			op := tr.name(f[2])
			if len(f) == 6 {
				d, err := strconv.ParseFloat(f[4], 64)
				if err != nil {
					bad()
				}
				tr.then[op] = followUp{d, tr.name(f[5])}
			}
			k.At(Time(at), tr, op, nil)
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
