package scenarios_test

import (
	"fmt"

	"github.com/scalesim/scalesim/scenarios"
)

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
