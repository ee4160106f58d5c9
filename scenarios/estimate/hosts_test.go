package estimate_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
)

// onBox is an app and its database on one host of 4 cores, each visit 10
// ms of exponential work, under the workload given.
func onBox(workload string) string {
	return `name: box
workload: ` + workload + `
entry: app
hosts: {box: {cores: 4}}
nodes:
  app: {kind: service, host: box, workers: 64, service_time: {dist: exponential, mean: 10ms}, calls: [db]}
  db: {kind: database, host: box, workers: 64, service_time: {dist: exponential, mean: 10ms}}
`
}

// TestEstimateSharedHost checks the estimate of nodes on one host: their
// visits are one M/M/c station of the merged load, so a request's mean
// latency is exactly twice M/M/4's sojourn at 2λ; a host offered more
// than its cores leaves no steady state; a closed workload takes the host
// as one MVA station of its cores.
func TestEstimateSharedHost(t *testing.T) {
	q := analytic.MMc{Lambda: 300, Mu: 100, C: 4}
	for _, c := range []struct {
		name, workload string
		latency        float64 // 0: none (saturated)
		util, wait     float64 // the host's
		note           string
	}{
		{"open", "{rate: 150}", 2 * q.MeanSojourn(), q.Rho(), q.MeanWait(), "one M/G/c station of their merged load"},
		{"overloaded", "{rate: 210}", 0, 1.05, math.Inf(1), "one M/G/c station of their merged load"},
		{"closed", "{closed: {users: 20, think_time: {dist: exponential, mean: 100ms}}}", -1, -1, -1, "solved as one station of their cores (Seidmann)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := scenarios.Parse("box.yaml", []byte(onBox(c.workload)))
			if err != nil {
				t.Fatal(err)
			}
			est, err := estimate.Scenario(s)
			if err != nil {
				t.Fatal(err)
			}
			if len(est.Hosts) != 1 || strings.Join(est.Hosts[0].Nodes, ",") != "app,db" {
				t.Fatalf("hosts %+v, want box with app and db", est.Hosts)
			}
			h := est.Hosts[0]
			close := func(what string, got, want float64) {
				if math.Abs(got-want) > 1e-12*want {
					t.Errorf("%s = %.15g, want %.15g", what, got, want)
				}
			}
			switch {
			case c.latency > 0:
				close("mean latency", *est.Latency, c.latency)
				close("host utilization", h.Utilization, c.util)
				close("wait for a core", *h.Wait, c.wait)
			case c.latency == 0:
				if !est.Saturated || est.Latency != nil || h.Wait != nil {
					t.Errorf("saturated %v, latency %v, wait %v: want saturated, no latency, no wait", est.Saturated, est.Latency, h.Wait)
				}
				close("host utilization", h.Utilization, c.util)
			default:
				// MVA: the host's busy share is the throughput × its demand
				// per request (2 visits of 10 ms) ÷ its cores.
				close("host utilization", h.Utilization, est.Throughput*0.020/4)
				if *h.Wait <= 0 {
					t.Errorf("wait for a core %g, want above 0", *h.Wait)
				}
			}
			if !strings.Contains(strings.Join(est.Notes, "\n"), c.note) {
				t.Errorf("notes %q lack %q", est.Notes, c.note)
			}
			if h.Holding != 0.010 {
				t.Errorf("core time per visit %g, want 10ms", h.Holding)
			}
			var b bytes.Buffer
			if err := est.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "HOST  NODES    VISITS") {
				t.Errorf("the table lacks the hosts:\n%s", b.String())
			}
		})
	}
}

// TestEstimateHostClassWork checks that a host's core time per visit is
// each class's own: app's reads 5 ms and writes 20 ms (8 ms at 80% reads),
// db's 10 ms, so 9 ms a visit.
func TestEstimateHostClassWork(t *testing.T) {
	text := strings.Replace(onBox("{rate: 100, mix: {read: 0.8, write: 0.2}}"),
		"service_time: {dist: exponential, mean: 10ms}, calls", "service_time: {default: 5ms, by_class: {write: 20ms}}, calls", 1)
	s, err := scenarios.Parse("box.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	est, err := estimate.Scenario(s)
	if err != nil {
		t.Fatal(err)
	}
	if h := est.Hosts[0]; math.Abs(h.Holding-0.009) > 1e-15 || h.ArrivalRate != 200 {
		t.Errorf("core time per visit %g at %g visits/s, want 9ms at 200/s", h.Holding, h.ArrivalRate)
	}
}
