package reference

import (
	"fmt"
	"io"
	"strings"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology"
)

// Markdown writes the reference page (docs/reference.md): the value
// types, the scenario's sections with their fields, the fields every node
// takes, each node kind's fields, a call's fields, and the JSON report's
// fields with their meanings (docs, from ReadDocs).
func Markdown(w io.Writer, docs Docs) error {
	b := &strings.Builder{}
	b.WriteString(`# Reference

[Back to the README](../README.md) · [the scenario file](scenario-file.md) · [outputs](outputs.md)

Generated from the code (the tables the loader checks a file against, and the report's types) by
` + "`go test ./internal/reference -update`" + `; a test fails when this page differs from what the code generates, so
it cannot drift: edit the tables (` + "`topology/*_params.go`, `workloads/params.go`, `scenarios/params.go`" + `), not this page.
The same tables make the JSON Schema of a scenario file, [scenario.schema.json](scenario.schema.json) (also
printed by ` + "`scalesim schema`" + `), and the report's fields make [report.schema.json](report.schema.json).

A field written ` + "`a.b`" + ` is ` + "`b`" + ` inside ` + "`a`" + `; ` + "`a[].b`" + ` is ` + "`b`" + ` in each entry of the list ` + "`a`" + `;
` + "`a.*.b`" + ` is ` + "`b`" + ` in each value of the mapping ` + "`a`" + ` (keyed by a name of your choosing: a node, a class, a region).

## Values

| type | written as |
| --- | --- |
| duration | a number and a unit: ` + "`250us`, `20ms`, `1.5s`, `2m`, `1h`, `1d`" + ` (a bare ` + "`0`" + ` is allowed) |
| number | a number, which may carry ` + "`k`, `M` or `B`: `1500`, `1.5k`, `5M`, `2B`, `1e6`" + ` |
| integer | a whole number, which may carry ` + "`k`, `M` or `B`" + ` |
| share | between 0 and 1: ` + "`0.001` or `0.1%`" + ` |
| percentage | ` + "`60%`, `200%`" + `, or a plain number (` + "`0.6`" + ` is 60%) |
| size | ` + "`512B`, `2KB`, `1.5GB`, `64GiB`" + `, or a bare number of bytes (KB = 1000 B, KiB = 1024 B) |
| size a second | ` + "`125MiB/s`" + `, or a size without ` + "`/s`" + ` |
| period | ` + "`18mo`, `2y`, `26w`, `90d`" + `, or any duration |
| distribution | ` + "`{dist: NAME, ...}`" + ` or a bare duration for a constant (the distributions: [scenario-file.md](scenario-file.md)) |
| distribution of numbers | the same with plain numbers: ` + "`{dist: pareto, min: 1, max: 100k, alpha: 1.2}`" + ` |
| name, node | a name; a node's name |
| names, nodes | a name, or a list of names: ` + "`app` or `[app, app_v2]`" + ` |

`)
	b.WriteString("## The scenario file's sections\n\n")
	var nested []params.Param
	table(b, "", scenarios.Sections(), func(p params.Param) bool {
		if p.Type == params.Object && len(p.Fields) > 0 {
			nested = append(nested, p)
			return false
		}
		return true
	})
	for _, p := range nested {
		fmt.Fprintf(b, "\n### %s\n\n%s.\n\n", p.Name, capital(p.Doc))
		table(b, p.Name+".", p.Fields, nil)
	}
	b.WriteString("\n## Node kinds\n\nEvery node takes these fields besides its kind's own:\n\n")
	table(b, "", topology.CommonParams, nil)
	for _, name := range topology.Kinds() {
		k := topology.LookupKind(name)
		fmt.Fprintf(b, "\n### %s\n\n`kind: %s`, a %s.\n\n", name, name, k.Noun)
		table(b, "", k.Params, nil)
	}
	b.WriteString("\n## Calls\n\nA call of a service or a worker group (`calls`, `on_miss`, `write`, `parallel.calls`): `{to: NODE, ...}`, or the bare node name.\n\n")
	table(b, "", topology.CallParams, nil)
	b.WriteString("\n## The JSON report\n\nThe fields of `scalesim run --format json`, from the report's types. Times are in seconds, rates per second,\n" +
		"shares between 0 and 1. A field marked *optional* is left out when empty; a node's kind adds its own figures under a\n" +
		"key of its own (`cache`, `database`, `queue`, ...). The JSON Schema: [report.schema.json](report.schema.json).\n\n")
	b.WriteString("| field | type | meaning |\n| --- | --- | --- |\n")
	for _, f := range ReportFields(docs) {
		t := f.Type
		if f.Optional {
			t += ", optional"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", f.Path, t, cell(f.Doc))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// table writes the rows of ps and of their nested fields under prefix;
// keep, when not nil, says which params get rows of their own fields
// here (the others are written apart).
func table(b *strings.Builder, prefix string, ps []params.Param, keep func(params.Param) bool) {
	b.WriteString("| field | type | default | unit | meaning |\n| --- | --- | --- | --- | --- |\n")
	rows(b, prefix, ps, keep)
}

// rows writes one row for each param and its nested fields.
func rows(b *strings.Builder, prefix string, ps []params.Param, keep func(params.Param) bool) {
	for _, p := range ps {
		doc := p.Doc
		if p.Required {
			doc = "**required**: " + doc
		}
		fmt.Fprintf(b, "| `%s%s` | %s | %s | %s | %s |\n", prefix, p.Name, typeText(p), cell(p.Default), p.Unit, cell(doc))
		if keep != nil && !keep(p) {
			continue
		}
		for _, sub := range subFields(p) {
			rows(b, prefix+p.Name+sub.path, sub.fields, nil)
		}
	}
}

// nest is fields nested in a param, under a path.
type nest struct {
	path   string
	fields []params.Param
}

// subFields are the fields inside p's value (or its other forms): an
// object's, a list's entries', a map's values'. A shared definition (a
// call) is described once, apart.
func subFields(p params.Param) []nest {
	var out []nest
	forms := append([]params.Param{p}, p.Or...)
	for _, f := range forms {
		switch {
		case f.Def != "":
		case f.Type == params.Object && len(f.Fields) > 0:
			out = append(out, nest{".", f.Fields})
		case f.Type == params.List && f.Elem.Def == "" && len(f.Elem.Fields) > 0:
			out = append(out, nest{"[].", f.Elem.Fields})
		case f.Type == params.Map && f.Elem.Def == "" && len(f.Elem.Fields) > 0:
			out = append(out, nest{".*.", f.Elem.Fields})
		}
	}
	return out
}

// typeText is how a param's value is written, in words.
func typeText(p params.Param) string {
	t := formText(p)
	for _, o := range p.Or {
		t += ", or " + formText(o)
	}
	return t
}

// formText is one form of a param's value in words.
func formText(p params.Param) string {
	switch {
	case p.Def == scenarios.NodeDef:
		return "node (by kind, below)"
	case p.Def != "":
		return p.Def + " (see " + capital(p.Def) + "s)"
	}
	switch p.Type {
	case params.Enum:
		if len(p.Values) == 0 {
			return "name"
		}
		return "one of `" + strings.Join(p.Values, "`, `") + "`"
	case params.List:
		return "list of " + elemText(*p.Elem)
	case params.Map:
		return "mapping of names to " + elemText(*p.Elem)
	}
	return string(p.Type)
}

// elemText is a list's or a map's element in words.
func elemText(p params.Param) string {
	if p.Type == params.Object && p.Def == "" {
		return "objects"
	}
	return formText(p)
}

// cell makes text safe in a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// capital starts s with a capital letter.
func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
