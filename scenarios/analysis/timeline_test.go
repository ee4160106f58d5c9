package analysis

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
)

// TestTimelineDailyCycle checks a timeline of a workload with a daily
// cycle: each sample runs the whole day at that date's users, offered at
// the users model's daily mean (the cycle gives the peak), and an
// autoscaled tier's cost follows the users.
func TestTimelineDailyCycle(t *testing.T) {
	s, err := scenarios.Parse("tl.yaml", []byte(`name: tl-day
workload:
  users: 50k
  requests_per_active_user_per_day: 20
  active_fraction: 20%
  shape: [{diurnal: {peak_to_trough: 4, peak_at: 20h}}]
  growth: {from: 50k, to: 150k, over: 2mo, curve: linear}
entry: app
nodes:
  app:
    kind: service
    instances: 2
    service_time: {dist: exponential, mean: 200ms}
    instance: m6i.large
    autoscale: {min: 1, max: 50, target: 60%}
slo: {p99: 2s}
run: {warmup: 0s, duration: 1d, sample: 30m}
`))
	if err != nil {
		t.Fatal(err)
	}
	tl, err := Timeline(s, TimelineSpec{Every: 30 * 86400})
	if err != nil {
		t.Fatal(err)
	}
	if !tl.Shaped || len(tl.Samples) != 3 {
		t.Fatalf("shaped %v, %d samples; want a shaped timeline of 3", tl.Shaped, len(tl.Samples))
	}
	prevCost := 0.0
	for _, smp := range tl.Samples {
		mean := smp.Users * 0.2 * 20 / 86400
		if smp.Window != 86400 || math.Abs(smp.OfferedRate-mean) > 1e-6*mean {
			t.Errorf("%s: window %gs, offered %g/s; want the whole day at the daily mean %g/s", smp.Date, smp.Window, smp.OfferedRate, mean)
		}
		if smp.Cost.MonthlyUSD <= prevCost {
			t.Errorf("%s: cost %g, not above the previous sample's %g", smp.Date, smp.Cost.MonthlyUSD, prevCost)
		}
		prevCost = smp.Cost.MonthlyUSD
	}
	var b bytes.Buffer
	if err := tl.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "each sample is that date's users through the workload's shape (its daily cycle)") {
		t.Errorf("table:\n%s", b.String())
	}
}

// TestTimelineIncompleteRows checks that a date whose run its event budget
// cut before the day's peak is marked INCOMPLETE, neither ok nor a breach,
// and the table says why: its figures are of the part of the day that ran.
func TestTimelineIncompleteRows(t *testing.T) {
	s, err := scenarios.Parse("tl.yaml", []byte(`name: tl-cut
workload:
  users: 50k
  requests_per_active_user_per_day: 20
  active_fraction: 20%
  shape: [{diurnal: {peak_to_trough: 4, peak_at: 20h}}]
  growth: {from: 50k, to: 150k, over: 2mo, curve: linear}
entry: app
nodes:
  app: {kind: service, instances: 4, service_time: {dist: exponential, mean: 200ms}}
slo: {p99: 2s}
run: {warmup: 0s, duration: 1d, sample: 30m, max_events: 50k}
`))
	if err != nil {
		t.Fatal(err)
	}
	tl, err := Timeline(s, TimelineSpec{Every: 30 * 86400})
	if err != nil {
		t.Fatal(err)
	}
	for _, smp := range tl.Samples {
		if !smp.Incomplete || smp.OK || smp.Window >= 86400 {
			t.Errorf("%s: incomplete %v, ok %v after %gs; want cut short, incomplete and not ok", smp.Date, smp.Incomplete, smp.OK, smp.Window)
		}
	}
	if tl.SLOBreach != nil {
		t.Errorf("breach %+v from runs cut short", tl.SLOBreach)
	}
	var b bytes.Buffer
	if err := tl.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INCOMPLETE  week 0: the run stopped at", "and 2 more samples were cut short", "SLO breach  none within the timeline"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
