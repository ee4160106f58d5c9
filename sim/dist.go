package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Dist is a non-negative probability distribution, such as a service time in
// seconds or a number of requests. Constructors validate their parameters, so
// a Dist that exists can be sampled.
type Dist interface {
	// Sample draws one value using r.
	Sample(r *rand.Rand) float64
	// Mean is the expected value.
	Mean() float64
	// SCV is the squared coefficient of variation, Var/Mean², the figure the
	// Pollaczek–Khinchine formula and other approximations need.
	SCV() float64
	// String describes the distribution and its parameters.
	String() string
}

// ErrParam is wrapped by every parameter error of a distribution constructor.
var ErrParam = errors.New("sim: invalid distribution parameter")

func paramErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrParam, fmt.Sprintf(format, args...))
}

// MaxCV is the largest coefficient of variation a distribution may have.
// Beyond it the mean rests on samples so rare that no run of practical
// length draws them: the simulated mean would be wrong without a warning.
const MaxCV = 100

// maxSCV is MaxCV squared with room for the rounding of a squared
// variation computed from parameters (a hyperexponential of cv 100 gives
// 10000.000000012): the bound is on the variation, not on its last bits.
const maxSCV = MaxCV * MaxCV * (1 + 1e-9)

// sound refuses a distribution whose mean or variance is not finite, or
// whose variation is beyond MaxCV, whatever parameters led to it.
func sound[D Dist](d D, err error) (D, error) {
	var zero D
	if err != nil {
		return zero, err
	}
	m, scv := d.Mean(), d.SCV()
	switch {
	case !(m >= 0) || math.IsInf(m, 0):
		return zero, paramErr("these parameters give a mean that is not finite (%g)", m)
	case !(scv >= 0) || scv > maxSCV:
		return zero, paramErr("these parameters give a coefficient of variation above %d (squared %g): its mean would rest on samples too rare to draw", MaxCV, scv)
	}
	return d, nil
}

// variation checks a coefficient of variation given as a parameter: above
// MaxCV it is refused as sound would refuse the distribution, and before
// its square overflows.
func variation(cv float64) error {
	if err := positive("cv", cv); err != nil {
		return err
	}
	if cv > MaxCV {
		return paramErr("cv must be at most %d, got %g: the mean would rest on samples too rare to draw", MaxCV, cv)
	}
	return nil
}

func positive(name string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return paramErr("%s must be positive and finite, got %g", name, v)
	}
	return nil
}

// Constant always returns the same value.
type Constant struct{ Value float64 }

// NewConstant returns the distribution that is always v (v ≥ 0).
func NewConstant(v float64) (Constant, error) {
	if !(v >= 0) || math.IsInf(v, 0) {
		return Constant{}, paramErr("value must be non-negative and finite, got %g", v)
	}
	return Constant{v}, nil
}

func (d Constant) Sample(*rand.Rand) float64 { return d.Value }
func (d Constant) Mean() float64             { return d.Value }
func (d Constant) SCV() float64              { return 0 }
func (d Constant) String() string            { return fmt.Sprintf("constant(%g)", d.Value) }

// Exponential is the memoryless distribution with the given mean.
type Exponential struct{ mean float64 }

// NewExponential returns an exponential distribution with the given mean.
func NewExponential(mean float64) (Exponential, error) { return sound(newExponential(mean)) }

func newExponential(mean float64) (Exponential, error) {
	if err := positive("mean", mean); err != nil {
		return Exponential{}, err
	}
	return Exponential{mean}, nil
}

func (d Exponential) Sample(r *rand.Rand) float64 { return ExpVariate(r) * d.mean }
func (d Exponential) Mean() float64               { return d.mean }
func (d Exponential) SCV() float64                { return 1 }
func (d Exponential) String() string              { return fmt.Sprintf("exponential(mean %g)", d.mean) }

// Uniform is uniform on [Min, Max].
type Uniform struct{ Min, Max float64 }

// NewUniform returns the uniform distribution on [lo, hi], 0 ≤ lo ≤ hi.
func NewUniform(lo, hi float64) (Uniform, error) { return sound(newUniform(lo, hi)) }

func newUniform(lo, hi float64) (Uniform, error) {
	if !(lo >= 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return Uniform{}, paramErr("need 0 ≤ min ≤ max, got min %g max %g", lo, hi)
	}
	return Uniform{lo, hi}, nil
}

