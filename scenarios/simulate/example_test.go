package simulate_test

import (
	"fmt"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
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
	rep, err := simulate.Run(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Theory for M/M/1 at ρ = 0.5: mean sojourn 20 ms, p99 92 ms; one hour
	// of simulated traffic lands within a few percent of both.
	fmt.Printf("utilization %.2f, mean %.1f ms, p99 %.0f ms, SLO pass: %v\n",
		rep.Nodes[0].Utilization, rep.Latency.Mean*1000, rep.Latency.P99*1000, rep.SLO.Pass)
	// Output: utilization 0.50, mean 19.9 ms, p99 92 ms, SLO pass: true
}
