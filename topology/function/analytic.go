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
	// Exact says Cold is from the exact passage probabilities (else from
	// their exponential approximation, an underestimate).
	Exact bool
	// Overflow says the invocations beyond the provisioned instances were
	// taken as Poisson (the exact chain being too large), an
	// underestimate of the cold starts.
	Overflow  bool
	converged bool
}

// LossAt finds a function's loss figures at rate invocations per second.
//
// Throttling is Erlang B with c = Concurrency. An invocation takes a free
// provisioned instance first, so the Provisioned p instances are a loss
// system of their own, fed by all the invocations and holding each for its
// work w alone (a provisioned instance is initialised from the start): by
// PASTA and the insensitivity of Erlang B, an invocation finds all p busy
// with probability exactly B_p = B(p, λw), and only those go beyond them,
// at the rate λ_o = λ·B_p. Those are cold unless an on-demand instance is
// warm and idle (all of them: with p = 0, B_p = 1). With p > 0 and an idle
// timeout, the chain of both busy counts gives the share (overflowCold,
// exact for exponential holding times) when it is small enough. Otherwise
// the on-demand instances are treated as a pool of their own, of c − p
// instances (the p are all busy when an invocation reaches them), offered
// λ_o as if Poisson (the overflow of a loss system is burstier: Wilkinson's
// peakedness, so an underestimate, noted; exact at p = 0, and, whatever
// λ_o's burstiness, at an idle timeout of 0, where every invocation beyond
// the provisioned starts cold), as follows.
//
// In that pool a cold start happens when an invocation finds every
// instance alive busy. Instances are kept warm for IdleTimeout T after
// their last use, and a warm idle one is always taken, so the instances
// alive are as many as were busy at once at any time in the last T: an
// invocation arriving with k busy is cold when the number busy has not
// exceeded k in the last T. The busy count is a reversible birth–death
// process (M/M/c/c: births at λ_o, deaths at k/h for k busy of mean holding
// h), so looking back T from an arrival is looking forward T from state k,
// and by PASTA the arrival finds k busy with the truncated Poisson
// probability π_k:
//
//	cold_o = Σ_{k=0}^{c−p−1} π_k · S_k(T) ÷ Σ_{k=0}^{c−p−1} π_k,
//
// S_k(T) the chance that the process started at k stays at or below k for
// T (no passage from k to k+1). S_k is computed exactly, by uniformization
// of the process on 0..k (passage), when that takes at most maxPassageWork
// steps; otherwise it is taken as exponential with the passage's mean,
// 1/(λ_o·B(k, a)) (Σ_{j≤k} π_j ÷ (λ_o π_k), B Erlang B), which
// underestimates it (the passage's tail is heavier) and is noted. With one
// instance (k = 0) both give e^(−λ_o T), exact whatever the holding time:
// the gap from a completion to the next arrival is exponential. With more,
// the exact S_k is that of exponential holding times. The pool's holding
// time includes the INIT phase of its cold starts, h = w + INIT·cold_o,
// which raises a = λ_o·h; the two are solved together by fixed-point
// iteration. Of the λ_o·(1 − B(c − p, a)) invocations the pool serves,
// cold_o start cold, so of all those served (λ less the throttled):
//
//	cold = λ_o·(1 − B(c − p, a))·cold_o ÷ (λ − λ_o·B(c − p, a)),
//
// which is cold_o at p = 0 and B_p at T = 0 (cold_o = 1, no throttle).
func (f *Function) LossAt(rate float64) Loss {
	work := float64(topology.Mean(f.ServiceTime) * f.scale())
	l := Loss{Holding: work, Exact: true}
	if rate <= 0 {
		l.Cold, _ = f.coldShare(0, 0, f.Concurrency-f.Provisioned, false)
		if f.Provisioned > 0 {
			l.Cold = 0 // a provisioned instance is always free
		}
		return l
	}
	// The invocations beyond the provisioned instances, and the pool of
	// on-demand instances they go to: exactly by the chain of both counts
	// (overflowCold) when it is small enough.
	over, pool := rate, f.Concurrency-f.Provisioned
	if f.Provisioned > 0 && pool > 0 && f.IdleTimeout > 0 {
		poolCold, ok := 0.0, true
		for range 100 {
			var cold, c float64
			if cold, c, ok = f.overflowCold(rate, work, work+float64(f.InitDuration*poolCold)); !ok {
				break
			}
			done := math.Abs(c-poolCold) < 1e-10 // each pass solves the chain: a share to 1e-10 is enough
			l.Cold, poolCold = cold, c
			if done {
				break
			}
		}
		if ok {
			l.Holding = work + float64(f.InitDuration*l.Cold)
			l.Erlangs = rate * l.Holding
			l.Throttled = analytic.ErlangB(f.Concurrency, l.Erlangs)
			return l
		}
		l.Overflow = true
	}
	if f.Provisioned > 0 {
		over = float64(rate * analytic.ErlangB(f.Provisioned, float64(rate*work)))
	}
	poolCold, poolErlangs := 0.0, 0.0
	// The approximation first, cheap, then the exact passage from there.
	for i := range 100 + 3 {
		exact := i >= 100 || l.converged
		poolErlangs = float64(over * (work + float64(f.InitDuration*poolCold)))
		cold, ok := f.coldShare(over, poolErlangs, pool, exact)
		done := math.Abs(cold-poolCold) < 1e-12
		poolCold, l.Exact = cold, ok
		if done && exact {
			break
		}
		l.converged = l.converged || done
	}
	if pool > 0 && over > 0 {
		poolErlangs = float64(over * (work + float64(f.InitDuration*poolCold)))
		thrown := float64(over * analytic.ErlangB(pool, poolErlangs))
		l.Cold = float64(float64(over-thrown)*poolCold) / (rate - thrown)
	}
	l.Holding = work + float64(f.InitDuration*l.Cold)
	l.Erlangs = rate * l.Holding
	l.Throttled = analytic.ErlangB(f.Concurrency, l.Erlangs)
	return l
}

