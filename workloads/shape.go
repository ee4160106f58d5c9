package workloads

import (
	"math"
	"math/rand/v2"

	"sort"

	"github.com/scalesim/scalesim/sim"
)

// Shape is a time-varying arrival rate λ(t): a piecewise-linear level made
// of steps and ramps, multiplied during spikes and by a daily cycle.
type Shape struct {
	knots  []knot  // the level: linear between knots, constant after the last
	spikes []spike // windows in which the level is multiplied
	edges  []sim.Time
	// amplitude and peakAt make the daily cycle, a factor 1 + amplitude ×
	// cos(2π(t − peakAt)/1d) of mean 1; amplitude 0 is none.
	amplitude, peakAt float64
	// weekend multiplies the rate on days 5 and 6 of each week (Saturday
	// and Sunday, for a run that starts on a Monday at midnight); 0 is no
	// weekly cycle.
	weekend float64
}

// Week is the period of the weekly cycle, in seconds.
const Week = 7 * Day

// Day is the period of the daily cycle, in seconds.
const Day = 86400.0

// cycleStep is the longest piece of time on which Next bounds the daily
// cycle by one value: its bound is then at most a·2π·900/86400 ≈ 6.5% of
// the amplitude above the cycle.
const cycleStep = 900

type knot struct {
	at   sim.Time
	rate float64
}

type spike struct {
	from, to sim.Time
	factor   float64
}

// ShapeChange is one change of the arrival rate. Rate is absolute
// (requests per second, or sessions per second); when Factor is set instead,
// the rate is Factor × the base rate.
type ShapeChange struct {
	Kind   ChangeKind
	At     float64 // step time, ramp start or spike start, in seconds
	Until  float64 // ramp end or spike end
	Rate   float64
	Factor float64
	// PeakToTrough and PeakAt make a Diurnal cycle: the rate's daily peak
	// is PeakToTrough times its trough, and comes PeakAt seconds into each
	// day. The cycle has mean 1, so the rest of the shape gives the daily
	// mean: with a ratio R the peak is 2R/(R+1) times it. Weekend, when
	// positive, multiplies the rate on days 5 and 6 of each week.
	PeakToTrough, PeakAt, Weekend float64
}

// ChangeKind is the kind of a ShapeChange.
type ChangeKind int

// String is how a file writes the kind: step, ramp or spike.
func (k ChangeKind) String() string { return [...]string{"step", "ramp", "spike", "diurnal"}[k] }

// The kinds of rate change.
const (
	Step    ChangeKind = iota // the rate jumps to a new level at At
	Ramp                      // the rate moves linearly to a new level from At to Until
	Spike                     // the rate is multiplied between At and Until
	Diurnal                   // the rate follows a daily cycle (PeakToTrough, PeakAt)
)

// NewShape builds λ(t) from a base rate and changes. Steps and ramps must
// not overlap one another (Decode checks this); spikes may overlap anything.
func NewShape(base float64, changes []ShapeChange) *Shape {
	return newShape(base, changes, []knot{{0, base}})
}

// newShape builds λ(t) from a level given as knots (the base rate, or a
// trace's curve) and changes.
func newShape(base float64, changes []ShapeChange, levels []knot) *Shape {
	cs := append([]ShapeChange(nil), changes...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].At < cs[j].At })
	s := &Shape{knots: levels}
	level := func(c ShapeChange) float64 {
		if c.Factor > 0 {
			return c.Factor * base
		}
		return c.Rate
	}
	for _, c := range cs {
		t := sim.Time(c.At)
		switch c.Kind {
		case Step:
			s.knots = append(s.knots, knot{t, s.line(t, t)}, knot{t, level(c)})
		case Ramp:
			s.knots = append(s.knots, knot{t, s.line(t, t)}, knot{sim.Time(c.Until), level(c)})
		case Spike:
			f := c.Factor
			if f == 0 && base > 0 {
				f = c.Rate / base
			}
			s.spikes = append(s.spikes, spike{t, sim.Time(c.Until), f})
		case Diurnal:
			// (1+a)/(1−a) = R for a cycle 1 + a·cos of mean 1.
			s.amplitude = (c.PeakToTrough - 1) / (c.PeakToTrough + 1)
			s.peakAt = c.PeakAt
			s.weekend = c.Weekend
		}
	}
	for _, k := range s.knots {
		s.edges = append(s.edges, k.at)
	}
	for _, sp := range s.spikes {
		s.edges = append(s.edges, sp.from, sp.to)
	}
	sort.Slice(s.edges, func(i, j int) bool { return s.edges[i] < s.edges[j] })
	return s
}

