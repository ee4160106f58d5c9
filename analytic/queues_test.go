package analytic

import (
	"fmt"
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.9g, want %.9g (±%g)", what, got, want, tol)
	}
}

// TestClosedForms checks each formula against values worked by hand.
func TestClosedForms(t *testing.T) {
	// Erlang B and C for c = 2, a = 1: B = 0.5/(2+0.5) = 0.2,
	// C = 2·0.2/(2 − 0.8) = 1/3.
	near(t, "ErlangB(2, 1)", ErlangB(2, 1), 0.2, 1e-12)
	near(t, "ErlangC(2, 1)", ErlangC(2, 1), 1.0/3, 1e-12)
	// With one server Erlang C is ρ, and M/M/c reduces to M/M/1.
	near(t, "ErlangC(1, 0.7)", ErlangC(1, 0.7), 0.7, 1e-12)
	mm1 := MM1{Lambda: 7, Mu: 10}
	near(t, "M/M/1 as M/M/c sojourn", MMc{Lambda: 7, Mu: 10, C: 1}.MeanSojourn(), mm1.MeanSojourn(), 1e-12)
	near(t, "M/M/1 sojourn", mm1.MeanSojourn(), 1.0/3, 1e-12)
	near(t, "M/M/1 p99", mm1.SojournQuantile(0.99), math.Log(100)/3, 1e-12)
	// P-K with scv = 1 is M/M/1's wait ρ/(μ−λ); M/D/1 waits half as long.
	near(t, "P-K exponential", MG1MeanWait(7, 0.1, 1), 0.7/3, 1e-12)
	near(t, "P-K deterministic", MG1MeanWait(7, 0.1, 0), 0.7/6, 1e-12)
	// M/M/1/K at ρ = 1 blocks 1/(K+1); M/M/1/1 is Erlang B with one server.
	near(t, "M/M/1/3 at ρ=1", MM1KBlocking(5, 5, 3), 0.25, 1e-12)
	near(t, "M/M/1/1", MM1KBlocking(3, 5, 1), ErlangB(1, 0.6), 1e-12)
	// M/M/c wait quantile: P(W > t) at the quantile equals 1−p.
	q := MMc{Lambda: 32, Mu: 10, C: 4}
	tq := q.WaitQuantile(0.99)
	near(t, "tail at the p99 wait", q.WaitProbability()*math.Exp(-(40-32)*tq), 0.01, 1e-12)
	// The sojourn tail of M/M/1 (C = ρ, θ = μ−λ) is e^(−(μ−λ)t); the
	// quantile inverts it; the mean of the tail integral is the mean sojourn.
	near(t, "M/M/1 sojourn p99 via M/M/c", MMc{Lambda: 7, Mu: 10, C: 1}.SojournQuantile(0.99), mm1.SojournQuantile(0.99), 1e-9)
	near(t, "tail at the p99 sojourn", q.SojournTail(q.SojournQuantile(0.99)), 0.01, 1e-12)
	area := 0.0
	for dt, x := 1e-4, 0.0; x < 20; x += dt {
		area += (q.SojournTail(x) + q.SojournTail(x+dt)) / 2 * dt
	}
	near(t, "∫ P(T>t) dt = E[T]", area, q.MeanSojourn(), 1e-7)
	// θ = μ: c = 2, μ = 1, λ = 1.
	eq := MMc{Lambda: 1, Mu: 1, C: 2}
	near(t, "θ = μ continuity", eq.SojournTail(1.3), MMc{Lambda: 1 - 1e-7, Mu: 1, C: 2}.SojournTail(1.3), 1e-6)
}

// TestMVA checks Mean Value Analysis against a case solved by hand and
// against its limits.
func TestMVA(t *testing.T) {
	// One station, demand 1, no think time, two users: n=1: R=1, X=1, Q=1;
	// n=2: R=2, X=1, Q=2.
	r, err := MVA([]float64{1}, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "X", r.Throughput, 1, 1e-12)
	near(t, "R", r.Response, 2, 1e-12)
	// Many users: throughput tends to 1/max demand (the bottleneck law).
	r, _ = MVA([]float64{0.05, 0.08}, 5, 2000)
	near(t, "X at N=2000", r.Throughput, 1/0.08, 1e-6)
	// Little's law holds for the whole population: N = X(R + Z).
	for _, n := range []int{1, 5, 40} {
		r, _ = MVA([]float64{0.05, 0.08}, 5, n)
		near(t, fmt.Sprintf("Little at N=%d", n), r.Throughput*(r.Response+5), float64(n), 1e-9)
	}
	if _, err := MVA([]float64{1}, 0, 0); err == nil {
		t.Error("MVA with no users should fail")
	}
}

