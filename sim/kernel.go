package sim

import "math"

// Time is a point in simulated time, in seconds since the start of a run.
// Durations between events are plain float64 seconds.
type Time float64

// Forever is later than any event a run can schedule.
const Forever = Time(math.MaxFloat64)

// Handler receives the events scheduled for it.
//
// op is a small model-defined opcode and data a model-defined payload. To keep
// scheduling free of allocations, data should be a pointer (or nil): storing a
// pointer in an interface does not allocate.
type Handler interface {
	Handle(now Time, op int, data any)
}

// entry is one element of the heap: 24 bytes, so sifting moves little memory.
// The payload it fires lives in Kernel.slots[slot].
type entry struct {
	at   Time
	seq  uint64
	slot int32
}

func (e *entry) before(o *entry) bool {
	return e.at < o.at || (e.at == o.at && e.seq < o.seq)
}

type payload struct {
	to   Handler
	op   int
	data any
}

// Kernel is a discrete-event simulation clock and event queue.
//
// Events scheduled for the same instant fire in the order they were
// scheduled, so a run is fully determined by its inputs. The zero Kernel is
// ready to use at time 0. Once the queue has grown to its working size,
// scheduling and delivering events allocate nothing.
type Kernel struct {
	now    Time
	seq    uint64
	heap   []entry   // 4-ary min-heap ordered by (at, seq)
	slots  []payload // payloads of pending events, indexed by entry.slot
	free   []int32   // unused indexes of slots
	fired  uint64
	halted bool
}

// Now is the current simulated time.
func (k *Kernel) Now() Time { return k.now }

// Fired is the number of events delivered so far.
func (k *Kernel) Fired() uint64 { return k.fired }

// Pending is the number of scheduled events not yet delivered.
func (k *Kernel) Pending() int { return len(k.heap) }

// At schedules an event for handler h at absolute time t. A time in the past
// is treated as now: simulated time never goes backwards.
func (k *Kernel) At(t Time, h Handler, op int, data any) {
	if t < k.now {
		t = k.now
	}
	var slot int32
	if n := len(k.free); n > 0 {
		slot = k.free[n-1]
		k.free = k.free[:n-1]
	} else {
		slot = int32(len(k.slots))
		k.slots = append(k.slots, payload{})
	}
	k.slots[slot] = payload{to: h, op: op, data: data}
	k.seq++
	k.heap = append(k.heap, entry{at: t, seq: k.seq, slot: slot})
	k.up(len(k.heap) - 1)
}

// After schedules an event for handler h after delay seconds.
func (k *Kernel) After(delay float64, h Handler, op int, data any) {
	k.At(k.now+Time(delay), h, op, data)
}

// Halt makes the current Run return after the event being handled.
func (k *Kernel) Halt() { k.halted = true }

// Step delivers the earliest event. It reports false, without advancing the
// clock, when no event is pending or the earliest is later than until.
func (k *Kernel) Step(until Time) bool {
	if len(k.heap) == 0 || k.heap[0].at > until {
		return false
	}
	e := k.heap[0]
	last := len(k.heap) - 1
	k.heap[0] = k.heap[last]
	k.heap = k.heap[:last]
	if last > 0 {
		k.down(0)
	}
	p := k.slots[e.slot]
	k.slots[e.slot] = payload{} // drop references for the garbage collector
	k.free = append(k.free, e.slot)
	k.now = e.at
	k.fired++
	p.to.Handle(e.at, p.op, p.data)
	return true
}

// Run delivers events in time order until none is left at or before until,
// or a handler calls Halt. If the queue runs dry before a finite until, the
// clock is advanced to until, so time averages can be closed at a known
// instant.
func (k *Kernel) Run(until Time) {
	k.halted = false
	for !k.halted && k.Step(until) {
	}
	if !k.halted && until != Forever && k.now < until {
		k.now = until
	}
}

// The heap is 4-ary: shallower than a binary heap, with the children of a node
// adjacent in memory.
const arity = 4

func (k *Kernel) up(i int) {
	h := k.heap
	e := h[i]
	for i > 0 {
		p := (i - 1) / arity
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

func (k *Kernel) down(i int) {
	h := k.heap
	n := len(h)
	e := h[i]
	for {
		first := arity*i + 1
		if first >= n {
			break
		}
		best := first
		end := min(first+arity, n)
		for c := first + 1; c < end; c++ {
			if h[c].before(&h[best]) {
				best = c
			}
		}
		if !h[best].before(&e) {
			break
		}
		h[i] = h[best]
		i = best
	}
	h[i] = e
}
