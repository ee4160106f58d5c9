package workloads

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/sim"
)

// counter is a Sink that counts arrivals per class and per second, and
// replies at once when a user is given (an infinitely fast system).
type counter struct {
	k       *sim.Kernel
	gen     *Generator
	classes []int
	times   []float64
}

func (c *counter) Arrive(a Arrival) {
	c.classes[a.Class]++
	c.times = append(c.times, float64(c.k.Now()))
	if a.Client >= 0 {
		c.gen.Done(a.Client)
	}
}

func generate(spec *Spec, until float64) *counter { return generateSeed(spec, until, 1) }

func generateSeed(spec *Spec, until float64, seed uint64) *counter {
	k := &sim.Kernel{}
	c := &counter{k: k, classes: make([]int, len(spec.ClassNames()))}
	c.gen = NewGenerator(spec, k, seed, c)
	c.gen.Start(sim.Time(until))
	k.Run(sim.Time(until))
	return c
}

func countIn(times []float64, from, to float64) int {
	n := 0
	for _, t := range times {
		if t >= from && t < to {
			n++
		}
	}
	return n
}

// within checks a Poisson count against its expectation: 4 standard
// deviations, √expected.
func within(t *testing.T, what string, got int, expected float64) {
	t.Helper()
	if math.Abs(float64(got)-expected) > 4*math.Sqrt(expected) {
		t.Errorf("%s: %d arrivals, expected %.1f ± %.1f", what, got, expected, 4*math.Sqrt(expected))
	}
}

// TestShapedArrivals checks that a non-homogeneous Poisson process with a
// ramp, a spike and a step puts, in each window, a count consistent with the
// integral of λ over it.
func TestShapedArrivals(t *testing.T) {
	spec := &Spec{Model: Open, Rate: 100, Changes: []ShapeChange{
		{Kind: Ramp, At: 100, Until: 200, Rate: 400},
		{Kind: Spike, At: 300, Until: 320, Factor: 3},
		{Kind: Step, At: 400, Rate: 50},
	}}
	c := generate(spec, 500)
	sh := spec.Shape()
	for _, w := range [][2]float64{{0, 100}, {100, 150}, {150, 200}, {200, 300}, {300, 320}, {320, 400}, {400, 500}} {
		expected := sh.MeanRate(sim.Time(w[0]), sim.Time(w[1])) * (w[1] - w[0])
		within(t, "window", countIn(c.times, w[0], w[1]), expected)
	}
	// The integral itself, worked by hand: 100·100 + (100+400)/2·100 +
	// 400·100 + 1200·20 + 400·80 + 50·100.
	want := 10000.0 + 25000 + 40000 + 24000 + 32000 + 5000
	if got := sh.MeanRate(0, 500) * 500; math.Abs(got-want) > 1e-6 {
		t.Errorf("∫λ over [0, 500) = %g, want %g", got, want)
	}
	if got := sh.Rate(150); got != 250 {
		t.Errorf("λ(150) = %g, want 250 (half-way up the ramp)", got)
	}
}

