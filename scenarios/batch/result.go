package batch

import (
	"fmt"
	"reflect"

	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/sim"
)

// Result is what runs measured of their requests, in a form that merges
// with the results of other independent runs (other seeds, other points of
// a sweep): counts and measured time add, latency histograms merge
// exactly, so the merged quantiles are those of one histogram fed every
// run's latencies. Runs are independent: merging the results of slices of
// one run's time would count its warm-up and its correlations wrongly, and
// is not what a Result is for.
type Result struct {
	// Seeds are the seeds of the runs merged, in merge order.
	Seeds []uint64 `json:"seeds"`
	// Window is the seconds measured, summed over the runs.
	Window float64 `json:"window"`
	// Events is the simulation events processed, summed.
	Events uint64 `json:"events"`
	// Requests are the requests of the runs' windows, each count summed.
	Requests simulate.RequestCounts `json:"requests"`
	// MeanLatency is the mean response time of the completed requests:
	// the runs' means weighted by their completions.
	MeanLatency float64 `json:"mean_latency"`
	// Latency holds the response times of the completed requests.
	Latency *sim.Histogram `json:"latency"`
	// CutShort counts the runs that stopped early (a budget, or a run
	// that could not go on): their windows are shorter than asked.
	CutShort int `json:"cut_short"`
}

// ResultOf is the result of one run, from its report.
func ResultOf(rep *simulate.Report) (*Result, error) {
	if rep.Histogram == nil {
		return nil, fmt.Errorf("batch: the report of %s (seed %d) has no latency histogram to merge", rep.Scenario, rep.Seed)
	}
	r := &Result{Seeds: []uint64{rep.Seed}, Window: rep.Window, Events: rep.Events, Requests: rep.Requests,
		Latency: rep.Histogram.Clone()}
	if rep.Latency != nil {
		r.MeanLatency = rep.Latency.Mean
	}
	if rep.StoppedEarly != "" {
		r.CutShort = 1
	}
	return r, nil
}

// Merge adds o's runs to r.
func (r *Result) Merge(o *Result) {
	n, m := r.Requests.Completed, o.Requests.Completed
	if n+m > 0 {
		r.MeanLatency = (float64(r.MeanLatency*float64(n)) + float64(o.MeanLatency*float64(m))) / float64(n+m)
	}
	r.Seeds = append(r.Seeds, o.Seeds...)
	r.Window += o.Window
	r.Events += o.Events
	addCounts(&r.Requests, o.Requests)
	if r.Latency == nil {
		r.Latency = &sim.Histogram{}
	}
	if o.Latency != nil {
		r.Latency.Merge(o.Latency)
	}
	r.CutShort += o.CutShort
}

// addCounts adds every count of o to c: all of RequestCounts' fields are
// counts (TestMergeAddsEveryCount checks that a new one is too).
func addCounts(c *simulate.RequestCounts, o simulate.RequestCounts) {
	cv, ov := reflect.ValueOf(c).Elem(), reflect.ValueOf(o)
	for i := range cv.NumField() {
		f := cv.Field(i)
		f.SetInt(f.Int() + ov.Field(i).Int())
	}
}

// Throughput is the completed requests per second measured.
func (r *Result) Throughput() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.Requests.Completed) / r.Window
}

// ErrorRate is the share of the requests that ended that did not
// complete; nil when none ended.
func (r *Result) ErrorRate() *float64 {
	failed := r.Requests.Failed()
	ended := r.Requests.Completed + failed
	if ended == 0 {
		return nil
	}
	e := float64(failed) / float64(ended)
	return &e
}

// Quantile is the q-quantile of the completed requests' response times
// (sim.Histogram.Quantile), 0 when none completed.
func (r *Result) Quantile(q float64) float64 {
	if r.Latency == nil {
		return 0
	}
	return r.Latency.Quantile(q)
}
