package topology

import (
	"math"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// RateLimit is a token bucket in front of a node (as API gateways and
// Envoy's local rate limit have): it holds at most Burst tokens, gains
// Rate a second, and each request takes one; a request that finds none is
// turned away (engine.CauseRateLimited). So at most Rate × t + Burst requests pass
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
