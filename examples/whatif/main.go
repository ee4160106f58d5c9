// Command whatif asks "how many app instances does checkout-api need at a
// given rate?": it runs the built-in scenario with 1 to 6 app instances and
// prints p99 latency, error rate and the bottleneck for each. The scenario
// is changed in Go and checked by Validate, as a file would be.
//
//	go run ./examples/whatif [-rate 400] [-from 1] [-to 6]
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology/service"
	"github.com/scalesim/scalesim/units"
)

func main() {
	rate := flag.Float64("rate", 400, "requests per second")
	from := flag.Int("from", 1, "fewest app instances")
	to := flag.Int("to", 6, "most app instances")
	flag.Parse()
	fmt.Printf("checkout-api at %g req/s\n%9s  %9s  %7s  %-10s  %s\n", *rate, "instances", "p99", "errors", "bottleneck", "SLO")
	for instances := *from; instances <= *to; instances++ {
		s, err := scenarios.Builtin("checkout-api")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := s.Apply(scenarios.Overrides{Rate: *rate, Duration: 120}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		s.Topology.Lookup("app").Spec.(*service.Service).Instances = instances
		// A change made in Go is checked like one made in the file.
		if errs := s.Validate(); errs != nil {
			fmt.Fprintln(os.Stderr, errors.Join(errs...))
			os.Exit(2)
		}
		rep, err := simulate.Run(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		verdict := "pass"
		if !rep.SLO.Pass {
			verdict = "FAIL"
		}
		p99, errs := units.Unknown, units.Unknown
		if rep.Latency != nil {
			p99 = fmt.Sprintf("%.1fms", rep.Latency.P99*1000)
		}
		if rep.ErrorRate != nil {
			errs = fmt.Sprintf("%.2f%%", *rep.ErrorRate*100)
		}
		fmt.Printf("%9d  %9s  %7s  %-10s  %s\n", instances, p99, errs, rep.Bottleneck, verdict)
	}
}
