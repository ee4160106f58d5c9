package reference

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// compile compiles the checked-in schema at file with a real JSON Schema
// validator (github.com/santhosh-tekuri/jsonschema, draft 2020-12).
func compile(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	return compileBytes(t, file, data)
}

// compileBytes compiles the schema data, called file.
func compileBytes(t *testing.T, file string, data []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(file, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(file)
	if err != nil {
		t.Fatalf("%s does not compile: %v", file, err)
	}
	return s
}

// instance is a YAML document as the JSON value an editor's YAML language
// server checks against a schema: mappings as objects (keys as text),
// sequences as arrays, scalars by their resolved YAML tag.
func instance(t *testing.T, data []byte) any {
	t.Helper()
	v, err := yamlInstance(data)
	if err != nil {
		t.Fatalf("YAML: %v", err)
	}
	return v
}

// yamlInstance is instance, with the YAML parser's error.
func yamlInstance(data []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	return jsonValue(&doc), nil
}

// jsonValue converts one YAML node.
func jsonValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return jsonValue(n.Content[0])
	case yaml.AliasNode:
		return jsonValue(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = jsonValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		a := []any{}
		for _, c := range n.Content {
			a = append(a, jsonValue(c))
		}
		return a
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	return n.Value
}

// scenarioFiles are the scenario files of the repository: the built-ins
// and the test data, by name.
func scenarioFiles(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range scenarios.Builtins() {
		data, err := scenarios.BuiltinSource(name)
		if err != nil {
			t.Fatal(err)
		}
		out["builtin:"+name] = data
	}
	for _, dir := range []string{"examples", "scenarios/testdata"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(path) != ".yaml" {
				return err
			}
			data, err := os.ReadFile(path)
			out[path] = data
			return err
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	return out
}

// TestSchemaAcceptsScenarios checks every built-in and every scenario file
// of the repository against the checked-in schema: each file the loader
// accepts validates, and each it refuses for an unknown field is refused
// by the schema too.
func TestSchemaAcceptsScenarios(t *testing.T) {
	s := compile(t, ScenarioSchemaFile)
	accepted, refused := 0, 0
	for name, data := range scenarioFiles(t) {
		_, loadErr := scenarios.ParseIn(name, filepath.Dir(name), data, scenarios.Options{AllowOutside: true})
		v, err := yamlInstance(data)
		if err != nil {
			if loadErr == nil {
				t.Errorf("%s: the loader accepts it, the YAML parser refuses it: %v", name, err)
			}
			continue // not YAML: no editor checks it against a schema
		}
		err = s.Validate(v)
		switch {
		case loadErr == nil && err != nil:
			t.Errorf("%s: the loader accepts it, the schema refuses it: %v", name, err)
		case loadErr == nil:
			accepted++
		case strings.Contains(loadErr.Error(), "unknown field") && err == nil:
			t.Errorf("%s: the loader refuses an unknown field (%v), the schema accepts it", name, loadErr)
		case strings.Contains(loadErr.Error(), "unknown field"):
			refused++
		}
	}
	if accepted < len(scenarios.Builtins()) {
		t.Errorf("%d files accepted by the loader, fewer than the built-ins", accepted)
	}
	t.Logf("%d files accepted by the loader and the schema; %d refused by both for an unknown field", accepted, refused)
}

// base is a small valid scenario the refusal cases change.
const base = `name: t
workload: {rate: 100}
entry: lb
nodes:
  lb: {kind: load_balancer, targets: app}
  app:
    kind: service
    instances: 2
    service_time: {dist: exponential, mean: 10ms}
    calls: [{to: db, timeout: 1s}]
    autoscale: {min: 2, max: 4, target: 60%}
  db: {kind: database, service_time: 2ms}
slo: {p99: 200ms}
run: {duration: 10s}
`

// TestSchemaRefuses checks that a file with an unknown field or a value
// of the wrong type is refused by both the loader and the schema.
func TestSchemaRefuses(t *testing.T) {
	s := compile(t, ScenarioSchemaFile)
	if _, err := scenarios.Parse("base.yaml", []byte(base)); err != nil {
		t.Fatalf("the base scenario: %v", err)
	}
	if err := s.Validate(instance(t, []byte(base))); err != nil {
		t.Fatalf("the base scenario: %v", err)
	}
	for _, c := range []struct{ name, old, new string }{
		{"unknown top-level field", "run: {", "runs: {"},
		{"unknown node field", "instances: 2", "instance_count: 2"},
		{"unknown workload field", "{rate: 100}", "{rate: 100, burst: 5}"},
		{"unknown call field", "timeout: 1s", "time_out: 1s"},
		{"unknown autoscale field", "target: 60%", "target: 60%, step: 1"},
		{"unknown kind", "kind: database", "kind: datastore"},
		{"field of another kind", "kind: database, service_time: 2ms", "kind: database, service_time: 2ms, eviction: lru"},
		{"unknown distribution parameter", "mean: 10ms}", "mean: 10ms, p99: 40ms}"},
		{"unknown slo field", "{p99: 200ms}", "{p98: 200ms}"},
		{"whole number as text", "instances: 2", "instances: two"},
		{"duration without a unit", "duration: 10s", "duration: 10"},
		{"duration of text", "p99: 200ms", "p99: fast"},
		{"number as a list", "rate: 100", "rate: [100]"},
		{"mapping for a name", "entry: lb", "entry: {node: lb}"},
		{"boolean of text", "instances: 2", "instances: 2\n    blocking: sometimes"},
		{"share of text", "{p99: 200ms}", "{p99: 200ms, error_rate: most}"},
		{"unknown enum value", "kind: load_balancer,", "kind: load_balancer, algorithm: fastest,"},
		{"size of text", "instances: 2", "instances: 2\n    size: {request: big}"},
		{"calls not a list", "calls: [{to: db, timeout: 1s}]", "calls: {to: db}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(base, c.old) {
				t.Fatalf("the base has no %q", c.old)
			}
			data := []byte(strings.Replace(base, c.old, c.new, 1))
			if _, err := scenarios.Parse("t.yaml", data); err == nil {
				t.Errorf("the loader accepts it")
			}
			if err := s.Validate(instance(t, data)); err == nil {
				t.Errorf("the schema accepts it")
			}
		})
	}
}

