// Package yamlfile decodes YAML documents strictly, keeping positions, for
// the scenario file format.
//
// Decoding walks yaml.Node trees by hand rather than through struct tags, so
// that every unknown key, wrong type or bad value is reported as
// FILE:LINE:COL with a "did you mean" for near-miss names, and so that all the
// errors of a file are collected at once instead of stopping at the first.
package yamlfile