// maxPassageWork bounds the work of the exact passage probabilities: the
// uniformization steps times the states, summed over the levels.
const maxPassageWork = 2e7

// coldShare is the share of the invocations a pool of on-demand instances
// (servers of them at most) serves that start cold, offered λ at a load
// of a Erlangs (see LossAt): by the exact passage when exact is set and it
// is cheap enough (ok), else by the exponential passage.
func (f *Function) coldShare(lambda, a float64, servers int, exact bool) (share float64, ok bool) {
	switch {
	case servers <= 0:
		return 0, true // all provisioned: nothing starts cold
	case lambda == 0:
		return 1, true // nothing keeps an instance warm
	case !(a > 0):
		return math.Exp(-float64(lambda * f.IdleTimeout)), true // one instance, never busy
	}
	// log π_k (unnormalised) = k log a − log k!, normalised by the largest;
	// levels below 1e-15 of the largest are left out.
	logs := make([]float64, servers)
	top := math.Inf(-1)
	for k := range logs {
		lg, _ := math.Lgamma(float64(k + 1))
		logs[k] = float64(float64(k)*math.Log(a)) - lg
		top = math.Max(top, logs[k])
	}
	significant := func(k int) bool { return logs[k]-top > -35 }
	mu := lambda / a // 1 ÷ the mean holding time
	if exact {
		work := 0.0
		for k := range logs {
			if significant(k) {
				q := float64(float64(lambda+float64(float64(k)*mu)) * f.IdleTimeout)
				work += float64(float64(q+float64(10*math.Sqrt(q))+20) * float64(k+1))
			}
		}
		exact = work <= maxPassageWork
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
		if !significant(k) {
			continue
		}
		stay := math.Exp(-float64(float64(lambda*f.IdleTimeout) * b))
		if exact {
			stay = survival(lambda, mu, k, f.IdleTimeout)
		}
		cold += float64(pk * stay)
	}
	return cold / total, exact
}

