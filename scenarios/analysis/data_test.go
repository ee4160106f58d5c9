package analysis

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/units"
)

// TestTimelineData checks that a database's data grows with the users of
// a timeline: at each date per_user × that date's users (1 MiB × users
// here, so a GiB per 1,024 users), priced in the month's cost, and shown
// in the table's DATA column.
func TestTimelineData(t *testing.T) {
	const file = `
name: growing
workload: {users: 1024, active_fraction: 10%, requests_per_active_user_per_day: 864, growth: {from: 1024, to: 4096, over: 3mo, curve: linear}}
entry: app
nodes:
  app: {kind: service, service_time: 1ms, calls: [db]}
  db: {kind: database, replicas: 1, service_time: 1ms, data: {per_user: 1MiB}}
run: {seed: 1, warmup: 1s, duration: 10s}
`
	tl, err := Timeline(textJob(t, "growing", file), TimelineSpec{Every: units.Month})
	if err != nil {
		t.Fatal(err)
	}
	for _, smp := range tl.Samples {
		want := smp.Users * (1 << 20)
		// Two servers (a primary and a replica), each with all of it.
		price := 2 * want / (1 << 30) * 0.115
		if len(smp.Cost.Storage) != 1 || smp.Cost.StoredBytes() != want || smp.Cost.Storage[0].MonthlyUSD != price ||
			smp.Cost.MonthlyUSD != price {
			t.Errorf("%s, %g users: storage %+v, month $%v; want %v bytes at $%v", smp.Date, smp.Users, smp.Cost.Storage, smp.Cost.MonthlyUSD, want, price)
		}
	}
	var b bytes.Buffer
	if err := tl.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"BOTTLENECK  DATA  $/MONTH", "  1GiB  0  ", "  2GiB  0  ", "  3GiB  1  ", "  4GiB  1  "} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("the table lacks %q:\n%s", w, b.String())
		}
	}
}

// TestTimelineDataWritten checks that a timeline's data holds what the
// writes of the dates before added (data per_write): users growing
// linearly from 1,024 to 4,096 over 3 months, each making 0.001 requests
// a second over the day (10% active × 864 a day), half of them writes of
// 1 KiB, so the writes add 0.5 KiB × 0.001 × ∫ users dt by date t, where
// ∫ users dt = 1024·t + 1536·t²/T (T the 3 months): the trapezoid rule the
// timeline integrates by is exact for a line.
func TestTimelineDataWritten(t *testing.T) {
	const file = `
name: growing
workload: {users: 1024, active_fraction: 10%, requests_per_active_user_per_day: 864, mix: {read: 0.5, write: 0.5}, writes: [write],
  growth: {from: 1024, to: 4096, over: 3mo, curve: linear}}
entry: app
nodes:
  app: {kind: service, service_time: 1ms, calls: [db]}
  db: {kind: database, service_time: 1ms, data: {per_user: 1MiB, per_write: 1KiB}}
run: {seed: 1, warmup: 1s, duration: 10s}
`
	tl, err := Timeline(textJob(t, "growing", file), TimelineSpec{Every: units.Month})
	if err != nil {
		t.Fatal(err)
	}
	T := 3 * units.Month
	for _, smp := range tl.Samples {
		written := 512 * 0.001 * (1024*smp.At + 1536*smp.At*smp.At/T)
		want := smp.Users*(1<<20) + written
		if got := smp.Cost.StoredBytes(); math.Abs(got-want) > 1e-9*want {
			t.Errorf("%s, %g users: data %.12g bytes, want %.12g (%.6g written)", smp.Date, smp.Users, got, want, written)
		}
		t.Logf("%s: %s users, data %s (%s written)", smp.Date, units.FormatCount(smp.Users), units.FormatBytes(smp.Cost.StoredBytes()), units.FormatBytes(written))
	}
}
