package workloads

import (
	"math"
	"math/rand/v2"

	"sort"

	"github.com/scalesim/scalesim/sim"
)

// Shape is a time-varying arrival rate λ(t): a piecewise-linear level made
// of steps and ramps, multiplied during spikes.
type Shape struct {
	knots  []knot  // the level: linear between knots, constant after the last
	spikes []spike // windows in which the level is multiplied
	edges  []sim.Time
}

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
}

// ChangeKind is the kind of a ShapeChange.
type ChangeKind int

// String is how a file writes the kind: step, ramp or spike.
func (k ChangeKind) String() string { return [...]string{"step", "ramp", "spike"}[k] }

// The kinds of rate change.
const (
	Step  ChangeKind = iota // the rate jumps to a new level at At
	Ramp                    // the rate moves linearly to a new level from At to Until
	Spike                   // the rate is multiplied between At and Until
)

// NewShape builds λ(t) from a base rate and changes. Steps and ramps must
// not overlap one another (Decode checks this); spikes may overlap anything.
func NewShape(base float64, changes []ShapeChange) *Shape {
	cs := append([]ShapeChange(nil), changes...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].At < cs[j].At })
	s := &Shape{knots: []knot{{0, base}}}
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

// Rate is λ(t).
func (s *Shape) Rate(t sim.Time) float64 { return s.line(t, t) * s.spikeFactor(t) }

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
func (s *Shape) Next(t sim.Time, r *rand.Rand) sim.Time {
	for {
		end := s.segmentEnd(t)
		a, b := s.ends(t, end)
		m := math.Max(a, b) // λ is linear on the segment
		if m <= 0 {
			if end == sim.Forever {
				return sim.Forever
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

// MeanRate is the average of λ over [from, to), by the trapezoid rule on each
// linear segment (exact for piecewise-linear λ).
func (s *Shape) MeanRate(from, to sim.Time) float64 {
	area := 0.0
	for t := from; t < to; {
		end := min(s.segmentEnd(t), to)
		a, b := s.ends(t, end)
		area += float64((a + b) / 2 * float64(end-t))
		t = end
	}
	return area / float64(to-from)
}
