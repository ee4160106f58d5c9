package yamlfile

import (
	"math"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSuggest(t *testing.T) {
	cands := []string{"workers", "instances", "queue", "service_time"}
	for in, want := range map[string]string{"worker": "workers", "instnces": "instances", "servicetime": "service_time", "zzz": "", "q": ""} {
		if got := Suggest(in, cands); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDistDecoding checks a distribution decoded from YAML has the right
// mean, and that each malformed one is an error at its position.
func TestDistDecoding(t *testing.T) {
	d := &Decoder{File: "d.yaml"}
	root := d.Parse([]byte("a: {dist: empirical, quantiles: {0: 1ms, 0.5: 5ms, 1: 9ms}}\nb: 20ms\nc: {dist: lognormal, mean: 4ms, cv: 1}\n"))
	m, _ := d.Mapping(root, "test", "a", "b", "c")
	if got := d.Dist(m.Get("a"), "a", Seconds).Mean(); math.Abs(got-0.005) > 1e-12 {
		t.Errorf("empirical mean %g, want 0.005", got)
	}
	if got := d.Dist(m.Get("b"), "b", Seconds).Mean(); got != 0.02 {
		t.Errorf("bare duration mean %g, want 0.02", got)
	}
	if got := d.Dist(m.Get("c"), "c", Seconds).Mean(); math.Abs(got-0.004) > 1e-12 {
		t.Errorf("lognormal mean %g, want 0.004", got)
	}
	if d.Failed() {
		t.Fatalf("unexpected errors: %v", d.Err())
	}
	bad := &Decoder{File: "bad.yaml"}
	root = bad.Parse([]byte("a: {dist: lognormal, mean: 4ms, cv: 1, p99: 9ms}\nb: {mean: 1s}\nc: {dist: empirical, quantiles: {0.5: 1ms, 1: 2ms}}\n"))
	m, _ = bad.Mapping(root, "test", "a", "b", "c")
	for _, k := range []string{"a", "b", "c"} {
		if bad.Dist(m.Get(k), k, Seconds) != nil {
			t.Errorf("%s decoded though malformed", k)
		}
	}
	want := "bad.yaml:1:33: a: give lognormal either p99 or cv, not both\n" +
		"bad.yaml:2:4: b: missing \"dist\" (one of [constant empirical exponential gamma hyperexponential lognormal pareto uniform])\n" +
		"bad.yaml:3:33: c: quantile points must include q = 0 and q = 1"
	if err := bad.Err(); err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}

// TestParseErrors checks each way a file can fail to be one plain YAML
// document: the error, at the line concerned.
func TestParseErrors(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"unclosed flow sequence", "a: 1\nb: [1, 2\nc: 3\n", `f.yaml:2:1: syntax error: did not find expected ',' or ']' (in "b: [1, 2")`},
		{"unclosed flow mapping", "a: 1\n\n\nb: {x: 1\nc: 3\n", `f.yaml:4:1: syntax error: did not find expected ',' or '}' (in "b: {x: 1")`},
		{"unclosed on the first line", "a: {b: [1, 2}\n", `f.yaml:1:1: syntax error: did not find expected ',' or ']' (in "a: {b: [1, 2}")`},
		{"bad indentation", "a: 1\nb:\n  c: 1\n d: 2\n", `f.yaml:4:1: syntax error: did not find expected key (in "d: 2")`},
		{"scanner error", "a: 1\nb: @x\n", `f.yaml:2:1: syntax error: found character that cannot start any token (in "b: @x")`},
		{"mapping in a scalar", "a: 1\n  b: 2\n", `f.yaml:2:1: syntax error: mapping values are not allowed in this context (in "b: 2")`},
		{"second document", "a: 1\n---\nb: 2\n", "f.yaml:2:1: a second YAML document (after ---) is not supported: a scenario is one document"},
		{"second document after an empty one", "a: 1\n---\n---\nb: 2\n", "f.yaml:3:1: a second YAML document"},
		{"second document broken", "a: 1\n---\nb: [\n", `f.yaml:3:1: syntax error: did not find expected node content (in "b: [")`},
		{"anchor", "a: &x {b: 1}\nc: 2\n", "f.yaml:1:4: anchors (&x) are not supported"},
		{"alias", "a: {b: 1}\nc: *x\n", "f.yaml:2:1: aliases (*x) are not supported"},
		{"merge key", "a: {b: 1}\nc:\n  <<: {b: 2}\n", "f.yaml:3:3: merge keys (<<) are not supported"},
		{"empty", "# nothing\n", "f.yaml: the file is empty"},
		{"long line quoted short", "a: [" + strings.Repeat("1, ", 40) + "\n", `...")`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &Decoder{File: "f.yaml"}
			if root := d.Parse([]byte(c.doc)); root != nil {
				t.Fatalf("parsed %q", c.doc)
			}
			err := d.Err()
			if err == nil || !strings.HasPrefix(err.Error(), c.want) && !strings.HasSuffix(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestParseAccepts checks the document markers that do not add a document.
func TestParseAccepts(t *testing.T) {
	for _, doc := range []string{"---\na: 1\n", "a: 1\n---\n", "a: 1\n...\n", "a: 1\n---\n# the end\n"} {
		d := &Decoder{File: "f.yaml"}
		if root := d.Parse([]byte(doc)); root == nil || d.Failed() {
			t.Errorf("%q refused: %v", doc, d.Err())
		}
	}
}

// TestOneNumberGrammar checks that numbers in a file take the count
// grammar of the command line (1.5k, 5M), and that what is not a finite
// number is refused.
func TestOneNumberGrammar(t *testing.T) {
	d := &Decoder{File: "n.yaml"}
	root := d.Parse([]byte("rate: 1.5k\nworkers: 2k\nusers: 5M\nplain: 1e3\n"))
	m, _ := d.Mapping(root, "test")
	if v, _ := d.Float(m.Get("rate")); v != 1500 {
		t.Errorf("rate 1.5k = %g", v)
	}
	if v, _ := d.Int(m.Get("workers"), "workers", 1); v != 2000 {
		t.Errorf("workers 2k = %d", v)
	}
	if v, _ := d.Count(m.Get("users"), "users"); v != 5e6 {
		t.Errorf("users 5M = %g", v)
	}
	if v, _ := d.Float(m.Get("plain")); v != 1000 {
		t.Errorf("plain 1e3 = %g", v)
	}
	if d.Failed() {
		t.Fatal(d.Err())
	}
	for _, bad := range []string{"Inf", "NaN", "1e400", "5x", "k"} {
		d := &Decoder{File: "n.yaml"}
		root := d.Parse([]byte("v: " + bad + "\n"))
		m, _ := d.Mapping(root, "test")
		if _, ok := d.Float(m.Get("v")); ok || !d.Failed() {
			t.Errorf("%s accepted as a number", bad)
		}
	}
}

// TestParetoForms checks the two forms of a Pareto distribution: by mean
// (four orders of magnitude wide) and by its ends, a plain count such as
// followers; and each malformed one at its position: both forms at once,
// min without max (an unbounded tail), max not above min.
func TestParetoForms(t *testing.T) {
	d := &Decoder{File: "p.yaml"}
	root := d.Parse([]byte("a: {dist: pareto, mean: 5ms, alpha: 2}\nb: {dist: pareto, min: 1, max: 100, alpha: 1}\n"))
	m, _ := d.Mapping(root, "test", "a", "b")
	if got := d.Dist(m.Get("a"), "a", Seconds).Mean(); math.Abs(got-0.005) > 1e-12 {
		t.Errorf("pareto by mean: mean %g, want 0.005", got)
	}
	// The α = 1 bounded Pareto's mean: L·H·ln(H/L)/(H − L).
	if got, want := d.Dist(m.Get("b"), "b", Plain).Mean(), 100*math.Log(100)/99; math.Abs(got-want) > 1e-12 {
		t.Errorf("pareto by range: mean %g, want %g", got, want)
	}
	if d.Failed() {
		t.Fatalf("unexpected errors: %v", d.Err())
	}
	bad := &Decoder{File: "bad.yaml"}
	root = bad.Parse([]byte("a: {dist: pareto, mean: 5, min: 1, max: 9, alpha: 1}\nb: {dist: pareto, min: 1, alpha: 0.8}\nc: {dist: pareto, min: 5, max: 2, alpha: 1}\n"))
	m, _ = bad.Mapping(root, "test", "a", "b", "c")
	for _, k := range []string{"a", "b", "c"} {
		if bad.Dist(m.Get(k), k, Plain) != nil {
			t.Errorf("%s decoded though malformed", k)
		}
	}
	want := "bad.yaml:1:19: a: give pareto either mean and alpha, or min, max and alpha, not both\n" +
		"bad.yaml:2:19: b: a pareto from min needs max, its largest value (with alpha at most 1 an unbounded Pareto has no finite mean)\n" +
		"bad.yaml:3:4: c: max must be finite and above min (5), got 2"
	if err := bad.Err(); err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}

// TestValueErrorsNameTheValue checks that a value decoded for a named
// field says which field in every error, a list or a mapping given as
// much as a scalar of the wrong form (hostile review: primary: 0 was
// refused as `want true or false, got "0"`, without "fault primary").
func TestValueErrorsNameTheValue(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		decode    func(d *Decoder, n *yaml.Node)
		want      string
	}{
		{"a bool", "v: 0", func(d *Decoder, n *yaml.Node) { d.BoolOf(n, "fault primary") }, `f.yaml:1:4: fault primary: want true or false, got "0"`},
		{"a bool as a list", "v: [true]", func(d *Decoder, n *yaml.Node) { d.BoolOf(n, "fault primary") }, `f.yaml:1:4: fault primary: want true or false, got a list`},
		{"a bool unnamed", "v: 0", func(d *Decoder, n *yaml.Node) { d.Bool(n) }, `f.yaml:1:4: want true or false, got "0"`},
		{"a whole number as a list", "v: [1]", func(d *Decoder, n *yaml.Node) { d.Int(n, "fault instances", 1) }, `f.yaml:1:4: fault instances: want a whole number, got a list`},
		{"a whole number beyond int64", "v: 99999999999999999999", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances: 99999999999999999999 is too large`},
		{"a whole number beyond int64 with underscores", "v: 9_223_372_036_854_775_808", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances: 9_223_372_036_854_775_808 is too large`},
		{"a huge count", "v: 1e30", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances: 1e30 is too large`},
		{"a huge count with a suffix", "v: 9999999999B", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances: 9999999999B is too large`},
		{"a whole number below int64", "v: -99999999999999999999", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances must be at least 1, got -99999999999999999999`},
		{"a count beyond float64", "v: 1e400", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances: 1e400 is too large`},
		{"a whole number below int64 with no minimum", "v: -99999999999999999999", func(d *Decoder, n *yaml.Node) { d.Int(n, "fault instances", math.MinInt) }, `f.yaml:1:4: fault instances: -99999999999999999999 is too small`},
		{"a count beyond float64 below", "v: -1e400", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances must be at least 1, got -1e400`},
		{"infinity", "v: .inf", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances: want a whole number, got ".inf"`},
		{"a fraction", "v: 1.5", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances: want a whole number, got "1.5"`},
		{"not a number", "v: NaN", func(d *Decoder, n *yaml.Node) { d.Int(n, "node app instances", 1) }, `f.yaml:1:4: node app instances: want a whole number, got "NaN"`},
		{"a duration as a mapping", "v: {a: 1}", func(d *Decoder, n *yaml.Node) { d.Duration(n, "fault latency") }, `f.yaml:1:4: fault latency: want a duration such as 20ms, got a mapping`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &Decoder{File: "f.yaml"}
			root := d.Parse([]byte(c.doc))
			m, _ := d.Mapping(root, "test", "v")
			c.decode(d, m.Get("v"))
			if err := d.Err(); err == nil || err.Error() != c.want {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
