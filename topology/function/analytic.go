package function

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// Loss is the estimate's treatment of a function offered rate invocations
// per second: a loss system of Concurrency servers (no queue), Erlang B.
type Loss struct {
	// Erlangs is the offered load: rate × the mean holding time.
	Erlangs float64
	// Throttled is the share of invocations throttled: Erlang B with c =
	// Concurrency (insensitive to the holding time's distribution).
	Throttled float64
	// Cold is the share of the invocations served that start cold.
	Cold float64
	// Holding is an invocation's mean time, its cold starts' INIT
	// included.
	Holding float64
}

// LossAt finds a function's loss figures at rate invocations per second.
//
// Throttling is Erlang B with c = Concurrency. A cold start happens when
// an invocation finds every instance alive busy. Instances are kept warm
// for IdleTimeout T after their last use, and a warm idle one is always
// taken, so the instances alive are about as many as were busy at once
// at any time in the last T: an invocation arriving with k busy (k at or
// above Provisioned) is cold when the number busy has not exceeded k in
// the last T. The busy count is a reversible birth–death process (M/M/c/c;
// its distribution is insensitive), so looking back T from an arrival is
// looking forward T from state k: the chance of no passage from k to k+1
// within T. That passage takes 1/(λ·B(k, a)) on average (Σ_{j≤k} π_j ÷
// (λ π_k), with B Erlang B), and is taken as exponential:
//
//	cold = Σ_{k=p}^{c−1} π_k · exp(−λ T B(k, a)) ÷ Σ_{k=0}^{c−1} π_k,
//
// π the truncated Poisson distribution of the busy count. With one
// instance (k = 0, B(0, a) = 1) it is e^(−λT), exact: the gap from a
// completion to the next arrival is exponential. The holding time includes
// the INIT phase of cold starts, which raises a; the two are solved
// together by fixed-point iteration.
func (f *Function) LossAt(rate float64) Loss {
	work := topology.Mean(f.ServiceTime) * f.scale()
	l := Loss{Holding: work}
	if rate <= 0 {
		l.Cold = f.coldShare(0, 0)
		return l
	}
	for range 100 {
		l.Erlangs = rate * l.Holding
		l.Throttled = analytic.ErlangB(f.Concurrency, l.Erlangs)
		cold := f.coldShare(rate, l.Erlangs)
		h := work + float64(f.InitDuration*cold)
		done := math.Abs(cold-l.Cold) < 1e-12
		l.Cold, l.Holding = cold, h
		if done {
			break
		}
	}
	l.Erlangs = rate * l.Holding
	l.Throttled = analytic.ErlangB(f.Concurrency, l.Erlangs)
	return l
}

// coldShare is the share of invocations served that start cold at rate
// λ and offered load a (see LossAt).
func (f *Function) coldShare(lambda, a float64) float64 {
	if f.Provisioned >= f.Concurrency {
		return 0
	}
	switch {
	case lambda == 0:
		return 1 // nothing keeps an instance warm
	case !(a > 0) && f.Provisioned > 0:
		return 0 // a provisioned instance is always free
	case !(a > 0):
		return math.Exp(-float64(lambda * f.IdleTimeout)) // one instance, never busy
	}
	// log π_k (unnormalised) = k log a − log k!, normalised by the largest.
	logs := make([]float64, f.Concurrency)
	top := math.Inf(-1)
	for k := range logs {
		lg, _ := math.Lgamma(float64(k + 1))
		logs[k] = float64(float64(k)*math.Log(a)) - lg
		top = math.Max(top, logs[k])
	}
	var total, cold float64
	b := 1.0 // B(k, a), from B(0, a) = 1
	for k := range logs {
		if k > 0 {
			ab := float64(a * b)
			b = ab / (float64(k) + ab)
		}
		pk := math.Exp(logs[k] - top)
		total += pk
		if k >= f.Provisioned {
			cold += float64(pk * math.Exp(-float64(float64(lambda*f.IdleTimeout)*b)))
		}
	}
	return cold / total
}

// HitRatio implements topology.Analytic.
func (*Function) HitRatio(topology.Solver, string) (float64, bool) { return 0, false }

// Routes implements topology.Analytic: a function calls nothing.
func (*Function) Routes(topology.Solver, string, int, topology.Router) {}