// TestDiurnalArrivals checks the daily cycle: its mean is the base rate,
// its peak and trough are 2R/(R+1) and 2/(R+1) of it at peak_at and twelve
// hours later, with a step on top it multiplies the new level, and the
// arrivals in each hour of a day match the integral of λ over it.
func TestDiurnalArrivals(t *testing.T) {
	const base, ratio, peakAt = 2.0, 4.0, 20 * 3600.0
	spec := &Spec{Model: Open, Rate: base, Changes: []ShapeChange{{Kind: Diurnal, PeakToTrough: ratio, PeakAt: peakAt}}}
	sh := spec.Shape()
	if got := sh.MeanRate(0, Day); math.Abs(got-base) > 1e-9*base {
		t.Errorf("mean over a day %g, want %g", got, base)
	}
	if got, want := sh.Rate(peakAt), base*2*ratio/(ratio+1); math.Abs(got-want) > 1e-12 {
		t.Errorf("λ at the peak %g, want %g", got, want)
	}
	if got, want := sh.Rate(peakAt-Day/2), base*2/(ratio+1); math.Abs(got-want) > 1e-12 {
		t.Errorf("λ at the trough %g, want %g", got, want)
	}
	if got, want := sh.Rate(peakAt)/sh.Rate(peakAt+Day/2), ratio; math.Abs(got-want) > 1e-9 {
		t.Errorf("peak ÷ trough %g, want %g", got, want)
	}
	c := generate(spec, Day)
	for h := 0.0; h < 24; h++ {
		from, to := h*3600, (h+1)*3600
		within(t, "hour", countIn(c.times, from, to), sh.MeanRate(sim.Time(from), sim.Time(to))*3600)
	}
	stepped := &Spec{Model: Open, Rate: base, Changes: []ShapeChange{
		{Kind: Diurnal, PeakToTrough: ratio, PeakAt: peakAt}, {Kind: Step, At: Day, Rate: 3 * base}}}
	if got, want := stepped.Shape().MeanRate(Day, 2*Day), 3*base; math.Abs(got-want) > 1e-9*want {
		t.Errorf("mean over the day after a step to 3×: %g, want %g", got, want)
	}
}

// TestWeeklyCycle checks the weekend factor: days 5 and 6 of each week
// carry weekend × the rate, so a week's mean is (5 + 2·weekend)/7 of it,
// and the arrivals of each day follow.
func TestWeeklyCycle(t *testing.T) {
	const base, weekend = 0.5, 0.6
	spec := &Spec{Model: Open, Rate: base, Changes: []ShapeChange{{Kind: Diurnal, PeakToTrough: 3, PeakAt: 12 * 3600, Weekend: weekend}}}
	sh := spec.Shape()
	if got, want := sh.MeanRate(0, Week), base*(5+2*weekend)/7; math.Abs(got-want) > 1e-9*want {
		t.Errorf("mean over a week %g, want %g", got, want)
	}
	if got, want := sh.MeanRate(5*Day, 6*Day), base*weekend; math.Abs(got-want) > 1e-9*want {
		t.Errorf("mean over Saturday %g, want %g", got, want)
	}
	if got, want := sh.MeanRate(Week+Day, Week+2*Day), base; math.Abs(got-want) > 1e-9*want {
		t.Errorf("mean over the second week's Tuesday %g, want %g", got, want)
	}
	c := generate(spec, 2*Week)
	for day := 0.0; day < 14; day++ {
		from, to := day*Day, (day+1)*Day
		within(t, "day", countIn(c.times, from, to), sh.MeanRate(sim.Time(from), sim.Time(to))*Day)
	}
	flat := &Spec{Model: Open, Rate: base, Changes: []ShapeChange{{Kind: Diurnal, PeakToTrough: 1, Weekend: 2}}}
	if got, want := flat.Shape().MeanRate(0, Week), base*9/7; math.Abs(got-want) > 1e-9*want {
		t.Errorf("a flat day with busier weekends: mean %g, want %g", got, want)
	}
}

// TestShapeFallsToZero checks that a rate that falls to 0 for good ends
// the arrivals (Next returns Forever) under a daily and a weekly cycle,
// which multiply 0 into 0: Next once stepped through the cycle's pieces
// for ever. A rate at 0 for a while and back skips to its return.
func TestShapeFallsToZero(t *testing.T) {
	r := sim.NewStream(1, "zero")
	for _, c := range []struct {
		name    string
		changes []ShapeChange
		next    sim.Time // at least
	}{
		{"step to 0 under a daily cycle", []ShapeChange{{Kind: Diurnal, PeakToTrough: 4}, {Kind: Step, At: 5, Rate: 0}}, sim.Forever},
		{"ramp to 0 under a weekly cycle", []ShapeChange{{Kind: Diurnal, PeakToTrough: 4, Weekend: 0.5}, {Kind: Ramp, At: 5, Until: 10, Rate: 0}}, sim.Forever},
		{"0 for a week, then back", []ShapeChange{{Kind: Diurnal, PeakToTrough: 4, Weekend: 0.5}, {Kind: Step, At: 5, Rate: 0}, {Kind: Step, At: Week, Rate: 1}}, Week},
	} {
		sh := (&Spec{Model: Open, Rate: 10, Changes: c.changes}).Shape()
		t0 := sim.Time(0)
		for t0 < 10 {
			t0 = sh.Next(t0, r)
		}
		if t0 < c.next || (c.next == sim.Forever && t0 != sim.Forever) {
			t.Errorf("%s: next arrival after 10 s at %v, want at least %v", c.name, t0, c.next)
		}
	}
}

