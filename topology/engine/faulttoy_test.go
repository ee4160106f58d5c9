package engine

import (
	"fmt"
	"math"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// The registry line.
func init() { topology.RegisterFault(&brownoutFault) }

var brownoutFault = topology.FaultKind{Name: "brownout", Decode: decodeBrownout}

// Brownout fails Errors of the visits and multiplies the service times of
// the others by Slow: brownout: {errors: 20%, slow: 3}.
type Brownout struct{ Errors, Slow float64 }

func decodeBrownout(d *yamlfile.Decoder, n *yaml.Node) (topology.FaultEffect, bool) {
	m, ok := d.Mapping(n, "fault brownout", "errors", "slow")
	if !ok {
		return nil, false
	}
	var b Brownout
	if m.Has("errors") {
		b.Errors, _ = d.Fraction(m.Get("errors"), "brownout errors")
	}
	if m.Has("slow") {
		b.Slow, _ = d.Positive(m.Get("slow"), "brownout slow")
	}
	return b, true
}

func (Brownout) Kind() *topology.FaultKind { return &brownoutFault }

func (b Brownout) Describe() string {
	return fmt.Sprintf("brownout %s ×%.3g", units.Percent(b.Errors), b.Slow)
}

// check refuses a brownout that fails nothing or slows nothing: that
// would be another kind of fault.
func (b Brownout) Check(e field.Errors) bool {
	ok := true
	if !(b.Errors > 0 && b.Errors < 1) {
		e.Add("brownout", "a brownout fails a share of the visits above 0% and below 100%")
		ok = false
	}
	if !(b.Slow > 1) || math.IsInf(b.Slow, 0) {
		e.Add("brownout", "a brownout's slow is a factor above 1")
		ok = false
	}
	return ok
}

func (Brownout) Strike(fl *Faulter, on bool, _ sim.Time) { fl.modify(on) }

// compound implements stationEffect: as an errors fault and a slow fault
// in force together.
func (b Brownout) compound(m *faultMods) {
	Errors{b.Errors}.compound(m)
	Slow{b.Slow}.compound(m)
}
