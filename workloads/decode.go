package workloads

import (
	"math"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

var workloadFields = []string{
	"rate", "users", "active_fraction", "requests_per_active_user_per_day", "peak_to_average",
	"closed", "sessions", "trace", "shape", "mix", "timeout", "keys", "writes", "growth",
	"regions", "client_rtt",
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
	for _, k := range []string{"rate", "users", "closed", "sessions", "trace"} {
		if m.Has(k) {
			models = append(models, k)
		}
	}
	switch {
	case len(models) == 0:
		d.Errorf(n, "workload needs one of rate (open arrivals), users (a user population), closed, sessions or trace (a recorded rate curve)")
		models = []string{""}
	case len(models) > 1:
		// Said at the one written later, which an override's is (its key
		// comes after the file's).
		first, second := models[0], models[1]
		if slices.Index(m.Keys(), first) > slices.Index(m.Keys(), second) {
			first, second = second, first
		}
		d.Errorf(m.Key(second), "workload has both %q and %q; give one arrival model", first, second)
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
		s.Rate, _ = d.Float(m.Get("rate"))
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
			s.Population, _ = d.Int(required(d, c, "users", "closed"), "closed users", math.MinInt)
			s.Think = d.Dist(required(d, c, "think_time", "closed"), "think_time", yamlfile.Seconds)
		}
	case "trace":
		// The trace is there even when it cannot be read: its rate is the
		// trace's, which Validate checks at the trace field, where the
		// reason it could not be read is already shown.
		s.Model, s.Trace = Open, &Trace{}
		if name, ok := d.String(m.Get("trace")); ok {
			s.Trace.File = name
			if data, ok := d.ReadBeside(m.Get("trace"), name); ok {
				points, err := ParseTrace(data)
				if err != nil {
					d.Errorf(m.Get("trace"), "trace %s: %v", name, err)
				} else {
					s.Trace.Points = points
					s.Rate = s.Trace.Mean()
				}
			}
		}
	case "sessions":
		s.Model = Sessions
		c, ok := d.Mapping(m.Get("sessions"), "sessions", "rate", "requests", "think_time")
		if ok {
			s.Rate, _ = d.Float(required(d, c, "rate", "sessions"))
			s.Requests = d.Dist(required(d, c, "requests", "sessions"), "requests", yamlfile.Plain)
			s.Think = d.Dist(required(d, c, "think_time", "sessions"), "think_time", yamlfile.Seconds)
		}
	}
	if m.Has("shape") {
		s.Changes = decodeShape(d, m.Get("shape"))
	}
	if m.Has("mix") {
		s.Mix = decodeMix(d, m.Get("mix"))
	}
	if m.Has("timeout") {
		s.Timeout, _ = d.PositiveDuration(m.Get("timeout"), "timeout", "timeout must be positive; leave it out for clients that wait forever")
	}
	if m.Has("keys") {
		s.Keys = decodeKeys(d, m.Get("keys"))
	}
	s.Writes = decodeWrites(d, m, s.ClassNames())
	if m.Has("growth") {
		s.Growth = decodeGrowth(d, m.Get("growth"))
	}
	if m.Has("regions") {
		s.Regions = decodeUserRegions(d, m.Get("regions"))
		s.ClientRTT = DefaultClientRTT
	}
	if m.Has("client_rtt") {
		s.ClientRTT, _ = d.Duration(m.Get("client_rtt"), "client_rtt")
	}
	return s
}