// survival is the chance that a birth–death process of births at lambda
// and deaths at i·mu in state i, started at k, stays at or below k for t:
// uniformization (Grassmann 1977) of the process on 0..k, whose passage
// to k+1 is lost mass. Each step moves up, down or stays with the rates
// over L = lambda + k·mu, and the mass left after n steps is weighted by
// the Poisson(L·t) probability of n steps.
func survival(lambda, mu float64, k int, t float64) float64 {
	rate := lambda + float64(float64(k)*mu)
	q := float64(rate * t)
	if q == 0 {
		return 1
	}
	p, next := make([]float64, k+1), make([]float64, k+1)
	p[k] = 1
	up := lambda / rate
	logq := math.Log(q)
	total, mass := 0.0, 1.0
	// The Poisson weights outside q ± (10√q + 20) are below e^(−50): the
	// steps there move the mass without adding to the total.
	spread := float64(10*math.Sqrt(q)) + 20
	from, to := int(q-spread), int(q+spread)
	for n := 0; n <= to && mass > 1e-300; n++ {
		if n >= from {
			lg, _ := math.Lgamma(float64(n + 1))
			total += float64(math.Exp(float64(float64(n)*logq)-q-lg) * mass)
		}
		clear(next)
		mass = 0
		for i, x := range p {
			if x == 0 {
				continue
			}
			down := float64(float64(i)*mu) / rate
			next[i] += float64(x * (1 - up - down))
			if i > 0 {
				next[i-1] += float64(x * down)
			}
			if i < k {
				next[i+1] += float64(x * up)
			}
		}
		for _, x := range next {
			mass += x
		}
		p, next = next, p
	}
	return total
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
	s.Note("%s: a loss system of %s (Erlang B): %s of invocations throttled at %s Erlangs; %s of those served start cold (idle timeout %s, INIT %s)",
		name, units.Plural(f.Concurrency, "instance", "instances"), units.Percent(l.Throttled), figures4(l.Erlangs), units.Percent(l.Cold), units.FormatDuration(f.IdleTimeout), units.FormatDuration(f.InitDuration))
	if !l.Exact {
		s.Note("%s: its cold starts by the exponential passage approximation (too many instances and too long an idle timeout to compute exactly), an underestimate", name)
	}
	if l.Overflow {
		s.Note("%s: the invocations beyond its %s (Erlang B: %s) are taken as Poisson where they come in bursts (too many instances and too long an idle timeout to follow both counts exactly), so its cold starts are an underestimate",
			name, units.Plural(f.Provisioned, "provisioned instance", "provisioned instances"), units.Percent(analytic.ErlangB(f.Provisioned, float64(rate*topology.Mean(f.ServiceTime)*f.scale()))))
	}
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
	return fmt.Sprintf(" (a function: %s at most, then throttled)", units.Plural(f.Concurrency, "instance", "instances"))
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

// Advice implements topology.Explainer: the function's own advice, from
// the estimate alone.
func (f *Function) Advice(s topology.Solver, name string, _ topology.Solution) string {
	return f.OwnAdvice(s, name, nil)
}

// OwnAdvice is what explain says of a function whatever saturates first:
// its throttling, its cold starts and where servers become cheaper. run is
// the function's figures in a run of the scenario (*FunctionStats), or
// nil: where the run's share of throttled invocations, or of cold starts,
// contradicts the estimate's (see contradicts), the advice follows the
// run, and says so.
func (f *Function) OwnAdvice(s topology.Solver, name string, run topology.Detail) string {
	var b []string
	rate := 0.0
	for c := range s.Classes() {
		rate += s.Visits(c, name)
	}
	l := f.LossAt(rate)
	fs, _ := run.(*FunctionStats)
	erlang := fmt.Sprintf("Erlang B at %s Erlangs over a concurrency of %d", figures4(l.Erlangs), f.Concurrency)
	switch {
	case fs != nil && fs.ThrottledShare != nil && contradicts(l.Throttled, *fs.ThrottledShare, fs.Invocations+fs.Throttled):
		ran := fmt.Sprintf("%s throttled %s of its invocations in the run, where the estimate has %s (%s)",
			name, units.Percent(*fs.ThrottledShare), units.Percent(l.Throttled), erlang)
		switch {
		case *fs.ThrottledShare >= 0.001:
			b = append(b, ran+": raise the concurrency limit (reserved concurrency, or the account's quota).")
		case fs.TimedOut > 0:
			b = append(b, fmt.Sprintf("%s: its concurrency limit is not what fails, its invocations held an instance less than the estimate's %s (%d ended at its %s timeout).",
				ran, units.FormatDuration(l.Holding), fs.TimedOut, units.FormatDuration(f.Timeout)))
		case l.Throttled >= 0.001:
			b = append(b, ran+": its concurrency limit is not what fails.")
		}
	case l.Throttled >= 0.001:
		b = append(b, fmt.Sprintf("%s throttles %s of its invocations (%s): raise the concurrency limit (reserved concurrency, or the account's quota).",
			name, units.Percent(l.Throttled), erlang))
	}
	cold, inRun := l.Cold, ""
	if fs != nil && fs.ColdShare != nil && contradicts(l.Cold, *fs.ColdShare, fs.Invocations) {
		cold, inRun = *fs.ColdShare, fmt.Sprintf(" in the run (the estimate: %s)", units.Percent(l.Cold))
	}
	if cold >= 0.001 && f.InitDuration > 0 {
		b = append(b, fmt.Sprintf("%s of %s's invocations start cold%s and wait %s more: when that hurts the p99 (a cold share above 1%% reaches it), provisioned concurrency keeps instances warm, priced apart by the GB-second.",
			units.Percent(cold), name, inRun, units.FormatDuration(f.InitDuration)))
	}
	if share, fn, server, ok := f.ServerBreakEven(); ok {
		b = append(b, fmt.Sprintf("A vCPU-second of %s's work costs %s at %d MB against %s on a c6i.large: servers kept more than %s busy are cheaper.",
			name, units.USDDigits(fn, 3), f.MemoryMB, units.USDDigits(server, 3), units.Percent(share)))
	}
	return strings.Join(b, " ")
}

// contradicts says whether a run's share got of n trials is further from
// the estimate's est than the estimate's model error (10% of it, as
// explain allows the estimate's latency) plus the 95% half-width of a
// binomial share of n at est (1.96 √(est(1 − est)/n)). Throttles and cold
// starts come in bursts, so that width is narrower than the run's own: the
// test errs towards the run, which is what the advice then follows.
func contradicts(est, got float64, n int64) bool {
	if n <= 0 {
		return false
	}
	tol := float64(0.1*est) + float64(1.96*math.Sqrt(float64(est*(1-est))/float64(n)))
	return math.Abs(got-est) > tol
}
