package yamlfile

import (
	"errors"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/sim"
)

// Unit says how the values of a distribution are written.
type Unit int

const (
	// Seconds: values are durations with units (20ms).
	Seconds Unit = iota
	// Plain: values are plain numbers, such as a count of requests.
	Plain
)

// distFields lists, for each distribution name, the parameters it takes.
var distFields = map[string][]string{
	"constant":         {"value"},
	"exponential":      {"mean"},
	"uniform":          {"min", "max"},
	"lognormal":        {"mean", "p99", "cv"},
	"gamma":            {"mean", "cv"},
	"pareto":           {"mean", "alpha"},
	"hyperexponential": {"mean", "cv"},
	"empirical":        {"quantiles"},
}

// DistNames lists the distribution names a scenario file may use.
func DistNames() []string {
	names := make([]string, 0, len(distFields))
	for n := range distFields {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

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
		return d.built(n, what)(sim.NewConstant(v))
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "%s must be a duration or a mapping such as {dist: exponential, mean: 20ms}", what)
		return nil
	}
	var nameNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "dist" {
			nameNode = n.Content[i+1]
		}
	}
	if nameNode == nil {
		d.Errorf(n, "%s: missing \"dist\" (one of %v)", what, DistNames())
		return nil
	}
	name, ok := d.String(nameNode)
	if !ok {
		return nil
	}
	fields, known := distFields[name]
	if !known {
		d.Errorf(nameNode, "%s: unknown distribution %q%s", what, name, DidYouMean(name, DistNames()))
		return nil
	}
	m, _ := d.Mapping(n, what+" ("+name+")", append([]string{"dist"}, fields...)...)
	num := func(key string) (float64, bool) {
		if !m.Has(key) {
			d.Errorf(m.Key(key), "%s: %s distribution needs %q", what, name, key)
			return 0, false
		}
		if key == "alpha" || key == "cv" {
			return d.Float(m.Get(key))
		}
		return d.value(m.Get(key), what+" "+key, unit)
	}
	build := d.built(n, what)
	switch name {
	case "constant":
		if v, ok := num("value"); ok {
			return build(sim.NewConstant(v))
		}
	case "exponential":
		if mean, ok := num("mean"); ok {
			return build(sim.NewExponential(mean))
		}
	case "uniform":
		lo, ok1 := num("min")
		hi, ok2 := num("max")
		if ok1 && ok2 {
			return build(sim.NewUniform(lo, hi))
		}
	case "lognormal":
		mean, ok := num("mean")
		switch {
		case m.Has("p99") && m.Has("cv"):
			d.Errorf(m.Key("cv"), "%s: give lognormal either p99 or cv, not both", what)
		case m.Has("cv"):
			if cv, ok2 := num("cv"); ok && ok2 {
				return build(sim.NewLognormalCV(mean, cv))
			}
		default:
			if p99, ok2 := num("p99"); ok && ok2 {
				return build(sim.NewLognormalP99(mean, p99))
			}
		}
	case "gamma", "hyperexponential":
		mean, ok1 := num("mean")
		cv, ok2 := num("cv")
		if ok1 && ok2 && name == "gamma" {
			return build(sim.NewGamma(mean, cv))
		}
		if ok1 && ok2 {
			return build(sim.NewHyperexponential(mean, cv))
		}
	case "pareto":
		mean, ok1 := num("mean")
		alpha, ok2 := num("alpha")
		if ok1 && ok2 {
			return build(sim.NewPareto(mean, alpha))
		}
	case "empirical":
		return d.empirical(m, what, unit)
	}
	return nil
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
	return d.Float(n)
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