// TestUsersDerivation checks the users-model arithmetic.
func TestUsersDerivation(t *testing.T) {
	u := UsersModel{Users: 1e6, ActiveFraction: 0.1, RequestsPerActiveUser: 50, PeakToAverage: 3}
	if got, want := u.PeakRate(), 1e6*0.1*50/86400*3; math.Abs(got-want) > 1e-9 {
		t.Fatalf("peak rate %g, want %g", got, want)
	}
	want := "1M users × 10% active × 50 requests/active user/day ÷ 86400 s × 3 peak/average = 173.6 req/s"
	if got := u.Derivation(); got != want {
		t.Fatalf("derivation\n got %q\nwant %q", got, want)
	}
}

// TestSessionsAndMix checks that sessions of five requests arriving at
// 2/s offer 10 requests/s, split by the mix (over three seeds' requests).
func TestSessionsAndMix(t *testing.T) {
	five, _ := sim.NewConstant(5)
	think, _ := sim.NewExponential(0.5)
	spec := &Spec{Model: Sessions, Rate: 2, Requests: five, Think: think,
		Mix: []Class{{"read", 0.8}, {"write", 0.2}}}
	var n, writes float64
	for seed := uint64(1); seed <= 3; seed++ {
		c := generateSeed(spec, 5000, seed)
		within(t, "requests", len(c.times), spec.OfferedRate()*5000*(1-0.5/5000))
		n += float64(len(c.times))
		writes += float64(c.classes[1])
	}
	if share := writes / n; math.Abs(share-0.2) > 4*math.Sqrt(0.2*0.8/n) {
		t.Errorf("write share %.4f of %g requests, want 0.2 ± %.4f", share, n, 4*math.Sqrt(0.2*0.8/n))
	}
}

// TestClosedLoop checks that N users thinking Z seconds against an
// infinitely fast system send N/Z requests per second.
func TestClosedLoop(t *testing.T) {
	think, _ := sim.NewExponential(2)
	spec := &Spec{Model: Closed, Population: 30, Think: think}
	c := generate(spec, 4000)
	within(t, "requests", len(c.times), 30.0/2*4000)
}

// TestSetRate checks the --rate override on each workload model: the
// result is open arrivals at the rate, and valid (a users model's or a
// closed population's growth goes with them).
func TestSetRate(t *testing.T) {
	think, _ := sim.NewExponential(1)
	growth := &Growth{From: 1000, To: 2000, Over: 1e6, Curve: CurveLinear}
	cases := []struct {
		name string
		spec Spec
	}{
		{"open", Spec{Model: Open, Rate: 5}},
		{"users with growth", Spec{Model: Open, Users: &UsersModel{Users: 1000, ActiveFraction: 1, RequestsPerActiveUser: 86400, PeakToAverage: 1}, Growth: growth}},
		{"closed with growth", Spec{Model: Closed, Population: 3, Think: think, Growth: growth}},
		{"sessions", Spec{Model: Sessions, Rate: 2, Requests: think, Think: think}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if errs := c.spec.Validate(); errs != nil {
				t.Fatalf("invalid before: %v", errs)
			}
			if err := c.spec.SetRate(50); err != nil {
				t.Fatal(err)
			}
			if c.spec.Model != Open || c.spec.Users != nil || c.spec.OfferedRate() != 50 {
				t.Errorf("after --rate 50: %s", c.spec.Describe())
			}
			if errs := c.spec.Validate(); errs != nil {
				t.Errorf("invalid after --rate 50: %v", errs)
			}
		})
	}
	if (&Spec{Model: Open, Rate: 5}).SetRate(0) == nil {
		t.Error("a rate of 0 accepted")
	}
}

