package main

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/scenarios/analysis"
)

// varyFlagUsage documents --vary for the commands that sweep.
const varyFlagUsage = "sweep any field, PATH=VALUES: a list (nodes.db.instance=db.r6g.large,db.r6g.xlarge), " +
	"every integer FROM..TO or every STEP (nodes.app.instances=2..20, 2..20:2), " +
	"or --points values of a range with a unit (nodes.app.service_time.mean=5ms..50ms, evenly spaced, or --log); " +
	"users=RANGE and rate=RANGE are the load, as --users and --rate"

// vary is how --vary reads: PATH=VALUES, and the flags that space a range.
type vary struct {
	arg       string
	points    int
	pointsSet bool // --points was given
	log       bool
}

// apply sets the axis of spec and its values (or, for a range of load, its
// range, spaced as --users and --rate are).
func (v vary) apply(spec *analysis.SweepSpec) error {
	path, values, ok := strings.Cut(v.arg, "=")
	if !ok || path == "" || values == "" {
		return usageError{fmt.Errorf("--vary: want PATH=VALUES, such as nodes.app.instances=2..20 or nodes.db.instance=db.r6g.large,db.r6g.xlarge, got %q", v.arg)}
	}
	spec.Axis = analysis.Axis{Path: path}
	if spec.Axis.Load() && strings.Contains(values, "..") && !strings.ContainsAny(values, ":,") {
		var err error
		spec.From, spec.To, err = parseRange("--vary "+path, values)
		return err
	}
	vals, err := v.values(values, spec.Axis.Load())
	if err != nil {
		return usageError{fmt.Errorf("--vary %s: %w", v.arg, err)}
	}
	spec.Values = vals
	return nil
}

// values are the values VALUES stands for, each as --set takes it; a load
// takes a list or a step, its range being read as --users reads one.
func (v vary) values(s string, load bool) ([]string, error) {
	if list := splitList(s); len(list) > 1 {
		if v.log || v.pointsSet {
			return nil, errors.New("--log and --points space the points of a range; a list gives them")
		}
		for i, x := range list {
			if x == "" {
				return nil, errors.New("a value of the list is empty")
			}
			if slices.Contains(list[:i], x) {
				return nil, fmt.Errorf("%s is listed twice", x)
			}
		}
		return list, nil
	}
	from, rest, ok := strings.Cut(s, "..")
	if !ok {
		return nil, errors.New("want a list of values (a,b,…) or a range (FROM..TO, FROM..TO:STEP), not one value")
	}
	to, step, stepped := strings.Cut(rest, ":")
	a, unit, okA := quantity(from)
	b, unitB, okB := quantity(to)
	if !okA || !okB {
		return nil, errors.New("want numbers at both ends of a range, such as 2..20 or 5ms..50ms")
	}
	if unit != unitB {
		return nil, fmt.Errorf("give both ends in the same unit, got %q and %q", unit, unitB)
	}
	if !(b > a) {
		return nil, errors.New("want FROM less than TO")
	}
	whole := a == math.Trunc(a) && b == math.Trunc(b) && unit == ""
	switch {
	case stepped:
		if v.log || v.pointsSet {
			return nil, errors.New("--log and --points space the points of a range; a step gives them")
		}
		st, unitS, ok := quantity(step)
		if !ok || !(st > 0) || (unitS != "" && unitS != unit) {
			return nil, fmt.Errorf("want a positive STEP in the unit of the range, such as %s..%s:%s, got %q", from, to, "1"+unit, step)
		}
		n := math.Floor((b-a)/st+1e-9) + 1
		if !(n >= 2 && n <= analysis.MaxSweepPoints) {
			return nil, fmt.Errorf("a sweep takes 2 to %d points; this step gives %.4g", analysis.MaxSweepPoints, n)
		}
		var out []string
		for i := range int(n) {
			out = append(out, number(a+float64(float64(i)*st), 12)+unit)
		}
		return out, nil
	case load:
		return nil, errors.New("a range of load is FROM..TO, spaced by --points (and --linear), or takes a step")
	case whole && !v.log:
		if v.pointsSet {
			return nil, errors.New("--points: every integer of the range is swept; give a step (FROM..TO:STEP) for fewer")
		}
		if n := b - a + 1; n > analysis.MaxSweepPoints {
			return nil, fmt.Errorf("a sweep takes at most %d points; the range has %.4g integers (give a step)", analysis.MaxSweepPoints, n)
		}
		var out []string
		for x := a; x <= b; x++ {
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		}
		return out, nil
	}
	if v.log && !(a > 0) {
		return nil, errors.New("--log spaces a range of positive values")
	}
	var out []string
	for _, x := range analysis.Grid(a, b, v.points, !v.log) {
		w := number(x, 4) + unit
		if whole {
			w = strconv.FormatFloat(math.Round(x), 'f', -1, 64)
		}
		if len(out) == 0 || w != out[len(out)-1] {
			out = append(out, w)
		}
	}
	if len(out) < 2 {
		return nil, errors.New("the range is too narrow for two distinct values")
	}
	return out, nil
}

// quantityRE is a number and the unit written after it: 5ms, 1.5k, 2.
var quantityRE = regexp.MustCompile(`^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)([^0-9.\s]\S*)?$`)

// quantity reads a number and its unit, such as 5ms, 10k or 2.
func quantity(s string) (v float64, unit string, ok bool) {
	m := quantityRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, "", false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, m[2], err == nil && !math.IsInf(v, 0)
}

// number writes v to sig significant figures, in plain decimals (no
// exponent, which a unit after it would not read).
func number(v float64, sig int) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', sig-1, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// splitList splits a list of values at its commas, except those inside
// brackets, braces or quotes ({dist: exponential, mean: 5ms} is one value).
func splitList(s string) []string {
	var out []string
	depth, quote, start := 0, rune(0), 0
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '{' || r == '[':
			depth++
		case r == '}' || r == ']':
			depth--
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}
