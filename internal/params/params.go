// Package params describes the fields of a scenario file: for each field its
// name, how its value is written (its type), its default, its unit and what
// it means. The node kinds (topology), the workload (workloads) and the
// scenario's sections (scenarios) keep their tables beside their decoders;
// the reference page, the JSON Schema and shell completion are generated
// from them (internal/reference).
package params

import "slices"

// Type is how a field's value is written in a scenario file.
type Type string

// The types of fields. Numbers, durations, shares and sizes may be written
// as YAML numbers or as strings with their unit, as the loader reads them
// (units.ParseCount, units.ParseDuration, units.ParseFraction,
// units.ParseBytes).
const (
	// Text is printable text.
	Text Type = "text"
	// Name is a non-empty name.
	Name Type = "name"
	// Node is the name of a node of the scenario.
	Node Type = "node"
	// Nodes is a node name or a non-empty list of node names.
	Nodes Type = "nodes"
	// Names is a name or a non-empty list of names (request classes,
	// regions, causes).
	Names Type = "names"
	// Bool is true or false.
	Bool Type = "boolean"
	// Int is a whole number, which may carry k, M or B (5k).
	Int Type = "integer"
	// Number is a number, which may carry k, M or B (1.5k, 2M).
	Number Type = "number"
	// Duration is a number and a unit: 250us, 20ms, 1.5s, 2m, 1h, 1d; a
	// bare 0 is allowed.
	Duration Type = "duration"
	// Period is a calendar period: 18mo, 2y, 26w, 90d, or any duration.
	Period Type = "period"
	// Dist is a distribution of durations: {dist: NAME, ...} or a bare
	// duration for a constant.
	Dist Type = "distribution"
	// CountDist is a distribution of plain numbers: {dist: NAME, ...} or a
	// bare number for a constant.
	CountDist Type = "distribution of numbers"
	// Share is a share between 0 and 1: 0.001 or 0.1%.
	Share Type = "share"
	// Percent is a percentage such as 60% or 200%, or a plain number
	// (0.6 is 60%).
	Percent Type = "percentage"
	// Size is a size in bytes: 512B, 2KB, 1.5GB, 64GiB, or a bare number
	// of bytes.
	Size Type = "size"
	// ByteRate is a size a second: 125MiB/s, or a size without "/s".
	ByteRate Type = "size a second"
	// Enum is one of the names in Values.
	Enum Type = "enum"
	// Object is a mapping of the fields in Fields.
	Object Type = "object"
	// List is a list of Elem.
	List Type = "list"
	// Map is a mapping of names (nodes, classes, regions) to Elem.
	Map Type = "map"
	// Any is a value whose form the loader checks alone (Doc says where
	// it is described).
	Any Type = "any"
)

// Param is one field of a mapping in a scenario file.
type Param struct {
	// Name is the field's key.
	Name string
	// Type is how its value is written.
	Type Type
	// Values are the names an Enum takes.
	Values []string
	// Default is its value when the field is left out, as a file would
	// write it ("" when there is none to state: the field is required, or
	// leaving it out means without).
	Default string
	// Unit is the unit of its value, for numbers that carry none in the
	// file (requests/s, keys, instances).
	Unit string
	// Doc is its meaning in one line.
	Doc string
	// Required says the mapping needs it.
	Required bool
	// Fields are the fields of an Object.
	Fields []Param
	// Elem is what a List holds or a Map maps to.
	Elem *Param
	// Def, when set, names a shared definition the param is (a call,
	// whose fields hold calls): generators write it once and refer to it.
	Def string
	// Or are other ways the same field may be written (a distribution or
	// a mapping by request class, say).
	Or []Param
}

// NamesOf lists the names of params, in order.
func NamesOf(ps []Param) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// Find returns the param called name in ps, or nil.
func Find(ps []Param, name string) *Param {
	i := slices.IndexFunc(ps, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return nil
	}
	return &ps[i]
}

// Of is a param of type t, for a list's or a map's elements.
func Of(t Type, doc string) *Param { return &Param{Type: t, Doc: doc} }

// Obj is an Object param with the fields fs, for a list's or a map's
// elements.
func Obj(doc string, fs ...Param) *Param { return &Param{Type: Object, Doc: doc, Fields: fs} }