// decodeUserRegions reads {region: share, ...}, in file order.
func decodeUserRegions(d *yamlfile.Decoder, n *yaml.Node) []UserRegion {
	m, ok := d.Mapping(n, "regions", nil...)
	if !ok {
		return nil
	}
	out := []UserRegion{}
	for _, k := range m.Keys() {
		share, _ := d.Fraction(m.Get(k), "share of "+k)
		out = append(out, UserRegion{Name: k, Share: share})
	}
	return out
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
	for _, key := range m.Keys() {
		if allowed != nil && !slices.Contains(allowed, key) { // an unknown dist is Validate's to report
			d.Errorf(m.Key(key), "%q does not apply to %s keys (fields: %s)", key, k.Dist, strings.Join(allowed, ", "))
		}
	}
	if count, ok := d.Count(required(d, m, "count", "keys"), "keys count"); ok {
		switch {
		case count != math.Trunc(count):
			d.Errorf(m.Get("count"), "keys count must be a whole number, got %g", count)
		case count > MaxKeys:
			// Said here, with the count as written: Count is clamped to
			// fit an int64, and Validate would say the clamp.
			d.Errorf(m.Get("count"), "keys count must be a whole number from 1 to %g, got %g", float64(MaxKeys), count)
		}
		k.Count = int64(math.Max(1, math.Min(count, 2*MaxKeys)))
	}
	switch k.Dist {
	case KeysZipf:
		k.S, _ = d.Float(required(d, m, "s", "zipf keys"))
	case KeysHotspot:
		k.Fraction, _ = d.Fraction(required(d, m, "fraction", "hotspot keys"), "hotspot fraction")
		k.Share, _ = d.Fraction(required(d, m, "share", "hotspot keys"), "hotspot share")
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
		if name, ok := d.String(item); ok {
			out = append(out, name)
		}
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
	u.Users, _ = d.Count(m.Get("users"), "users")
	if m.Has("active_fraction") {
		u.ActiveFraction, _ = d.Fraction(m.Get("active_fraction"), "active_fraction")
	}
	if !m.Has("requests_per_active_user_per_day") {
		d.Errorf(m.Key("users"), "the users model needs requests_per_active_user_per_day")
		return nil
	}
	u.RequestsPerActiveUser, _ = d.Float(m.Get("requests_per_active_user_per_day"))
	if m.Has("peak_to_average") {
		u.PeakToAverage, _ = d.Float(m.Get("peak_to_average"))
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
		d.Errorf(n, "shape must be a list of step, ramp, spike and diurnal entries")
		return nil
	}
	var out []ShapeChange
	for _, item := range n.Content {
		entry, ok := d.Mapping(item, "shape entry", "step", "ramp", "spike", "diurnal")
		if !ok || len(entry.Keys()) != 1 {
			if ok {
				d.Errorf(item, "each shape entry has exactly one of step, ramp, spike or diurnal")
			}
			out = append(out, ShapeChange{Kind: Spike, Factor: 1})
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
			}
		case "spike":
			c.Kind = Spike
			fields, ok = d.Mapping(body, "spike", "at", "for", "rate", "factor")
			if ok {
				c.At, _ = d.Duration(required(d, fields, "at", "spike"), "spike at")
				length, _ := d.Duration(required(d, fields, "for", "spike"), "spike for")
				c.Until = c.At + length
			}
		case "diurnal":
			c.Kind = Diurnal
			if fields, ok = d.Mapping(body, "diurnal", "peak_to_trough", "peak_at", "weekend"); ok {
				c.PeakToTrough, _ = d.Float(required(d, fields, "peak_to_trough", "diurnal"))
				c.PeakAt, _ = d.Duration(required(d, fields, "peak_at", "diurnal"), "diurnal peak_at")
				if fields.Has("weekend") {
					c.Weekend, _ = d.Positive(fields.Get("weekend"), "diurnal weekend")
				}
			}
			if ok {
				out = append(out, c)
			} else {
				out = append(out, ShapeChange{Kind: Spike, Factor: 1})
			}
			continue
		}
		if !ok {
			out = append(out, ShapeChange{Kind: Spike, Factor: 1}) // a placeholder keeps the indexes
			continue
		}
		switch {
		case fields.Has("rate") == fields.Has("factor"):
			d.Errorf(body, "%s needs either rate (requests per second) or factor (× the base rate)", kind)
		case fields.Has("rate"):
			c.Rate, _ = d.Float(fields.Get("rate"))
		default:
			c.Factor, _ = d.Positive(fields.Get("factor"), "factor")
		}
		out = append(out, c)
	}
	return out
}

// decodeMix reads {class: share, ...}, in file order.
func decodeMix(d *yamlfile.Decoder, n *yaml.Node) []Class {
	m, ok := d.Mapping(n, "mix", nil...)
	if !ok {
		return nil
	}
	out := []Class{}
	for _, k := range m.Keys() {
		share, _ := d.Fraction(m.Get(k), "share of "+k)
		out = append(out, Class{Name: k, Share: share})
	}
	return out
}
