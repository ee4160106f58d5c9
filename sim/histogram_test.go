package sim

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// histogramSamples are samples to merge: a latency-like lognormal, values
// at zero and past HistogramMax, and one value.
func histogramSamples() map[string][]float64 {
	r := NewStream(3, "merge")
	d := mustDist(NewLognormalCV(0.02, 4))
	logn := make([]float64, 50_000)
	for i := range logn {
		logn[i] = d.Sample(r)
	}
	edges := []float64{0, 0, 1e-12, 5e-3, 2e7, 0.25, 1e9, 0, 3}
	return map[string][]float64{"lognormal": logn, "zeros and clamped": edges, "one value": {0.1}}
}

// TestHistogramMergeExact checks that two histograms merged are the
// histogram of both samples: the same state, so the same count, extremes
// and every quantile, however the values are split between them (the
// results of independent runs merged, as package scenarios/batch does).
func TestHistogramMergeExact(t *testing.T) {
	splits := []struct {
		name  string
		first func(i, n int) bool
	}{
		{"alternate", func(i, _ int) bool { return i%2 == 0 }},
		{"halves", func(i, n int) bool { return i < n/2 }},
		{"all in the first", func(int, int) bool { return true }},
		{"all in the second", func(int, int) bool { return false }},
	}
	for name, xs := range histogramSamples() {
		var whole Histogram
		for _, x := range xs {
			whole.Add(x)
		}
		for _, sp := range splits {
			t.Run(name+"/"+sp.name, func(t *testing.T) {
				var a, b Histogram
				for i, x := range xs {
					if sp.first(i, len(xs)) {
						a.Add(x)
					} else {
						b.Add(x)
					}
				}
				a.Merge(&b)
				if !reflect.DeepEqual(a, whole) {
					t.Errorf("merged state differs from one histogram fed both samples")
				}
				for q := 0; q <= 1000; q++ {
					if got, want := a.Quantile(float64(q)/1000), whole.Quantile(float64(q)/1000); got != want {
						t.Fatalf("q=%g: merged %g, whole %g", float64(q)/1000, got, want)
					}
				}
				if a.N() != uint64(len(xs)) || a.Max() != whole.Max() {
					t.Errorf("merged n %d max %g; want %d, %g", a.N(), a.Max(), len(xs), whole.Max())
				}
			})
		}
	}
}

// TestHistogramJSON checks that a histogram written as JSON and read back
// is the same histogram, that a clone shares nothing, and that a form
// whose counts do not add up is refused.
func TestHistogramJSON(t *testing.T) {
	for name, xs := range histogramSamples() {
		var h Histogram
		for _, x := range xs {
			h.Add(x)
		}
		data, err := json.Marshal(&h)
		if err != nil {
			t.Fatal(err)
		}
		var back Histogram
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, h) {
			t.Errorf("%s: read back a different histogram", name)
		}
		c := h.Clone()
		c.Add(1)
		if h.N() != uint64(len(xs)) || c.N() != h.N()+1 || reflect.DeepEqual(*c, h) {
			t.Errorf("%s: the clone shares the original's state", name)
		}
	}
	var empty Histogram
	data, err := json.Marshal(&empty)
	if err != nil || string(data) != `{"n":0,"zeros":0,"min":0,"max":0,"buckets":[]}` {
		t.Errorf("empty histogram: %s, %v", data, err)
	}
	for _, c := range []struct{ form, want string }{
		{`{"n":3,"zeros":1,"min":0,"max":1,"buckets":[[1900,1]]}`, "count 2 values, its n is 3"},
		{`{"n":2,"zeros":0,"min":0,"max":1,"buckets":[[1900,1],[1900,1]]}`, "bucket 1900 is given twice"},
		{`{"n":1,"zeros":0,"min":0,"max":1,"buckets":[[99999,1]]}`, "bucket 99999 is out of range"},
		{`{"n":"x"}`, "sim: reading a histogram"},
	} {
		var h Histogram
		if err := json.Unmarshal([]byte(c.form), &h); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.form, err, c.want)
		}
	}
}
