package analytic

import (
	"fmt"
	"math"

	"github.com/scalesim/scalesim/sim"
)

// MM1 is the M/M/1 queue: Poisson arrivals at rate Lambda, one server with
// exponential service at rate Mu. Results assume Lambda < Mu.
type MM1 struct{ Lambda, Mu float64 }

// Rho is the utilization λ/μ.
func (q MM1) Rho() float64 { return q.Lambda / q.Mu }

// MeanSojourn is the mean time in system, 1/(μ−λ).
func (q MM1) MeanSojourn() float64 { return 1 / (q.Mu - q.Lambda) }

// SojournQuantile is the p-quantile of the time in system, which is
// exponential with rate μ−λ: −ln(1−p)/(μ−λ) (Kleinrock, Queueing Systems
// vol. 1, 1975, §3.2).
func (q MM1) SojournQuantile(p float64) float64 { return -sim.Log(1-p) / (q.Mu - q.Lambda) }

// MMc is the M/M/c queue: Poisson arrivals at rate Lambda, C servers with
// exponential service at rate Mu each. Results assume Lambda < C·Mu.
type MMc struct {
	Lambda, Mu float64
	C          int
}

// Rho is the utilization of each server, λ/(cμ).
func (q MMc) Rho() float64 { return q.Lambda / (float64(q.C) * q.Mu) }

// ErlangB is the Erlang B blocking probability of c servers offered a
// Erlangs, by the stable recursion B(0) = 1, B(k) = a·B(k−1)/(k + a·B(k−1)).
func ErlangB(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		ab := float64(a * b)
		b = ab / (float64(k) + ab)
	}
	return b
}

// ErlangC is the probability that an arrival waits in an M/M/c queue offered
// a = λ/μ Erlangs: C = c·B/(c − a(1 − B)) with B = ErlangB(c, a) (Kleinrock
// 1975, §3.5).
func ErlangC(c int, a float64) float64 {
	b := ErlangB(c, a)
	return float64(c) * b / (float64(c) - float64(a*(1-b)))
}

// WaitProbability is the probability that an arrival has to queue.
func (q MMc) WaitProbability() float64 { return ErlangC(q.C, q.Lambda/q.Mu) }

// MeanWait is the mean time queued, C/(cμ − λ).
func (q MMc) MeanWait() float64 {
	return q.WaitProbability() / q.decay()
}

// WaitQuantile is the p-quantile of the time queued: P(W > t) = C·e^(−(cμ−λ)t),
// so t = ln(C/(1−p))/(cμ−λ), or 0 when C ≤ 1−p.
func (q MMc) WaitQuantile(p float64) float64 {
	c := q.WaitProbability()
	if c <= 1-p {
		return 0
	}
	return sim.Log(c/(1-p)) / q.decay()
}

// decay is θ = cμ − λ, the rate of the exponential wait of a queued arrival.
func (q MMc) decay() float64 { return float64(float64(q.C)*q.Mu) - q.Lambda }

// MeanSojourn is the mean time in system, the mean wait plus 1/μ.
func (q MMc) MeanSojourn() float64 { return q.MeanWait() + 1/q.Mu }

// SojournTail is P(T > t) for the time in system T = W + S of FCFS M/M/c:
// W is 0 with probability 1 − C and otherwise exponential with rate
// θ = cμ − λ, independent of the exponential service S, so
// P(T > t) = (1 − C)e^(−μt) + C·(θe^(−μt) − μe^(−θt))/(θ − μ),
// or (1 − C)e^(−μt) + C(1 + μt)e^(−μt) when θ = μ (Gross and Harris,
// Fundamentals of Queueing Theory, 3rd ed., 1998, §2.3).
func (q MMc) SojournTail(t float64) float64 {
	c := q.WaitProbability()
	mu, theta := q.Mu, q.decay()
	emt := sim.Exp(float64(-mu * t))
	base := float64((1 - c) * emt)
	if math.Abs(theta-mu) < 1e-9*mu {
		return base + float64(float64(c*(1+float64(mu*t)))*emt)
	}
	return base + float64(c*float64(float64(theta*emt)-float64(mu*sim.Exp(float64(-theta*t)))))/(theta-mu)
}

