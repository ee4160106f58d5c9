package scenarios_test

import (
	"fmt"

	"github.com/scalesim/scalesim/scenarios"
)

// Parse a scenario, run it, and read figures from the report.
func ExampleRun() {
	s, err := scenarios.Parse("example.yaml", []byte(`
name: one-server
workload: {rate: 50}
entry: app
nodes:
  app: {kind: service, workers: 1, service_time: {dist: exponential, mean: 10ms}}
slo: {p99: 150ms}
run: {seed: 1, warmup: 60s, duration: 1h}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := scenarios.Run(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Theory for M/M/1 at ρ = 0.5: mean sojourn 20 ms, p99 92 ms; one hour
	// of simulated traffic lands within a few percent of both.
	fmt.Printf("utilization %.2f, mean %.1f ms, p99 %.0f ms, SLO pass: %v\n",
		rep.Nodes[0].Utilization, rep.Latency.Mean*1000, rep.Latency.P99*1000, rep.SLO.Pass)
	// Output: utilization 0.50, mean 20.0 ms, p99 90 ms, SLO pass: true
}

// A bad file yields every problem with its position.
func ExampleParse_errors() {
	_, err := scenarios.Parse("bad.yaml", []byte(`
name: typo
workload: {rate: 50}
entry: app
nodes:
  app: {kind: service, worker: 2, service_time: 10}
`))
	fmt.Println(err)
	// Output:
	// bad.yaml:6:24: unknown field "worker" in node app (service) (did you mean "workers"?)
	// bad.yaml:6:49: node app service_time: duration "10" needs a unit: ns, us, ms, s, m, h or d (e.g. 10s)
}