// line is the level at x along the linear piece in effect at t, for x in
// that piece or at its end: at a step (two knots at one time) the piece after
// the step is in effect, and line(t, end) is the left limit at the piece's end.
func (s *Shape) line(t, x sim.Time) float64 {
	ks := s.knots
	i := sort.Search(len(ks), func(i int) bool { return ks[i].at > t }) // ks[i-1].at ≤ t < ks[i].at
	if i == len(ks) {
		return ks[len(ks)-1].rate
	}
	a, b := ks[i-1], ks[i]
	return a.rate + (b.rate-a.rate)*float64(x-a.at)/float64(b.at-a.at)
}

func (s *Shape) spikeFactor(t sim.Time) float64 {
	f := 1.0
	for _, sp := range s.spikes {
		if t >= sp.from && t < sp.to {
			f *= sp.factor
		}
	}
	return f
}

// cycle is the daily cycle's factor at t.
func (s *Shape) cycle(t sim.Time) float64 {
	if s.amplitude == 0 {
		return 1
	}
	return 1 + float64(s.amplitude*sim.Cos(float64(2*math.Pi*(float64(t)-s.peakAt))/Day))
}

// week is the weekly cycle's factor at t.
func (s *Shape) week(t sim.Time) float64 {
	if s.weekend > 0 && math.Mod(float64(t), Week) >= 5*Day {
		return s.weekend
	}
	return 1
}

// weekEdge is the next start or end of a weekend after t, or Forever
// without a weekly cycle.
func (s *Shape) weekEdge(t sim.Time) sim.Time {
	if s.weekend == 0 {
		return sim.Forever
	}
	start := float64(math.Floor(float64(t)/Week) * Week)
	if float64(t) < start+5*Day {
		return sim.Time(start + 5*Day)
	}
	return sim.Time(start + Week)
}

// Rate is λ(t).
func (s *Shape) Rate(t sim.Time) float64 {
	return float64(float64(s.line(t, t)*s.spikeFactor(t))*s.cycle(t)) * s.week(t)
}

// segmentEnd is the first edge after t (Forever if none): λ is linear on
// [t, segmentEnd(t)).
func (s *Shape) segmentEnd(t sim.Time) sim.Time {
	i := sort.Search(len(s.edges), func(i int) bool { return s.edges[i] > t })
	if i == len(s.edges) {
		return sim.Forever
	}
	return s.edges[i]
}

// ends returns λ at t and its left limit at end, the ends of the linear
// segment [t, end).
func (s *Shape) ends(t, end sim.Time) (a, b float64) {
	f := s.spikeFactor(t)
	a = s.line(t, t) * f
	if end == sim.Forever {
		return a, a
	}
	return a, s.line(t, end) * f
}

// Next returns the next arrival time after t of a non-homogeneous Poisson
// process with rate λ, by thinning (Lewis and Shedler, "Simulation of
// nonhomogeneous Poisson processes by thinning", Naval Research Logistics
// Quarterly 26(3), 1979) with a separate bound on each linear segment: a
// candidate that overshoots its segment restarts at the segment's end, which
// the memoryless property allows. It returns sim.Forever if λ stays 0.
//
// With a daily cycle the segments are cut into pieces of at most cycleStep,
// on each of which the cycle is bounded by its value at the start plus its
// largest slope (a·2π/day) times the piece's length: most candidates are
// then accepted, and the cycle is computed about once per arrival.
func (s *Shape) Next(t sim.Time, r *rand.Rand) sim.Time {
	for {
		end := min(s.segmentEnd(t), s.weekEdge(t))
		cyc := s.week(t) // constant up to the next week edge
		if s.amplitude > 0 {
			end = min(end, t+cycleStep)
			slope := float64(s.amplitude*2*math.Pi) / Day
			cyc = float64(cyc * min(1+s.amplitude, s.cycle(t)+float64(slope*float64(end-t))))
		}
		a, b := s.ends(t, end)
		// The level is linear on the piece; the cycle is at most cyc.
		m := float64(math.Max(a, b) * cyc)
		if m <= 0 {
			// No arrival on this piece: skip the whole linear segment if
			// its level is 0 to its end (the daily and weekly cycles
			// multiply 0 into 0), and stop if that is for good.
			seg := s.segmentEnd(t)
			if a, b := s.ends(t, seg); math.Max(a, b) <= 0 {
				if seg == sim.Forever {
					return sim.Forever // 0 for good: cycles multiply 0 into 0
				}
				end = seg
			}
			t = end
			continue
		}
		cand := t + sim.Time(sim.ExpVariate(r)/m)
		if cand >= end {
			t = end
			continue
		}
		t = cand
		if r.Float64()*m <= s.Rate(t) {
			return t
		}
	}
}

