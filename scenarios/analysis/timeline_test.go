package analysis

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/units"
)

// TestTimelineDailyCycle checks a timeline of a workload with a daily
// cycle: each sample runs the whole day at that date's users, offered at
// the users model's daily mean (the cycle gives the peak), and an
// autoscaled tier's cost follows the users.
func TestTimelineDailyCycle(t *testing.T) {
	s := textJob(t, "tl.yaml", `name: tl-day
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
`)
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
	s := textJob(t, "tl.yaml", `name: tl-cut
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
`)
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

// TestTimelineBreaksWhereItBreaks checks the timeline's breach and its
// reason against the run of each date (hostile finding 11): where only the
// consumers behind a queue saturate, requests meet the SLO, so the
// timeline says where it breaks without calling it an SLO breach, and
// gives the report's reasons (the queue's growing backlog), not an offered
// load a queue does not have; where requests miss their objective, it is
// an SLO breach.
func TestTimelineBreaksWhereItBreaks(t *testing.T) {
	for _, c := range []struct {
		name, consumer, slo string
		sloFailed           bool
		want, no            []string
	}{
		{"async consumers saturate", "service_time: 100ms", "{p99: 200ms}", false,
			[]string{"breaks      week 1 at 307k users: q saturated (its backlog grew by ", "w saturated (its own demand is ", "the SLO holds there"},
			[]string{"SLO breach", "offered load 0%"}},
		{"requests miss the objective", "service_time: 1ms", "{p99: 500µs}", true,
			[]string{"SLO breach  week 0 at 100k users: p99 "},
			[]string{"breaks", "the SLO holds"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := textJob(t, "tl.yaml", `name: tl4
workload:
  users: 100k
  active_fraction: 20%
  requests_per_active_user_per_day: 50
  peak_to_average: 1
  growth: {from: 100k, to: 1M, over: 1mo, curve: linear}
entry: app
nodes:
  app: {kind: service, workers: 8, service_time: 1ms, calls: [{to: q, async: true}]}
  q: {kind: queue}
  w: {kind: workers, from: q, consumers: 2, `+c.consumer+`}
slo: `+c.slo+`
run: {duration: 300s}
`)
			tl, err := Timeline(s, TimelineSpec{Every: units.Week})
			if err != nil {
				t.Fatal(err)
			}
			e := tl.SLOBreach
			if e == nil {
				t.Fatal("no breach")
			}
			i := slices.IndexFunc(tl.Samples, func(x TimelineSample) bool { return x.At == e.At })
			if run := tl.Samples[i].SLO.Pass; e.SLOFailed != c.sloFailed || run == e.SLOFailed {
				t.Errorf("breach %+v: SLO failed %v, the run of that date passes %v; want SLO failed %v", e, e.SLOFailed, run, c.sloFailed)
			}
			var b bytes.Buffer
			if err := tl.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("table lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range c.no {
				if strings.Contains(b.String(), w) {
					t.Errorf("table has %q:\n%s", w, b.String())
				}
			}
		})
	}
}

// TestTimelineStoppedRows checks that a date whose run was stopped as
// overloaded says so in its row, without the p99 and error rate of the
// requests that ended before the stop as if they were the date's (at ten
// times the capacity the run stops within seconds, its few replies quick,
// none failed: "46ms 0%" read as healthy).
func TestTimelineStoppedRows(t *testing.T) {
	s := textJob(t, "tl.yaml", `name: tl-stopped
workload:
  users: 20k
  active_fraction: 20%
  requests_per_active_user_per_day: 50
  peak_to_average: 2
  growth: {from: 20k, to: 20M, over: 2mo, curve: linear}
entry: app
nodes:
  app: {kind: service, workers: 4, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 200ms, error_rate: 1%}
run: {seed: 1, warmup: 10s, duration: 60s}
`)
	tl, err := Timeline(s, TimelineSpec{Every: 7 * 86400})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tl.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(b.String(), "\n") {
		for _, smp := range tl.Samples {
			if strings.HasPrefix(line, smp.Date+" ") {
				rows[smp.Date] = strings.TrimPrefix(line, smp.Date)
			}
		}
	}
	stopped := 0
	for _, smp := range tl.Samples {
		row, shown := rows[smp.Date]
		if !smp.CouldNotGoOn || !shown {
			continue
		}
		stopped++
		if f := strings.Fields(row); !strings.HasSuffix(row, "STOPPED (overloaded)") || f[2] != "-" || f[3] != "-" {
			t.Errorf("%s: row %q; want no p99, no error rate and STOPPED (overloaded)", smp.Date, row)
		}
	}
	if stopped < 2 || !strings.Contains(b.String(), "STOPPED     week 1: overloaded: ") {
		t.Errorf("%d rows of runs stopped; want 2 or more, and the first's reason:\n%s", stopped, b.String())
	}
}
