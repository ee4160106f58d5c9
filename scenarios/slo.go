package scenarios

import (
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Objectives of a part of the requests: slo: {by_class: {write: {p99:
// 300ms}}} for a request class, slo: {by_region: {ap-northeast-1: {p99:
// 250ms}}} for the users of a region (workload.regions). Each part's
// objectives are judged on that part's figures (its latency and error
// rate in the report's classes or regions) as the run's are on the run's.

// sloGroup is a way of dividing the requests that objectives can be set
// for: its field under slo, and the noun naming one part in messages.
type sloGroup struct {
	field, noun, plural string
	// unknown says a part is not the workload's, in messages.
	unknown string
}

var (
	byClass  = sloGroup{"by_class", "class", "classes", "which the workload mix does not have"}
	byRegion = sloGroup{"by_region", "region", "regions", "where the workload places no users"}
)

// decodeGroupSLOs reads slo.by_class or slo.by_region: each part's
// objectives, written as the run's are (without parts of their own).
func decodeGroupSLOs(d *yamlfile.Decoder, n *yaml.Node, g sloGroup) map[string]SLO {
	m, ok := d.Mapping(n, "slo "+g.field)
	if !ok {
		return nil
	}
	out := map[string]SLO{}
	for _, part := range m.Keys() {
		v := m.Get(part)
		slo := decodeObjectives(d, v, "slo "+g.field+" "+part)
		for _, inner := range []sloGroup{byClass, byRegion} {
			if slo.group(inner) != nil {
				d.Errorf(yamlfile.Find(v, inner.field), "slo %s %s: a %s's objectives are its own; %s goes at the top of slo", g.field, part, g.noun, inner.field)
			}
		}
		slo.ByClass, slo.ByRegion = nil, nil
		if slo.DegradedCountsAs != "" {
			d.Errorf(yamlfile.Find(v, "degraded_counts_as"), "slo %s %s: degraded_counts_as goes at the top of slo, for the run's objectives", g.field, part)
			slo.DegradedCountsAs = ""
		}
		out[part] = slo
	}
	return out
}

// group is the objectives of the parts of g.
func (slo SLO) group(g sloGroup) map[string]SLO {
	if g == byRegion {
		return slo.ByRegion
	}
	return slo.ByClass
}

// validateGroup checks the objectives of each part of g (slo.by_class,
// slo.by_region): a part the workload has (names), at least one
// objective, each a bound as the run's are.
func (slo SLO) validateGroup(e field.Errors, g sloGroup, names []string) {
	parts := slo.group(g)
	for _, part := range slices.Sorted(maps.Keys(parts)) {
		own := parts[part]
		if !slices.Contains(names, part) {
			if g == byRegion && len(names) == 0 {
				e.In(g.field).AddAtKey(part, "slo by_region names region %q, but the workload places no users (give workload.regions)", part)
				continue
			}
			e.In(g.field).AddAtKey(part, "slo %s names %s %q, %s (%s: %s)%s",
				g.field, g.noun, part, g.unknown, g.plural, strings.Join(names, ", "), yamlfile.DidYouMean(part, names))
			continue
		}
		ce := e.In(g.field, part)
		if len(own.Latency) == 0 && own.ErrorRate == -1 && len(own.ByClass) == 0 && len(own.ByRegion) == 0 {
			ce.Add("", "slo %s %s sets no objective (a latency statistic such as p99, or error_rate); leave it out", g.field, part)
		}
		for _, k := range SLOStatistics {
			if v, ok := own.Latency[k]; ok && !(v > 0) {
				ce.Add(k, "slo %s of %s %s must be positive", k, g.noun, part)
			}
		}
		if r := own.ErrorRate; r != -1 && !(r >= 0 && r <= 1) {
			ce.Add("error_rate", "slo error_rate of %s %s must be a share between 0 and 1 (or -1 for none), got %g", g.noun, part, r)
		}
		for _, inner := range []sloGroup{byClass, byRegion} {
			if len(own.group(inner)) > 0 {
				ce.AddAtKey(inner.field, "slo %s %s: a %s's objectives are its own; %s goes at the top of slo", g.field, part, g.noun, inner.field)
			}
		}
	}
}

// describeGroups lists the parts' objectives in words, each named by its
// class or region, e.g. "write p99 ≤ 300ms": the classes', then the
// regions', each in the order of their names.
func (slo SLO) describeGroups() []string {
	var out []string
	for _, g := range []sloGroup{byClass, byRegion} {
		parts := slo.group(g)
		for _, part := range slices.Sorted(maps.Keys(parts)) {
			for _, o := range parts[part].Describe() {
				out = append(out, part+" "+o)
			}
		}
	}
	return out
}

// clone is a copy of slo that can be changed without touching it.
func (slo SLO) clone() SLO {
	c := slo
	c.Latency = maps.Clone(slo.Latency)
	cloneParts := func(parts map[string]SLO) map[string]SLO {
		if parts == nil {
			return nil
		}
		out := make(map[string]SLO, len(parts))
		for part, own := range parts {
			out[part] = own.clone()
		}
		return out
	}
	c.ByClass, c.ByRegion = cloneParts(slo.ByClass), cloneParts(slo.ByRegion)
	return c
}
