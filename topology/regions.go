package topology

import (
	_ "embed"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Regions places the nodes on the map: the names a scenario gives regions,
// the round-trip times between regions beyond (or instead of) the
// catalogue's, and the round trip between two zones of one region. A hop
// between nodes in different places pays the one-way delay between them,
// half the round trip (see Hop): a call pays it on the way out and its
// reply on the way back.
type Regions struct {
	// Default is the region of the nodes that name none; empty: every
	// node of a placed topology must name its own.
	Default string
	// Names maps a name the scenario uses (us) to a region (us-east-1).
	Names map[string]string
	// RTT are round trips the scenario gives: they override the
	// catalogue's, or add pairs it lacks.
	RTT []RegionRTT
	// ZoneRTT is the round trip, in seconds, between two zones of one
	// region; a file that gives none gets DefaultZoneRTT.
	ZoneRTT float64
}

// RegionRTT is the round trip between two regions, in seconds.
type RegionRTT struct {
	A, B string
	RTT  float64
}

// DefaultZoneRTT is the round trip between two availability zones of one
// region when a scenario gives none: 1 ms (measured inter-AZ pings range
// from 0.25 to 3.4 ms: "Measuring AWS Region and AZ Latency",
// xkyle.com).
const DefaultZoneRTT = 0.001

// RegionsSource says where the catalogue's round trips come from.
const RegionsSource = "average EC2 ping RTTs between AWS regions, April 2017"

//go:embed regions.tsv
var regionsTSV string

// catalogue holds the catalogue's round trips, in seconds, by pair (the
// two names in sorted order), read once.
var catalogue = sync.OnceValue(func() map[[2]string]float64 {
	out := map[[2]string]float64{}
	for _, line := range strings.Split(regionsTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		ms, err := strconv.ParseFloat(f[2], 64)
		if len(f) != 3 || err != nil {
			panic(fmt.Sprintf("topology: regions.tsv: bad line %q", line))
		}
		out[pair(f[0], f[1])] = ms / 1000
	}
	return out
})

// catalogueRegions are the regions the catalogue knows, sorted, found once.
var catalogueRegions = sync.OnceValue(func() []string {
	seen := map[string]bool{}
	for p := range catalogue() {
		seen[p[0]], seen[p[1]] = true, true
	}
	return slices.Sorted(maps.Keys(seen))
})

// CatalogueRegions lists the regions the catalogue knows, sorted.
func CatalogueRegions() []string { return slices.Clone(catalogueRegions()) }

// pair is the key of the pair of regions a and b, whatever their order.
func pair(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

// DecodeRegions reads the scenario's regions section.
func DecodeRegions(d *yamlfile.Decoder, n *yaml.Node) *Regions {
	r := &Regions{ZoneRTT: DefaultZoneRTT}
	m, ok := d.Mapping(n, "regions", "default", "names", "rtt", "zone_rtt")
	if !ok {
		return r
	}
	StringField(d, m, "default", &r.Default)
	if m.Has("names") {
		if names, ok := d.Mapping(m.Get("names"), "regions names", nil...); ok {
			r.Names = map[string]string{}
			for _, k := range names.Keys() {
				r.Names[k], _ = d.String(names.Get(k))
			}
		}
	}
	if m.Has("rtt") {
		list := m.Get("rtt")
		if list.Kind != yaml.SequenceNode {
			d.Errorf(list, "regions rtt must be a list of round trips, e.g. [{between: [us-east-1, eu-north-1], rtt: 90ms}]")
			list = &yaml.Node{}
		}
		for _, item := range list.Content {
			e, ok := d.Mapping(item, "a round trip between regions", "between", "rtt")
			if !ok {
				continue
			}
			var p RegionRTT
			if between := DecodeNames(d, e.Get("between"), "between"); len(between) == 2 {
				p.A, p.B = between[0], between[1]
			} else if e.Has("between") {
				d.Errorf(e.Get("between"), "between names two regions, e.g. [us-east-1, eu-north-1]")
			}
			DurationField(d, e, "rtt", "regions", &p.RTT)
			r.RTT = append(r.RTT, p)
		}
	}
	DurationField(d, m, "zone_rtt", "regions", &r.ZoneRTT)
	return r
}

// Region resolves a name the scenario uses to a region: through Names, or
// as it is.
func (r *Regions) Region(name string) string {
	if r != nil {
		if code, ok := r.Names[name]; ok {
			return code
		}
	}
	return name
}

// rtt is the round trip between two regions, in seconds: the scenario's
// own, else the catalogue's; ok is false when neither has the pair.
func (r *Regions) rtt(a, b string) (float64, bool) {
	if a == b {
		return 0, true
	}
	if r != nil {
		for _, p := range r.RTT {
			if pair(r.Region(p.A), r.Region(p.B)) == pair(a, b) {
				return p.RTT, true
			}
		}
	}
	v, ok := catalogue()[pair(a, b)]
	return v, ok
}

// known says the region is in the catalogue or in the scenario's RTT.
func (r *Regions) known(region string) bool {
	if r != nil {
		for _, p := range r.RTT {
			if r.Region(p.A) == region || r.Region(p.B) == region {
				return true
			}
		}
	}
	return slices.Contains(catalogueRegions(), region)
}

// placed says the topology places its nodes: a node names a region or
// the regions section gives a default.
func (t *Topology) placed() bool {
	if t.Regions != nil && t.Regions.Default != "" {
		return true
	}
	for _, n := range t.Nodes {
		if n.Region != "" {
			return true
		}
	}
	return false
}

// validatePlacement checks the regions section and where each node is, and
// when every pair of places in use has a round trip, sets the distance
// every hop between nodes pays.
func (t *Topology) validatePlacement(e field.Errors) {
	t.Distance, t.transfer = nil, nil
	r := t.Regions
	re := e.In("regions")
	if r != nil {
		for _, name := range regionNames(r) {
			if code := r.Names[name]; !r.known(code) {
				re.In("names", name).Add("", "region %q is not in the catalogue (%s) nor in regions.rtt%s",
					code, strings.Join(catalogueRegions(), ", "), yamlfile.DidYouMean(code, catalogueRegions()))
			}
		}
		seen := map[[2]string]bool{}
		for i, p := range r.RTT {
			pe := re.In("rtt", strconv.Itoa(i))
			a, b := r.Region(p.A), r.Region(p.B)
			switch {
			case a == b:
				pe.Add("between", "a round trip between %s and itself: name two regions", p.A)
			case seen[pair(a, b)]:
				pe.Add("between", "the round trip between %s and %s is given twice", p.A, p.B)
			case p.RTT < 0 || math.IsInf(p.RTT, 0):
				pe.Add("rtt", "a round trip must be a duration from 0, not %v", p.RTT)
			}
			seen[pair(a, b)] = true
		}
		if r.ZoneRTT < 0 || math.IsInf(r.ZoneRTT, 0) {
			re.Add("zone_rtt", "a round trip must be a duration from 0")
		}
		if r.Default != "" && !r.known(r.Region(r.Default)) && !r.misnamed(r.Default) {
			re.Add("default", "region %q is not in the catalogue nor in regions.rtt%s", r.Default, yamlfile.DidYouMean(r.Default, catalogueRegions()))
		}
	}
	if !t.placed() {
		for i, f := range t.Faults {
			if f.Region != "" {
				e.In("faults", strconv.Itoa(i)).Add("region", "a region fault needs the nodes placed: give them region:, or the scenario regions: {default: REGION}")
			}
		}
		for _, n := range t.Nodes {
			if n.Zone != "" {
				e.In("nodes", n.Name).Add("zone", "node %s names a zone but no region: give it region: too", n.Name)
			}
		}
		return
	}
	places := map[string]string{} // node → region
	ok := true
	for _, n := range t.Nodes {
		ne := e.In("nodes", n.Name)
		name := n.Region
		if n.Kind().Global {
			if name != "" || n.Zone != "" {
				ne.Add("region", "a %s is in no region (it answers users wherever they are): leave region and zone out", n.Kind().Noun)
			}
			continue
		}
		if name == "" && r != nil {
			name = r.Default
		}
		region := r.Region(name)
		switch {
		case name == "":
			ne.AddAtKey("", "node %s has no region while others have: give it region:, or the scenario regions: {default: REGION}", n.Name)
			ok = false
		case !r.known(region) && (r.misnamed(name) || n.Region == ""):
			ok = false // reported at the name or the default
		case !r.known(region):
			ne.Add("region", "region %q is not in the catalogue nor in regions.rtt%s", name, yamlfile.DidYouMean(name, r.regionCandidates()))
			ok = false
		}
		places[n.Name] = region
	}
	if !ok {
		return
	}
	// Every pair of regions in use needs a round trip.
	var used []string
	for _, n := range t.Nodes {
		if _, placed := places[n.Name]; placed && !slices.Contains(used, places[n.Name]) {
			used = append(used, places[n.Name])
		}
	}
	for i, a := range used {
		for _, b := range used[i+1:] {
			if _, found := r.rtt(a, b); !found {
				re.Add("", "no round-trip time between %s and %s: the catalogue lacks the pair, give it in regions.rtt: [{between: [%s, %s], rtt: ...}]", a, b, a, b)
				ok = false
			}
		}
	}
	if !ok {
		return
	}
	t.validateRegionFaults(e, places)
	zoneRTT := DefaultZoneRTT
	if r != nil {
		zoneRTT = r.ZoneRTT
	}
	zones := map[string]string{}
	for _, n := range t.Nodes {
		zones[n.Name] = n.Zone
	}
	t.transfer = func(from, to string) TransferKind { return transferBetween(places, zones, r, from, to) }
	t.Distance = func(kind HopKind, from, to string) float64 {
		a, b := partPlace(places, r, from), partPlace(places, r, to)
		if kind == HopClient {
			a = r.Region(from) // a user's region, not a node
		}
		if a != b {
			rtt, _ := r.rtt(a, b)
			return rtt / 2
		}
		if za, zb := zones[from], zones[to]; za != "" && zb != "" && za != zb {
			return zoneRTT / 2
		}
		return 0
	}
}

// transferBetween is how bytes between the nodes (or a database's parts)
// called from and to are billed (see TransferKind), given each node's
// region and zone.
func transferBetween(places, zones map[string]string, r *Regions, from, to string) TransferKind {
	a, b := partPlace(places, r, from), partPlace(places, r, to)
	switch {
	case a == "" || b == "":
		return TransferFree // a node in no region (a dns, a CDN) sends nothing of its own
	case a != b:
		return TransferInterRegion
	case zones[from] != "" && zones[to] != "" && zones[from] != zones[to]:
		return TransferCrossAZ
	}
	return TransferFree
}

// misnamed says name is one of the scenario's names for a region, mapped
// to an unknown region (which is reported where the name is given).
func (r *Regions) misnamed(name string) bool {
	if r == nil {
		return false
	}
	code, ok := r.Names[name]
	return ok && !r.known(code)
}

// validateRegionFaults checks each region fault against the placement
// (node → region) and finds the nodes it strikes: those with workers
// placed in its region. A region fault takes them down, on a schedule.
func (t *Topology) validateRegionFaults(e field.Errors, places map[string]string) {
	for i := range t.Faults {
		f := &t.Faults[i]
		if f.Region == "" {
			continue
		}
		fe := e.In("faults", strconv.Itoa(i))
		region := t.Regions.Region(f.Region)
		f.struck = nil
		for _, n := range t.Nodes {
			if (places[n.Name] == region || hasPartIn(t, n, region)) && n.Kind().Workers {
				f.struck = append(f.struck, n.Name)
			}
		}
		switch {
		case !t.Regions.known(region):
			fe.Add("region", "region %q is not in the catalogue nor in regions.rtt%s", f.Region,
				yamlfile.DidYouMean(f.Region, t.Regions.regionCandidates()))
		case len(f.struck) == 0:
			fe.Add("region", "no node with workers is placed in %s: the fault would strike nothing", f.Region)
		case f.Effect != nil:
			fe.AddAtKey(f.Effect.Kind().Name, "a region fault takes every node there down; it gives no %s (give a fault per node for that)", f.Effect.Kind().Name)
		case f.MTTF > 0 || f.MTTR > 0:
			fe.AddAtKey("", "a region fault is scheduled (at, for, every), not random")
		}
	}
}

// ValidateUserRegions checks the regions the users are in (the
// workload's, by name): each a region the placement knows, with a round
// trip to the entry's region, in a topology that places its nodes. Errors
// name workload.regions.NAME.
func (t *Topology) ValidateUserRegions(names []string) []error {
	if len(names) == 0 {
		return nil
	}
	e := field.New()
	re := e.In("workload", "regions")
	if !t.placed() {
		re.Add("", "users on the map need the nodes placed too: give them region:, or the scenario regions: {default: REGION}")
		return e.List()
	}
	// The regions nodes are in: a user may be sent to any of them (by a
	// DNS), so each needs a round trip from each user region.
	var used []string
	for _, n := range t.Nodes {
		at := n.Region
		if at == "" && t.Regions != nil {
			at = t.Regions.Default
		}
		if at = t.Regions.Region(at); !n.Kind().Global && t.Regions.known(at) && !slices.Contains(used, at) {
			used = append(used, at)
		}
	}
	for _, name := range names {
		region := t.Regions.Region(name)
		if !t.Regions.known(region) {
			re.AddAtKey(name, "region %q is not in the catalogue nor in regions.rtt%s", name,
				yamlfile.DidYouMean(name, t.Regions.regionCandidates()))
			continue
		}
		for _, at := range used {
			if _, ok := t.Regions.rtt(region, at); !ok {
				re.AddAtKey(name, "no round-trip time between the users' region %s and %s, where nodes are: give it in regions.rtt", region, at)
				break
			}
		}
	}
	return e.List()
}

// regionNames are the names the scenario gives regions, sorted.
func regionNames(r *Regions) []string {
	if r == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(r.Names))
}

// regionCandidates are the names a misspelt region may have meant: the
// catalogue's regions and the scenario's names for them.
func (r *Regions) regionCandidates() []string {
	return slices.Concat(catalogueRegions(), regionNames(r))
}
