package engine

import (
	"math"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// Limiter is the runtime of a topology.RateLimit: a token bucket (Take).
type Limiter = limiter

// limiter is the runtime of a topology.RateLimit.
type limiter struct {
	rate, burst, tokens float64
	last                sim.Time
}

// NewLimiter is the runtime of r, nil for a nil r.
func NewLimiter(r *topology.RateLimit) *Limiter {
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

// admission is a station's gate: its rate limit and shedding.
type admission struct {
	limit *limiter
	shed  topology.Shedding
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