// TestReportSchema checks a real report (a short run of a built-in with
// a cache, replicas and a CDN, and one with an autoscaler, a time series
// and faults) against the checked-in report schema.
func TestReportSchema(t *testing.T) {
	s := compile(t, ReportSchemaFile)
	for _, name := range []string{"read-heavy", "flash-sale-autoscaled"} {
		sc, err := scenarios.Builtin(name, "run.duration=20s", "run.warmup=5s")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := simulate.Run(sc)
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s: the report does not validate: %v", name, err)
		}
	}
}

// TestSchemaDraft7 checks that the scenario schema means the same to a
// draft-07 reader, as the YAML language server is (it reads draft-07 and
// older): read as draft-07, the built-ins validate and an unknown field is
// refused; and no $ref has a meaning beside it, which draft-07 ignores.
func TestSchemaDraft7(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, ScenarioSchemaFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if _, ref := v["$ref"]; ref && len(v) > 1 {
				t.Errorf("%s: a $ref with other keywords beside it, which a draft-07 reader ignores", at)
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "#")
	draft7 := bytes.Replace(data, []byte(SchemaDraft), []byte("http://json-schema.org/draft-07/schema#"), 1)
	s := compileBytes(t, "draft7.json", draft7)
	for _, name := range scenarios.Builtins() {
		src, err := scenarios.BuiltinSource(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(instance(t, src)); err != nil {
			t.Errorf("%s: read as draft-07, the schema refuses it: %v", name, err)
		}
	}
	if err := s.Validate(instance(t, []byte(strings.Replace(base, "instances: 2", "instance_count: 2", 1)))); err == nil {
		t.Errorf("read as draft-07, the schema accepts an unknown field")
	}
}
