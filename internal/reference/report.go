package reference

import (
	"cmp"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology"
)

// nodeDetails are the node kinds' own figures the reference documents,
// each written under its key in a node's entry (topology.Detail): those
// of the kinds that give them (Kind.Figures: the database's, with its
// failovers' recovery objectives), in the order of the kinds' names.
func nodeDetails() []topology.Detail {
	var out []topology.Detail
	for _, name := range topology.Kinds() {
		if d := topology.LookupKind(name).Figures; d != nil {
			out = append(out, d)
		}
	}
	return out
}

// nodeReport is the type of a node's entry, beside which its kind's
// figures are written.
var nodeReport = reflect.TypeFor[simulate.NodeReport]()

// module is the module path, which a type's package path starts with.
const module = "github.com/scalesim/scalesim/"

// ReportField is one field of the JSON report, found by reflection over
// the report's types (simulate.Report) and their json tags.
type ReportField struct {
	// Path is where it is: workload.model, nodes[].wait.p99,
	// cost.by_node.*.
	Path string
	// Type is its JSON type: number, integer, string, boolean, array,
	// object; "or null" when it may be null.
	Type string
	// Optional says it is left out when empty (omitempty).
	Optional bool
	// Doc is its meaning: the doc comment of its Go field.
	Doc string
}

// Docs are the doc comments of struct fields, by "pkgpath.Type.Field".
type Docs map[string]string

// ReadDocs reads the doc comments of the fields of the report's types
// from the Go source under root (the module's root folder): the packages
// the types are declared in.
func ReadDocs(root string) (Docs, error) {
	out := Docs{}
	seen := map[string]bool{}
	var read func(t reflect.Type) error
	read = func(t reflect.Type) error {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t.PkgPath()+"."+t.Name()] {
			return nil
		}
		seen[t.PkgPath()+"."+t.Name()] = true
		if err := readPackage(root, t.PkgPath(), out); err != nil {
			return err
		}
		for i := range t.NumField() {
			if err := read(t.Field(i).Type); err != nil {
				return err
			}
		}
		return nil
	}
	for _, d := range nodeDetails() {
		if err := read(reflect.TypeOf(d)); err != nil {
			return nil, err
		}
	}
	return out, read(reflect.TypeFor[simulate.Report]())
}

// readPackage adds the field comments of the package at pkgPath, once.
func readPackage(root, pkgPath string, out Docs) error {
	if _, done := out["package "+pkgPath]; done || !strings.HasPrefix(pkgPath, module) {
		return nil
	}
	out["package "+pkgPath] = ""
	dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkgPath, module)))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reference: reading %s: %w", dir, err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
			if err != nil {
				return fmt.Errorf("reference: %w", err)
			}
			files = append(files, f)
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			group := "" // the last doc comment, which may speak of the fields after it
			for _, fl := range st.Fields.List {
				text := fl.Doc.Text()
				if text != "" {
					group = text
				}
				if text == "" {
					text = fl.Comment.Text()
				}
				for _, name := range fl.Names {
					doc := text
					if doc == "" && mentions(group, name.Name) {
						doc = clause(group, name.Name) // "Errors were failed by a node; CallTimeouts by ..."
					}
					out[pkgPath+"."+ts.Name.Name+"."+name.Name] = oneParagraph(doc)
				}
			}
			return false
		})
	}
	return nil
}

// mentions says whether a doc comment names the field name as a word.
func mentions(comment, name string) bool {
	return slices.Contains(strings.FieldsFunc(comment, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), name)
}

// clause is the clause of a group's comment (its first paragraph, split
// at semicolons) that names the field name, or the whole paragraph.
func clause(comment, name string) string {
	text := oneParagraph(comment)
	for _, c := range strings.Split(text, "; ") {
		if mentions(c, name) {
			return strings.TrimSuffix(c, ".")
		}
	}
	return text
}

// oneParagraph is a doc comment on one line: its first paragraph.
func oneParagraph(text string) string {
	text, _, _ = strings.Cut(strings.TrimSpace(text), "\n\n")
	return strings.Join(strings.Fields(text), " ")
}

// ReportFields lists the fields of the JSON report in the order they are
// written, with their meanings from docs.
func ReportFields(docs Docs) []ReportField {
	var out []ReportField
	walkStruct(reflect.TypeFor[simulate.Report](), "", docs, &out, map[reflect.Type]bool{})
	return out
}

// walkStruct adds the fields of the struct t under prefix.
func walkStruct(t reflect.Type, prefix string, docs Docs, out *[]ReportField, open map[reflect.Type]bool) {
	if open[t] {
		return
	}
	open[t] = true
	defer delete(open, t)
	for _, f := range jsonFields(t) {
		rf := ReportField{Path: prefix + f.name, Optional: f.omitempty, Doc: docs.field(f.owner, f.Name)}
		rf.Type, _ = jsonType(f.Type)
		*out = append(*out, rf)
		walkValue(f.Type, rf.Path, docs, out, open)
	}
	if t == nodeReport {
		for _, d := range nodeDetails() {
			dt := reflect.TypeOf(d).Elem()
			rf := ReportField{Path: prefix + d.JSONKey(), Type: "object", Optional: true,
				Doc: fmt.Sprintf("The figures of a node of kind %s (%s).", d.JSONKey(), dt.Name())}
			*out = append(*out, rf)
			walkStruct(dt, rf.Path+".", docs, out, open)
		}
	}
}

// jsonField is a field of a struct as encoding/json writes it.
type jsonField struct {
	reflect.StructField
	owner     reflect.Type // the struct that declares it (an embedded one's own)
	name      string       // its key
	omitempty bool
}

