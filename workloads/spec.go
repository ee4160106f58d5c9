package workloads

import (
	"fmt"
	"math"
	"slices"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Model is how arrivals are generated.
type Model int

const (
	// Open: Poisson arrivals at a given rate, whatever the system does.
	Open Model = iota
	// Closed: a fixed population of users, each waiting for its reply and
	// thinking before sending again.
	Closed
	// Sessions: sessions arrive as a Poisson process; each sends a number of
	// requests one after another, thinking between them.
	Sessions
)

func (m Model) String() string {
	return [...]string{"open", "closed", "sessions"}[m]
}

// Spec is a validated workload.
type Spec struct {
	Model Model
	// Rate is the open arrival rate in requests per second, or for Sessions
	// the session arrival rate. Before a Shape is applied.
	Rate float64
	// Users, when not nil, is the user-population model Rate was derived from.
	Users *UsersModel
	// Population is the number of users of a Closed workload.
	Population int
	// Think is the think time of Closed and Sessions workloads.
	Think sim.Dist
	// Requests is the number of requests per session (Sessions).
	Requests sim.Dist
	// Changes vary the open or session arrival rate over simulated time.
	Changes []ShapeChange
	// Mix is the request classes with their shares, in file order; a
	// workload without a mix has the single class "request".
	Mix []Class
	// Timeout is how long a client waits for a reply before giving up; 0
	// means forever.
	Timeout float64
	// Keys is the popularity of the keys requests touch; nil when the
	// workload has no keys.
	Keys *Keys
	// Writes names the classes whose requests write (the rest read).
	Writes []string
	// Growth is how the user count grows over calendar time, for
	// timelines; nil when the file gives none.
	Growth *Growth
	// Trace, when not nil, is a recorded rate curve the open arrivals
	// follow, scaled to a mean of Rate.
	Trace *Trace
	// Regions are where the users are, with their shares, in file order
	// (the region names the scenario's placement uses); nil: the users are
	// nowhere, and a request pays no way to the entry.
	Regions []UserRegion
	// ClientRTT is the round trip of the last mile, in seconds, from a
	// user to the nearest entry in their own region; a file that gives
	// regions and no client_rtt gets DefaultClientRTT.
	ClientRTT float64
}

// UserRegion is a region the users are in, and their share.
type UserRegion struct {
	Name  string
	Share float64
}

// DefaultClientRTT is the last mile's round trip when a workload with
// regions gives none: 20 ms.
const DefaultClientRTT = 0.020

// DefaultWriteClass is the class that writes when the workload does not say
// which do.
const DefaultWriteClass = "write"

// IsWrite reports, for each class in ClassNames order, whether it writes.
func (s *Spec) IsWrite() []bool {
	names := s.ClassNames()
	out := make([]bool, len(names))
	for i, n := range names {
		out[i] = slices.Contains(s.Writes, n)
	}
	return out
}

// DataUsers is the users the workload stands for, whose data a database
// holds: the users model's users, or a closed population; 0 for open
// arrivals without users.
func (s *Spec) DataUsers() float64 {
	if s.Users != nil {
		return s.Users.Users
	}
	if s.Model == Closed {
		return float64(s.Population)
	}
	return 0
}

// KeyCount is the number of keys requests touch, 0 without keys.
func (s *Spec) KeyCount() int64 {
	if s.Keys == nil {
		return 0
	}
	return s.Keys.Count
}

// ActiveUsers is the number of distinct user ids requests carry: the active
// users of the users model, the closed population, or 0 when requests carry
// no user.
func (s *Spec) ActiveUsers() int64 {
	switch {
	case s.Model == Closed:
		return int64(s.Population)
	case s.Users != nil:
		return max(1, int64(math.Round(s.Users.Users*s.Users.ActiveFraction)))
	}
	return 0
}

// Class is a request class and its share of requests.
type Class struct {
	Name  string
	Share float64
}

// MaxPopulation is the largest closed population: each user is simulated,
// so memory grows with it.
const MaxPopulation = 1_000_000

// DefaultClass is the class of every request of a workload without a mix.
const DefaultClass = "request"

// UsersModel derives a peak request rate from a user population.
type UsersModel struct {
	Users                 float64
	ActiveFraction        float64
	RequestsPerActiveUser float64 // per day
	PeakToAverage         float64
}

// PeakRate is users × active fraction × requests per active user per day ÷
// 86 400 s × peak-to-average ratio.
func (u UsersModel) PeakRate() float64 {
	return u.Users * u.ActiveFraction * u.RequestsPerActiveUser / 86400 * u.PeakToAverage
}

// Derivation spells out the arithmetic of PeakRate.
func (u UsersModel) Derivation() string {
	return fmt.Sprintf("%s users × %s active × %g requests/active user/day ÷ 86400 s × %g peak/average = %s req/s",
		units.FormatCount(u.Users), units.PercentDigits(u.ActiveFraction, 4), u.RequestsPerActiveUser, u.PeakToAverage, perSecond(u.PeakRate()))
}

// ClassNames lists the request classes in order.
func (s *Spec) ClassNames() []string {
	if len(s.Mix) == 0 {
		return []string{DefaultClass}
	}
	names := make([]string, len(s.Mix))
	for i, c := range s.Mix {
		names[i] = c.Name
	}
	return names
}

// OfferedRate is the mean request rate an open or session workload offers
// at time 0 (before any shape change), in requests per second; 0 for a
// closed workload, whose rate depends on the system.
func (s *Spec) OfferedRate() float64 {
	switch s.Model {
	case Open:
		return s.Rate
	case Sessions:
		return s.Rate * sessionLength(s.Requests)
	}
	return 0
}

// MeanRate is the offered request rate averaged over [from, to) of simulated
// time, taking the shape into account; 0 for a closed workload.
func (s *Spec) MeanRate(from, to sim.Time) float64 {
	sh := s.Shape()
	if sh == nil || to <= from || s.Rate == 0 {
		return s.OfferedRate()
	}
	return s.OfferedRate() / s.Rate * sh.MeanRate(from, to)
}

// Shape returns λ(t) for the open or session arrival rate, or nil if the
// rate is constant.
func (s *Spec) Shape() *Shape {
	switch {
	case s.Trace != nil && len(s.Trace.Points) > 0:
		return newShape(s.Rate, s.Changes, s.Trace.knots(s.Rate))
	case len(s.Changes) == 0:
		return nil
	}
	return NewShape(s.Rate, s.Changes)
}

// Clone returns a copy of s that SetRate and SetUsers can change without
// touching s. Distributions and key popularity are shared: they are values
// nothing changes once decoded.
func (s *Spec) Clone() *Spec {
	c := *s
	if s.Users != nil {
		u := *s.Users
		c.Users = &u
	}
	return &c
}

// SetRate turns the workload into open Poisson arrivals at rate requests per
// second (keeping its mix, shape and timeout), as a command-line override.
// The user growth goes with the users model or closed population it
// replaces: a growth of users means nothing to open arrivals at a rate,
// and only a timeline, which sets no rate, follows it.
func (s *Spec) SetRate(rate float64) error {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return fmt.Errorf("workloads: rate must be positive, got %g", rate)
	}
	s.Model, s.Rate, s.Users, s.Growth = Open, rate, nil, nil
	return nil
}

