package topology

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// Work by request class: a service's service time and sizes may differ by
// class (service_time: {default: DIST, by_class: {CLASS: DIST}}), and a
// database's operations are named by class (see database.Operation).

// DefaultRequestBytes and DefaultReplyBytes are the sizes of a request and
// of its reply on a node that gives none.
const (
	DefaultRequestBytes = 1e3
	DefaultReplyBytes   = 4e3
)

// Size is the bytes of a request and of its reply; a zero figure takes
// the node's default.
type Size struct {
	Request, Reply float64
}

// Sizes are a node's sizes: its default (Size), and ByClass those of the
// classes with their own, whose zero figures take the default's.
type Sizes struct {
	Size
	ByClass map[string]Size
}

// Given says the node sets a size of its own.
func (s Sizes) Given() bool { return s.Size != (Size{}) || len(s.ByClass) > 0 }

// Of is the size of class's requests and replies, defaults filled in.
func (s Sizes) Of(class string) Size {
	return s.Size.over(s.ByClass[class])
}

// over is s with the figures o gives, and the default sizes where neither
// gives one.
func (s Size) over(o Size) Size {
	if o.Request > 0 {
		s.Request = o.Request
	}
	if o.Reply > 0 {
		s.Reply = o.Reply
	}
	if s.Request == 0 {
		s.Request = DefaultRequestBytes
	}
	if s.Reply == 0 {
		s.Reply = DefaultReplyBytes
	}
	return s
}

// validate records a size that is negative or not finite, at its field.
func (s Size) validate(e field.Errors, what string) {
	for _, f := range []struct {
		key string
		v   float64
	}{{"request", s.Request}, {"reply", s.Reply}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			e.Add(f.key, "%s %s must be a size above 0 such as 2KB, got %g bytes", what, f.key, f.v)
		}
	}
}

// validate checks a node's sizes: each figure a size, each class one of
// the workload's.
func (s Sizes) validate(e field.Errors, c *Checker, what string) {
	se := e.In("size")
	s.Size.validate(se, what+" size")
	for _, class := range sortedKeys(s.ByClass) {
		s.ByClass[class].validate(se.In("by_class", class), what+" size of "+class)
	}
	c.unknownClassKeys(se.In("by_class"), sortedKeys(s.ByClass), what+" size by_class names")
}

// decodeSizes reads size: {request: 1KB, reply: 4KB, by_class: {CLASS:
// {request, reply}}}.
func decodeSizes(d *yamlfile.Decoder, n *yaml.Node, what string) Sizes {
	var s Sizes
	m, ok := d.Mapping(n, what+" size", "request", "reply", "by_class")
	if !ok {
		return s
	}
	s.Size = decodeSize(d, m, what+" size")
	if m.Has("by_class") {
		s.ByClass = map[string]Size{}
		byClass(d, m.Get("by_class"), what+" size by_class", func(class string, v *yaml.Node) {
			if cm, ok := d.Mapping(v, what+" size of "+class, "request", "reply"); ok {
				s.ByClass[class] = decodeSize(d, cm, what+" size of "+class)
			}
		})
	}
	return s
}

// decodeSize reads the request and reply of a size mapping.
func decodeSize(d *yamlfile.Decoder, m yamlfile.Map, what string) Size {
	var s Size
	if m.Has("request") {
		s.Request, _ = d.Bytes(m.Get("request"), what+" request")
	}
	if m.Has("reply") {
		s.Reply, _ = d.Bytes(m.Get("reply"), what+" reply")
	}
	return s
}

// byClass calls f with each class named in the mapping n and its value, in
// file order.
func byClass(d *yamlfile.Decoder, n *yaml.Node, what string, f func(class string, v *yaml.Node)) {
	m, ok := d.Mapping(n, what)
	if !ok {
		return
	}
	for _, class := range m.Keys() {
		f(class, m.Get(class))
	}
}

// decodeClassTimes reads a service time: a distribution, or {default:
// DIST, by_class: {CLASS: DIST, ...}}.
func decodeClassTimes(d *yamlfile.Decoder, n *yaml.Node, what string) (def sim.Dist, by map[string]sim.Dist) {
	if n.Kind != yaml.MappingNode || yamlfile.Find(n, "dist") != nil ||
		yamlfile.Find(n, "default") == nil && yamlfile.Find(n, "by_class") == nil {
		if n.Kind == yaml.MappingNode && yamlfile.Find(n, "dist") == nil {
			d.Errorf(n, "%s: missing \"dist\" (one of %v); or service times by request class: {default: DIST, by_class: {CLASS: DIST}}", what, yamlfile.DistNames())
			return nil, nil
		}
		return d.Dist(n, what, yamlfile.Seconds), nil
	}
	m, ok := d.Mapping(n, what, "default", "by_class")
	if !ok {
		return nil, nil
	}
	if m.Has("default") {
		def = d.Dist(m.Get("default"), what+" default", yamlfile.Seconds)
	}
	if m.Has("by_class") {
		by = map[string]sim.Dist{}
		byClass(d, m.Get("by_class"), what+" by_class", func(class string, v *yaml.Node) {
			if t := d.Dist(v, what+" of "+class, yamlfile.Seconds); t != nil {
				by[class] = t
			}
		})
	}
	return def, by
}

