package yamlfile

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/units"
	"gopkg.in/yaml.v3"
)

// Map is a YAML mapping whose keys have been checked against the allowed set.
type Map struct {
	Node   *yaml.Node
	values map[string]*yaml.Node
	keys   map[string]*yaml.Node
	order  []string
}

// Mapping checks that n is a mapping whose keys are all in allowed (any key
// if allowed is empty) with no duplicates, recording an error for each that
// is not, with a suggestion.
// what names the mapping in messages. It returns ok false if n is not a
// mapping at all; a Map with unknown keys is still returned, without them.
func (d *Decoder) Mapping(n *yaml.Node, what string, allowed ...string) (Map, bool) {
	m := Map{Node: n, values: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if n == nil {
		return m, false
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "%s must be a mapping of keys to values, not %s", what, describe(n))
		return m, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if k.Kind != yaml.ScalarNode {
			d.Errorf(k, "%s: keys must be plain names", what)
			continue
		}
		if allowed != nil && !contains(allowed, name) {
			d.Errorf(k, "unknown field %q in %s%s", name, what, DidYouMean(name, allowed))
			continue
		}
		if prev, dup := m.keys[name]; dup {
			d.Errorf(k, "%s: %q is given twice (first at line %d)", what, name, prev.Line)
			continue
		}
		m.keys[name], m.values[name] = k, v
		m.order = append(m.order, name)
	}
	return m, true
}

// Find returns the value of key in mapping n, or nil, without checking or
// recording anything: for a first look, such as at a node's kind, before the
// mapping is decoded for real.
func Find(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Get returns the value node of key, or nil.
func (m Map) Get(key string) *yaml.Node { return m.values[key] }

// Has reports whether key is present.
func (m Map) Has(key string) bool { return m.values[key] != nil }

// Key returns the key node of key, or the mapping itself if key is absent, for
// positioning errors.
func (m Map) Key(key string) *yaml.Node {
	if k := m.keys[key]; k != nil {
		return k
	}
	return m.Node
}

// Keys returns the keys in file order.
func (m Map) Keys() []string { return m.order }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Value == "" {
		return "an empty value"
	}
	return strconv.Quote(n.Value)
}

// scalar checks that n is a scalar, recording an error naming what it should be.
func (d *Decoder) scalar(n *yaml.Node, want string) (string, bool) {
	return d.scalarOf(n, want, "")
}

// scalarOf is scalar for the value of what (e.g. "fault instances"),
// which its error names first when not "".
func (d *Decoder) scalarOf(n *yaml.Node, want, what string) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.Errorf(n, "%swant %s, got %s", prefix(what), want, describe(n))
		return "", false
	}
	return n.Value, true
}

// prefix is what and a colon to begin an error with, or "" without what.
func prefix(what string) string {
	if what == "" {
		return ""
	}
	return what + ": "
}

// String decodes a non-empty string.
func (d *Decoder) String(n *yaml.Node) (string, bool) {
	s, ok := d.scalar(n, "a name")
	if ok && s == "" {
		d.Errorf(n, "want a name, got an empty string")
		return "", false
	}
	return s, ok
}

// Bool decodes true or false.
func (d *Decoder) Bool(n *yaml.Node) (bool, bool) { return d.BoolOf(n, "") }

// BoolOf decodes true or false as the value of what (e.g. "fault
// primary"), which its errors name first when not "".
func (d *Decoder) BoolOf(n *yaml.Node, what string) (bool, bool) {
	s, ok := d.scalarOf(n, "true or false", what)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.Errorf(n, "%swant true or false, got %q", prefix(what), s)
	return false, false
}

// Float decodes a finite number, in the count grammar of the command line:
// 1500, 1.5k, 5M, 2B, 1e6.
func (d *Decoder) Float(n *yaml.Node) (float64, bool) {
	s, ok := d.scalar(n, "a number")
	if !ok {
		return 0, false
	}
	v, err := units.ParseCount(s)
	if err != nil {
		d.Errorf(n, "want a number such as 1500 or 1.5k, got %q", s)
		return 0, false
	}
	return v, true
}

// Positive decodes a number greater than zero.
func (d *Decoder) Positive(n *yaml.Node, what string) (float64, bool) {
	v, ok := d.Float(n)
	if ok && v <= 0 {
		d.Errorf(n, "%s must be positive, got %g", what, v)
		return 0, false
	}
	return v, ok
}

