package sim_test

import (
	"fmt"
	"math"

	"github.com/scalesim/scalesim/sim"
)

type printer struct{ names []string }

func (p *printer) Handle(now sim.Time, op int, _ any) {
	fmt.Printf("t=%g %s\n", float64(now), p.names[op])
}

// Events fire in time order; events at the same time fire in the order they
// were scheduled.
func ExampleKernel() {
	k := &sim.Kernel{}
	p := &printer{names: []string{"arrive", "depart", "tick"}}
	k.At(2, p, 1, nil)
	k.At(1, p, 0, nil)
	k.At(2, p, 2, nil)
	k.Run(sim.Forever)
	// Output:
	// t=1 arrive
	// t=2 depart
	// t=2 tick
}

// A lognormal service time given by its mean and 99th percentile.
func ExampleNewLognormalP99() {
	d, err := sim.NewLognormalP99(0.004, 0.030)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mean %.3f s, cv %.2f\n", d.Mean(), math.Sqrt(d.SCV()))
	// Output: mean 0.004 s, cv 1.66
}
