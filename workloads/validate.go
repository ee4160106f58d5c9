package workloads

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/units"
)

// Validate checks the workload without regard to how it was written: its
// arrival model's rates and population, the rate changes of its shape, its
// mix, keys, write classes and growth. Each error is a *field.Error naming
// the field it concerns by its path within the workload, such as mix or
// closed.users.
func (s *Spec) Validate() []error {
	e := field.New()
	switch {
	case s.Model == Closed:
		c := e.In("closed")
		if s.Population < 1 {
			c.Add("users", "closed users must be at least 1, got %d", s.Population)
		} else if s.Population > MaxPopulation {
			c.Add("users", "a closed population is at most %d users (each is simulated one by one); for more, use an open workload such as the users model", MaxPopulation)
		}
		if s.Think == nil {
			c.Add("think_time", "closed needs \"think_time\"")
		}
		if len(s.Changes) > 0 {
			e.AddAtKey("shape", "a closed workload has no arrival rate to shape")
		}
	case s.Model == Sessions:
		c := e.In("sessions")
		positiveRate(c, "rate", "sessions rate", s.Rate)
		if s.Requests == nil {
			c.Add("requests", "sessions needs \"requests\"")
		}
		if s.Think == nil {
			c.Add("think_time", "sessions needs \"think_time\"")
		}
	case s.Users != nil:
		s.Users.validate(e)
	case s.Trace != nil:
		// The rate is the trace's mean: what is wrong with the trace is
		// said at the trace, and the rate only of a trace that is sound.
		if s.Trace.validate(e.In("trace")) {
			positiveRate(e, "trace", "rate", s.Rate)
		}
	default:
		positiveRate(e, "rate", "rate", s.Rate)
	}
	if s.Model != Closed {
		validateShape(e.In("shape"), s.Changes)
	}
	if s.Users != nil && s.Users.PeakToAverage != 1 && slices.ContainsFunc(s.Changes, func(c ShapeChange) bool { return c.Kind == Diurnal }) {
		e.Add("peak_to_average", "with a diurnal cycle the users model gives the daily mean and the cycle the peak: leave peak_to_average out")
	}
	if s.Trace != nil {
		for i, c := range s.Changes {
			if c.Kind == Step || c.Kind == Ramp {
				e.In("shape", strconv.Itoa(i)).Add("", "a trace gives the rate's level: a %s cannot change it (spikes and a diurnal cycle can multiply it)", c.Kind)
			}
		}
	}
	validateMix(e.In("mix"), s.Mix)
	validateRegions(e, s)
	if s.Timeout < 0 || math.IsNaN(s.Timeout) {
		e.Add("timeout", "timeout must not be negative")
	}
	if s.Keys != nil {
		s.Keys.validate(e.In("keys"))
	}
	classes := s.ClassNames()
	for i, w := range s.Writes {
		if !slices.Contains(classes, w) {
			e.In("writes").Add(strconv.Itoa(i), "writes names class %q, which the workload mix does not have (classes: %s)%s",
				w, strings.Join(classes, ", "), yamlfile.DidYouMean(w, classes))
		}
	}
	if g := s.Growth; g != nil {
		if s.Users == nil && s.Model != Closed {
			e.AddAtKey("growth", "growth changes the user count, so it needs the users model (users: N) or a closed population")
		} else {
			g.validate(e.In("growth"))
		}
	}
	return e.List()
}

// positiveRate records an error unless rate is positive and finite.
func positiveRate(e field.Errors, key, what string, rate float64) {
	if !(rate > 0) || math.IsInf(rate, 0) {
		e.Add(key, "%s must be positive, got %g", what, rate)
	}
}