// Int decodes a whole number of at least minimum.
func (d *Decoder) Int(n *yaml.Node, what string, minimum int) (int, bool) {
	s, ok := d.scalarOf(n, "a whole number", what)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil {
		// The count grammar of the command line: 5k, 1.5M, 2B.
		f, cerr := units.ParseCount(s)
		plain, _ := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64) // ±Inf for 1e400
		if errors.Is(err, strconv.ErrRange) || math.IsInf(plain, 0) || cerr == nil && f == math.Trunc(f) && math.Abs(f) > 1<<62 {
			// A whole number, but one no count here can be: say so
			// rather than that it is not a whole number.
			switch {
			case !strings.HasPrefix(strings.TrimSpace(s), "-"):
				d.Errorf(n, "%s: %s is too large", what, s)
			case minimum == math.MinInt: // the caller checks the range
				d.Errorf(n, "%s: %s is too small", what, s)
			default:
				d.Errorf(n, "%s must be at least %d, got %s", what, minimum, s)
			}
			return 0, false
		}
		if cerr != nil || f != math.Trunc(f) {
			d.Errorf(n, "%s: want a whole number, got %q", what, s)
			return 0, false
		}
		v = int(f)
	}
	if v < minimum {
		d.Errorf(n, "%s must be at least %d, got %d", what, minimum, v)
		return 0, false
	}
	return v, true
}

// parsed decodes a scalar with parse, recording parse's error as
// "what: error". want says what the scalar should be, for non-scalars.
func (d *Decoder) parsed(n *yaml.Node, want, what string, parse func(string) (float64, error)) (float64, bool) {
	s, ok := d.scalarOf(n, want, what)
	if !ok {
		return 0, false
	}
	v, err := parse(s)
	if err != nil {
		d.Errorf(n, "%s: %v", what, err)
		return 0, false
	}
	return v, true
}

// Count decodes a positive quantity that may carry a metric suffix:
// 1500, 1.5k, 5M, 2B, 1e6.
func (d *Decoder) Count(n *yaml.Node, what string) (float64, bool) {
	v, ok := d.parsed(n, "a number", what, units.ParseCount)
	return d.positiveOnly(n, what, v, ok)
}

// positiveOnly records an error for a decoded value that is not positive.
func (d *Decoder) positiveOnly(n *yaml.Node, what string, v float64, ok bool) (float64, bool) {
	if ok && v <= 0 {
		d.Errorf(n, "%s must be positive, got %s", what, n.Value)
		return 0, false
	}
	return v, ok
}

// Fraction decodes a share between 0 and 1, written as 0.001 or 0.1%.
func (d *Decoder) Fraction(n *yaml.Node, what string) (float64, bool) {
	return d.parsed(n, "a fraction such as 0.1% or 0.001", what, units.ParseFraction)
}

// Duration decodes a duration such as 250us, 20ms, 1.5s, 2m or 1h, in
// seconds. A bare 0 is allowed; other numbers need a unit.
func (d *Decoder) Duration(n *yaml.Node, what string) (float64, bool) {
	return d.parsed(n, "a duration such as 20ms", what, units.ParseDuration)
}

// PositiveDuration decodes a duration that must be above 0, recording
// ifZero as the error for a 0: in a file, 0 would read as "none" or "at
// once", where leaving the field out is the way to say so.
func (d *Decoder) PositiveDuration(n *yaml.Node, what, ifZero string) (float64, bool) {
	v, ok := d.Duration(n, what)
	if ok && v == 0 {
		d.Errorf(n, "%s", ifZero)
		return 0, false
	}
	return v, ok
}

// Bytes decodes a positive size such as 2KB or 64GiB, in bytes.
func (d *Decoder) Bytes(n *yaml.Node, what string) (float64, bool) {
	v, ok := d.parsed(n, "a size such as 2KB", what, units.ParseBytes)
	return d.positiveOnly(n, what, v, ok)
}

// ByteRate decodes a positive number of bytes a second, written as a
// size with or without "/s" (125MiB/s, 125MiB). A problem is recorded at n
// (so at the --set that gave it), quoting the value as written.
func (d *Decoder) ByteRate(n *yaml.Node, what string) (float64, bool) {
	v, ok := d.parsed(n, "a size a second such as 125MiB/s", what, func(s string) (float64, error) {
		v, err := units.ParseBytes(strings.TrimSuffix(strings.TrimSpace(s), "/s"))
		if err != nil {
			return 0, fmt.Errorf("want a size a second such as 125MiB/s, got %q", s)
		}
		return v, nil
	})
	return d.positiveOnly(n, what, v, ok)
}

// OneOf decodes a name that must be one of options, suggesting the nearest
// on a typo. It returns "" when the name is missing or not an option.
func (d *Decoder) OneOf(n *yaml.Node, what string, options ...string) string {
	s, ok := d.String(n)
	if !ok {
		return ""
	}
	if !contains(options, s) {
		d.Errorf(n, "unknown %s %q (one of %s)%s", what, s, strings.Join(options, ", "), DidYouMean(s, options))
		return ""
	}
	return s
}
