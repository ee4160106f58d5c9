package reference

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology"
)

// SchemaDraft is the JSON Schema dialect of the schemas written here.
const SchemaDraft = "https://json-schema.org/draft/2020-12/schema"

// Patterns of the strings the loader reads as numbers (units.ParseCount,
// ParseDuration, ParseFraction, ParseBytes, ParsePeriod, and the
// autoscaler's percentages): a decimal number as strconv.ParseFloat reads
// it, with the unit or suffix each allows. They accept what the loader
// accepts; a value out of range (a negative duration) is the loader's to
// refuse with its position.
const (
	decimal         = `(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?`
	countPattern    = `^\s*[+-]?` + decimal + `[kKMBG]?\s*$`
	durationUnits   = `(?:ns|us|µs|ms|s|m|h|d)`
	durationPattern = `^\s*(?:0|\+?` + decimal + durationUnits + `)\s*$`
	sharePattern    = `^\s*[+-]?` + decimal + `\s*%?\s*$`
	sizePattern     = `^\s*\+?` + decimal + `\s*(?:KiB|MiB|GiB|TiB|KB|MB|GB|TB|B)?\s*$`
	byteRatePattern = `^\s*\+?` + decimal + `\s*(?:KiB|MiB|GiB|TiB|KB|MB|GB|TB|B)?\s*(?:/s)?\s*$`
	periodPattern   = `^\s*\+?` + decimal + `(?:mo|y|w|ns|us|µs|ms|s|m|h|d)\s*$`
)

// scalarTypes are the JSON types of a name or a text: the loader reads
// any scalar as one (yamlfile.Decoder.String), so name: 2024 is the name
// "2024".
var scalarTypes = []string{"string", "number", "boolean"}

// object is a JSON object of a schema.
type object = map[string]any

// schemaWriter builds a schema, gathering the shared definitions ($defs)
// its params name.
type schemaWriter struct {
	defs map[string]any
}

// ScenarioSchema is the JSON Schema (draft 2020-12) of a scenario file,
// generated from the same tables the loader's fields are checked against:
// the sections (scenarios.Sections), the workload's fields and each
// registered node kind's (topology.KindParams). Editors that read JSON
// Schema (the YAML language server) complete fields, show their meaning
// and flag unknown fields and values of the wrong type with it.
func ScenarioSchema() ([]byte, error) {
	w := &schemaWriter{defs: map[string]any{}}
	root := w.object(scenarios.Sections())
	root["$schema"] = SchemaDraft
	root["title"] = "scalesim scenario"
	root["description"] = "A scalesim scenario file: a workload, the nodes of an architecture, objectives and run settings. Reference: docs/reference.md."
	w.nodeDefs()
	w.scalarDefs()
	root["$defs"] = w.defs
	return marshal(root)
}

// marshal writes a schema as indented JSON with a final newline, without
// escaping <, > and &.
func marshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	return []byte(b.String()), nil
}

