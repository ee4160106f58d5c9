package topology

import (
	"math"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// RateLimit is a token bucket in front of a node (as API gateways and
// Envoy's local rate limit have): it holds at most Burst tokens, gains
// Rate a second, and each request takes one; a request that finds none is
// turned away (CauseRateLimited). So at most Rate × t + Burst requests pass
// in any interval of t seconds.
type RateLimit struct {
	Rate, Burst float64
}

// DecodeRateLimit reads {rate, burst}; burst defaults to a second's worth.
func DecodeRateLimit(d *yamlfile.Decoder, n *yaml.Node, what string) *RateLimit {
	r := &RateLimit{}
	m, ok := d.Mapping(n, what+" rate_limit", "rate", "burst")
	if !ok {
		return r
	}
	if m.Has("rate") {
		r.Rate, _ = d.Positive(m.Get("rate"), "rate_limit rate")
	} else {
		d.Errorf(n, "%s rate_limit needs a rate: requests a second", what)
	}
	r.Burst = math.Max(1, r.Rate)
	if m.Has("burst") {
		r.Burst, _ = d.Positive(m.Get("burst"), "rate_limit burst")
	}
	return r
}

// Validate records what is wrong with the limit, under its path.
func (r *RateLimit) Validate(e field.Errors) {
	if !(r.Rate > 0) || math.IsInf(r.Rate, 0) {
		e.Add("rate", "a rate limit's rate must be above 0")
	}
	if !(r.Burst >= 1) || math.IsInf(r.Burst, 0) {
		e.Add("burst", "a rate limit's burst must be at least 1")
	}
}

// Limiter is the runtime of a RateLimit: a token bucket (Take).
type Limiter = limiter

// limiter is the runtime of a RateLimit.
type limiter struct {
	rate, burst, tokens float64
	last                sim.Time
}

// NewLimiter is the runtime of r, nil for a nil r.
func NewLimiter(r *RateLimit) *Limiter {
	if r == nil {
		return nil
	}
	return &limiter{rate: r.Rate, burst: r.Burst, tokens: r.Burst}
}

// Take takes a token at now, and reports whether there was one.
func (l *limiter) Take(now sim.Time) bool { return l.take(now) }

// take takes a token at now, and reports whether there was one.
func (l *limiter) take(now sim.Time) bool {
	l.tokens = math.Min(l.burst, l.tokens+float64(float64(now-l.last)*l.rate))
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// Shedding turns requests away at a service before they queue: when an
// instance holds MaxConcurrency requests already (Envoy's circuit-breaker
// max_requests, per instance; 0 is no limit), or when the wait the queue
// promises (its length ÷ workers × the mean holding time) is longer than
// ShedAfter (nil: no such shedding; 0: any wait at all is too long).
type Shedding struct {
	MaxConcurrency int
	ShedAfter      *float64
}

// validate records what is wrong with the shedding, under the node.
func (s Shedding) validate(e field.Errors, what string) {
	if s.MaxConcurrency < 0 {
		e.Add("max_concurrency", "%s max_concurrency must be 1 or more", what)
	}
	if a := s.ShedAfter; a != nil && (!(*a >= 0) || math.IsInf(*a, 0)) {
		e.Add("shed_after", "%s shed_after must be a duration of 0 or more", what)
	}
}

// admission is a station's gate: its rate limit and shedding.
type admission struct {
	limit *limiter
	shed  Shedding
}

// admit decides whether a request may join inst now, or gives the cause
// that turns it away.
func (a *admission) admit(st *Station, inst *instance, now sim.Time) Cause {
	if a.limit != nil && !a.limit.take(now) {
		return CauseRateLimited
	}
	if a.shed.MaxConcurrency > 0 && inst.outstanding >= a.shed.MaxConcurrency {
		return CauseShed
	}
	if after := a.shed.ShedAfter; after != nil && inst.queue.Len() > 0 {
		wait := float64(float64(inst.queue.Len())/float64(st.workers)) * st.meanHold(&st.hold)
		if wait > *after {
			return CauseShed
		}
	}
	return NoCause
}
