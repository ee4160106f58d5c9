package topology

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Policies are a call's resilience policies: its timeout, retries,
// circuit breaker and hedge. A node's call_defaults give them to every
// call that does not set its own (as Envoy's virtual host retry policy
// does for its routes).
type Policies struct {
	// Timeout, when positive, is how long an attempt of the call is
	// waited for (seconds): then it is abandoned (the callee still does
	// the work; its late reply is dropped) and fails with CauseCallTimeout.
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
		p.CircuitBreaker = decodeBreaker(d, m.Get("circuit_breaker"))
	}
}

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

// edge is the runtime of a call's timeout, retries, circuit breaker and
// hedge, and its figures:
// shared by the instances of the service that makes the call.
type edge struct {
	k       *sim.Kernel
	breaker *breaker // nil without a circuit breaker
	to      string
	path    string // the call's path in its node: calls.1, calls.0.on_miss.0
	timeout float64
	retry   *Retries
	rng     *rand.Rand
	on      [causes]bool // by Cause
	// In flight now: attempts, and those of them that are retries.
	active, activeRetries int
	tokens                float64
	hedge                 *Hedge
	latency               sim.Histogram // successful attempts' latencies, abandoned ones too, for a hedge after a percentile
	// Figures over the measurement window.
	calls, attempts, retries, refused int64
	hedges                            int64
	refusedOpen                       int64         // calls an open breaker refused
	failed                            [causes]int64 // calls that failed, by cause
	fallbacks                         int64         // failed calls its fallback answered
}

// newEdge makes the runtime of call's resilience, or nil when it has none;
// path is the call's path in its node (calls.1).
func newEdge(call *Call, path string, k *sim.Kernel, rng *rand.Rand) *edge {
	if call.Timeout == 0 && call.Retries == nil && call.CircuitBreaker == nil && call.Hedge == nil && call.Fallback == nil {
		return nil
	}
	e := &edge{k: k, to: call.To, path: path, timeout: call.Timeout, retry: call.Retries, rng: rng, hedge: call.Hedge}
	if call.CircuitBreaker != nil {
		e.breaker = newBreaker(call.CircuitBreaker)
	}
	if r := call.Retries; r != nil {
		on := r.On
		if on == nil {
			on = []string{RetryOnError, RetryOnRejected}
			if call.Timeout > 0 {
				on = append(on, RetryOnTimeout)
			}
		}
		for _, on := range on {
			switch on {
			case RetryOnTimeout:
				e.on[CauseCallTimeout] = true
			case RetryOnError:
				// A node's own timeout (a function's) answers its
				// caller with an error.
				e.on[CauseFailed], e.on[CauseNodeTimeout] = true, true
			case RetryOnRejected:
				e.on[CauseRejected] = true
			}
		}
		if r.TokenBucket != nil {
			e.tokens = r.TokenBucket.Tokens
		}
	}
	return e
}

// sent records an attempt, the retry-th of its call: a hedge (a second
// attempt beside a slow one) or the call's own try. Hedges are attempts,
// not calls, so they show in the amplification.
func (e *edge) sent(retry int, hedge bool) {
	e.attempts++
	e.active++
	if retry > 0 {
		e.activeRetries++
	}
	switch {
	case hedge:
		e.hedges++
	case retry == 0:
		e.calls++
	default:
		e.retries++
	}
}

// ended records the end of an attempt, the retry-th of its call, with
// its cause (NoCause when it succeeded).
func (e *edge) ended(retry int, cause Cause) {
	e.dropped(retry)
	if e.breaker != nil {
		e.breaker.record(e.k.Now(), cause != NoCause)
	}
	if tb := e.retryBucket(); tb != nil {
		if cause == NoCause {
			e.tokens = math.Min(tb.Tokens, e.tokens+tb.Ratio)
		} else {
			e.tokens = math.Max(0, e.tokens-1)
		}
	}
}

// dropped records that an attempt, the retry-th of its call, is no longer
// in flight: abandoned for its hedged sibling's reply, or ended.
func (e *edge) dropped(retry int) {
	e.active--
	if retry > 0 {
		e.activeRetries--
	}
}

func (e *edge) retryBucket() *TokenBucket {
	if e.retry == nil {
		return nil
	}
	return e.retry.TokenBucket
}

// retryAfter decides whether the call, whose retries-th retry just failed
// with cause, is tried again, and after how long; ok is false when it
// fails.
func (e *edge) retryAfter(retries int, cause Cause) (delay float64, ok bool) {
	r := e.retry
	if r == nil || retries >= r.Max || !e.on[cause] {
		return 0, false
	}
	switch {
	case r.Budget != nil && float64(e.activeRetries) >= math.Max(float64(r.MinConcurrency), float64(*r.Budget*float64(e.active))):
		e.refused++
		return 0, false
	case r.TokenBucket != nil && e.tokens <= r.TokenBucket.Tokens/2:
		e.refused++
		return 0, false
	}
	// Envoy's backoff: [0, (2^n − 1) × base] for the n-th retry, at most
	// the maximum.
	n := retries + 1
	upper := math.Min(r.MaxBackoff, float64(math.Exp2(float64(n))-1)*r.Base)
	if r.Jitter == JitterNone {
		return upper, true
	}
	return float64(e.rng.Float64() * upper), true
}

