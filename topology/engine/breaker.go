package engine

import (
	"math"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// Circuit breaker states.
const (
	breakerClosed = iota
	breakerOpen
	breakerHalfOpen
)

// breaker is the runtime of a topology.CircuitBreaker.
type breaker struct {
	spec     *topology.CircuitBreaker
	state    int
	openedAt sim.Time
	// The count window: the last outcomes, failed or not, in a ring.
	ring        []bool
	next, calls int
	fails       int
	// The time window: per-second buckets, oldest first.
	buckets []breakerBucket
	// Half-open: calls let through, their outcomes and failures.
	permitted, done, halfFails int
	opened                     int64 // times it opened in the measurement window
}

type breakerBucket struct {
	second       int64
	calls, fails int
}

func newBreaker(spec *topology.CircuitBreaker) *breaker {
	b := &breaker{spec: spec}
	if spec.WindowTime == 0 {
		b.ring = make([]bool, spec.Window)
	}
	return b
}

// allow says whether a call may be made at now.
func (b *breaker) allow(now sim.Time) bool {
	if b.state == breakerOpen && now >= b.openedAt+sim.Time(b.spec.OpenFor) {
		b.state, b.permitted, b.done, b.halfFails = breakerHalfOpen, 0, 0, 0
	}
	switch b.state {
	case breakerOpen:
		return false
	case breakerHalfOpen:
		if b.permitted >= b.spec.HalfOpen {
			return false
		}
		b.permitted++
	}
	return true
}

// record takes the outcome of an attempt that ended at now.
func (b *breaker) record(now sim.Time, failed bool) {
	switch b.state {
	case breakerHalfOpen:
		if b.done >= b.permitted {
			return // a call from before it opened
		}
		b.done++
		if failed {
			b.halfFails++
		}
		if b.done == b.spec.HalfOpen {
			if float64(b.halfFails) >= float64(b.spec.FailureRate*float64(b.done)) {
				b.open(now)
			} else {
				b.close()
			}
		}
		return
	case breakerOpen:
		return
	}
	calls, fails := b.add(now, failed)
	if calls >= b.spec.MinCalls && float64(fails) >= float64(b.spec.FailureRate*float64(calls)) {
		b.open(now)
	}
}

// add puts an outcome in the window and returns the window's calls and
// failures.
func (b *breaker) add(now sim.Time, failed bool) (calls, fails int) {
	if b.ring != nil {
		if b.calls == len(b.ring) {
			if b.ring[b.next] {
				b.fails--
			}
		} else {
			b.calls++
		}
		b.ring[b.next] = failed
		if failed {
			b.fails++
		}
		b.next = (b.next + 1) % len(b.ring)
		return b.calls, b.fails
	}
	sec := int64(math.Floor(float64(now)))
	keep := 0
	for keep < len(b.buckets) && b.buckets[keep].second <= sec-int64(b.spec.WindowTime) {
		keep++
	}
	b.buckets = b.buckets[keep:]
	if n := len(b.buckets); n == 0 || b.buckets[n-1].second != sec {
		b.buckets = append(b.buckets, breakerBucket{second: sec})
	}
	last := &b.buckets[len(b.buckets)-1]
	last.calls++
	if failed {
		last.fails++
	}
	for _, bk := range b.buckets {
		calls += bk.calls
		fails += bk.fails
	}
	return calls, fails
}

func (b *breaker) open(now sim.Time) {
	b.state, b.openedAt = breakerOpen, now
	b.opened++
}

// close closes the breaker with an empty window.
func (b *breaker) close() {
	b.state = breakerClosed
	clear(b.ring)
	b.next, b.calls, b.fails = 0, 0, 0
	b.buckets = b.buckets[:0]
}