func (d Uniform) Sample(r *rand.Rand) float64 { return d.Min + float64(r.Float64()*(d.Max-d.Min)) }
func (d Uniform) Mean() float64               { return (d.Min + d.Max) / 2 }
func (d Uniform) SCV() float64 {
	m := d.Mean()
	if m == 0 {
		return 0
	}
	w := d.Max - d.Min
	return w * w / 12 / (m * m)
}
func (d Uniform) String() string { return fmt.Sprintf("uniform(%g, %g)", d.Min, d.Max) }

// Lognormal is exp(N(Mu, Sigma²)).
type Lognormal struct{ Mu, Sigma float64 }

// z99 is the 0.99 quantile of the standard normal distribution.
const z99 = 2.3263478740408408

// NewLognormalCV returns the lognormal distribution with the given mean and
// coefficient of variation: σ² = ln(1+cv²), μ = ln(mean) − σ²/2.
func NewLognormalCV(mean, cv float64) (Lognormal, error) { return sound(newLognormalCV(mean, cv)) }

func newLognormalCV(mean, cv float64) (Lognormal, error) {
	if err := positive("mean", mean); err != nil {
		return Lognormal{}, err
	}
	if err := variation(cv); err != nil {
		return Lognormal{}, err
	}
	s2 := Log1p(cv * cv)
	return Lognormal{Mu: Log(mean) - float64(s2/2), Sigma: math.Sqrt(s2)}, nil
}

// NewLognormalP99 returns the lognormal distribution with the given mean and
// 99th percentile. From mean = exp(μ+σ²/2) and p99 = exp(μ+z·σ) with
// z = Φ⁻¹(0.99), σ solves σ²/2 − zσ + ln(p99/mean) = 0; the smaller root is
// taken. A solution exists when mean < p99 ≤ mean·exp(z²/2) ≈ 14.97·mean.
func NewLognormalP99(mean, p99 float64) (Lognormal, error) { return sound(newLognormalP99(mean, p99)) }

func newLognormalP99(mean, p99 float64) (Lognormal, error) {
	if err := positive("mean", mean); err != nil {
		return Lognormal{}, err
	}
	if !(p99 > mean) {
		return Lognormal{}, paramErr("p99 (%g) must exceed the mean (%g)", p99, mean)
	}
	disc := z99*z99 - float64(2*Log(p99/mean))
	if disc < 0 {
		return Lognormal{}, paramErr("p99 (%g) may be at most %.2f × the mean (%g) for a lognormal", p99, Exp(z99*z99/2), mean)
	}
	sigma := z99 - math.Sqrt(disc)
	return Lognormal{Mu: Log(mean) - float64(float64(sigma*sigma)/2), Sigma: sigma}, nil
}

func (d Lognormal) Sample(r *rand.Rand) float64 { return Exp(d.Mu + float64(d.Sigma*NormVariate(r))) }
func (d Lognormal) Mean() float64               { return Exp(d.Mu + float64(float64(d.Sigma*d.Sigma)/2)) }
func (d Lognormal) SCV() float64                { return Expm1(d.Sigma * d.Sigma) }
func (d Lognormal) String() string {
	return fmt.Sprintf("lognormal(mean %g, p99 %g)", d.Mean(), Exp(d.Mu+float64(z99*d.Sigma)))
}

// Gamma has shape K and scale Theta; with integer K it is the Erlang-K
// distribution.
type Gamma struct{ K, Theta float64 }

// NewGamma returns the gamma distribution with the given mean and coefficient
// of variation: shape k = 1/cv², scale θ = mean/k.
func NewGamma(mean, cv float64) (Gamma, error) { return sound(newGamma(mean, cv)) }

func newGamma(mean, cv float64) (Gamma, error) {
	if err := positive("mean", mean); err != nil {
		return Gamma{}, err
	}
	if err := variation(cv); err != nil {
		return Gamma{}, err
	}
	k := 1 / (cv * cv)
	return Gamma{K: k, Theta: mean / k}, nil
}

// Sample uses Marsaglia and Tsang, "A simple method for generating gamma
// variables", ACM TOMS 26(3), 2000; for k < 1, G(k) = G(k+1)·U^(1/k).
func (d Gamma) Sample(r *rand.Rand) float64 {
	k := d.K
	boost := 1.0
	if k < 1 {
		boost = Pow(r.Float64(), 1/k)
		k++
	}
	dd := k - 1.0/3
	c := 1 / math.Sqrt(9*dd)
	for {
		x := NormVariate(r)
		v := 1 + float64(c*x)
		if v <= 0 {
			continue
		}
		v = float64(v * v * v)
		u := r.Float64()
		x2 := float64(x * x)
		if u < 1-float64(0.0331*x2*x2) || Log(u) < float64(0.5*x2)+float64(dd*float64(1-v+Log(v))) {
			return dd * v * d.Theta * boost
		}
	}
}
func (d Gamma) Mean() float64 { return d.K * d.Theta }
func (d Gamma) SCV() float64  { return 1 / d.K }
func (d Gamma) String() string {
	return fmt.Sprintf("gamma(mean %g, cv %g)", d.Mean(), math.Sqrt(d.SCV()))
}