// ExampleMMc shows the Erlang C figures of an M/M/4 queue at ρ = 0.8.
func ExampleMMc() {
	q := MMc{Lambda: 32, Mu: 10, C: 4}
	fmt.Printf("P(wait) = %.4f, mean wait = %.2f ms\n", q.WaitProbability(), q.MeanWait()*1000)
	// Output: P(wait) = 0.5964, mean wait = 74.55 ms
}

func TestCheLRU(t *testing.T) {
	// Uniform popularity: T solves N(1 − e^{−T/N}) = C, so the hit ratio is
	// 1 − e^{−T/N} = C/N exactly.
	pop := make([]float64, 1000)
	for i := range pop {
		pop[i] = 1.0 / 1000
	}
	if h := CheLRU(pop, 250); math.Abs(h-0.25) > 1e-9 {
		t.Errorf("uniform: hit ratio %v, want 0.25", h)
	}
	if h := CheLRU(pop, 1000); h != 1 {
		t.Errorf("everything fits: hit ratio %v, want 1", h)
	}
	if h := TTLHitRatio(pop, 1000, 1); math.Abs(h-0.5) > 1e-12 {
		t.Errorf("TTL with one request per key per TTL: %v, want 1/2", h)
	}
	if f := StaleReadFraction(0.2, 2); math.Abs(f-(1-math.Exp(-0.4))) > 1e-15 {
		t.Errorf("stale fraction %v", f)
	}
}

// TestMVAGroups checks that solving groups of identical stations once per
// population gives what MVA over every station gives.
func TestMVAGroups(t *testing.T) {
	grouped, err := MVAGroups([]float64{0.02, 0.005}, []int{3, 2}, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	each, err := MVA([]float64{0.02, 0.02, 0.02, 0.005, 0.005}, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(grouped.Throughput/each.Throughput-1) > 1e-12 || math.Abs(grouped.Response/each.Response-1) > 1e-12 ||
		math.Abs(grouped.Residence[0]/each.Residence[0]-1) > 1e-12 || math.Abs(grouped.Residence[1]/each.Residence[4]-1) > 1e-12 {
		t.Fatalf("grouped %+v, each %+v", grouped, each)
	}
}

// TestKLBWait checks Krämer–Langenbach-Belz's wait against the exact
// E_k/M/1 queue (every k-th arrival of a Poisson stream, as round robin
// over k servers gives each): W = σ/(μ(1−σ)) with σ the root in (0, 1) of
// σ = (kλ/(kλ + μ(1−σ)))^k (Kleinrock 1975, ch. 6, the G/M/m queue). The
// approximation is within 15% of the wait over the grid (closest at high
// load, where the wait matters), and with Poisson arrivals it is
// Allen–Cunneen's wait exactly.
func TestKLBWait(t *testing.T) {
	for _, k := range []int{2, 4, 10, 34} {
		for _, rho := range []float64{0.3, 0.5, 0.7, 0.9} {
			t.Run(fmt.Sprintf("E%d/M/1 at %g", k, rho), func(t *testing.T) {
				lambda, mu := rho, 1.0
				sigma := 0.5
				for range 100_000 {
					sigma = math.Pow(float64(k)*lambda/(float64(k)*lambda+mu*(1-sigma)), float64(k))
				}
				exact := sigma / (mu * (1 - sigma))
				got := KLBWait(lambda, mu, 1, 1/float64(k), 1)
				if math.Abs(got/exact-1) > 0.15 {
					t.Errorf("KLB wait %g, exact %g (%+.1f%%)", got, exact, 100*(got/exact-1))
				}
				if rho >= 0.7 && math.Abs(got/exact-1) > 0.05 {
					t.Errorf("KLB wait %g, exact %g (%+.1f%%): more than 5%% off at high load", got, exact, 100*(got/exact-1))
				}
			})
		}
	}
	if got, want := KLBWait(30, 10, 4, 1, 2.5), AllenCunneenWait(30, 10, 4, 1, 2.5); got != want {
		t.Errorf("KLB with Poisson arrivals %g, Allen–Cunneen %g", got, want)
	}
	if got := KLBWait(50, 10, 4, 0.5, 1); !math.IsInf(got, 1) {
		t.Errorf("KLB of an overloaded queue %g, want +Inf", got)
	}
}