// jsonFields are the fields encoding/json writes for the struct t, in
// order: the exported ones its tags do not leave out, those of an
// embedded struct (or pointer to one) without a key of its own in its
// place.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() != reflect.Pointer {
				out = append(out, jsonFields(ft)...)
				continue
			}
			embedded := jsonFields(ft.Elem())
			for i := range embedded {
				embedded[i].omitempty = true // a nil pointer's fields are left out
			}
			out = append(out, embedded...)
			continue
		}
		out = append(out, jsonField{StructField: f, owner: t, name: cmp.Or(name, f.Name), omitempty: strings.Contains(opts, "omitempty")})
	}
	return out
}

// walkValue adds the fields inside a value of type t at path.
func walkValue(t reflect.Type, path string, docs Docs, out *[]ReportField, open map[reflect.Type]bool) {
	switch t.Kind() {
	case reflect.Pointer:
		walkValue(t.Elem(), path, docs, out, open)
	case reflect.Slice, reflect.Array:
		walkValue(t.Elem(), path+"[]", docs, out, open)
	case reflect.Map:
		walkValue(t.Elem(), path+".*", docs, out, open)
	case reflect.Struct:
		walkStruct(t, path+".", docs, out, open)
	}
}

// marshalerType is json.Marshaler, which a type writes its JSON by.
var marshalerType = reflect.TypeFor[json.Marshaler]()

// jsonType is the JSON type of a value of Go type t, in words and as a
// schema whose object properties the walk fills in (reportSchema).
func jsonType(t reflect.Type) (string, object) {
	switch t.Kind() {
	case reflect.Pointer:
		s, sch := jsonType(t.Elem())
		return s + " or null", object{"anyOf": []any{sch, object{"type": "null"}}}
	case reflect.Slice:
		s, sch := jsonType(t.Elem())
		if t.Elem().Kind() == reflect.Uint8 {
			return "string", object{"type": "string"}
		}
		return "array of " + s, object{"type": []string{"array", "null"}, "items": sch}
	case reflect.Array:
		s, sch := jsonType(t.Elem())
		return fmt.Sprintf("array of %d %s", t.Len(), s), object{"type": "array", "items": sch, "minItems": t.Len(), "maxItems": t.Len()}
	case reflect.Map:
		s, sch := jsonType(t.Elem())
		return "object of " + s, object{"type": []string{"object", "null"}, "additionalProperties": sch}
	case reflect.Struct:
		return "object", object{"type": "object"}
	case reflect.Bool:
		return "boolean", object{"type": "boolean"}
	case reflect.String:
		return "string", object{"type": "string"}
	case reflect.Float32, reflect.Float64:
		return "number", object{"type": "number"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer", object{"type": "integer"}
	}
	return "any", object{}
}

// ReportSchema is the JSON Schema (draft 2020-12) of the JSON report of
// scalesim run --format json, from the report's types and their json tags,
// with each field's doc comment as its description (docs, from ReadDocs).
// A node's kind writes its own figures under a key of its own (cache,
// database, queue, ...: topology.Detail), which the schema allows as an
// object.
func ReportSchema(docs Docs) ([]byte, error) {
	root := structSchema(reflect.TypeFor[simulate.Report](), docs, map[reflect.Type]bool{})
	root["$schema"] = SchemaDraft
	root["title"] = "scalesim run report"
	root["description"] = "The JSON report of scalesim run --format json. Times are in seconds, rates per second, shares between 0 and 1. Reference: docs/reference.md."
	return marshal(root)
}

// structSchema is the schema of a JSON object written from the struct t.
func structSchema(t reflect.Type, docs Docs, open map[reflect.Type]bool) object {
	props := object{}
	var required []string
	open[t] = true
	defer delete(open, t)
	for _, f := range jsonFields(t) {
		s := valueSchema(f.Type, docs, open)
		if d := docs.field(f.owner, f.Name); d != "" {
			s["description"] = d
		}
		props[f.name] = s
		if !f.omitempty {
			required = append(required, f.name)
		}
	}
	o := object{"type": "object", "properties": props, "additionalProperties": false}
	if t == nodeReport {
		// A kind's own figures, under its key (topology.Detail).
		o["additionalProperties"] = object{"type": "object", "description": "the node kind's own figures (cache, database, queue, ...)"}
		for _, d := range nodeDetails() {
			ds := structSchema(reflect.TypeOf(d).Elem(), docs, open)
			ds["description"] = fmt.Sprintf("The figures of a node of kind %s.", d.JSONKey())
			props[d.JSONKey()] = ds
		}
	}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// valueSchema is the schema of a value of Go type t.
func valueSchema(t reflect.Type, docs Docs, open map[reflect.Type]bool) object {
	switch t.Kind() {
	case reflect.Pointer:
		return object{"anyOf": []any{valueSchema(t.Elem(), docs, open), object{"type": "null"}}}
	case reflect.Slice:
		return object{"type": []string{"array", "null"}, "items": valueSchema(t.Elem(), docs, open)}
	case reflect.Array:
		return object{"type": "array", "items": valueSchema(t.Elem(), docs, open), "minItems": t.Len(), "maxItems": t.Len()}
	case reflect.Map:
		return object{"type": []string{"object", "null"}, "additionalProperties": valueSchema(t.Elem(), docs, open)}
	case reflect.Struct:
		if open[t] {
			return object{"type": "object"}
		}
		if t.Implements(marshalerType) && t != reflect.TypeFor[simulate.NodeReport]() {
			return object{}
		}
		return structSchema(t, docs, open)
	}
	_, s := jsonType(t)
	return s
}