// Pareto is the bounded Pareto distribution on [L, H] with tail index Alpha:
// F(x) = (1 − (L/x)^α) / (1 − (L/H)^α). Bounding it keeps every moment finite,
// so a simulation's averages converge.
type Pareto struct{ L, H, Alpha float64 }

// ParetoRange is the ratio H/L of the bounded Pareto distributions built by
// NewPareto: a heavy tail spanning four orders of magnitude.
const ParetoRange = 1e4

// NewPareto returns the bounded Pareto distribution with the given mean and
// tail index α and H = ParetoRange·L. With r = H/L, the mean is
// L·α/(α−1)·(1 − r^(1−α))/(1 − r^(−α)) (α ≠ 1) or L·r·ln(r)/(r−1) (α = 1),
// which fixes L.
func NewPareto(mean, alpha float64) (Pareto, error) { return sound(newPareto(mean, alpha)) }

func newPareto(mean, alpha float64) (Pareto, error) {
	if err := positive("mean", mean); err != nil {
		return Pareto{}, err
	}
	if err := positive("alpha", alpha); err != nil {
		return Pareto{}, err
	}
	d := Pareto{L: 1, H: ParetoRange, Alpha: alpha}
	scale := mean / d.moment(1)
	d.L *= scale
	d.H *= scale
	return d, nil
}

// NewParetoRange returns the bounded Pareto distribution on [lo, hi] with
// tail index α, given by its ends: a heavy tail such as users' follower
// counts, from one to a few million with α near 1 (Clauset, Shalizi and
// Newman, "Power-law distributions in empirical data", SIAM Review 51(4),
// 2009). Its upper end keeps its mean finite for any α, even α ≤ 1, where
// an unbounded Pareto's is infinite.
func NewParetoRange(lo, hi, alpha float64) (Pareto, error) {
	return sound(newParetoRange(lo, hi, alpha))
}

func newParetoRange(lo, hi, alpha float64) (Pareto, error) {
	if err := positive("min", lo); err != nil {
		return Pareto{}, err
	}
	if err := positive("alpha", alpha); err != nil {
		return Pareto{}, err
	}
	if !(hi > lo) || math.IsInf(hi, 0) {
		return Pareto{}, paramErr("max must be finite and above min (%g), got %g", lo, hi)
	}
	return Pareto{L: lo, H: hi, Alpha: alpha}, nil
}

// moment is E[X^k].
func (d Pareto) moment(k float64) float64 {
	a := d.Alpha
	c := a * Pow(d.L, a) / (1 - Pow(d.L/d.H, a))
	if math.Abs(k-a) < 1e-12 {
		return c * Log(d.H/d.L)
	}
	return c * (Pow(d.H, k-a) - Pow(d.L, k-a)) / (k - a)
}

func (d Pareto) Sample(r *rand.Rand) float64 {
	u := r.Float64()
	return d.L / Pow(1-float64(u*(1-Pow(d.L/d.H, d.Alpha))), 1/d.Alpha)
}
func (d Pareto) Mean() float64 { return d.moment(1) }
func (d Pareto) SCV() float64 {
	m := d.moment(1)
	return d.moment(2)/(m*m) - 1
}
func (d Pareto) String() string {
	return fmt.Sprintf("pareto(mean %g, alpha %g, range [%g, %g])", d.Mean(), d.Alpha, d.L, d.H)
}

// Hyperexponential is a two-phase hyperexponential distribution: with
// probability P an exponential of rate Rate1, otherwise of rate Rate2.
type Hyperexponential struct{ P, Rate1, Rate2 float64 }

// NewHyperexponential returns the two-phase hyperexponential distribution with
// balanced means for the given mean m and coefficient of variation cv > 1:
// p = (1 + √((cv²−1)/(cv²+1)))/2, rates 2p/m and 2(1−p)/m (Whitt, "Approximating
// a point process by a renewal process", Operations Research 30(1), 1982).
func NewHyperexponential(mean, cv float64) (Hyperexponential, error) {
	return sound(newHyperexponential(mean, cv))
}