// TestSetUsers checks the --users override on each workload model.
func TestSetUsers(t *testing.T) {
	open := &Spec{Model: Open, Rate: 5}
	if open.SetUsers(10) == nil {
		t.Error("setting users on a plain rate should fail")
	}
	users := &Spec{Model: Open, Users: &UsersModel{Users: 1000, ActiveFraction: 1, RequestsPerActiveUser: 86400, PeakToAverage: 1}}
	if err := users.SetUsers(2000); err != nil || users.Rate != 2000 {
		t.Errorf("users model: rate %g, err %v; want 2000", users.Rate, err)
	}
	closed := &Spec{Model: Closed, Population: 3}
	if err := closed.SetUsers(7); err != nil || closed.Population != 7 {
		t.Errorf("closed: population %d, err %v", closed.Population, err)
	}
	if closed.SetUsers(2.5) == nil || closed.SetUsers(MaxPopulation+1) == nil {
		t.Error("fractional or huge closed populations should fail")
	}
}

// TestGeneratorNoAllocs checks that open arrivals allocate nothing in steady
// state.
func TestGeneratorNoAllocs(t *testing.T) {
	k := &sim.Kernel{}
	c := &nullSink{}
	g := NewGenerator(&Spec{Model: Open, Rate: 100, Mix: []Class{{"a", 0.5}, {"b", 0.5}},
		Keys: &Keys{Dist: KeysZipf, S: 0.9, Count: 1e6}}, k, 1, c)
	g.Start(sim.Forever)
	k.Step(sim.Forever)
	if a := testing.AllocsPerRun(1000, func() { k.Step(sim.Forever) }); a != 0 {
		t.Fatalf("%v allocations per arrival", a)
	}
}

type nullSink struct{}

func (nullSink) Arrive(Arrival) {}

