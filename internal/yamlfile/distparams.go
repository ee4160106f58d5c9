package yamlfile

import "slices"

// DistParams lists the parameters of the distribution called name, as a
// file writes them ({dist: name, PARAM: value}), or nil for an unknown
// name.
func DistParams(name string) []string { return slices.Clone(distKinds[name].params) }

// DistPlainParams are the parameters of a distribution that are plain
// numbers whatever the distribution's unit (a shape, not a value).
var DistPlainParams = []string{"alpha", "cv"}
