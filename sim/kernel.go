package sim

import (
	"math"
	"unsafe"
)

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

// payload is what a pending event delivers. A cancelled event keeps its
// slot, with to nil, until it reaches the top of the heap or the heap is
// compacted.
type payload struct {
	to   Handler
	data any
	op   int32
	// gen counts the slot's uses, so that a Timer of an event that has
	// fired or been cancelled no longer matches it.
	gen uint32
}

// Timer names a scheduled event so that it can be cancelled. It is a small
// value (a slot and a generation), valid until its event fires or is
// cancelled; after that Cancel reports false for it, in O(1), even once the
// slot holds another event. The zero Timer names no event.
type Timer struct {
	slot int32 // slot + 1, so that the zero Timer is no event
	gen  uint32
}

// Kernel is a discrete-event simulation clock and event queue.
//
// Events scheduled for the same instant fire in the order they were
// scheduled, so a run is fully determined by its inputs. The zero Kernel is
// ready to use at time 0. Once the queue has grown to its working size,
// scheduling, cancelling and delivering events allocate nothing.
type Kernel struct {
	now       Time
	seq       uint64
	heap      []entry   // 4-ary min-heap ordered by (at, seq)
	slots     []payload // payloads of pending events, indexed by entry.slot
	free      []int32   // unused indexes of slots
	cancelled int       // entries in heap whose event was cancelled
	fired     uint64
	halted    bool
	// watch, when set, is called once fired reaches watchAt (see Watch).
	watch   func() uint64
	watchAt uint64
}

// Watch makes Run call f once the events delivered reach at, and again
// whenever they reach the count f returned last; f may Halt the run. It
// is where budgets are kept: a check every so many events holds wherever
// the events come from, at the cost of one comparison per event. A nil f
// stops watching.
func (k *Kernel) Watch(at uint64, f func() (next uint64)) {
	k.watch, k.watchAt = f, at
}

// Now is the current simulated time.
func (k *Kernel) Now() Time { return k.now }

// Fired is the number of events delivered so far (cancelled events are not
// delivered).
func (k *Kernel) Fired() uint64 { return k.fired }

// Pending is the number of scheduled events not yet delivered or cancelled.
func (k *Kernel) Pending() int { return len(k.heap) - k.cancelled }

// Bytes is about how much memory the event queue holds: its heap, payload
// slots and free list at their capacities (what the events' data point to
// is their owners' to count).
//
// A slice is counted at its capacity, or at the capacity its next growth
// gives it (Go's append grows a large slice by about a quarter) once its
// length nears that: so the figure grows a little with each event, and a
// budget kept on it is met closely rather than passed by a growth all at
// once.
func (k *Kernel) Bytes() float64 {
	room := func(length, capacity int) float64 { return math.Max(float64(capacity), float64(1.25*float64(length))) }
	return float64(room(len(k.heap), cap(k.heap))*float64(unsafe.Sizeof(entry{}))) +
		float64(room(len(k.slots), cap(k.slots))*float64(unsafe.Sizeof(payload{}))) + float64(room(len(k.free), cap(k.free))*4)
}

// At schedules an event for handler h at absolute time t and returns its
// Timer. A time in the past is treated as now: simulated time never goes
// backwards.
func (k *Kernel) At(t Time, h Handler, op int, data any) Timer {
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
	p := &k.slots[slot]
	p.to, p.data, p.op = h, data, int32(op)
	k.seq++
	k.heap = append(k.heap, entry{at: t, seq: k.seq, slot: slot})
	k.up(len(k.heap) - 1)
	return Timer{slot: slot + 1, gen: p.gen}
}

// After schedules an event for handler h after delay seconds and returns
// its Timer.
func (k *Kernel) After(delay float64, h Handler, op int, data any) Timer {
	return k.At(k.now+Time(delay), h, op, data)
}

// Cancel withdraws the event t names, so that it is never delivered, and
// reports whether it did: false for the zero Timer and for an event that
// has already fired or been cancelled. It takes O(1): the event's heap entry
// is dropped when it reaches the top, or when cancelled entries make up
// half the heap, which is then compacted, so memory stays proportional to
// the events pending.
func (k *Kernel) Cancel(t Timer) bool {
	slot := t.slot - 1
	if slot < 0 || int(slot) >= len(k.slots) {
		return false
	}
	p := &k.slots[slot]
	if p.gen != t.gen || p.to == nil {
		return false
	}
	p.to, p.data = nil, nil
	k.cancelled++
	if k.cancelled > compactMin && 2*k.cancelled > len(k.heap) {
		k.compact()
	}
	return true
}

// compactMin is the fewest cancelled entries worth a compaction.
const compactMin = 64

// compact drops the entries of cancelled events from the heap and frees
// their slots. The order of the rest is fixed by (at, seq), so compacting
// changes nothing that is delivered.
func (k *Kernel) compact() {
	live := k.heap[:0]
	for _, e := range k.heap {
		if k.slots[e.slot].to == nil {
			k.release(e.slot)
			continue
		}
		live = append(live, e)
	}
	k.heap = live
	k.cancelled = 0
	for i := len(k.heap)/arity + 1; i >= 0; i-- {
		if i < len(k.heap) {
			k.down(i)
		}
	}
}

// release frees a slot for reuse; its generation moves on so that old
// Timers no longer match it.
func (k *Kernel) release(slot int32) {
	p := &k.slots[slot]
	p.to, p.data = nil, nil
	p.gen++
	k.free = append(k.free, slot)
}

// Halt makes the current Run return after the event being handled.
func (k *Kernel) Halt() { k.halted = true }

// Step delivers the earliest event. It reports false, without advancing the
// clock, when no event is pending or the earliest is later than until.
// Cancelled events on the way are dropped without moving the clock.
func (k *Kernel) Step(until Time) bool {
	for len(k.heap) > 0 && k.heap[0].at <= until {
		e := k.heap[0]
		last := len(k.heap) - 1
		k.heap[0] = k.heap[last]
		k.heap = k.heap[:last]
		if last > 0 {
			k.down(0)
		}
		p := k.slots[e.slot]
		k.release(e.slot) // drop references for the garbage collector
		if p.to == nil {
			k.cancelled--
			continue
		}
		k.now = e.at
		k.fired++
		p.to.Handle(e.at, int(p.op), p.data)
		return true
	}
	return false
}

// Run delivers events in time order until none is left at or before until,
// or a handler calls Halt. If the queue runs dry before a finite until, the
// clock is advanced to until, so time averages can be closed at a known
// instant.
func (k *Kernel) Run(until Time) {
	k.halted = false
	for !k.halted && k.Step(until) {
		if k.watch != nil && k.fired >= k.watchAt {
			k.watchAt = k.watch()
		}
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