// validateClassTimes checks a service time given by class at field key:
// every class named is the workload's, and every class has a time (its
// own or the default).
func validateClassTimes(e field.Errors, c *Checker, key, what string, def sim.Dist, by map[string]sim.Dist) {
	names := sortedKeys(by)
	c.unknownClassKeys(e.In(key, "by_class"), names, what+" "+key+" by_class names")
	switch {
	case def != nil:
		return
	case len(by) == 0:
		e.Add(key, "%s needs a %s, e.g. {dist: exponential, mean: 20ms}", what, key)
		return
	}
	var missing []string
	for _, class := range c.classes {
		if by[class] == nil {
			missing = append(missing, class)
		}
	}
	if len(missing) > 0 {
		e.Add(key, "%s %s has no default, and by_class gives none for %s: give default: DIST", what, key, quoteList(missing))
	}
}

// unknownClassKeys records an error at each key of a by_class mapping (the
// part e) that is not a class of the workload, with the nearest class.
func (c *Checker) unknownClassKeys(e field.Errors, names []string, what string) {
	for _, class := range names {
		if !contains(c.classes, class) {
			e.AddAtKey(class, "%s class %q, which the workload mix does not have (classes: %s)%s",
				what, class, strings.Join(c.classes, ", "), yamlfile.DidYouMean(class, c.classes))
		}
	}
}

// ClassTimes is the table of service times by class index, nil entries
// where a class has none of its own; nil when no class has one.
func ClassTimes(by map[string]sim.Dist, classes []string) []sim.Dist {
	if len(by) == 0 {
		return nil
	}
	out := make([]sim.Dist, len(classes))
	for i, class := range classes {
		out[i] = by[class]
	}
	return out
}

// sortedKeys are a map's keys in order, for messages and draws that must
// not depend on a map's order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// quoteList writes names quoted, comma-separated.
func quoteList(names []string) string {
	q := slices.Clone(names)
	for i, n := range q {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// ClassTime implements ClassTimed: a pool's work depends on the class
// alone.
func (s *Pool) ClassTime(class string, _ bool) sim.Dist { return s.timeOf(class) }

// timeOf is the service time of class's requests: its own, or the
// default.
func (s *Pool) timeOf(class string) sim.Dist {
	if t := s.ServiceTimeByClass[class]; t != nil {
		return t
	}
	return s.ServiceTime
}

// WorkTimes are its service times: the default (nil when every class has
// its own), then each class's own in the order of their names. It
// implements Worked.
func (s *Pool) WorkTimes() []sim.Dist {
	out := []sim.Dist{s.ServiceTime}
	for _, class := range sortedKeys(s.ServiceTimeByClass) {
		out = append(out, s.ServiceTimeByClass[class])
	}
	return out
}

// FallbackTime is the service time a station falls back on before it has
// drawn any (for its mean): the default, or else the first class's own in
// the order of their names.
func (s *Pool) FallbackTime() sim.Dist {
	if s.ServiceTime != nil || len(s.ServiceTimeByClass) == 0 {
		return s.ServiceTime
	}
	return s.ServiceTimeByClass[sortedKeys(s.ServiceTimeByClass)[0]]
}

// MeanOwn is the mean of a visit's own work at the node called name,
// over its classes weighted by their visits: the default's mean when no
// class has its own.
func (s *Pool) MeanOwn(sv Solver, name string) float64 {
	if len(s.ServiceTimeByClass) == 0 {
		return Mean(s.ServiceTime)
	}
	var h Moments
	for c, class := range sv.Classes() {
		h.Add(sv.Visits(c, name), Mean(s.timeOf(class)), 1)
	}
	if h.weight == 0 {
		return Mean(s.FallbackTime())
	}
	return h.Mean()
}

// SizeTable is a station's table of its visits' sizes, what their requests
// and replies carry, for its transfer figures; every figure has its
// default filled in. At a database, a class's size is its operation's,
// done as the class does it: the engine picks a visit's size as it picks
// its work time.
type SizeTable struct {
	// ByClass are the sizes of the classes with sizes of their own, by
	// class index (zero where a class has none; nil when none has).
	ByClass []Size
	// Plain are a read's size and a write's.
	Plain [2]Size
}

// table is the size table over classes: every class's size, defaults
// filled in.
func (s Sizes) table(classes []string) *SizeTable {
	t := &SizeTable{Plain: [2]Size{s.Size.over(Size{}), s.Size.over(Size{})}}
	if len(s.ByClass) > 0 {
		t.ByClass = make([]Size, len(classes))
		for i, class := range classes {
			t.ByClass[i] = s.Of(class)
		}
	}
	return t
}
