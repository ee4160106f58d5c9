package topology

import (
	"math"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// CircuitBreaker is a call's circuit breaker, with resilience4j's
// semantics and defaults. Closed, it records each attempt's outcome in a
// sliding window (the last Window attempts, or with WindowTime the
// attempts of the last WindowTime seconds, in one-second buckets); once
// the window holds MinCalls and FailureRate of them failed, it opens:
// calls are refused (engine.CauseCircuitOpen) for OpenFor. The first call after
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

// DecodeBreaker reads {failure_rate, window: 100 | 10s, min_calls,
// open_for, half_open}.
func DecodeBreaker(d *yamlfile.Decoder, n *yaml.Node) *CircuitBreaker {
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