// TestValidate checks the workload model's own checks, without YAML: each
// broken workload gives one error, at the path of the field at fault.
func TestValidate(t *testing.T) {
	think, _ := sim.NewExponential(1)
	cases := []struct {
		name string
		spec Spec
		path string
		msg  string
	}{
		{"sound", Spec{Model: Open, Rate: 10}, "", ""},
		{"rate", Spec{Model: Open, Rate: 0}, "rate", "rate must be positive, got 0"},
		{"population", Spec{Model: Closed, Population: 2 * MaxPopulation, Think: think}, "closed.users", "a closed population is at most 1000000 users"},
		{"think time", Spec{Model: Closed, Population: 5}, "closed.think_time", `closed needs "think_time"`},
		{"mix", Spec{Model: Open, Rate: 1, Mix: []Class{{"read", 0.5}, {"write", 0.4}}}, "mix", "mix shares add up to 0.9, not 1 (100%)"},
		{"writes", Spec{Model: Open, Rate: 1, Writes: []string{"put"}}, "writes.0", `writes names class "put"`},
		{"keys", Spec{Model: Open, Rate: 1, Keys: &Keys{Dist: KeysZipf, Count: 100}}, "keys.s", "zipf s must be positive, got 0"},
		{"overlap", Spec{Model: Open, Rate: 1, Changes: []ShapeChange{{Kind: Ramp, At: 10, Until: 60, Rate: 5}, {Kind: Step, At: 30, Rate: 2}}},
			"shape.1", "this rate change starts before shape entry 1 has finished"},
		{"two steps at one instant", Spec{Model: Open, Rate: 1, Changes: []ShapeChange{{Kind: Step, At: 60, Rate: 50}, {Kind: Step, At: 60, Rate: 2}}},
			"shape.1", "this step is at the same time as shape entry 1 (a step at 60s)"},
		{"a ramp where a step is", Spec{Model: Open, Rate: 1, Changes: []ShapeChange{{Kind: Spike, At: 0, Until: 100, Factor: 2},
			{Kind: Step, At: 60, Rate: 50}, {Kind: Ramp, At: 60, Until: 90, Rate: 2}}},
			"shape.2", "this ramp is at the same time as shape entry 2 (a step at 60s)"},
		{"the later in the file blamed", Spec{Model: Open, Rate: 1, Changes: []ShapeChange{{Kind: Step, At: 90, Rate: 5}, {Kind: Ramp, At: 20, Until: 80, Rate: 300}, {Kind: Step, At: 90, Rate: 50}}},
			"shape.2", "this step is at the same time as shape entry 1"},
		{"ramps end to end, a step at the end, spikes over them", Spec{Model: Open, Rate: 1, Changes: []ShapeChange{
			{Kind: Ramp, At: 10, Until: 20, Rate: 5}, {Kind: Ramp, At: 20, Until: 30, Rate: 1}, {Kind: Step, At: 30, Rate: 3},
			{Kind: Spike, At: 20, Until: 40, Factor: 2}, {Kind: Spike, At: 30, Until: 35, Factor: 3}, {Kind: Spike, At: 30, Until: 31, Factor: 3}}},
			"", ""},
		{"growth", Spec{Model: Open, Rate: 1, Growth: &Growth{From: 1, To: 2, Over: 1, Curve: CurveLinear}}, "growth",
			"growth changes the user count, so it needs the users model"},
		// A trace's rate is its mean: what is wrong with it is said once, at
		// the trace, not again as a rate of 0 at a rate field the file lacks.
		{"a trace without traffic", Spec{Model: Open, Trace: &Trace{File: "t.csv", Points: []TracePoint{{0, 0}, {10, 0}}}}, "trace",
			"trace t.csv has no traffic: its mean rate is 0"},
		{"a trace of one point", Spec{Model: Open, Trace: &Trace{File: "t.csv", Points: []TracePoint{{0, 5}}}}, "trace",
			"trace t.csv needs at least two points"},
		{"a trace that failed to load", Spec{Model: Open, Trace: &Trace{File: "t.csv"}}, "trace",
			"trace t.csv needs at least two points"},
		{"a trace at a rate of 0", Spec{Model: Open, Trace: &Trace{File: "t.csv", Points: []TracePoint{{0, 5}, {10, 5}}}}, "trace",
			"rate must be positive, got 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := c.spec.Validate()
			if c.path == "" {
				if errs != nil {
					t.Fatalf("errors %v, want none", errs)
				}
				return
			}
			var fe *field.Error
			if len(errs) != 1 || !errors.As(errs[0], &fe) || fe.Where() != c.path || !strings.HasPrefix(fe.Msg, c.msg) {
				t.Fatalf("errors %v (at %v), want one at %s starting %q", errs, fe, c.path, c.msg)
			}
		})
	}
}

// TestDescribeRatesWithoutExponent checks that a workload's line in the
// report writes its rate by the rule of rates (units.Figures): "40000
// req/s", not "4e+04 req/s", and the bound beyond a billion a second.
func TestDescribeRatesWithoutExponent(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want string
	}{
		{10, "open Poisson arrivals at 10 req/s"},
		{699.71, "open Poisson arrivals at 699.7 req/s"},
		{40000, "open Poisson arrivals at 40000 req/s"},
		{123456, "open Poisson arrivals at 123500 req/s"},
		{1e12, "open Poisson arrivals at >1000000000 req/s"},
	} {
		s := &Spec{Model: Open, Rate: c.rate}
		if got := s.Describe(); got != c.want {
			t.Errorf("rate %g: %q, want %q", c.rate, got, c.want)
		}
	}
}
