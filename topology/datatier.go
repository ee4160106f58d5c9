package topology

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Limits of the data tier: each cached key, and each shard or replica, is
// simulated, so memory grows with them.
const (
	MaxCacheKeys     = 5_000_000 // over all nodes of one cache
	MaxDatabaseNodes = 1000      // primaries and replicas of one database
	DefaultVNodes    = 160
	// MaxRingPoints bounds a hash ring: nodes (or shards) × vnodes.
	MaxRingPoints = 1_000_000
)

// checkRing reports a hash ring too large to build.
func checkRing(e field.Errors, what string, parts, vnodes int) {
	if parts*vnodes > MaxRingPoints {
		e.Add("", "%s: %d × %d virtual nodes make a hash ring of %d points; at most %d are simulated",
			what, parts, vnodes, parts*vnodes, MaxRingPoints)
	}
}

// intField decodes an optional whole number; its range is for the model's
// validation to check.
func intField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *int) {
	if m.Has(key) {
		if v, ok := d.Int(m.Get(key), what+" "+key, math.MinInt); ok {
			*to = v
		}
	}
}

// atLeast records an error if the field key of what is below minimum.
func atLeast(e field.Errors, key, what string, v, minimum int) {
	if v < minimum {
		e.Add(key, "%s %s must be at least %d, got %d", what, key, minimum, v)
	}
}

// inRange records an error if the field key of what is outside
// [minimum, maximum].
func inRange(e field.Errors, key, what string, v, minimum, maximum int) {
	atLeast(e, key, what, v, minimum)
	if v > maximum {
		e.Add(key, "%s %s is at most %d", what, key, maximum)
	}
}

// queueField decodes a queue limit: 0 or more waiting places. A negative
// number is refused here, since the model's Unlimited has no spelling in a
// file but leaving the field out.
func queueField(d *yamlfile.Decoder, m yamlfile.Map, what string, to *int) {
	if m.Has("queue") {
		if v, ok := d.Int(m.Get("queue"), what+" queue", 0); ok {
			*to = v
		}
	}
}

// checkQueue records an error for a queue limit that is neither Unlimited
// nor a number of places the simulation can hold.
func checkQueue(e field.Errors, what string, queue int) {
	if queue != Unlimited {
		inRange(e, "queue", what, queue, 0, math.MaxInt32)
	}
}

// StringField decodes an optional name; which names are allowed is for the
// model's validation to check.
func StringField(d *yamlfile.Decoder, m yamlfile.Map, key string, to *string) {
	if m.Has(key) {
		if v, ok := d.String(m.Get(key)); ok {
			*to = v
		}
	}
}

// oneOf records an error if v, the field key, is not one of options.
func oneOf(e field.Errors, key, what, v string, options []string) {
	if !contains(options, v) {
		e.Add(key, "unknown %s %q (one of %s)%s", what, v, strings.Join(options, ", "), yamlfile.DidYouMean(v, options))
	}
}

// DurationField decodes the optional duration at key of m into *to; what
// names the setting's owner in messages.
func DurationField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *float64) {
	if m.Has(key) {
		*to, _ = d.Duration(m.Get(key), what+" "+key)
	}
}

// DistField decodes the distribution at key of m, when m has it, into *to;
// what names the setting's owner in messages ("topic orders").
func DistField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *sim.Dist) {
	if m.Has(key) {
		*to = d.Dist(m.Get(key), what+" "+key, yamlfile.Seconds)
	}
}

// Ratio is part/whole, or nil (unknown) when whole is 0.
func Ratio(part, whole float64) *float64 {
	if whole == 0 {
		return nil
	}
	r := part / whole
	return &r
}

// Share is part/whole, 0 when whole is 0.
func Share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part / whole
}

// loadShares is each part's share of the arrivals (all 0 without any), and
// the largest share over the mean (nil without any).
func loadShares(arrivals []float64) ([]float64, *float64) {
	var total, most float64
	for _, a := range arrivals {
		total += a
		most = max(most, a)
	}
	out := make([]float64, len(arrivals))
	for i, a := range arrivals {
		out[i] = Share(a, total)
	}
	return out, Ratio(most, total/float64(len(arrivals)))
}

// FormatRatio writes a ratio with three significant figures: "1.93".
func FormatRatio(v float64) string { return fmt.Sprintf("%.3g", v) }

// counts writes up to 8 counts, then how many in all.
func counts(v []int) string { return firstEight(v, strconv.Itoa) }

// shares writes up to 8 shares as percentages, then how many in all.
func shares(v []float64) string { return firstEight(v, units.Percent) }

// firstEight writes up to 8 values of v with format, then how many in
// all.
func firstEight[T any](v []T, format func(T) string) string {
	parts := make([]string, 0, 9)
	for i, x := range v {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(v)))
			break
		}
		parts = append(parts, format(x))
	}
	return strings.Join(parts, " ")
}