// SojournQuantile is the p-quantile of the time in system, SojournTail
// inverted by bisection.
func (q MMc) SojournQuantile(p float64) float64 {
	lo, hi := 0.0, 1/q.Mu
	for q.SojournTail(hi) > 1-p {
		hi *= 2
	}
	for range 200 {
		mid := (lo + hi) / 2
		if q.SojournTail(mid) > 1-p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// MG1MeanWait is the Pollaczek–Khinchine mean time queued in an M/G/1 queue
// with arrival rate λ and service time of mean s and squared coefficient of
// variation scv: Wq = ρ·s·(1 + scv) / (2(1 − ρ)), ρ = λs (Kleinrock 1975,
// §5.7). With scv = 0 it is M/D/1; with scv = 1, M/M/1.
func MG1MeanWait(lambda, s, scv float64) float64 {
	rho := float64(lambda * s)
	return float64(rho*s) * (1 + scv) / (2 * (1 - rho))
}

// AllenCunneenWait is the Allen–Cunneen approximation of the mean time
// queued in a G/G/c queue: the M/M/c (Erlang C) wait scaled by
// (ca² + cs²)/2, with ca² and cs² the squared coefficients of variation of
// the interarrival and service times (Allen, "Probability, Statistics, and
// Queueing Theory", 2nd ed. 1990, §6.3). It is exact for M/M/c and for
// M/G/1 (Pollaczek–Khinchine). It is +Inf when the queue is overloaded.
func AllenCunneenWait(lambda, mu float64, c int, ca2, cs2 float64) float64 {
	q := MMc{Lambda: lambda, Mu: mu, C: c}
	if q.Rho() >= 1 {
		return math.Inf(1)
	}
	return float64(q.MeanWait()*(ca2+cs2)) / 2
}

// KLBWait is the mean time queued in a GI/G/c queue by Allen–Cunneen's
// approximation with Krämer and Langenbach-Belz's correction g for
// interarrival times other than exponential ("Approximate formulae for the
// delay in the queueing system GI/G/1", 8th International Teletraffic
// Congress, 1976; for several servers as in Bolch, Greiner, de Meer and
// Trivedi, "Queueing Networks and Markov Chains", 2nd ed. 2006):
// W = W_AC·g with g = exp(−2(1−ρ)(1−ca²)² ÷ (3ρ(ca² + cs²))) for ca² < 1
// and g = exp(−(1−ρ)(ca² − 1) ÷ (ca² + 4cs²)) for ca² > 1. With Poisson
// arrivals (ca² = 1) it is Allen–Cunneen's wait, so exact for M/M/c and
// M/G/1. It is +Inf when the queue is overloaded.
func KLBWait(lambda, mu float64, c int, ca2, cs2 float64) float64 {
	w := AllenCunneenWait(lambda, mu, c, ca2, cs2)
	if math.IsInf(w, 1) || ca2 == 1 || w == 0 {
		return w
	}
	rho := MMc{Lambda: lambda, Mu: mu, C: c}.Rho()
	var g float64
	if ca2 < 1 {
		d := 1 - ca2
		g = sim.Exp(-float64(2*(1-rho)*d*d) / float64(3*rho*(ca2+cs2)))
	} else {
		g = sim.Exp(-float64((1-rho)*(ca2-1)) / (ca2 + float64(4*cs2)))
	}
	return float64(w * g)
}

// MM1KBlocking is the probability that an arrival finds an M/M/1/K queue
// full (K places in all, the one in service included):
// P_K = (1−ρ)ρ^K/(1−ρ^(K+1)), or 1/(K+1) at ρ = 1 (Kleinrock 1975, §3.6).
func MM1KBlocking(lambda, mu float64, k int) float64 {
	rho := lambda / mu
	if math.Abs(rho-1) < 1e-12 {
		return 1 / float64(k+1)
	}
	return float64((1-rho)*sim.Pow(rho, float64(k))) / (1 - sim.Pow(rho, float64(k+1)))
}

// MVAResult is the solution of a closed network for a population.
type MVAResult struct {
	Throughput float64   // requests per second
	Response   float64   // mean time from sending to reply, think time excluded
	Residence  []float64 // mean time spent at each station per request
	QueueLen   []float64 // mean number at each station
}

// MVA solves a closed network of single-server FCFS stations with
// exponential service and an infinite-server think stage, exactly, by Mean
// Value Analysis (Reiser and Lavenberg, "Mean-value analysis of closed
// multichain queuing networks", JACM 27(2), 1980): for n = 1..N,
// R_k(n) = D_k(1 + Q_k(n−1)), X(n) = n/(Z + Σ R_k(n)), Q_k(n) = X(n)·R_k(n),
// where D_k is the service demand per request at station k and Z the mean
// think time.
func MVA(demands []float64, think float64, users int) (MVAResult, error) {
	counts := make([]int, len(demands))
	for k := range counts {
		counts[k] = 1
	}
	return MVAGroups(demands, counts, think, users)
}

// MVAGroups is MVA over groups of identical stations: counts[k] stations
// each of demand demands[k]. Identical stations have the same queue, so
// each group is solved once per population, whatever its size: the cost is
// users × groups, not users × stations. Residence and QueueLen are per
// station of each group; Response sums over every station.
func MVAGroups(demands []float64, counts []int, think float64, users int) (MVAResult, error) {
	if users < 1 {
		return MVAResult{}, fmt.Errorf("analytic: MVA needs at least one user, got %d", users)
	}
	q := make([]float64, len(demands))
	r := make([]float64, len(demands))
	var x float64
	for n := 1; n <= users; n++ {
		total := 0.0
		for k, d := range demands {
			r[k] = float64(d * (1 + q[k]))
			total += float64(float64(counts[k]) * r[k])
		}
		x = float64(n) / (think + total)
		for k := range q {
			q[k] = float64(x * r[k])
		}
	}
	res := MVAResult{Throughput: x, Residence: r, QueueLen: q}
	for k, v := range r {
		res.Response += float64(float64(counts[k]) * v)
	}
	return res, nil
}