func newHyperexponential(mean, cv float64) (Hyperexponential, error) {
	if err := positive("mean", mean); err != nil {
		return Hyperexponential{}, err
	}
	if !(cv > 1) || math.IsInf(cv, 0) {
		return Hyperexponential{}, paramErr("cv must exceed 1 for a hyperexponential, got %g", cv)
	}
	if err := variation(cv); err != nil {
		return Hyperexponential{}, err
	}
	c2 := float64(cv * cv)
	p := float64(float64(1+math.Sqrt((c2-1)/(c2+1))) / 2)
	return Hyperexponential{P: p, Rate1: float64(2*p) / mean, Rate2: float64(2*(1-p)) / mean}, nil
}

func (d Hyperexponential) Sample(r *rand.Rand) float64 {
	if r.Float64() < d.P {
		return ExpVariate(r) / d.Rate1
	}
	return ExpVariate(r) / d.Rate2
}
func (d Hyperexponential) Mean() float64 { return d.P/d.Rate1 + (1-d.P)/d.Rate2 }
func (d Hyperexponential) SCV() float64 {
	m := d.Mean()
	second := 2*d.P/(d.Rate1*d.Rate1) + 2*(1-d.P)/(d.Rate2*d.Rate2)
	return second/(m*m) - 1
}
func (d Hyperexponential) String() string {
	return fmt.Sprintf("hyperexponential(mean %g, cv %g)", d.Mean(), math.Sqrt(d.SCV()))
}

// QuantilePoint says that a fraction Q of values are at most Value.
type QuantilePoint struct{ Q, Value float64 }

// Empirical interpolates linearly between quantile points: its inverse
// distribution function is piecewise linear.
type Empirical struct{ points []QuantilePoint }

// NewEmpirical returns the distribution through the given quantile points.
// The points, in any order, must include q = 0 and q = 1, have distinct q in
// [0, 1], and values that are non-negative and do not decrease with q.
func NewEmpirical(points []QuantilePoint) (Empirical, error) { return sound(newEmpirical(points)) }

func newEmpirical(points []QuantilePoint) (Empirical, error) {
	ps := append([]QuantilePoint(nil), points...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Q < ps[j].Q })
	if len(ps) < 2 || ps[0].Q != 0 || ps[len(ps)-1].Q != 1 {
		return Empirical{}, paramErr("quantile points must include q = 0 and q = 1")
	}
	for i, p := range ps {
		if !(p.Value >= 0) || math.IsInf(p.Value, 0) {
			return Empirical{}, paramErr("value at q = %g must be non-negative and finite", p.Q)
		}
		if i > 0 && ps[i-1].Q == p.Q {
			return Empirical{}, paramErr("q = %g appears twice", p.Q)
		}
		if i > 0 && p.Value < ps[i-1].Value {
			return Empirical{}, paramErr("value at q = %g is below the value at q = %g", p.Q, ps[i-1].Q)
		}
	}
	return Empirical{ps}, nil
}

func (d Empirical) Sample(r *rand.Rand) float64 {
	u := float64(r.Float64())
	ps := d.points
	i := sort.Search(len(ps), func(i int) bool { return ps[i].Q > u }) // ps[i-1].Q ≤ u < ps[i].Q
	a, b := ps[i-1], ps[i]
	return a.Value + float64(float64((u-a.Q)/(b.Q-a.Q))*(b.Value-a.Value))
}

// moments returns E[X] and E[X²]: each piece is uniform between its ends.
func (d Empirical) moments() (m1, m2 float64) {
	for i := 1; i < len(d.points); i++ {
		a, b := d.points[i-1], d.points[i]
		w := b.Q - a.Q
		m1 += float64(float64(w*(a.Value+b.Value)) / 2)
		sq := float64(a.Value*a.Value) + float64(a.Value*b.Value) + float64(b.Value*b.Value)
		m2 += float64(float64(w*sq) / 3)
	}
	return m1, m2
}

func (d Empirical) Mean() float64 { m, _ := d.moments(); return m }
func (d Empirical) SCV() float64 {
	m1, m2 := d.moments()
	if m1 == 0 {
		return 0
	}
	return m2/(m1*m1) - 1
}
func (d Empirical) String() string {
	return fmt.Sprintf("empirical(%d points, mean %g)", len(d.points), d.Mean())
}

// Bound is the largest value d can draw, and whether it has one: a
// constant's value, a uniform's or bounded Pareto's upper end, an
// empirical distribution's last point. Distributions with an unbounded
// tail (exponential, gamma, lognormal, hyperexponential) have none.
func Bound(d Dist) (float64, bool) {
	switch d := d.(type) {
	case Constant:
		return d.Value, true
	case Uniform:
		return d.Max, true
	case Pareto:
		return d.H, true
	case Empirical:
		return d.points[len(d.points)-1].Value, true
	}
	return 0, false
}
