package analysis

import (
	"fmt"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/batch"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// Axis is what a sweep varies: the workload's load (AxisUsers, AxisRate),
// or any field of the scenario, named by its --set path, such as
// nodes.app.instances or nodes.db.instance. Along a load a sweep finds
// where the architecture breaks; along anything else, which points pass
// and the cheapest of them. The zero Axis is AxisUsers.
type Axis struct {
	// Path is users, rate, or the --set path of a field.
	Path string
}

// The load axes.
var (
	// AxisUsers varies the user count of a users-model or closed workload.
	AxisUsers = Axis{"users"}
	// AxisRate varies the open Poisson arrival rate.
	AxisRate = Axis{"rate"}
)

func (a Axis) String() string { return a.Path }

// Load says the axis is the workload's load.
func (a Axis) Load() bool { return a == AxisUsers || a == AxisRate }

// at is the point at load v of a load axis, before its run.
func (a Axis) at(v float64) SweepPoint {
	if a == AxisUsers {
		return SweepPoint{Users: v}
	}
	return SweepPoint{Rate: v}
}

// value is the load of a point of a load axis.
func (a Axis) value(p SweepPoint) float64 {
	if a == AxisUsers {
		return p.Users
	}
	return p.Rate
}

// whole says the axis takes whole values in s: the users of a closed
// population.
func (a Axis) whole(s *scenarios.Scenario) bool {
	return a == AxisUsers && s.Workload.Model == workloads.Closed
}

// around is the load of s along a load axis, about which a sweep with no
// range goes.
func (a Axis) around(s *scenarios.Scenario) (float64, error) {
	base := s.Workload.OfferedRate()
	if a == AxisUsers {
		switch {
		case s.Workload.Model == workloads.Closed:
			base = float64(s.Workload.Population)
		case s.Workload.Users != nil:
			base = s.Workload.Users.Users
		default:
			return 0, scenarios.Invalid(fmt.Errorf("analysis: %s has no users model; sweep the rate instead", s.Name))
		}
	}
	if base <= 0 {
		return 0, scenarios.Invalid(fmt.Errorf("analysis: %s has no %s to sweep around; give a range", s.Name, a))
	}
	return base, nil
}

// apply is base at point p: its load replaced, or one more override.
func (a Axis) apply(base batch.Job, p SweepPoint) batch.Job {
	switch a {
	case AxisUsers:
		base.Users, base.Rate = p.Users, 0
	case AxisRate:
		base.Users, base.Rate = 0, p.Rate
	default:
		base = base.With(a.Path + "=" + p.Value)
	}
	return base
}

// label writes a load of a load axis with its unit.
func (a Axis) label(v float64) string {
	if a == AxisUsers {
		return units.FormatCount(v) + " users"
	}
	return units.Rate(v)
}

// cell writes a point's place on the axis for a table: the load, or the
// value as it was set.
func (a Axis) cell(p SweepPoint) string {
	if a.Load() {
		return units.FormatCount(a.value(p))
	}
	return field.Printable(p.Value)
}
