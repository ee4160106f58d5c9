package topology

import (
	"math"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// CircuitBreaker is a call's circuit breaker, with resilience4j's
// semantics and defaults. Closed, it records each attempt's outcome in a
// sliding window (the last Window attempts, or with WindowTime the
// attempts of the last WindowTime seconds, in one-second buckets); once
// the window holds MinCalls and FailureRate of them failed, it opens:
// calls are refused (CauseCircuitOpen) for OpenFor. The first call after
// that half-opens it: HalfOpen calls are let through, and if their
// failure rate is below FailureRate it closes, else it opens again.
type CircuitBreaker struct {
	FailureRate float64
	Window      int
	WindowTime  float64
	MinCalls    int
	OpenFor     float64
	HalfOpen    int
}

// resilience4j's defaults: 50%, a window of the last 100 calls, at least
// 100 calls, 60 s open, 10 calls half-open.
const (
	DefaultBreakerFailureRate = 0.5
	DefaultBreakerWindow      = 100
	DefaultBreakerOpenFor     = 60.0
	DefaultBreakerHalfOpen    = 10
	MaxBreakerWindow          = 100_000
)

// decodeBreaker reads {failure_rate, window: 100 | 10s, min_calls,
// open_for, half_open}.
func decodeBreaker(d *yamlfile.Decoder, n *yaml.Node) *CircuitBreaker {
	b := &CircuitBreaker{FailureRate: DefaultBreakerFailureRate, Window: DefaultBreakerWindow,
		OpenFor: DefaultBreakerOpenFor, HalfOpen: DefaultBreakerHalfOpen}
	m, ok := d.Mapping(n, "circuit_breaker", "failure_rate", "window", "min_calls", "open_for", "half_open")
	if !ok {
		return b
	}
	if m.Has("failure_rate") {
		b.FailureRate, _ = d.Fraction(m.Get("failure_rate"), "circuit_breaker failure_rate")
	}
	if m.Has("window") {
		w := m.Get("window")
		if _, err := strconv.Atoi(w.Value); err == nil {
			b.Window, _ = d.Int(w, "circuit_breaker window", 1)
		} else if v, ok := d.Duration(w, "circuit_breaker window (a number of calls or a duration)"); ok {
			b.Window, b.WindowTime = 0, v
		}
	}
	b.MinCalls = b.Window
	if b.WindowTime > 0 {
		b.MinCalls = DefaultBreakerWindow
	}
	intField(d, m, "min_calls", "circuit_breaker", &b.MinCalls)
	DurationField(d, m, "open_for", "circuit_breaker", &b.OpenFor)
	intField(d, m, "half_open", "circuit_breaker", &b.HalfOpen)
	return b
}

// validate records what is wrong with the breaker, under its path.
func (b *CircuitBreaker) validate(e field.Errors) {
	if !(b.FailureRate > 0 && b.FailureRate <= 1) {
		e.Add("failure_rate", "a circuit breaker's failure_rate is a share above 0, at most 100%%")
	}
	if b.WindowTime == 0 {
		inRange(e, "window", "circuit_breaker", b.Window, 1, MaxBreakerWindow)
	} else if !(b.WindowTime >= 1 && b.WindowTime <= MaxBreakerWindow) {
		e.Add("window", "a circuit breaker's time window is from 1s to %ds", MaxBreakerWindow)
	}
	inRange(e, "min_calls", "circuit_breaker", b.MinCalls, 1, math.MaxInt32)
	if !(b.OpenFor > 0) || math.IsInf(b.OpenFor, 0) {
		e.Add("open_for", "a circuit breaker's open_for must be above 0")
	}
	inRange(e, "half_open", "circuit_breaker", b.HalfOpen, 1, MaxBreakerWindow)
}

// Circuit breaker states.
const (
	breakerClosed = iota
	breakerOpen
	breakerHalfOpen
)

// breaker is the runtime of a CircuitBreaker.
type breaker struct {
	spec     *CircuitBreaker
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

func newBreaker(spec *CircuitBreaker) *breaker {
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
