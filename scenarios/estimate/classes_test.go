package estimate_test

import (
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/analytic"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
)

// TestEstimateByClass checks the estimate's latency of each class on one
// M/G/1 station whose classes have service times of their own (a
// service's by_class, a database's operations): every class waits the
// Pollaczek–Khinchine wait of the mixed service distribution and is served
// its own time, exactly; the table gives them on one line.
func TestEstimateByClass(t *testing.T) {
	// Reads exponential 2 ms, writes constant 20 ms, 80/20 at 107/s.
	mean := float64(0.8*0.002) + float64(0.2*0.020)
	second := float64(0.8*2*0.002*0.002) + float64(0.2*0.020*0.020)
	wq := analytic.MG1MeanWait(107, mean, second/(mean*mean)-1)
	for _, c := range []struct{ name, node string }{
		{"a service's by_class", `{kind: service, service_time: {default: {dist: exponential, mean: 2ms}, by_class: {write: {dist: constant, value: 20ms}}}}`},
		{"a database's operations", `{kind: database, service_time: {dist: exponential, mean: 2ms}, operations: {write: {service_time: {dist: constant, value: 20ms}}}}`},
		{"a database's operation of a class", `{kind: database, service_time: {dist: exponential, mean: 2ms}, operations: {put: {service_time: {dist: constant, value: 20ms}}}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			writes := "write"
			if strings.Contains(c.node, "put") {
				writes = "put"
			}
			text := "name: by-class\nworkload: {rate: 107, mix: {read: 80%, " + writes + ": 20%}}\nentry: s\nnodes:\n  s: " + c.node + "\n"
			s, err := scenarios.Parse("by-class.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			est, err := estimate.Scenario(s)
			if err != nil {
				t.Fatal(err)
			}
			if len(est.Classes) != 2 {
				t.Fatalf("classes %+v, want two", est.Classes)
			}
			for i, want := range []float64{wq + 0.002, wq + 0.020} {
				if got := est.Classes[i].Latency; math.Abs(got-want) > 1e-12 {
					t.Errorf("class %s: %.9g, want %.9g", est.Classes[i].Class, got, want)
				}
			}
			if got, want := *est.Latency, wq+mean; math.Abs(got-want) > 1e-12 {
				t.Errorf("mean %.9g, want %.9g", got, want)
			}
			var b strings.Builder
			if err := est.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "by class    mean read 13.5ms, "+writes+" 31.5ms\n") {
				t.Errorf("table lacks the classes:\n%s", b.String())
			}
		})
	}
}
