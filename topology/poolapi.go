package topology

import (
	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
)

// For a kind whose nodes are a Pool (a service: see
// ARCHITECTURE.md, "How to add a node kind"): decoding and checking the
// pool's fields, and their rows in the kind's params table (besides
// WorkersField, QueueField, CheckQueue, WorkersParam and QueueParam, which
// other kinds' stations share). The pool's runtime is engine.NewPool's.

// AtLeast records an error at the field key if v, its value, is below
// minimum.
func AtLeast(e field.Errors, key, what string, v, minimum int) { atLeast(e, key, what, v, minimum) }

// DecodeClassTimes reads service times that may differ by request class: a
// distribution, or {default: DIST, by_class: {CLASS: DIST}}; def is nil
// when only classes are given.
func DecodeClassTimes(d *yamlfile.Decoder, n *yaml.Node, what string) (def sim.Dist, by map[string]sim.Dist) {
	return decodeClassTimes(d, n, what)
}

// ValidateClassTimes checks service times by class (DecodeClassTimes) at
// the field key: each class named is the workload's, and every class has a
// time, its own or the default.
func ValidateClassTimes(e field.Errors, c *Checker, key, what string, def sim.Dist, by map[string]sim.Dist) {
	validateClassTimes(e, c, key, what, def, by)
}

// DecodeSizes reads the sizes of a node's requests and replies, by class:
// size: {request: 2KB, reply: 40KB, by_class: {CLASS: {...}}}.
func DecodeSizes(d *yamlfile.Decoder, n *yaml.Node, what string) Sizes {
	return decodeSizes(d, n, what)
}

// Validate records what is wrong with the sizes, at the field size.
func (s Sizes) Validate(e field.Errors, c *Checker, what string) { s.validate(e, c, what) }

// DecodeSessions reads sessions: local, or sessions: {store: NAME}.
func DecodeSessions(d *yamlfile.Decoder, n *yaml.Node, what string) Sessions {
	return decodeSessions(d, n, what)
}

// Validate records what is wrong with where the sessions are kept: a
// store that keeps none.
func (s Sessions) Validate(e field.Errors, c *Checker) { s.validate(e, c) }

// Validate records what is wrong with the shedding (max_concurrency,
// shed_after).
func (s Shedding) Validate(e field.Errors, what string) { s.validate(e, what) }

// Rows of a pool's params table: InstancesParam its instances, SizesParam
// its requests' and replies' sizes by class.
var (
	InstancesParam = instancesParam
	SizesParam     = sizesParam
)

// ClassTimesParam is the row of service times that may differ by class
// (DecodeClassTimes), with its meaning and default.
func ClassTimesParam(doc, def string) params.Param { return classTimesParam(doc, def) }
