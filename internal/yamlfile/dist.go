package yamlfile

import (
	"errors"
	"maps"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Unit says how the values of a distribution are written.
type Unit int

const (
	// Seconds: values are durations with units (20ms).
	Seconds Unit = iota
	// Plain: values are plain numbers, such as a count of requests.
	Plain
)

// distKind is how to build one distribution from its parameters.
type distKind struct {
	// params are the parameters, all required unless build is nil.
	params []string
	// build makes the distribution from the params' values, in order; nil
	// for the distributions decoded by hand (lognormal, pareto, empirical).
	build func(p []float64) (sim.Dist, error)
}

// asDist widens a constructor's concrete result to sim.Dist.
func asDist[D sim.Dist](d D, err error) (sim.Dist, error) { return d, err }

var distKinds = map[string]distKind{
	"constant":    {[]string{"value"}, func(p []float64) (sim.Dist, error) { return asDist(sim.NewConstant(p[0])) }},
	"exponential": {[]string{"mean"}, func(p []float64) (sim.Dist, error) { return asDist(sim.NewExponential(p[0])) }},
	"uniform":     {[]string{"min", "max"}, func(p []float64) (sim.Dist, error) { return asDist(sim.NewUniform(p[0], p[1])) }},
	"gamma":       {[]string{"mean", "cv"}, func(p []float64) (sim.Dist, error) { return asDist(sim.NewGamma(p[0], p[1])) }},
	"pareto":      {params: []string{"mean", "alpha", "min", "max"}},
	"hyperexponential": {[]string{"mean", "cv"}, func(p []float64) (sim.Dist, error) {
		return asDist(sim.NewHyperexponential(p[0], p[1]))
	}},
	"lognormal": {params: []string{"mean", "p99", "cv"}},
	"empirical": {params: []string{"quantiles"}},
}

// DistNames lists the distribution names a scenario file may use.
func DistNames() []string { return slices.Sorted(maps.Keys(distKinds)) }

// Dist decodes a distribution: either a mapping {dist: NAME, param: value...}
// or a bare value, meaning a constant. what names it in messages. It returns
// nil after recording an error.
func (d *Decoder) Dist(n *yaml.Node, what string, unit Unit) sim.Dist {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		v, ok := d.value(n, what, unit)
		if !ok {
			return nil
		}
		return d.built(n, what)(asDist(sim.NewConstant(v)))
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "%s must be a duration or a mapping such as {dist: exponential, mean: 20ms}", what)
		return nil
	}
	nameNode := Find(n, "dist")
	if nameNode == nil {
		d.Errorf(n, "%s: missing \"dist\" (one of %v)", what, DistNames())
		return nil
	}
	name, ok := d.String(nameNode)
	if !ok {
		return nil
	}
	kind, known := distKinds[name]
	if !known {
		d.Errorf(nameNode, "%s: unknown distribution %q%s", what, name, DidYouMean(name, DistNames()))
		return nil
	}
	m, _ := d.Mapping(n, what+" ("+name+")", append([]string{"dist"}, kind.params...)...)
	num := func(key string) (float64, bool) {
		if !m.Has(key) {
			d.Errorf(m.Key(key), "%s: %s distribution needs %q", what, name, key)
			return 0, false
		}
		if slices.Contains(DistPlainParams, key) {
			return d.Float(m.Get(key))
		}
		return d.value(m.Get(key), what+" "+key, unit)
	}
	build := d.built(n, what)
	switch name {
	case "empirical":
		return d.empirical(m, what, unit)
	case "pareto":
		return d.pareto(m, what, num, build)
	case "lognormal":
		mean, ok := num("mean")
		switch {
		case m.Has("p99") && m.Has("cv"):
			d.Errorf(m.Key("cv"), "%s: give lognormal either p99 or cv, not both", what)
		case m.Has("cv"):
			if cv, ok2 := num("cv"); ok && ok2 {
				return build(asDist(sim.NewLognormalCV(mean, cv)))
			}
		default:
			if p99, ok2 := num("p99"); ok && ok2 {
				return build(asDist(sim.NewLognormalP99(mean, p99)))
			}
		}
		return nil
	}
	values := make([]float64, len(kind.params))
	all := true
	for i, p := range kind.params {
		var ok bool
		values[i], ok = num(p)
		all = all && ok
	}
	if !all {
		return nil
	}
	return build(kind.build(values))
}

// pareto decodes a bounded Pareto: {mean, alpha} spans four orders of
// magnitude (sim.NewPareto); {min, max, alpha} gives its ends
// (sim.NewParetoRange), and needs max: without one, a tail of alpha at
// most 1 has no finite mean.
func (d *Decoder) pareto(m Map, what string, num func(string) (float64, bool), build func(sim.Dist, error) sim.Dist) sim.Dist {
	if !m.Has("min") && !m.Has("max") {
		mean, ok := num("mean")
		alpha, ok2 := num("alpha")
		if !ok || !ok2 {
			return nil
		}
		return build(asDist(sim.NewPareto(mean, alpha)))
	}
	if m.Has("mean") {
		d.Errorf(m.Key("mean"), "%s: give pareto either mean and alpha, or min, max and alpha, not both", what)
		return nil
	}
	if !m.Has("max") {
		d.Errorf(m.Key("min"), "%s: a pareto from min needs max, its largest value (with alpha at most 1 an unbounded Pareto has no finite mean)", what)
		return nil
	}
	lo, ok := num("min")
	hi, ok2 := num("max")
	alpha, ok3 := num("alpha")
	if !ok || !ok2 || !ok3 {
		return nil
	}
	return build(asDist(sim.NewParetoRange(lo, hi, alpha)))
}

// empirical decodes quantiles: {0: 1ms, 0.5: 5ms, 0.99: 40ms, 1: 100ms}.
func (d *Decoder) empirical(m Map, what string, unit Unit) sim.Dist {
	qn := m.Get("quantiles")
	if qn == nil {
		d.Errorf(m.Node, "%s: empirical distribution needs \"quantiles\", e.g. {0: 1ms, 0.5: 5ms, 1: 80ms}", what)
		return nil
	}
	if _, ok := d.Mapping(qn, what+" quantiles", nil...); !ok {
		return nil
	}
	var points []sim.QuantilePoint
	for i := 0; i+1 < len(qn.Content); i += 2 {
		k, v := qn.Content[i], qn.Content[i+1]
		q, err := strconv.ParseFloat(k.Value, 64)
		if err != nil || q < 0 || q > 1 {
			d.Errorf(k, "%s: quantile %q must be a number between 0 and 1", what, k.Value)
			return nil
		}
		val, ok := d.value(v, what, unit)
		if !ok {
			return nil
		}
		points = append(points, sim.QuantilePoint{Q: q, Value: val})
	}
	return d.built(qn, what)(sim.NewEmpirical(points))
}

// value decodes one parameter value in the given unit.
func (d *Decoder) value(n *yaml.Node, what string, unit Unit) (float64, bool) {
	if unit == Seconds {
		return d.Duration(n, what)
	}
	return d.parsed(n, "a number", what, units.ParseCount)
}

// built returns a function that turns a constructor's (dist, error) into the
// dist, recording the error at n.
func (d *Decoder) built(n *yaml.Node, what string) func(sim.Dist, error) sim.Dist {
	return func(dist sim.Dist, err error) sim.Dist {
		if err != nil {
			msg := err.Error()
			if errors.Is(err, sim.ErrParam) {
				msg = msg[len(sim.ErrParam.Error())+2:]
			}
			d.Errorf(n, "%s: %s", what, msg)
			return nil
		}
		return dist
	}
}
