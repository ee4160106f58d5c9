package topology

import (
	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// nodeRegion is the region a node is placed in (its own, or the
// scenario's default), resolved to a catalogue code; "" if none.
func (t *Topology) nodeRegion(n *Node) string {
	name := n.Region
	if name == "" && t.Regions != nil {
		name = t.Regions.Default
	}
	if name == "" {
		return ""
	}
	return t.Regions.Region(name)
}

// NodeRegion is the region a node is placed in (its own, or the
// scenario's default), resolved to a catalogue code; "" if none.
func (t *Topology) NodeRegion(n *Node) string { return t.nodeRegion(n) }

// Placed says the topology's nodes are placed in regions.
func (t *Topology) Placed() bool { return t.placed() }

// CheckRegion records at key of fe an error if region name is unknown, or
// has no round trip to a region the topology's nodes are in (used), and
// says whether it is known and reached.
func (t *Topology) CheckRegion(fe field.Errors, key, name string, used []string) bool {
	region := t.Regions.Region(name)
	if !t.Regions.known(region) {
		fe.Add(key, "region %q is not in the catalogue nor in regions.rtt%s", name, yamlfile.DidYouMean(name, t.Regions.regionCandidates()))
		return false
	}
	for _, at := range used {
		if _, ok := t.Regions.rtt(region, at); !ok {
			fe.Add(key, "no round-trip time between %s and %s, where nodes are: give it in regions.rtt", region, at)
			return false
		}
	}
	return true
}

// Known says region, a catalogue code, is in the catalogue or the
// scenario's regions.rtt.
func (r *Regions) Known(region string) bool { return r.known(region) }

// Classes are the workload's request classes the topology is checked
// against.
func (c *Checker) Classes() []string { return c.classes }

// DecodeSize reads a size (request and reply bytes) from m.
func DecodeSize(d *yamlfile.Decoder, m yamlfile.Map, what string) Size { return decodeSize(d, m, what) }

// Over is s with o's request and reply where o gives them, and the
// defaults where neither does.
func (s Size) Over(o Size) Size { return s.over(o) }

// Validate records what is wrong with the size under e.
func (s Size) Validate(e field.Errors, what string) { s.validate(e, what) }

// NewSizeTable is a station's table of sizes (engine.Station.ServeOperations): byClass
// those of the classes with their own (nil: none), read and write those
// of the plain read and write.
func NewSizeTable(byClass []Size, read, write Size) *SizeTable {
	return &SizeTable{ByClass: byClass, Plain: [2]Size{read, write}}
}

// SizeParams are the fields of a size (request, reply), for a kind's
// table.
var SizeParams = sizeParams

// SortedKeys are m's keys in order.
func SortedKeys[V any](m map[string]V) []string { return sortedKeys(m) }

// Helpers of the analytic estimate, for a kind that solves its stations
// itself (a database's primaries and replicas).

// SteadyWait is a mean wait as a solution reports it: nil for the
// infinite wait of an overloaded station.
func SteadyWait(w float64) *float64 { return steadyWait(w) }
