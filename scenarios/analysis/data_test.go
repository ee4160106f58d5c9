package analysis

import (
	"bytes"
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
