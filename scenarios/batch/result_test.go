package batch

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
)

// TestResultOfOneRun checks that one run's result gives its report's
// figures: throughput, error rate, mean and quantiles.
func TestResultOfOneRun(t *testing.T) {
	rep, err := Job{Source: Text("mm2.yaml", []byte(mm2))}.Run()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ResultOf(rep)
	if err != nil {
		t.Fatal(err)
	}
	if r.Throughput() != rep.Throughput || *r.ErrorRate() != *rep.ErrorRate || r.MeanLatency != rep.Latency.Mean {
		t.Errorf("throughput %g, error rate %g, mean %g; the report says %g, %g, %g",
			r.Throughput(), *r.ErrorRate(), r.MeanLatency, rep.Throughput, *rep.ErrorRate, rep.Latency.Mean)
	}
	for q, want := range map[float64]float64{0.5: rep.Latency.P50, 0.99: rep.Latency.P99, 0.999: rep.Latency.P999} {
		if got := r.Quantile(q); got != want {
			t.Errorf("q=%g: %g, the report says %g", q, got, want)
		}
	}
	if uint64(rep.Requests.Completed) != r.Latency.N() || r.Latency.Max() != rep.Latency.Max {
		t.Errorf("the histogram holds %d latencies up to %g, the run completed %d requests up to %g", r.Latency.N(), r.Latency.Max(), rep.Requests.Completed, rep.Latency.Max)
	}
}

// TestMergeTwoSeeds merges the results of two seeds and checks them
// against the merge done by hand: every count and the measured time add,
// the mean is the mean of both runs' requests, and the latency histogram
// is the histogram of both runs' latencies (sim.TestHistogramMergeExact:
// the same as one histogram fed both samples), so every quantile is; the
// merged result reads back from JSON the same.
func TestMergeTwoSeeds(t *testing.T) {
	var reps []*simulate.Report
	for _, seed := range []uint64{1, 2} {
		rep, err := Job{Source: Text("mm2.yaml", []byte(mm2)), Seed: &seed}.Run()
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	merged, err := ResultOf(reps[0])
	if err != nil {
		t.Fatal(err)
	}
	second, err := ResultOf(reps[1])
	if err != nil {
		t.Fatal(err)
	}
	merged.Merge(second)

	a, b := reps[0], reps[1]
	if !reflect.DeepEqual(merged.Seeds, []uint64{1, 2}) || merged.Window != a.Window+b.Window || merged.Events != a.Events+b.Events {
		t.Errorf("seeds %v, window %g, events %d; want [1 2], %g, %d", merged.Seeds, merged.Window, merged.Events, a.Window+b.Window, a.Events+b.Events)
	}
	ra, rb, rm := reflect.ValueOf(a.Requests), reflect.ValueOf(b.Requests), reflect.ValueOf(merged.Requests)
	for i := range rm.NumField() {
		if rm.Field(i).Int() != ra.Field(i).Int()+rb.Field(i).Int() {
			t.Errorf("requests.%s: merged %d, runs %d + %d", rm.Type().Field(i).Name, rm.Field(i).Int(), ra.Field(i).Int(), rb.Field(i).Int())
		}
	}
	na, nb := float64(a.Requests.Completed), float64(b.Requests.Completed)
	if want := (a.Latency.Mean*na + b.Latency.Mean*nb) / (na + nb); math.Abs(merged.MeanLatency-want) > 1e-15*want {
		t.Errorf("mean %g, by hand %g", merged.MeanLatency, want)
	}
	if want := float64(merged.Requests.Completed) / (a.Window + b.Window); merged.Throughput() != want {
		t.Errorf("throughput %g, by hand %g", merged.Throughput(), want)
	}
	byHand := a.Histogram.Clone()
	byHand.Merge(b.Histogram)
	if !reflect.DeepEqual(merged.Latency, byHand) || merged.Latency.N() != uint64(a.Requests.Completed+b.Requests.Completed) {
		t.Errorf("merged histogram of %d latencies differs from both runs' (%d + %d)", merged.Latency.N(), a.Requests.Completed, b.Requests.Completed)
	}
	for q := 0; q <= 1000; q++ {
		if got, want := merged.Quantile(float64(q)/1000), byHand.Quantile(float64(q)/1000); got != want {
			t.Fatalf("q=%g: merged %g, by hand %g", float64(q)/1000, got, want)
		}
	}
	// The merged quantile of a mixture lies between the runs' own.
	for _, q := range []float64{0.5, 0.99} {
		lo, hi := min(a.Histogram.Quantile(q), b.Histogram.Quantile(q)), max(a.Histogram.Quantile(q), b.Histogram.Quantile(q))
		if m := merged.Quantile(q); m < lo || m > hi {
			t.Errorf("q=%g: merged %g outside the runs' %g and %g", q, m, lo, hi)
		}
	}

	data, err := json.Marshal(merged)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, merged) {
		t.Errorf("the merged result read back from JSON differs")
	}
}

// TestMergeAddsEveryCount checks that merging adds every field of
// simulate.RequestCounts, so that a count added there is merged too.
func TestMergeAddsEveryCount(t *testing.T) {
	var a, b simulate.RequestCounts
	av, bv := reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem()
	for i := range av.NumField() {
		if k := av.Field(i).Kind(); k != reflect.Int64 {
			t.Fatalf("RequestCounts.%s is a %s: merging adds int64 counts only", av.Type().Field(i).Name, k)
		}
		av.Field(i).SetInt(int64(i + 1))
		bv.Field(i).SetInt(int64(100 * (i + 1)))
	}
	r := &Result{Requests: a}
	r.Merge(&Result{Requests: b, Latency: &sim.Histogram{}})
	mv := reflect.ValueOf(r.Requests)
	for i := range mv.NumField() {
		if got := mv.Field(i).Int(); got != int64(101*(i+1)) {
			t.Errorf("%s: %d, want %d", mv.Type().Field(i).Name, got, 101*(i+1))
		}
	}
}