// Solve implements topology.Analytic: a loss system of Concurrency
// instances (no queue), with cold starts (see LossAt). Throttled
// invocations fail at once; the response is that of those served.
func (f *Function) Solve(s topology.Solver, name string, rate float64, down []float64) topology.Solution {
	l := f.LossAt(rate)
	zero := 0.0
	s.Note("%s: a loss system of %d instances (Erlang B): %s of invocations throttled at %.4g Erlangs; %s of those served start cold (idle timeout %s, INIT %s)",
		name, f.Concurrency, units.Percent(l.Throttled), l.Erlangs, units.Percent(l.Cold), units.FormatDuration(f.IdleTimeout), units.FormatDuration(f.InitDuration))
	if work := topology.Mean(f.ServiceTime) * f.scale(); work >= f.Timeout/4 {
		s.Note("%s: invocations that reach the %s timeout are not in the estimate (mean work %s)", name, units.FormatDuration(f.Timeout), units.FormatDuration(work))
	}
	return topology.Solution{Stations: 1, Workers: f.Concurrency, Holding: l.Holding,
		Utilization: float64(l.Erlangs*(1-l.Throttled)) / float64(f.Concurrency), Wait: &zero,
		Own:      topology.Mean(f.ServiceTime) * f.scale(),
		Response: topology.PerClass(s, func(c int) float64 { return l.Holding + down[c] })}
}

// NetworkLegs implements topology.Analytic: none of its own.
func (*Function) NetworkLegs(topology.Solver, string, int) float64 { return 0 }

// Demand implements topology.Analytic: a function queues nothing (a delay
// station to mean value analysis, below its concurrency limit).
func (*Function) Demand(topology.Solver, string) (topology.Demand, bool) {
	return topology.Demand{}, false
}

// CapacityNote implements topology.Explainer.
func (f *Function) CapacityNote(topology.Solution) string {
	return fmt.Sprintf(" (a function: %d instances at most, then throttled)", f.Concurrency)
}

// ServerBreakEven is the share of the time a server's vCPUs must be busy
// for the server to cost less than the same work on the function, and
// the two prices it compares: the function's per vCPU-second of work
// (duration at its memory, and the request price per ServiceTime's mean)
// and the server's per vCPU-second (the catalogue's c6i.large, 2 vCPUs).
// ok is false when the catalogue has no such entry or the work is nil.
func (f *Function) ServerBreakEven() (share, fnPerVCPUSecond, serverPerVCPUSecond float64, ok bool) {
	server := topology.CatalogueEntry("c6i.large")
	work := topology.Mean(f.ServiceTime)
	if server.Hourly <= 0 || !(work > 0) {
		return 0, 0, 0, false
	}
	r := f.rates()
	fnPerVCPUSecond = float64(f.gb()*f.scale()*r.PerGBSecond) + r.PerRequest/work
	serverPerVCPUSecond = server.Hourly / 2 / 3600
	return serverPerVCPUSecond / fnPerVCPUSecond, fnPerVCPUSecond, serverPerVCPUSecond, true
}

// Advice implements topology.Explainer: the function's own advice.
func (f *Function) Advice(s topology.Solver, name string, _ topology.Solution) string {
	return f.OwnAdvice(s, name)
}

// OwnAdvice is what explain says of a function whatever saturates first:
// its throttling, its cold starts and where servers become cheaper.
func (f *Function) OwnAdvice(s topology.Solver, name string) string {
	var b []string
	rate := 0.0
	for c := range s.Classes() {
		rate += s.Visits(c, name)
	}
	l := f.LossAt(rate)
	if l.Throttled >= 0.001 {
		b = append(b, fmt.Sprintf("%s throttles %s of its invocations (Erlang B at %.4g Erlangs over a concurrency of %d): raise the concurrency limit (reserved concurrency, or the account's quota).",
			name, units.Percent(l.Throttled), l.Erlangs, f.Concurrency))
	}
	if l.Cold >= 0.001 && f.InitDuration > 0 {
		b = append(b, fmt.Sprintf("%s of %s's invocations start cold and wait %s more: when that hurts the p99 (a cold share above 1%% reaches it), provisioned concurrency keeps instances warm, priced apart by the GB-second.",
			units.Percent(l.Cold), name, units.FormatDuration(f.InitDuration)))
	}
	if share, fn, server, ok := f.ServerBreakEven(); ok {
		b = append(b, fmt.Sprintf("A vCPU-second of %s's work costs %s at %d MB against %s on a c6i.large: servers kept more than %s busy are cheaper.",
			name, units.USDDigits(fn, 3), f.MemoryMB, units.USDDigits(server, 3), units.Percent(share)))
	}
	return strings.Join(b, " ")
}
