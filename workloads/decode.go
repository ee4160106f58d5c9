package workloads

import (
	"math"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

var workloadFields = []string{
	"rate", "users", "active_fraction", "requests_per_active_user_per_day", "peak_to_average",
	"closed", "sessions", "shape", "mix", "timeout", "keys", "writes", "growth",
}

// Decode reads the workload section of a scenario file. Problems are
// recorded in d; the returned Spec is meaningful only if d has none.
func Decode(d *yamlfile.Decoder, n *yaml.Node) *Spec {
	s := &Spec{}
	m, ok := d.Mapping(n, "workload", workloadFields...)
	if !ok {
		return s
	}
	var models []string
	for _, k := range []string{"rate", "users", "closed", "sessions"} {
		if m.Has(k) {
			models = append(models, k)
		}
	}
	switch {
	case len(models) == 0:
		d.Errorf(n, "workload needs one of rate (open arrivals), users (a user population), closed or sessions")
		models = []string{""}
	case len(models) > 1:
		d.Errorf(m.Key(models[1]), "workload has both %q and %q; give one arrival model", models[0], models[1])
	}
	usersOnly := []string{"active_fraction", "requests_per_active_user_per_day", "peak_to_average"}
	if models[0] != "users" && len(models) == 1 {
		for _, k := range usersOnly {
			if m.Has(k) {
				d.Errorf(m.Key(k), "%q goes with the users model (users: N), which this workload does not use", k)
			}
		}
	}
	switch models[0] {
	case "rate":
		s.Model = Open
		s.Rate, _ = d.Positive(m.Get("rate"), "rate")
	case "users":
		s.Model = Open
		s.Users = decodeUsers(d, m)
		if s.Users != nil {
			s.Rate = s.Users.PeakRate()
		}
	case "closed":
		s.Model = Closed
		c, ok := d.Mapping(m.Get("closed"), "closed", "users", "think_time")
		if ok {
			s.Population, _ = d.Int(required(d, c, "users", "closed"), "closed users", 1)
			if s.Population > MaxPopulation {
				d.Errorf(c.Get("users"), "a closed population is at most %d users (each is simulated one by one); for more, use an open workload such as the users model", MaxPopulation)
			}
			s.Think = d.Dist(required(d, c, "think_time", "closed"), "think_time", yamlfile.Seconds)
		}
	case "sessions":
		s.Model = Sessions
		c, ok := d.Mapping(m.Get("sessions"), "sessions", "rate", "requests", "think_time")
		if ok {
			s.Rate, _ = d.Positive(required(d, c, "rate", "sessions"), "sessions rate")
			s.Requests = d.Dist(required(d, c, "requests", "sessions"), "requests", yamlfile.Plain)
			s.Think = d.Dist(required(d, c, "think_time", "sessions"), "think_time", yamlfile.Seconds)
		}
	}
	if m.Has("shape") {
		if s.Model == Closed {
			d.Errorf(m.Key("shape"), "a closed workload has no arrival rate to shape")
		} else {
			s.Changes = decodeShape(d, m.Get("shape"))
		}
	}
	if m.Has("mix") {
		s.Mix = decodeMix(d, m.Get("mix"))
	}
	if m.Has("timeout") {
		s.Timeout, _ = d.Duration(m.Get("timeout"), "timeout")
	}
	if m.Has("keys") {
		s.Keys = decodeKeys(d, m.Get("keys"))
	}
	s.Writes = decodeWrites(d, m, s.ClassNames())
	if m.Has("growth") {
		if s.Users == nil && s.Model != Closed {
			d.Errorf(m.Key("growth"), "growth changes the user count, so it needs the users model (users: N) or a closed population")
		} else {
			s.Growth = decodeGrowth(d, m.Get("growth"))
		}
	}
	return s
}

// decodeKeys reads {dist: zipf, s: 0.9, count: 1M}, {dist: uniform, count:
// 10k} or {dist: hotspot, count: 1M, fraction: 1%, share: 30%}.
func decodeKeys(d *yamlfile.Decoder, n *yaml.Node) *Keys {
	m, ok := d.Mapping(n, "keys", "dist", "count", "s", "fraction", "share")
	if !ok {
		return nil
	}
	k := &Keys{}
	k.Dist, ok = d.String(required(d, m, "dist", "keys"))
	if !ok {
		return nil
	}
	allowed := map[string][]string{
		KeysUniform: {"dist", "count"},
		KeysZipf:    {"dist", "count", "s"},
		KeysHotspot: {"dist", "count", "fraction", "share"},
	}[k.Dist]
	if allowed == nil {
		d.Errorf(m.Get("dist"), "unknown key popularity %q (one of %s)%s",
			k.Dist, strings.Join(KeyDists, ", "), yamlfile.DidYouMean(k.Dist, KeyDists))
		return nil
	}
	for _, key := range m.Keys() {
		if !slices.Contains(allowed, key) {
			d.Errorf(m.Key(key), "%q does not apply to %s keys (fields: %s)", key, k.Dist, strings.Join(allowed, ", "))
		}
	}
	count, ok := d.Count(required(d, m, "count", "keys"), "keys count")
	switch {
	case !ok:
	case count < 1 || count != math.Trunc(count) || count > MaxKeys:
		d.Errorf(m.Get("count"), "keys count must be a whole number from 1 to %g, got %g", MaxKeys, count)
	case k.Dist == KeysHotspot && count < 2:
		d.Errorf(m.Get("count"), "a hotspot needs at least 2 keys, one hot and one not")
	}
	k.Count = int64(count)
	switch k.Dist {
	case KeysZipf:
		k.S, _ = d.Positive(required(d, m, "s", "zipf keys"), "zipf s")
	case KeysHotspot:
		for _, f := range []struct {
			key string
			to  *float64
		}{{"fraction", &k.Fraction}, {"share", &k.Share}} {
			v, ok := d.Fraction(required(d, m, f.key, "hotspot keys"), "hotspot "+f.key)
			if ok && (v == 0 || v == 1) {
				d.Errorf(m.Get(f.key), "hotspot %s must be between 0%% and 100%%, exclusive", f.key)
			}
			*f.to = v
		}
	}
	if d.Failed() {
		return nil
	}
	return k
}

// decodeWrites reads the names of the classes that write (writes: [write,
// checkout]); without it, a class called "write" is the only one.
func decodeWrites(d *yamlfile.Decoder, m yamlfile.Map, classes []string) []string {
	if !m.Has("writes") {
		if slices.Contains(classes, DefaultWriteClass) {
			return []string{DefaultWriteClass}
		}
		return nil
	}
	n := m.Get("writes")
	if n.Kind == yaml.ScalarNode {
		n = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}, Line: n.Line, Column: n.Column}
	}
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "writes must be a class name or a list of class names")
		return nil
	}
	var out []string
	for _, item := range n.Content {
		name, ok := d.String(item)
		if !ok {
			continue
		}
		if !slices.Contains(classes, name) {
			d.Errorf(item, "writes names class %q, which the workload mix does not have (classes: %s)%s",
				name, strings.Join(classes, ", "), yamlfile.DidYouMean(name, classes))
			continue
		}
		out = append(out, name)
	}
	return out
}

