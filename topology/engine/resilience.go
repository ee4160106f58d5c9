package engine

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// edge is the runtime of a call's timeout, retries, circuit breaker and
// hedge, and its figures:
// shared by the instances of the service that makes the call.
type edge struct {
	k       *sim.Kernel
	breaker *breaker // nil without a circuit breaker
	to      string
	path    string // the call's path in its node: calls.1, calls.0.on_miss.0
	timeout float64
	retry   *topology.Retries
	rng     *rand.Rand
	on      [causes]bool // by Cause
	// In flight now: attempts, and those of them that are retries.
	active, activeRetries int
	tokens                float64
	hedge                 *topology.Hedge
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
func newEdge(call *topology.Call, path string, k *sim.Kernel, rng *rand.Rand) *edge {
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
			on = []string{topology.RetryOnError, topology.RetryOnRejected}
			if call.Timeout > 0 {
				on = append(on, topology.RetryOnTimeout)
			}
		}
		for _, on := range on {
			switch on {
			case topology.RetryOnTimeout:
				e.on[CauseCallTimeout] = true
			case topology.RetryOnError:
				// A node's own timeout (a function's) answers its
				// caller with an error.
				e.on[CauseFailed], e.on[CauseNodeTimeout] = true, true
			case topology.RetryOnRejected:
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

func (e *edge) retryBucket() *topology.TokenBucket {
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
	if r.Jitter == topology.JitterNone {
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
		Amplification: topology.Ratio(float64(e.attempts), float64(e.calls)), Refused: e.refused, Hedges: e.hedges,
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
			label, CallLabel(calls, i), c.Calls, units.Plural(c.Attempts, "attempt", "attempts"), units.OrUnknown(c.Amplification, topology.FormatRatio),
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