// object is the schema of a mapping of the fields ps, which refuses
// other fields as the loader does.
func (w *schemaWriter) object(ps []params.Param) object {
	props := object{}
	var required []string
	for _, p := range ps {
		props[p.Name] = w.param(p)
		if p.Required {
			required = append(required, p.Name)
		}
	}
	o := object{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// param is the schema of one param's value, with its meaning and default
// for editors' hover.
func (w *schemaWriter) param(p params.Param) object {
	if p.Def != "" {
		if _, done := w.defs[p.Def]; !done && p.Def != scenarios.NodeDef {
			w.defs[p.Def] = object{} // a placeholder: the definition may hold itself
			q := p
			q.Def = ""
			w.defs[p.Def] = w.param(q)
		}
		return object{"$ref": "#/$defs/" + p.Def}
	}
	s := w.form(p)
	if len(p.Or) > 0 {
		forms := []any{s}
		for _, o := range p.Or {
			forms = append(forms, w.form(o))
		}
		s = object{"anyOf": forms}
	}
	if ref, only := s["$ref"]; only && len(s) == 1 && (p.Doc != "" || p.Default != "") {
		// Draft-07 readers (the YAML language server) ignore what stands
		// beside a $ref: the meaning goes on a schema of its own.
		s = object{"allOf": []any{object{"$ref": ref}}}
	}
	if d := describe(p); d != "" {
		s["description"] = d
	}
	if p.Default != "" {
		s["default"] = defaultValue(p)
	}
	return s
}

// describe is a param's meaning with its unit and default, for hover.
func describe(p params.Param) string {
	d := p.Doc
	if p.Unit != "" {
		d += " [" + p.Unit + "]"
	}
	if p.Default != "" {
		d += " (default: " + p.Default + ")"
	}
	return d
}

// defaultValue is a default as the schema's default keyword gives it: a
// number or true/false when it is one, else the text.
func defaultValue(p params.Param) any {
	var v any
	if err := json.Unmarshal([]byte(p.Default), &v); err == nil {
		switch v.(type) {
		case float64, bool:
			return v
		}
	}
	return p.Default
}

// form is the schema of a value of p's type, without its meaning.
func (w *schemaWriter) form(p params.Param) object {
	switch p.Type {
	case params.Text:
		return object{"type": scalarTypes}
	case params.Name, params.Node:
		return object{"type": scalarTypes, "minLength": 1}
	case params.Nodes, params.Names:
		return object{"$ref": "#/$defs/names"}
	case params.Bool:
		return object{"type": "boolean"}
	case params.Enum:
		return object{"enum": p.Values}
	case params.Object:
		return w.object(p.Fields)
	case params.List:
		return object{"type": "array", "items": w.param(*p.Elem)}
	case params.Map:
		return object{"type": "object", "additionalProperties": w.param(*p.Elem)}
	case params.Any:
		return object{}
	}
	// The scalars with a grammar of their own.
	return object{"$ref": "#/$defs/" + defName(p.Type)}
}

// defName is the name of the shared definition of a scalar type.
func defName(t params.Type) string { return strings.ReplaceAll(string(t), " ", "_") }

// scalarDefs adds the definitions of the scalar types.
func (w *schemaWriter) scalarDefs() {
	str := func(pattern, doc string) object {
		return object{"type": "string", "pattern": pattern, "description": doc}
	}
	name := object{"type": scalarTypes, "minLength": 1}
	w.defs["names"] = object{"description": "a name or a non-empty list of names",
		"anyOf": []any{name, object{"type": "array", "minItems": 1, "items": name}}}
	w.defs[defName(params.Int)] = object{"description": "a whole number, which may carry k, M or B: 5k",
		"anyOf": []any{object{"type": "integer"}, str(countPattern, "a whole number such as 5k")}}
	w.defs[defName(params.Number)] = object{"description": "a number, which may carry k, M or B: 1500, 1.5k, 5M, 2B, 1e6",
		"anyOf": []any{object{"type": "number"}, str(countPattern, "a number such as 1.5k")}}
	w.defs[defName(params.Duration)] = object{"description": "a number and a unit: 250us, 20ms, 1.5s, 2m, 1h, 1d (a bare 0 is allowed)",
		"anyOf": []any{object{"const": 0}, str(durationPattern, "a duration such as 20ms")}}
	w.defs[defName(params.Share)] = object{"description": "a share between 0 and 1: 0.001 or 0.1%",
		"anyOf": []any{object{"type": "number", "minimum": 0, "maximum": 1}, str(sharePattern, "a share such as 0.1%")}}
	w.defs[defName(params.Percent)] = object{"description": "a percentage such as 60% or 200%, or a plain number",
		"anyOf": []any{object{"type": "number", "minimum": 0}, str(sharePattern, "a percentage such as 60%")}}
	w.defs[defName(params.Size)] = object{"description": "a size: 512B, 2KB, 1.5GB, 64GiB, or a bare number of bytes",
		"anyOf": []any{object{"type": "number", "minimum": 0}, str(sizePattern, "a size such as 2KB")}}
	w.defs[defName(params.ByteRate)] = object{"description": "a size a second: 125MiB/s, or a size without /s, or a bare number of bytes a second",
		"anyOf": []any{object{"type": "number", "minimum": 0}, str(byteRatePattern, "a size a second such as 125MiB/s")}}
	w.defs[defName(params.Period)] = str(periodPattern, "a calendar period: 18mo, 2y, 26w, 90d, or any duration")
	w.defs[defName(params.Dist)] = w.dist(params.Duration, "a distribution of durations: {dist: NAME, ...} or a bare duration for a constant")
	w.defs[defName(params.CountDist)] = w.dist(params.Number, "a distribution of numbers: {dist: NAME, ...} or a bare number for a constant")
}

// dist is the schema of a distribution whose values are of type value:
// a bare value, or {dist: NAME, ...} with NAME's parameters alone.
func (w *schemaWriter) dist(value params.Type, doc string) object {
	names := yamlfile.DistNames()
	var rules []any
	for _, name := range names {
		props := object{"dist": object{"const": name}}
		for _, p := range yamlfile.DistParams(name) {
			switch {
			case p == "quantiles":
				props[p] = object{"type": "object", "description": "quantile (0 to 1) to value, with 0 and 1",
					"propertyNames": object{"pattern": `^` + decimal + `$`}, "additionalProperties": object{"$ref": "#/$defs/" + defName(value)}}
			case slices.Contains(yamlfile.DistPlainParams, p):
				props[p] = object{"$ref": "#/$defs/" + defName(params.Number)}
			default:
				props[p] = object{"$ref": "#/$defs/" + defName(value)}
			}
		}
		rules = append(rules, object{
			"if":   object{"properties": object{"dist": object{"const": name}}, "required": []string{"dist"}},
			"then": object{"properties": props, "additionalProperties": false},
		})
	}
	mapping := object{"type": "object", "required": []string{"dist"},
		"properties": object{"dist": object{"enum": names, "description": "the distribution"}}, "allOf": rules}
	return object{"description": doc, "anyOf": []any{object{"$ref": "#/$defs/" + defName(value)}, mapping}}
}

// nodeDefs adds the definition of a node: its kind, then the fields of
// that kind, each kind a definition of its own.
func (w *schemaWriter) nodeDefs() {
	kinds := topology.Kinds()
	var rules []any
	for _, name := range kinds {
		k := topology.LookupKind(name)
		def := "kind." + name
		s := w.object(topology.KindParams(k))
		s["description"] = "a node of kind " + name + " (" + k.Noun + ")"
		w.defs[def] = s
		rules = append(rules, object{
			"if":   object{"properties": object{"kind": object{"const": name}}, "required": []string{"kind"}},
			"then": object{"$ref": "#/$defs/" + def},
		})
	}
	w.defs[scenarios.NodeDef] = object{
		"type": "object", "description": "a node: its kind, and that kind's fields",
		"required":   []string{"kind"},
		"properties": object{"kind": object{"enum": kinds, "description": "the node's kind"}},
		"allOf":      rules,
	}
}
