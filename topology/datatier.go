package topology

import (
	"fmt"
	"strings"

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
	// MinFailureInterval is the shortest mean time between a cache node's
	// failures: failures are events, and a run must end in bounded time.
	MinFailureInterval = 1.0
)

// checkRing reports a hash ring too large to build.
func checkRing(d *yamlfile.Decoder, m yamlfile.Map, what string, parts, vnodes int) {
	if parts*vnodes > MaxRingPoints {
		d.Errorf(m.Node, "%s: %d × %d virtual nodes make a hash ring of %d points; at most %d are simulated",
			what, parts, vnodes, parts*vnodes, MaxRingPoints)
	}
}

// intField decodes an optional integer field with a minimum and maximum.
func intField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *int, minimum, maximum int) {
	if !m.Has(key) {
		return
	}
	v, ok := d.Int(m.Get(key), what+" "+key, minimum)
	if ok && v > maximum {
		d.Errorf(m.Get(key), "%s %s is at most %d", what, key, maximum)
		return
	}
	if ok {
		*to = v
	}
}

func durationField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *float64) {
	if m.Has(key) {
		*to, _ = d.Duration(m.Get(key), what+" "+key)
	}
}

func distField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *sim.Dist) {
	if m.Has(key) {
		*to = d.Dist(m.Get(key), what+" "+key, yamlfile.Seconds)
	}
}

// loadShares is each part's share of the arrivals, and the largest share
// over the mean.
func loadShares(arrivals []float64) ([]float64, float64) {
	var total, most float64
	for _, a := range arrivals {
		total += a
		most = max(most, a)
	}
	out := make([]float64, len(arrivals))
	for i, a := range arrivals {
		out[i] = share(a, total)
	}
	return out, share(most, total/float64(len(arrivals)))
}

// shares writes up to 8 shares as percentages, then how many in all.
func shares(v []float64) string {
	parts := make([]string, 0, 9)
	for i, x := range v {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(v)))
			break
		}
		parts = append(parts, units.Percent(x))
	}
	return strings.Join(parts, " ")
}