// required returns the value of key, recording an error if it is missing.
func required(d *yamlfile.Decoder, m yamlfile.Map, key, what string) *yaml.Node {
	if !m.Has(key) {
		d.Errorf(m.Node, "%s needs %q", what, key)
	}
	return m.Get(key)
}

func decodeUsers(d *yamlfile.Decoder, m yamlfile.Map) *UsersModel {
	u := &UsersModel{ActiveFraction: 1, PeakToAverage: 1}
	ok := true
	var okk bool
	u.Users, okk = d.Count(m.Get("users"), "users")
	ok = ok && okk
	if m.Has("active_fraction") {
		u.ActiveFraction, okk = d.Fraction(m.Get("active_fraction"), "active_fraction")
		ok = ok && okk
		if okk && u.ActiveFraction == 0 {
			d.Errorf(m.Get("active_fraction"), "active_fraction must be above 0")
			ok = false
		}
	}
	if !m.Has("requests_per_active_user_per_day") {
		d.Errorf(m.Key("users"), "the users model needs requests_per_active_user_per_day")
		return nil
	}
	u.RequestsPerActiveUser, okk = d.Positive(m.Get("requests_per_active_user_per_day"), "requests_per_active_user_per_day")
	ok = ok && okk
	if m.Has("peak_to_average") {
		u.PeakToAverage, okk = d.Positive(m.Get("peak_to_average"), "peak_to_average")
		ok = ok && okk
		if okk && u.PeakToAverage < 1 {
			d.Errorf(m.Get("peak_to_average"), "peak_to_average is a peak over an average, so at least 1; got %g", u.PeakToAverage)
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return u
}

// decodeShape reads a list of one-key mappings:
//
//   - step:  {at: 5m, rate: 200}            # or factor: 2
//   - ramp:  {from: 10m, to: 12m, rate: 400}
//   - spike: {at: 15m, for: 30s, factor: 5}  # or rate: 900
func decodeShape(d *yamlfile.Decoder, n *yaml.Node) []ShapeChange {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "shape must be a list of step, ramp and spike entries")
		return nil
	}
	var out []ShapeChange
	for _, item := range n.Content {
		entry, ok := d.Mapping(item, "shape entry", "step", "ramp", "spike")
		if !ok {
			continue
		}
		if len(entry.Keys()) != 1 {
			d.Errorf(item, "each shape entry has exactly one of step, ramp or spike")
			continue
		}
		kind := entry.Keys()[0]
		body := entry.Get(kind)
		var c ShapeChange
		var fields yamlfile.Map
		switch kind {
		case "step":
			c.Kind = Step
			fields, ok = d.Mapping(body, "step", "at", "rate", "factor")
			if ok {
				c.At, _ = d.Duration(required(d, fields, "at", "step"), "step at")
			}
		case "ramp":
			c.Kind = Ramp
			fields, ok = d.Mapping(body, "ramp", "from", "to", "rate", "factor")
			if ok {
				c.At, _ = d.Duration(required(d, fields, "from", "ramp"), "ramp from")
				c.Until, _ = d.Duration(required(d, fields, "to", "ramp"), "ramp to")
				if c.Until <= c.At && fields.Has("to") {
					d.Errorf(fields.Get("to"), "a ramp must end after it starts")
				}
			}
		case "spike":
			c.Kind = Spike
			fields, ok = d.Mapping(body, "spike", "at", "for", "rate", "factor")
			if ok {
				c.At, _ = d.Duration(required(d, fields, "at", "spike"), "spike at")
				length, _ := d.Duration(required(d, fields, "for", "spike"), "spike for")
				c.Until = c.At + length
			}
		}
		if !ok {
			continue
		}
		switch {
		case fields.Has("rate") == fields.Has("factor"):
			d.Errorf(body, "%s needs either rate (requests per second) or factor (× the base rate)", kind)
		case fields.Has("rate"):
			if v, ok := d.Float(fields.Get("rate")); ok && v < 0 {
				d.Errorf(fields.Get("rate"), "rate must not be negative")
			} else {
				c.Rate = v
			}
		default:
			c.Factor, _ = d.Positive(fields.Get("factor"), "factor")
		}
		c.pos = item
		out = append(out, c)
	}
	// Steps and ramps must not overlap: each starts after the previous ended.
	var level []ShapeChange
	for _, c := range out {
		if c.Kind != Spike {
			level = append(level, c)
		}
	}
	sort.SliceStable(level, func(a, b int) bool { return level[a].At < level[b].At })
	for j := 1; j < len(level); j++ {
		prev, cur := level[j-1], level[j]
		if cur.At < math.Max(prev.At, prev.Until) {
			d.Errorf(cur.pos, "this rate change starts before the change at line %d has finished", prev.pos.Line)
		}
	}
	return out
}

// decodeMix reads {class: share, ...}; shares must be positive and sum to 1.
// The classes are returned even when their shares are wrong, so that calls
// naming them are not reported too.
func decodeMix(d *yamlfile.Decoder, n *yaml.Node) []Class {
	m, ok := d.Mapping(n, "mix", nil...)
	if !ok {
		return nil
	}
	var out []Class
	sum := 0.0
	for _, k := range m.Keys() {
		share, _ := d.Fraction(m.Get(k), "share of "+k)
		if share == 0 {
			d.Errorf(m.Get(k), "class %q has a zero share; leave it out", k)
		}
		out = append(out, Class{Name: k, Share: share})
		sum += share
	}
	if len(out) == 0 {
		d.Errorf(n, "mix needs at least one class")
		return nil
	}
	if math.Abs(sum-1) > 1e-9 {
		d.Errorf(n, "mix shares add up to %.6g, not 1 (100%%)", sum)
	}
	return out
}
