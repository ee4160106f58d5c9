package reference

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/reference.md and the schemas from the code")

// root is the module's root folder, from this package's.
const root = "../.."

// TestGenerated checks that the checked-in reference page and schemas are
// what the code generates, byte for byte: a field added to a kind, the
// workload, a section or the report without regenerating them (with
// -update) fails here.
func TestGenerated(t *testing.T) {
	docs, err := ReadDocs(root)
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := Markdown(&md, docs); err != nil {
		t.Fatal(err)
	}
	scenario, err := ScenarioSchema()
	if err != nil {
		t.Fatal(err)
	}
	report, err := ReportSchema(docs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file string
		want []byte
	}{
		{"docs/reference.md", md.Bytes()},
		{ScenarioSchemaFile, scenario},
		{ReportSchemaFile, report},
	} {
		path := filepath.Join(root, filepath.FromSlash(c.file))
		if *update {
			if err := os.WriteFile(path, c.want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./internal/reference -update writes it)", err)
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s differs from what the code generates: go test ./internal/reference -update rewrites it", c.file)
		}
	}
}

// TestReportDocs checks that every field of the JSON report has a
// meaning: a doc comment on its Go field.
func TestReportDocs(t *testing.T) {
	docs, err := ReadDocs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ReportFields(docs) {
		if f.Doc == "" {
			t.Errorf("report field %s has no doc comment on its Go field", f.Path)
		}
	}
	for key := range fieldDocs {
		pkg, rest, _ := strings.Cut(key, ".")
		if own := docs[module+pkgDirs[pkg]+"."+rest]; own != "" {
			t.Errorf("fieldDocs[%q] is not needed: the field has a doc comment (%q)", key, own)
		}
		if _, known := docs[module+pkgDirs[pkg]+"."+rest]; !known {
			t.Errorf("fieldDocs[%q] names no field of the report's types", key)
		}
	}
}

// pkgDirs are the module paths of the packages fieldDocs names.
var pkgDirs = map[string]string{"simulate": "scenarios/simulate", "topology": "topology", "engine": "topology/engine", "database": "topology/database"}
