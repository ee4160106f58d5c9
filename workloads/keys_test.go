package workloads

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/sim"
)

// TestKeyPopularity draws keys from each model and compares the frequency
// of the most popular ranks, and of the hot set, with Popularity: each
// observed count must be within 4.5 binomial standard deviations.
func TestKeyPopularity(t *testing.T) {
	cases := []Keys{
		{Dist: KeysZipf, S: 0.9, Count: 1_000_000},
		{Dist: KeysZipf, S: 1, Count: 1000},
		{Dist: KeysZipf, S: 1.4, Count: 50},
		{Dist: KeysZipf, S: 0.5, Count: 10_000_000},
		{Dist: KeysUniform, Count: 20},
		{Dist: KeysHotspot, Count: 10_000, Fraction: 0.01, Share: 0.3},
	}
	const draws = 400_000
	for _, k := range cases {
		t.Run(k.Describe(), func(t *testing.T) {
			ks := NewKeySampler(&k)
			pop := k.Popularity()
			r := sim.NewStream(7, "keys")
			counts := map[int64]int{}
			for i := 0; i < draws; i++ {
				rank := ks.Rank(r)
				if rank < 0 || rank >= k.Count {
					t.Fatalf("rank %d outside [0, %d)", rank, k.Count)
				}
				counts[rank]++
			}
			check := func(what string, got int, p float64) {
				t.Helper()
				want := p * draws
				sd := math.Sqrt(draws * p * (1 - p))
				if math.Abs(float64(got)-want) > 4.5*sd+1 {
					t.Errorf("%s: %d draws, want %.0f ± %.0f", what, got, want, 4.5*sd)
				}
			}
			for r := int64(0); r < min(5, k.Count); r++ {
				check("rank "+itoa(r), counts[r], pop(r))
			}
			// The top tenth of ranks as a whole.
			top := max(1, k.Count/10)
			sumP, got := 0.0, 0
			for r := int64(0); r < top; r++ {
				sumP += pop(r)
				got += counts[r]
			}
			check("top tenth", got, sumP)
		})
	}
}

func itoa(i int64) string { return string(rune('0' + i)) }

// TestPopularitySumsToOne checks the normalisation, including the
// Euler–Maclaurin tail of the harmonic number past 10⁶ keys.
func TestPopularitySumsToOne(t *testing.T) {
	for _, k := range []Keys{
		{Dist: KeysZipf, S: 0.8, Count: 3_000_000},
		{Dist: KeysZipf, S: 1, Count: 1000},
		{Dist: KeysHotspot, Count: 1000, Fraction: 0.05, Share: 0.5},
		{Dist: KeysUniform, Count: 77},
	} {
		sum := 0.0
		pop := k.Popularity()
		for r := k.Count - 1; r >= 0; r-- {
			sum += pop(r)
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("%s: popularity sums to %.12f", k.Describe(), sum)
		}
	}
}

// TestKeyPermutation checks that Key maps ranks one-to-one onto the key space
// and spreads the most popular ranks apart.
func TestKeyPermutation(t *testing.T) {
	for _, n := range []int64{1, 2, 3, 10, 97, 1000, 4096} {
		ks := NewKeySampler(&Keys{Dist: KeysUniform, Count: n})
		seen := make([]bool, n)
		for r := int64(0); r < n; r++ {
			k := ks.Key(r)
			if k < 0 || k >= n || seen[k] {
				t.Fatalf("count %d: rank %d maps to %d, outside or repeated", n, r, k)
			}
			seen[k] = true
		}
	}
	ks := NewKeySampler(&Keys{Dist: KeysUniform, Count: 1_000_000})
	if d := ks.Key(1) - ks.Key(0); d < 100_000 && d > -100_000 {
		t.Errorf("ranks 0 and 1 map to neighbouring keys %d and %d", ks.Key(0), ks.Key(1))
	}
	big := NewKeySampler(&Keys{Dist: KeysUniform, Count: 1e12})
	if k := big.Key(1e12 - 1); k < 0 || k >= 1e12 {
		t.Errorf("largest rank maps to %d", k)
	}
}

func BenchmarkZipf(b *testing.B) {
	ks := NewKeySampler(&Keys{Dist: KeysZipf, S: 0.9, Count: 1_000_000})
	r := sim.NewStream(1, "bench")
	var sink int64
	for b.Loop() {
		sink += ks.Sample(r)
	}
	_ = sink
}