func (e *edge) resetStats() {
	e.calls, e.attempts, e.retries, e.refused, e.refusedOpen, e.hedges, e.fallbacks = 0, 0, 0, 0, 0, 0, 0
	if e.breaker != nil {
		e.breaker.opened = 0
	}
	e.failed = [causes]int64{}
}

// CallStats are one call edge's figures over the measurement window.
type CallStats struct {
	To string `json:"to"`
	// Call is the call's path in its node, as --set names it (calls.1,
	// calls.0.on_miss.0): what tells apart calls to one node.
	Call string `json:"call"`
	// Calls counts the calls made (first attempts), Attempts every
	// attempt, Retries those after the first; Amplification is attempts
	// ÷ calls (null without calls). Refused are retries a budget or token
	// bucket did not allow.
	Calls         int64    `json:"calls"`
	Attempts      int64    `json:"attempts"`
	Retries       int64    `json:"retries"`
	Amplification *float64 `json:"amplification"`
	Refused       int64    `json:"refused"`
	// Hedges are second attempts sent because the first was slow.
	Hedges int64 `json:"hedges,omitempty"`
	// Failed are calls that failed after their retries, by cause.
	FailedRejected int64 `json:"failed_rejected"`
	FailedError    int64 `json:"failed_error"`
	FailedTimeout  int64 `json:"failed_timeout"`
	// With a circuit breaker: the calls it refused while open, the times
	// it opened, and its state at the end (closed, open, half_open).
	CircuitOpen   int64  `json:"circuit_open,omitempty"`
	BreakerOpened int64  `json:"breaker_opened,omitempty"`
	BreakerState  string `json:"breaker_state,omitempty"`
	// Fallbacks are the failed calls its fallback answered (degraded).
	Fallbacks int64 `json:"fallbacks,omitempty"`
}

func (e *edge) stats() CallStats {
	s := CallStats{To: e.to, Call: e.path, Calls: e.calls, Attempts: e.attempts, Retries: e.retries,
		Amplification: Ratio(float64(e.attempts), float64(e.calls)), Refused: e.refused, Hedges: e.hedges,
		FailedRejected: e.failed[CauseRejected], FailedError: e.failed[CauseFailed] + e.failed[CauseNodeTimeout], FailedTimeout: e.failed[CauseCallTimeout],
		Fallbacks: e.fallbacks}
	if b := e.breaker; b != nil {
		s.CircuitOpen, s.BreakerOpened = e.refusedOpen, b.opened
		s.BreakerState = [...]string{"closed", "open", "half_open"}[b.state]
	}
	return s
}

// PoolStats are a pool's own figures (a service's, under the JSON key
// service; a worker group reports its own): its calls that have a timeout,
// retries, a circuit breaker or a hedge, its local sessions, and its
// parallel steps.
type PoolStats struct {
	Calls []CallStats `json:"calls"`
	// Sessions are its local sessions; absent without.
	Sessions *SessionStats `json:"sessions,omitempty"`
	// Parallel are its parallel steps and fan-outs; absent without.
	Parallel []GatherStats `json:"parallel,omitempty"`
}

// JSONKey implements Detail.
func (*PoolStats) JSONKey() string { return "service" }

// PolicyCalls implements PolicyCalls: Calls.
func (s *PoolStats) PolicyCalls() []CallStats { return s.Calls }

// SessionsKept implements SessionsKept: Sessions.
func (s *PoolStats) SessionsKept() *SessionStats { return s.Sessions }

// WriteText implements Detail.
func (s *PoolStats) WriteText(w io.Writer, node string) {
	WriteCalls(w, node, s.Calls)
	if len(s.Calls) > 0 {
		node = ""
	}
	if s.Sessions != nil {
		writeSessions(w, node, s.Sessions)
		node = ""
	}
	WriteGathers(w, node, s.Parallel)
}

// CallLabel names calls[i], one of a node's calls, in a line of text: its
// callee, and its path in the node when another of calls goes to the same
// callee (db (calls.1)), so that lines about the two can be told apart.
func CallLabel(calls []CallStats, i int) string {
	for j := range calls {
		if j != i && calls[j].To == calls[i].To && calls[i].Call != "" {
			return calls[i].To + " (" + calls[i].Call + ")"
		}
	}
	return calls[i].To
}

// WriteCalls writes a line per call edge, the first labelled node.
func WriteCalls(w io.Writer, node string, calls []CallStats) {
	for i, c := range calls {
		label := node
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(w, "%-11s calls to %s: %d, %s (×%s), %s refused; failed: %d rejected, %s, %d timed out\n",
			label, CallLabel(calls, i), c.Calls, units.Plural(c.Attempts, "attempt", "attempts"), units.OrUnknown(c.Amplification, formatRatio),
			units.Plural(c.Refused, "retry", "retries"), c.FailedRejected, units.Plural(c.FailedError, "error", "errors"), c.FailedTimeout)
		if c.Hedges > 0 {
			fmt.Fprintf(w, "%-11s %d hedged (a second attempt after a slow first)\n", "", c.Hedges)
		}
		if c.BreakerState != "" {
			fmt.Fprintf(w, "%-11s circuit breaker opened %s, refused %s; %s at the end\n", "", units.Plural(c.BreakerOpened, "time", "times"), units.Plural(c.CircuitOpen, "call", "calls"), c.BreakerState)
		}
		if c.Fallbacks > 0 {
			fmt.Fprintf(w, "%-11s %s answered by the fallback (degraded)\n", "", units.Plural(c.Fallbacks, "failed call", "failed calls"))
		}
	}
}
