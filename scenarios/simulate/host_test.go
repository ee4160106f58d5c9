package simulate_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/internal/fidelity"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// shared is an app and its database, each with workers to spare, on one
// host of the given cores (none: each on machines of its own), both with
// exponential service times of 10 ms.
func shared(rate float64, cores int, workers int, duration string) string {
	hosts, on := "", ""
	if cores > 0 {
		hosts, on = fmt.Sprintf("hosts: {box: {cores: %d}}\n", cores), "host: box, "
	}
	return fmt.Sprintf(`name: shared
workload: {rate: %g}
entry: app
%snodes:
  app: {kind: service, %sworkers: %d, service_time: {dist: exponential, mean: 10ms}, calls: [db]}
  db: {kind: database, %sworkers: %d, service_time: {dist: exponential, mean: 10ms}}
run: {warmup: 200s, duration: %s}
`, rate, hosts, on, workers, on, workers, duration)
}

// hostNode is a node's share of the run's first host.
func hostNode(r *simulate.Report, name string) simulate.HostNode {
	for _, n := range r.Hosts[0].Nodes {
		if n.Node == name {
			return n
		}
	}
	panic("no node " + name + " on the host")
}

// TestFidelitySharedHost checks two nodes on one host of c cores against
// M/M/c with their merged load: every request takes a core twice, once
// at app and once at db, each time for an exponential 10 ms, and the
// workers are never the limit, so the cores are one FCFS station of c
// servers with class-independent exponential service, visited at 2λ; such
// a station keeps the product form of its network (Baskett, Chandy, Muntz
// and Palacios, "Open, closed, and mixed networks of queues with different
// classes of customers", JACM 22(2), 1975), and each visit, internal or
// not, sees its stationary state (the arrival theorem). So each node's
// mean wait for a core is M/M/c's Erlang C wait, and a request's latency
// twice M/M/c's mean sojourn.
func TestFidelitySharedHost(t *testing.T) {
	q := analytic.MMc{Lambda: 300, Mu: 100, C: 4} // 150 requests/s, two visits each: ρ = 0.75
	reps := fidelity.Replicate(t, shared(150, q.C, 64, "3000s"), 8)
	fidelity.Check(t, "mean latency (2 × M/M/c)", reps, fidelity.MeanLatency, 2*q.MeanSojourn(), false)
	for _, name := range []string{"app", "db"} {
		fidelity.Check(t, name+" mean wait for a core", reps, func(r *simulate.Report) float64 { return hostNode(r, name).CoreWait }, q.MeanWait(), false)
		fidelity.Check(t, name+" cores busy", reps, func(r *simulate.Report) float64 { return hostNode(r, name).Cores }, q.Lambda/2/q.Mu, false)
	}
	fidelity.Check(t, "host utilization", reps, func(r *simulate.Report) float64 { return r.Hosts[0].Utilization }, q.Rho(), false)
	fidelity.Check(t, "host p99 wait for a core", reps, func(r *simulate.Report) float64 { return r.Hosts[0].CoreWait.P99 }, q.WaitQuantile(0.99), true)
	fidelity.Check(t, "visits waiting (Little)", reps, func(r *simulate.Report) float64 { return r.Hosts[0].QueueLength }, q.Lambda*q.MeanWait(), false)
}

// TestHostWithCoresToSpare checks that a host with a core for every visit
// that can be in service at once changes nothing: no visit ever waits for
// a core, so the run is the run of the nodes on machines of their own,
// figure for figure; and that with fewer cores it is not. Each of app's 4
// workers, blocking, is in its own service or waiting on its call to db,
// so at most 4 visits ask for a core at once.
func TestHostWithCoresToSpare(t *testing.T) {
	run := func(cores int) *simulate.Report {
		t.Helper()
		s, err := scenarios.Parse("shared.yaml", []byte(shared(100, cores, 4, "60s")))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := simulate.Run(s)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	apart := run(0)
	for _, c := range []struct {
		cores int
		same  bool
	}{{4, true}, {100, true}, {3, false}} {
		t.Run(fmt.Sprintf("cores=%d", c.cores), func(t *testing.T) {
			on := run(c.cores)
			l, m := on.Latency, apart.Latency
			same := l.Mean == m.Mean && l.P99 == m.P99 && l.Max == m.Max && *l.MeanCI95 == *m.MeanCI95 && on.Requests == apart.Requests
			for i := range on.Nodes {
				a, b := on.Nodes[i], apart.Nodes[i]
				same = same && a.Utilization == b.Utilization && a.Throughput == b.Throughput && *a.Wait == *b.Wait
			}
			if same != c.same {
				t.Errorf("on a host of %d cores, the same figures as apart: %v, want %v (mean latency %g, apart %g)", c.cores, same, c.same, l.Mean, m.Mean)
			}
			if w := on.Hosts[0].CoreWait; c.same && w.Mean != 0 {
				t.Errorf("on a host of %d cores, visits waited %g for a core, want 0", c.cores, w.Mean)
			}
		})
	}
}

// TestHostReport checks the host's table and JSON: its cores, its nodes'
// shares, its cost billed once, and the nodes on a saturated host marked
// saturated, with the host named in the bottleneck's line.
func TestHostReport(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want, json []string
	}{
		{"busy", `name: busy
workload: {rate: 150}
entry: app
hosts: {box: {cores: 4, memory: 16GB, cost: {hourly: 0.2}}}
nodes:
  app: {kind: service, host: box, workers: 64, service_time: {dist: exponential, mean: 10ms}, calls: [db]}
  db: {kind: database, host: box, workers: 64, service_time: {dist: exponential, mean: 10ms}}
run: {duration: 60s}
`, []string{"HOST  CORES  UTIL", "box   4 ", "ok\n", "box         app: 1.", "of its 4 cores busy on average; a visit waits",
			"            db: 1.", "cost        $146/month", "host box $146", "on host box, whose 4 cores are asked for 7"},
			[]string{`"hosts": [`, `"cores": 4`, `"memory_bytes": 16000000000`, `"monthly_usd": 146`, `"core_wait": {`, `"wait_share": 0.`}},
		{"saturated", `name: saturated
workload: {rate: 210}
entry: app
hosts: {box: {cores: 4}}
nodes:
  app: {kind: service, host: box, workers: 64, service_time: {dist: exponential, mean: 10ms}, calls: [db]}
  db: {kind: database, host: box, workers: 64, service_time: {dist: exponential, mean: 10ms}}
run: {duration: 60s}
`, []string{"SATURATED\n", "saturated   app: ", "waiting for a core of host box or on its calls", "; its host box's 4 cores are asked for 10",
			"            db: its host box's 4 cores are asked for 10", "(app and db together)"}, []string{`"saturated": true`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := scenarios.Parse(c.name+".yaml", []byte(c.file))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := simulate.Run(s)
			if err != nil {
				t.Fatal(err)
			}
			var table, js bytes.Buffer
			if err := rep.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(table.String(), w) {
					t.Errorf("the table lacks %q:\n%s", w, table.String())
				}
			}
			for _, w := range c.json {
				if !strings.Contains(js.String(), w) {
					t.Errorf("the JSON lacks %q:\n%s", w, js.String())
				}
			}
		})
	}
}
