package sim

import (
	"math"
	"testing"
)

// TestTrendLines checks the fit on quantities whose drift is known: a
// constant (no slope), a ramp (its slope, exactly), and a step down (a
// negative slope), and that only the ramp grows.
func TestTrendLines(t *testing.T) {
	cases := []struct {
		name  string
		at    func(x float64) float64
		slope float64
		grows bool
	}{
		{"constant", func(float64) float64 { return 7 }, 0, false},
		{"ramp", func(x float64) float64 { return 2 * x }, 2, true},
		{"draining", func(x float64) float64 { return math.Max(0, 100-x) }, -1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var tr Trend
			tr.Reset(0, 0.1)
			for i := 0; i <= 100_000; i++ {
				x := float64(i) / 1000
				tr.Set(Time(x), c.at(x))
			}
			f := tr.Fit(100)
			if f.Batches < minTrendBatches || math.Abs(f.Slope-c.slope) > 0.02*math.Max(1, math.Abs(c.slope)) || f.Grows(3, 0.01) != c.grows {
				t.Fatalf("fit %+v: want slope %g, grows %v", f, c.slope, c.grows)
			}
		})
	}
}

// TestTrendQueues simulates M/M/1 queues and checks that the test of
// growth (3 standard errors, and at least 5% of the arrival rate) tells a
// stable queue from an overloaded one over 2000 service times: a queue at
// ρ = 0.9, whose correlation time (about 380 service times) is a fifth of
// the window, is almost never called growing (allowed: 3 of 100 runs),
// while one at ρ = 1.2 (growing by λ − μ = 17% of its arrivals) always
// is, and one at ρ = 1.1 (9%) mostly: 87 of 100 runs measured, a
// binomial SD of 3.4 runs, so at least 75 (3.5 SD below).
func TestTrendQueues(t *testing.T) {
	grows := func(rho float64, seed uint64) bool {
		r := NewStream(seed, "trend")
		var tr Trend
		tr.Reset(0, 0.1)
		now, q := 0.0, 0
		nextArrival, nextDeparture := r.ExpFloat64()/rho, math.Inf(1)
		for now < 2000 {
			if nextArrival < nextDeparture {
				now = nextArrival
				q++
				if q == 1 {
					nextDeparture = now + r.ExpFloat64()
				}
				nextArrival = now + r.ExpFloat64()/rho
			} else {
				now = nextDeparture
				q--
				nextDeparture = math.Inf(1)
				if q > 0 {
					nextDeparture = now + r.ExpFloat64()
				}
			}
			tr.Set(Time(now), float64(q))
		}
		return tr.Fit(Time(now)).Grows(3, 0.05*rho) // 5% of the arrivals
	}
	stableGrew, overloadedGrew, justGrew := 0, 0, 0
	const runs = 100
	for seed := uint64(1); seed <= runs; seed++ {
		if grows(0.9, seed) {
			stableGrew++
		}
		if grows(1.2, seed) {
			overloadedGrew++
		}
		if grows(1.1, seed) {
			justGrew++
		}
	}
	if stableGrew > 3 || overloadedGrew != runs || justGrew < 75 {
		t.Fatalf("called growing: %d of %d stable queues, %d overloaded ones, %d just overloaded; want at most 3, all, at least 75", stableGrew, runs, overloadedGrew, justGrew)
	}
	t.Logf("called growing: %d of %d stable queues (ρ 0.9), %d overloaded ones (ρ 1.2), %d just overloaded (ρ 1.1)", stableGrew, runs, overloadedGrew, justGrew)
}

// TestTrendFitLast checks that a quantity that jumped once early and held
// its level (a backlog a burst left) grows over the whole window but not
// over its later half, while a ramp grows over both.
func TestTrendFitLast(t *testing.T) {
	for _, c := range []struct {
		name          string
		at            func(x float64) float64
		whole, latter bool
	}{
		{"a jump at 20 s, then flat", func(x float64) float64 {
			if x < 20 {
				return 0
			}
			return 200
		}, true, false},
		{"a ramp", func(x float64) float64 { return 2 * x }, true, true},
	} {
		var tr Trend
		tr.Reset(0, 0.1)
		for i := 0; i <= 100_000; i++ {
			x := float64(i) / 1000
			tr.Set(Time(x), c.at(x))
		}
		whole, latter := tr.Fit(100), tr.FitLast(100, 0.5)
		if whole.Grows(3, 0.01) != c.whole || latter.Grows(3, 0.01) != c.latter || latter.Batches*2 > whole.Batches+1 {
			t.Errorf("%s: whole %+v, later half %+v; want growing %v and %v", c.name, whole, latter, c.whole, c.latter)
		}
	}
}