func (u *UsersModel) validate(e field.Errors) {
	if !(u.Users > 0) || math.IsInf(u.Users, 0) {
		e.Add("users", "users must be positive, got %g", u.Users)
	}
	switch {
	case !(u.ActiveFraction > 0):
		e.Add("active_fraction", "active_fraction must be above 0")
	case u.ActiveFraction > 1:
		e.Add("active_fraction", "active_fraction must be at most 1")
	}
	if !(u.RequestsPerActiveUser > 0) || math.IsInf(u.RequestsPerActiveUser, 0) {
		e.Add("requests_per_active_user_per_day", "requests_per_active_user_per_day must be positive, got %g", u.RequestsPerActiveUser)
	}
	if !(u.PeakToAverage >= 1) || math.IsInf(u.PeakToAverage, 0) {
		e.Add("peak_to_average", "peak_to_average is a peak over an average, so at least 1; got %g", u.PeakToAverage)
	}
}

// MaxPeakToTrough bounds a daily cycle's peak-to-trough ratio.
const MaxPeakToTrough = 1000

// validateShape checks each rate change, and that steps and ramps (the
// changes that set the level) neither overlap nor coincide: each starts
// after the previous has ended, and no two start at one instant (two steps
// at 60s give one rate there, and each would be judged as a change of its
// own). A ramp may start where the previous ramp ends, and a step come at
// its end. Spikes multiply the level, so they may overlap anything.
func validateShape(e field.Errors, changes []ShapeChange) {
	for i, c := range changes {
		ce := e.In(strconv.Itoa(i), c.Kind.String())
		if !(c.Rate >= 0) || math.IsInf(c.Rate, 0) {
			ce.Add("rate", "rate must not be negative")
		}
		if !(c.Factor >= 0) || math.IsInf(c.Factor, 0) { // 0: the change gives a rate
			ce.Add("factor", "factor must be positive, got %g", c.Factor)
		}
		if c.Kind == Ramp && c.Until <= c.At {
			ce.Add("to", "a ramp must end after it starts")
		}
		if c.Kind == Diurnal {
			if !(c.PeakToTrough >= 1) || c.PeakToTrough > MaxPeakToTrough {
				ce.Add("peak_to_trough", "peak_to_trough must be from 1 (flat) to %d, got %g", MaxPeakToTrough, c.PeakToTrough)
			}
			if !(c.Weekend >= 0 && c.Weekend <= MaxPeakToTrough) {
				ce.Add("weekend", "weekend is a factor from above 0 to %d (0.6: 40%% less traffic on weekends), got %g", MaxPeakToTrough, c.Weekend)
			}
			if !(c.PeakAt >= 0 && c.PeakAt < Day) {
				ce.Add("peak_at", "peak_at is the time of day of the peak, from 0 to 24h, got %s", units.FormatDuration(c.PeakAt))
			}
		}
	}
	cycles := 0
	for i, c := range changes {
		if c.Kind == Diurnal {
			if cycles++; cycles > 1 {
				e.In(strconv.Itoa(i)).Add("", "a shape has at most one diurnal cycle")
			}
		}
	}
	level := make([]int, 0, len(changes))
	for i, c := range changes {
		if c.Kind != Spike && c.Kind != Diurnal {
			level = append(level, i)
		}
	}
	sort.SliceStable(level, func(a, b int) bool { return changes[level[a]].At < changes[level[b]].At })
	for j := 1; j < len(level); j++ {
		prev, cur := changes[level[j-1]], changes[level[j]]
		switch {
		case cur.At == prev.At:
			e.Add(strconv.Itoa(level[j]), "this %s is at the same time as shape entry %d (a %s at %s): one instant has one rate, so keep one of them",
				cur.Kind, level[j-1]+1, prev.Kind, units.FormatDuration(prev.At))
		case cur.At < math.Max(prev.At, prev.Until):
			e.Add(strconv.Itoa(level[j]), "this rate change starts before shape entry %d has finished", level[j-1]+1)
		}
	}
}

