package sim

import "testing"

// TestDurations checks that Durations agrees with the records it combines.
func TestDurations(t *testing.T) {
	var d Durations
	var s Summary
	var h Histogram
	var b BatchMeans
	if d.MeanCI95() != nil {
		t.Fatal("an interval from no durations")
	}
	for i := range 10000 {
		x := float64(i%97) / 100
		d.Add(x)
		s.Add(x)
		h.Add(x)
		b.Add(x)
	}
	half, _ := b.HalfWidth95()
	ci := d.MeanCI95()
	if d.N() != s.N() || d.Mean() != s.Mean() || d.Quantile(0.99) != h.Quantile(0.99) || d.Max() != h.Max() ||
		ci == nil || ci[0] != s.Mean()-half || ci[1] != s.Mean()+half {
		t.Errorf("Durations: n %d mean %g p99 %g max %g ci %v; parts: %d %g %g %g ±%g",
			d.N(), d.Mean(), d.Quantile(0.99), d.Max(), ci, s.N(), s.Mean(), h.Quantile(0.99), h.Max(), half)
	}
}
