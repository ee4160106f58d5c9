package scenarios

import (
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Objectives by request class: slo: {by_class: {write: {p99: 300ms}}}.
// Each class's objectives are judged on that class's figures (its latency
// and error rate in the report's classes) as the run's are on the run's.

// decodeClassSLOs reads slo.by_class: each class's objectives, written as
// the run's are (without a by_class of their own).
func decodeClassSLOs(d *yamlfile.Decoder, n *yaml.Node) map[string]SLO {
	m, ok := d.Mapping(n, "slo by_class")
	if !ok {
		return nil
	}
	out := map[string]SLO{}
	for _, class := range m.Keys() {
		v := m.Get(class)
		slo := decodeObjectives(d, v, "slo by_class "+class)
		if slo.ByClass != nil {
			d.Errorf(yamlfile.Find(v, "by_class"), "slo by_class %s: a class's objectives are its own; by_class goes at the top of slo", class)
			slo.ByClass = nil
		}
		if slo.DegradedCountsAs != "" {
			d.Errorf(yamlfile.Find(v, "degraded_counts_as"), "slo by_class %s: degraded_counts_as goes at the top of slo, for the run's objectives", class)
			slo.DegradedCountsAs = ""
		}
		out[class] = slo
	}
	return out
}

// validateClasses checks the objectives of each class (slo.by_class): a
// class of the workload (classes), at least one objective, each a bound
// as the run's are.
func (slo SLO) validateClasses(e field.Errors, classes []string) {
	for _, class := range slices.Sorted(maps.Keys(slo.ByClass)) {
		own := slo.ByClass[class]
		if !slices.Contains(classes, class) {
			e.In("by_class").AddAtKey(class, "slo by_class names class %q, which the workload mix does not have (classes: %s)%s",
				class, strings.Join(classes, ", "), yamlfile.DidYouMean(class, classes))
			continue
		}
		ce := e.In("by_class", class)
		if len(own.Latency) == 0 && own.ErrorRate == -1 && len(own.ByClass) == 0 {
			ce.Add("", "slo by_class %s sets no objective (a latency statistic such as p99, or error_rate); leave it out", class)
		}
		for _, k := range SLOStatistics {
			if v, ok := own.Latency[k]; ok && !(v > 0) {
				ce.Add(k, "slo %s of class %s must be positive", k, class)
			}
		}
		if r := own.ErrorRate; r != -1 && !(r >= 0 && r <= 1) {
			ce.Add("error_rate", "slo error_rate of class %s must be a share between 0 and 1 (or -1 for none), got %g", class, r)
		}
		if len(own.ByClass) > 0 {
			ce.AddAtKey("by_class", "slo by_class %s: a class's objectives are its own; by_class goes at the top of slo", class)
		}
	}
}

// describeClasses lists the classes' objectives in words, each named by
// its class, e.g. "write p99 ≤ 300ms", classes in the order of their
// names.
func (slo SLO) describeClasses() []string {
	var out []string
	for _, class := range slices.Sorted(maps.Keys(slo.ByClass)) {
		for _, o := range slo.ByClass[class].Describe() {
			out = append(out, class+" "+o)
		}
	}
	return out
}

// clone is a copy of slo that can be changed without touching it.
func (slo SLO) clone() SLO {
	c := slo
	c.Latency = maps.Clone(slo.Latency)
	if slo.ByClass != nil {
		c.ByClass = make(map[string]SLO, len(slo.ByClass))
		for class, own := range slo.ByClass {
			c.ByClass[class] = own.clone()
		}
	}
	return c
}