// MeanRate is the average of λ over [from, to): by the trapezoid rule on each
// linear segment (exact for piecewise-linear λ), or with a daily cycle by
// Simpson's rule on steps of at most simpsonStep (the cycle's fourth
// derivative bounds its error below 1e-9 of the mean).
func (s *Shape) MeanRate(from, to sim.Time) float64 {
	area := 0.0
	for t := from; t < to; {
		end := min(s.segmentEnd(t), s.weekEdge(t), to)
		if s.amplitude == 0 {
			a, b := s.ends(t, end)
			area += float64(float64((a+b)/2*float64(end-t)) * s.week(t))
		} else {
			area += float64(s.simpson(t, end) * s.week(t))
		}
		t = end
	}
	return area / float64(to-from)
}

// MaxRate is the highest λ over [from, to) (its supremum: a ramp's level
// just before it ends counts). Without a daily cycle it is exact: λ is
// linear on each segment, so its highest value is at one end. With one,
// each segment is cut into pieces of at most cycleStep, on each of which
// the higher end of the level is multiplied by the cycle's highest value
// there (1 + amplitude if a daily peak falls in it, else its higher end):
// exact where the level is constant, and above λ by at most the level's
// change over a piece otherwise.
func (s *Shape) MaxRate(from, to sim.Time) float64 {
	peak := 0.0
	for t := from; t < to; {
		end := min(s.segmentEnd(t), s.weekEdge(t), to)
		for p := t; p < end; {
			q := end
			if s.amplitude > 0 {
				q = min(end, p+cycleStep)
			}
			a, b := s.ends(p, q)
			peak = max(peak, float64(math.Max(a, b)*s.cycleMax(p, q))*s.week(t))
			p = q
		}
		t = end
	}
	return peak
}

// cycleMax is the daily cycle's highest factor over [p, q]: 1 + amplitude
// if a daily peak (peakAt + k days) falls in it, otherwise the higher of
// its ends, since the cycle falls from each peak and rises to the next.
func (s *Shape) cycleMax(p, q sim.Time) float64 {
	if s.amplitude == 0 {
		return 1
	}
	next := s.peakAt + float64(math.Ceil((float64(p)-s.peakAt)/Day)*Day) // the first peak at or after p
	if next <= float64(q) {
		return 1 + s.amplitude
	}
	return math.Max(s.cycle(p), s.cycle(q))
}

// simpsonStep bounds the steps of MeanRate's integration of a daily cycle.
const simpsonStep = 600.0

// simpson integrates λ over [t, end), a segment on which the level is
// linear, by Simpson's rule.
func (s *Shape) simpson(t, end sim.Time) float64 {
	n := max(1, int(math.Ceil(float64(end-t)/simpsonStep)))
	h := float64(end-t) / float64(n)
	f := s.spikeFactor(t)
	at := func(x sim.Time) float64 { return float64(float64(s.line(t, x)*f) * s.cycle(x)) }
	area := 0.0
	for i := 0; i < n; i++ {
		a := t + sim.Time(float64(float64(i)*h))
		b := a + sim.Time(h)
		if i == n-1 {
			b = end
		}
		mid := a + sim.Time(float64((b-a)/2))
		area += float64(float64(b-a) / 6 * float64(float64(at(a)+float64(4*at(mid)))+at(b)))
	}
	return area
}