// SetUsers changes the user count of a users-model or closed workload, as a
// command-line override.
func (s *Spec) SetUsers(users float64) error {
	if !(users > 0) || math.IsInf(users, 0) {
		return fmt.Errorf("workloads: users must be positive, got %g", users)
	}
	switch {
	case s.Model == Closed:
		if users != math.Trunc(users) || users > MaxPopulation {
			return fmt.Errorf("workloads: a closed workload needs a whole number of users up to %d, got %g", MaxPopulation, users)
		}
		s.Population = int(users)
	case s.Users != nil:
		s.Users.Users = users
		s.Rate = s.Users.PeakRate()
	default:
		return fmt.Errorf("workloads: users can only be set for a workload with a users model or a closed population; this one is %s", s.Describe())
	}
	return nil
}

// Describe says in a line what the workload is.
func (s *Spec) Describe() string {
	switch s.Model {
	case Closed:
		return fmt.Sprintf("closed: %d users, mean think time %s", s.Population, units.FormatDuration(s.Think.Mean()))
	case Sessions:
		return fmt.Sprintf("sessions: %s, %s requests each on average, mean think time %s",
			units.Rate(s.Rate), units.Count(sessionLength(s.Requests)), units.FormatDuration(s.Think.Mean()))
	}
	d := fmt.Sprintf("open Poisson arrivals at %s req/s", perSecond(s.Rate))
	if s.Users != nil {
		d = "open Poisson arrivals from " + s.Users.Derivation()
	}
	if tr := s.Trace; tr != nil {
		d = fmt.Sprintf("open Poisson arrivals replaying trace %s (%d points, mean %s req/s)", tr.File, len(tr.Points), perSecond(s.Rate))
	}
	if len(s.Changes) > 0 {
		d += ", shaped over time"
	}
	return d
}

// sessionLength is the mean number of requests a session sends: samples are
// rounded to the nearest whole number, at least one.
func sessionLength(d sim.Dist) float64 {
	if d == nil {
		return 1
	}
	return math.Max(1, d.Mean())
}

// perSecond writes a rate of requests by the rule of rates (units.Rate,
// without its unit): four figures, whole numbers without an exponent
// ("40000", not "4e+04"), beyond units.MaxFigure the bound.
func perSecond(rate float64) string { return units.Figures(rate, 4, units.MaxFigure) }
