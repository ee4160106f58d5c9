package topology

import (
	"math"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Policies are a call's resilience policies: its timeout, retries,
// circuit breaker and hedge. A node's call_defaults give them to every
// call that does not set its own (as Envoy's virtual host retry policy
// does for its routes).
type Policies struct {
	// Timeout, when positive, is how long an attempt of the call is
	// waited for (seconds): then it is abandoned (the callee still does
	// the work; its late reply is dropped) and fails with engine.CauseCallTimeout.
	Timeout float64
	// Retries, when not nil, tries failed attempts again.
	Retries *Retries
	// CircuitBreaker, when not nil, stops calling a node that fails.
	CircuitBreaker *CircuitBreaker
	// Hedge, when not nil, sends a second attempt of a slow call.
	Hedge *Hedge
}

// policyFields are the keys of Policies in a call or call_defaults.
var policyFields = []string{"timeout", "retries", "circuit_breaker", "hedge"}

// DecodeCallDefaults reads a node's call_defaults, if it has them, and
// gives each of calls (nested ones too) the policies it does not set.
func DecodeCallDefaults(d *yamlfile.Decoder, m yamlfile.Map, what string, calls []Call) Policies {
	var def Policies
	if !m.Has("call_defaults") {
		return def
	}
	dm, ok := d.Mapping(m.Get("call_defaults"), what+" call_defaults", policyFields...)
	if !ok {
		return def
	}
	decodePolicies(d, dm, &def)
	walkCalls(calls, nil, func(c *Call, _ []string) {
		if c.Parallel == nil { // a parallel entry's members have their own
			c.Policies.inherit(def)
		}
	})
	return def
}

// decodePolicies reads the policies m gives into p.
func decodePolicies(d *yamlfile.Decoder, m yamlfile.Map, p *Policies) {
	if m.Has("timeout") {
		p.Timeout, _ = d.PositiveDuration(m.Get("timeout"), "call timeout", "a call's timeout must be above 0 (leave it out for none)")
	}
	if m.Has("retries") {
		p.Retries = decodeRetries(d, m.Get("retries"))
	}
	if m.Has("hedge") {
		p.Hedge = decodeHedge(d, m.Get("hedge"))
	}
	if m.Has("circuit_breaker") {
		p.CircuitBreaker = DecodeBreaker(d, m.Get("circuit_breaker"))
	}
}

// inherit takes from def each policy p does not set.
func (p *Policies) inherit(def Policies) {
	if p.Timeout == 0 {
		p.Timeout = def.Timeout
	}
	if p.Retries == nil {
		p.Retries = def.Retries
	}
	if p.CircuitBreaker == nil {
		p.CircuitBreaker = def.CircuitBreaker
	}
	if p.Hedge == nil {
		p.Hedge = def.Hedge
	}
}

// Retries is a call's retry policy, with Envoy's semantics and defaults
// (Envoy's route retry policy and retry budgets): after a failed attempt
// whose cause is in On, the call is tried again, at most Max more times,
// after a backoff drawn uniformly from [0, min(MaxBackoff, (2^n − 1) ×
// Base)] before the n-th retry (full jitter; Jitter "none" waits the
// upper bound). A retry budget or a token bucket, when given, can refuse a
// retry: the call then fails with the attempt's cause.
type Retries struct {
	Max              int
	Base, MaxBackoff float64
	Jitter           string
	// On lists the causes retried: RetryOnTimeout, RetryOnError,
	// RetryOnRejected; nil is all of them (timeouts if the call has one).
	On []string
	// Budget, when not nil, is Envoy's retry budget (budget_percent):
	// retries in flight on the call at most Budget × the call's attempts
	// in flight, and never fewer than MinConcurrency (Envoy's
	// min_retry_concurrency, default 3). A budget of 0 allows only
	// MinConcurrency retries in flight.
	Budget         *float64
	MinConcurrency int
	// TokenBucket, when not nil, is gRPC's retry throttling.
	TokenBucket *TokenBucket
}

// TokenBucket is gRPC's retry throttling (gRPC proposal A6): the bucket
// starts full with Tokens; each failed attempt takes one token, each
// successful one adds Ratio (up to Tokens); a retry is made only while
// more than half the tokens are left.
type TokenBucket struct {
	Tokens, Ratio float64
}

// Retry policy names and Envoy's defaults: one retry, a 25 ms base
// interval and a maximum of ten times the base; a budget (20% in Envoy's
// example) allows at least 3 retries in flight.
const (
	RetryOnTimeout       = "timeout"
	RetryOnError         = "error"
	RetryOnRejected      = "rejected"
	JitterFull           = "full"
	JitterNone           = "none"
	DefaultRetries       = 1
	DefaultRetryBase     = 0.025
	MinRetryConcurrency  = 3
	MaxRetriesPerCall    = 100
	defaultMaxBackoffMul = 10
)

// retryCauses are what On may list.
var retryCauses = []string{RetryOnTimeout, RetryOnError, RetryOnRejected}

// decodeRetries reads {max, backoff: {base, max, jitter}, on, budget,
// token_bucket: {tokens, ratio}}.
func decodeRetries(d *yamlfile.Decoder, n *yaml.Node) *Retries {
	r := &Retries{Max: DefaultRetries, Base: DefaultRetryBase, Jitter: JitterFull}
	m, ok := d.Mapping(n, "retries", "max", "backoff", "on", "budget", "min_retry_concurrency", "token_bucket")
	if !ok {
		return r
	}
	if m.Has("max") {
		r.Max, _ = d.Int(m.Get("max"), "retries max", 0)
	}
	if m.Has("backoff") {
		if b, ok := d.Mapping(m.Get("backoff"), "retries backoff", "base", "max", "jitter"); ok {
			if b.Has("base") {
				r.Base, _ = d.Duration(b.Get("base"), "retries backoff base")
			}
			if b.Has("max") {
				r.MaxBackoff, _ = d.Duration(b.Get("max"), "retries backoff max")
			}
			if b.Has("jitter") {
				r.Jitter = d.OneOf(b.Get("jitter"), "jitter", JitterFull, JitterNone)
			}
		}
	}
	if r.MaxBackoff == 0 {
		r.MaxBackoff = float64(defaultMaxBackoffMul * r.Base)
	}
	if m.Has("on") {
		r.On = DecodeNames(d, m.Get("on"), "retries on")
	}
	if m.Has("budget") {
		if v, ok := d.Fraction(m.Get("budget"), "retries budget"); ok {
			r.Budget = &v
		}
	}
	r.MinConcurrency = MinRetryConcurrency
	if m.Has("min_retry_concurrency") {
		r.MinConcurrency, _ = d.Int(m.Get("min_retry_concurrency"), "retries min_retry_concurrency", 0)
		if !m.Has("budget") {
			d.Errorf(m.Get("min_retry_concurrency"), "min_retry_concurrency goes with a retry budget (budget: 20%%)")
		}
	}
	if m.Has("token_bucket") {
		if tb, ok := d.Mapping(m.Get("token_bucket"), "retries token_bucket", "tokens", "ratio"); ok {
			r.TokenBucket = &TokenBucket{Tokens: 10, Ratio: 0.1} // gRPC's example values
			if tb.Has("tokens") {
				r.TokenBucket.Tokens, _ = d.Positive(tb.Get("tokens"), "token_bucket tokens")
			}
			if tb.Has("ratio") {
				r.TokenBucket.Ratio, _ = d.Positive(tb.Get("ratio"), "token_bucket ratio")
			}
		}
	}
	return r
}

// validate records what is wrong with a call's timeout, retries, circuit
// breaker and hedge, under the call's path (or the node's call_defaults),
// leaving out those it took from inherited, which are checked there.
func (p *Policies) validate(e field.Errors, inherited Policies) {
	if (inherited.Timeout == 0 || p.Timeout != inherited.Timeout) && (!(p.Timeout >= 0) || math.IsInf(p.Timeout, 0)) {
		e.Add("timeout", "a call's timeout must be a duration above 0")
	}
	if p.CircuitBreaker != nil && p.CircuitBreaker != inherited.CircuitBreaker {
		p.CircuitBreaker.validate(e.In("circuit_breaker"))
	}
	if p.Hedge != nil && p.Hedge != inherited.Hedge {
		p.Hedge.validate(e.In("hedge"))
	}
	r := p.Retries
	if r == nil || r == inherited.Retries {
		return
	}
	re := e.In("retries")
	inRange(re, "max", "retries", r.Max, 0, MaxRetriesPerCall)
	if !(r.Base > 0) || !(r.MaxBackoff >= r.Base) || math.IsInf(r.MaxBackoff, 0) {
		re.Add("backoff", "retries backoff needs a base above 0 and a max at least the base")
	}
	for _, on := range r.On {
		if !slices.Contains(retryCauses, on) {
			re.Add("on", "retries on %q: one of %s%s", on, strings.Join(retryCauses, ", "), yamlfile.DidYouMean(on, retryCauses))
		}
	}
	if slices.Contains(r.On, RetryOnTimeout) && p.Timeout == 0 {
		re.Add("on", "retries on timeout need the call's timeout, e.g. timeout: 200ms")
	}
	if b := r.Budget; b != nil && !(*b >= 0 && *b <= 1) {
		re.Add("budget", "a retry budget is a share from 0 to 100%%")
	}
	if r.MinConcurrency < 0 {
		re.Add("min_retry_concurrency", "min_retry_concurrency must be 0 or more")
	}
	if r.Budget != nil && r.TokenBucket != nil {
		re.Add("budget", "give a retry budget or a token bucket, not both")
	}
	if tb := r.TokenBucket; tb != nil && (!(tb.Tokens > 0) || !(tb.Ratio > 0) || math.IsInf(tb.Tokens, 0) || math.IsInf(tb.Ratio, 0)) {
		re.Add("token_bucket", "a token bucket needs tokens and a ratio above 0")
	}
}