// validateMix checks that every class has a share and the shares sum to 1.
func validateMix(e field.Errors, mix []Class) {
	if mix == nil {
		return
	}
	for _, c := range mix {
		if !field.ValidName(c.Name) {
			e.AddAtKey(c.Name, "class name %q must be %s", c.Name, field.NameRule)
		}
	}
	if len(mix) == 0 {
		e.Add("", "mix needs at least one class")
		return
	}
	sum := 0.0
	for _, c := range mix {
		if !(c.Share > 0) {
			e.Add(c.Name, "class %q has a zero share; leave it out", c.Name)
		}
		sum += c.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		e.Add("", "mix shares add up to %.6g, not 1 (100%%)", sum)
	}
}

// MaxUserRegions bounds the regions the users are in (a request records
// its user's region in a byte).
const MaxUserRegions = 100

// validateRegions checks that the users' regions have shares summing to
// 1 and that a last mile is only given with them; whether the regions are
// known is the placement's to say (scenarios).
func validateRegions(e field.Errors, s *Spec) {
	if s.Regions == nil {
		if s.ClientRTT != 0 {
			e.Add("client_rtt", "client_rtt is the last mile of users on the map: give their regions too, e.g. regions: {us-east-1: 60%%, eu-west-1: 40%%}")
		}
		return
	}
	re := e.In("regions")
	switch {
	case len(s.Regions) == 0:
		re.Add("", "regions needs at least one region with its share of the users")
		return
	case len(s.Regions) > MaxUserRegions:
		re.Add("", "the users are in %d regions: at most %d are simulated", len(s.Regions), MaxUserRegions)
		return
	}
	sum := 0.0
	for _, r := range s.Regions {
		if !(r.Share > 0) {
			re.Add(r.Name, "region %q has a zero share; leave it out", r.Name)
		}
		sum += r.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		re.Add("", "the users' region shares add up to %.6g, not 1 (100%%)", sum)
	}
	if s.ClientRTT < 0 || math.IsInf(s.ClientRTT, 0) {
		e.Add("client_rtt", "client_rtt must be a duration from 0")
	}
}

func (k *Keys) validate(e field.Errors) {
	if !slices.Contains(KeyDists, k.Dist) {
		e.Add("dist", "unknown key popularity %q (one of %s)%s", k.Dist, strings.Join(KeyDists, ", "), yamlfile.DidYouMean(k.Dist, KeyDists))
		return
	}
	switch {
	case k.Count < 1 || float64(k.Count) > MaxKeys:
		e.Add("count", "keys count must be a whole number from 1 to %g, got %d", float64(MaxKeys), k.Count)
	case k.Dist == KeysHotspot && k.Count < 2:
		e.Add("count", "a hotspot needs at least 2 keys, one hot and one not")
	}
	switch k.Dist {
	case KeysZipf:
		if !(k.S > 0) || math.IsInf(k.S, 0) {
			e.Add("s", "zipf s must be positive, got %g", k.S)
		}
	case KeysHotspot:
		for _, f := range []struct {
			key string
			v   float64
		}{{"fraction", k.Fraction}, {"share", k.Share}} {
			if !(f.v > 0 && f.v < 1) {
				e.Add(f.key, "hotspot %s must be between 0%% and 100%%, exclusive", f.key)
			}
		}
	}
}

func (g *Growth) validate(e field.Errors) {
	for _, f := range []struct {
		key string
		v   float64
	}{{"from", g.From}, {"to", g.To}} {
		if !(f.v > 0) || math.IsInf(f.v, 0) {
			e.Add(f.key, "growth %s must be positive, got %g", f.key, f.v)
		}
	}
	if !(g.Over > 0) || math.IsInf(g.Over, 0) {
		e.Add("over", "growth over: want a period such as 18mo, 2y, 26w or 90d")
	}
	if !slices.Contains(Curves, g.Curve) {
		e.Add("curve", "unknown growth curve %q (one of %s)%s", g.Curve, strings.Join(Curves, ", "), yamlfile.DidYouMean(g.Curve, Curves))
	}
}
