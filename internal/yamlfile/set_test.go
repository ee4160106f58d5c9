package yamlfile

import (
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/field"
	"gopkg.in/yaml.v3"
)

// TestSet checks overrides applied to a document: the YAML that results, or
// the one error recorded.
func TestSet(t *testing.T) {
	const doc = "nodes:\n  app: {instances: 3, service_time: {dist: exponential, mean: 20ms}}\nmix: [a, b]\n"
	cases := []struct {
		set, want, wantErr string
	}{
		{"nodes.app.instances=6", "instances: 6", ""},
		{"nodes.app.service_time.mean=5ms", "mean: 5ms", ""},
		{"nodes.app.service_time={dist: constant, value: 1ms}", "value: 1ms", ""},
		{"slo.p99=200ms", "slo:\n    p99: 200ms", ""}, // missing keys are added
		{"nodes.app.queue=10", "queue: 10", ""},       // a new field of an existing mapping
		{"mix.1=c", "mix: [a, c]", ""},                // sequence index
		{"nodes.ap.instances=6", "", `there is no nodes.ap (did you mean "app"?)`},
		{"nodes.app.instances.x=1", "", "nodes.app.instances is a single value, so it has no x"},
		{"mix.2=c", "", "mix.2: want an index from 0 to 1"},
		{"nodes.app.instances", "", "want PATH=VALUE"},
		{"nodes.app.instances={", "", "the value is not YAML"},
		{"nodes.app.instanse=6", "instanse: 6", ""}, // a new last key is left to the decoder to judge
		{"slo.p99=2s", "p99: 2s", ""},               // even when close to an existing one
		{"nodes.app.instances=1\n---\nx: 2", "", "a second YAML document"},
		{"nodes.app.service_time=&t 5ms", "", "anchors (&t) are not supported"},
		{"nodes.app.service_time=*t", "", "aliases (*t) are not supported"},
	}
	for _, c := range cases {
		t.Run(c.set, func(t *testing.T) {
			d := &Decoder{File: "f.yaml"}
			root := d.Parse([]byte(doc))
			d.Set(root, c.set)
			if c.wantErr != "" {
				err := d.Err()
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.HasPrefix(err.Error(), "--set "+field.Printable(c.set)+": ") {
					t.Fatalf("error %v, want one naming the override and containing %q", err, c.wantErr)
				}
				return
			}
			if err := d.Err(); err != nil {
				t.Fatal(err)
			}
			out, err := yaml.Marshal(root)
			if err != nil || !strings.Contains(string(out), c.want) {
				t.Fatalf("after --set %s:\n%s\nwant it to contain %q", c.set, out, c.want)
			}

		})
	}
}

// TestSetErrorsNameTheOverride checks that a value an override put in the
// document is blamed on the override when decoding finds it wrong.
func TestSetErrorsNameTheOverride(t *testing.T) {
	d := &Decoder{File: "f.yaml"}
	root := d.Parse([]byte("instances: 3\nworkers: x\n"))
	d.Set(root, "instances=lots")
	m, _ := d.Mapping(root, "node", "instances", "workers")
	d.Int(m.Get("instances"), "instances", 1)
	d.Int(m.Get("workers"), "workers", 1)
	got := d.Err().Error()
	if !strings.Contains(got, `--set instances=lots: instances: want a whole number`) || !strings.Contains(got, "f.yaml:2:10: workers") {
		t.Fatalf("errors:\n%s", got)
	}
}

// TestSetWithinNamesTheOverride checks that a fault found at a value of
// the file that an override changed in part (the mean of a distribution)
// is placed in the file and names the override too: it named only the
// file's position, which does not say the value (hostile review of sweep
// --vary nodes.app.service_time.mean=0ms). Two overrides within it are
// not told apart, and one elsewhere is not named.
func TestSetWithinNamesTheOverride(t *testing.T) {
	cases := []struct {
		name string
		sets []string
		want string
	}{
		{"one override within", []string{"d.mean=0"}, "f.yaml:1:4: d is wrong (with --set d.mean=0)"},
		{"two overrides within", []string{"d.mean=0", "d.dist=constant"}, "f.yaml:1:4: d is wrong\n"},
		{"an override elsewhere", []string{"e=1"}, "f.yaml:1:4: d is wrong\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &Decoder{File: "f.yaml"}
			root := d.Parse([]byte("d: {dist: exponential, mean: 5}\ne: 2\n"))
			for _, set := range c.sets {
				d.Set(root, set)
			}
			d.Errorf(Find(root, "d"), "d is wrong")
			d.Errorf(nil, "end")
			if got := d.Err().Error(); !strings.Contains(got+"\n", c.want) {
				t.Fatalf("errors:\n%s\nwant %q", got, c.want)
			}
		})
	}
}

// TestPlaceNamesTheOverrideGiven checks that a model's error that rests on
// other fields (field.Error's Given: a fault on more instances than its
// node has) names the override that gave or removed one of them, placed in
// the file or at an override of its own: a fault refused because of --set
// nodes.app.instances=1 named only the fault's line, where nothing is
// wrong. An override the error is placed at is not named twice, nor one
// outside the fields given.
func TestPlaceNamesTheOverrideGiven(t *testing.T) {
	const doc = "nodes:\n  app: {instances: 2, workers: 4}\nfaults:\n  - {node: app, instances: 2}\n"
	at := []string{"faults", "0", "instances"}
	given := [][]string{{"faults", "0", "node"}, {"nodes", "app", "instances"}}
	cases := []struct {
		name  string
		sets  []string
		given [][]string
		want  string
	}{
		{"an override of a field given", []string{"nodes.app.instances=1"}, given, "f.yaml:4:28: too many (with --set nodes.app.instances=1)"},
		{"two fields given", []string{"nodes.app.instances=1", "faults.0.node=app"}, given, "f.yaml:4:28: too many (with --set faults.0.node=app, --set nodes.app.instances=1)"},
		{"removed", []string{"nodes.app.instances=null"}, given, "f.yaml:4:28: too many (with --set nodes.app.instances=null)"},
		{"an override elsewhere", []string{"nodes.app.workers=1"}, given, "f.yaml:4:28: too many\n"},
		{"the mapping written without it", []string{"nodes.app={workers: 4}"}, given, "f.yaml:4:28: too many (with --set nodes.app={workers: 4})"},
		{"no field given", []string{"nodes.app.instances=1"}, nil, "f.yaml:4:28: too many\n"},
		{"placed at an override", []string{"faults=[{node: app, instances: 2}]", "nodes.app.instances=1"}, given,
			"--set faults=[{node: app, instances: 2}]: too many (with --set nodes.app.instances=1)"},
		{"placed at the override given", []string{"faults.0.instances=2", "nodes.app=null"}, append(given, at), "--set faults.0.instances=2: too many (with --set nodes.app=null)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &Decoder{File: "f.yaml"}
			root := d.Parse([]byte(doc))
			for _, set := range c.sets {
				d.Set(root, set)
			}
			d.Place(root, []error{&field.Error{Path: at, Msg: "too many", Given: c.given}})
			d.Errorf(nil, "end")
			if got := d.Err().Error(); !strings.Contains(got+"\n", c.want) {
				t.Fatalf("errors:\n%s\nwant %q", got, c.want)
			}
		})
	}
}

// TestPlaceGivenAfterAnItemRemoved checks that removing a list's item
// is not named with a problem of the item that moved up into its place:
// --set faults.0=null was named with the refusal of the fault after it.
// A removal inside the field given, or of the list holding it, is.
func TestPlaceGivenAfterAnItemRemoved(t *testing.T) {
	const doc = "faults:\n  - {node: a}\n  - {node: b, instances: 2}\n"
	cases := []struct {
		name  string
		sets  []string
		given []string
		want  string
	}{
		{"the item before", []string{"faults.0=null"}, []string{"faults", "0", "node"}, "f.yaml:3:26: too many\n"},
		{"the list holding it", []string{"faults.0=null"}, []string{"faults"}, "f.yaml:3:26: too many (with --set faults.0=null)"},
		{"a field of the item", []string{"faults.1.node=null"}, []string{"faults", "1", "node"}, "f.yaml:3:26: too many (with --set faults.1.node=null)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &Decoder{File: "f.yaml"}
			root := d.Parse([]byte(doc))
			for _, set := range c.sets {
				d.Set(root, set)
			}
			at := []string{"faults", "0", "instances"}
			if c.sets[0] == "faults.1.node=null" {
				at = []string{"faults", "1", "instances"}
			}
			d.Place(root, []error{&field.Error{Path: at, Msg: "too many", Given: [][]string{c.given}}})
			d.Errorf(nil, "end")
			if got := d.Err().Error(); !strings.Contains(got+"\n", c.want) {
				t.Fatalf("errors:\n%s\nwant %q", got, c.want)
			}
		})
	}
}

// TestRemovedUnder checks that the keys overrides removed are named under
// their mapping, with the override, and nothing else.
func TestRemovedUnder(t *testing.T) {
	d := &Decoder{File: "f.yaml"}
	root := d.Parse([]byte("nodes:\n  app: {instances: 3}\n  db: {instances: 1}\n"))
	for _, set := range []string{"nodes.app.instances=null", "nodes.db=null", "nodes.cache=null"} {
		d.Set(root, set)
	}
	got := d.RemovedUnder("nodes")
	if len(got) != 1 || got["db"] != "nodes.db=null" {
		t.Errorf("removed under nodes: %v; want db by nodes.db=null alone", got)
	}
	if got := d.RemovedUnder("nodes.app"); got["instances"] != "nodes.app.instances=null" {
		t.Errorf("removed under nodes.app: %v", got)
	}
}

// TestSetNull checks that an override PATH=null removes what PATH names
// (a field, a node, a list's item), and refuses a PATH that is not there.
func TestSetNull(t *testing.T) {
	const doc = "nodes:\n  app: {instances: 3, service_time: {dist: exponential, mean: 20ms}}\nmix: [a, b]\n"
	cases := []struct {
		set, want, wantErr string
		gone               string // what the document no longer says
	}{
		// null removes
		{"nodes.app.instances=null", "service_time", "", "instances"},
		{"nodes.app.instances=~", "service_time", "", "instances"},
		{"nodes.app=null", "nodes: {}", "", "service_time"},
		{"mix.0=null", "mix: [b]", "", ""},
		{"nodes.app.service_time.mean=null", "dist: exponential}", "", "mean"},
		{"nodes.app.queue=null", "", "there is no nodes.app.queue to remove", ""},
		{"nodes.ap=null", "", `there is no nodes.ap to remove (did you mean "app"?)`, ""},
		{"mix.2=null", "", "mix.2: want an index from 0 to 1", ""},
		{"nodes.app.instances.x=null", "", "nodes.app.instances is a single value, so it has no x", ""},
	}
	for _, c := range cases {
		t.Run(c.set, func(t *testing.T) {
			d := &Decoder{File: "f.yaml"}
			root := d.Parse([]byte(doc))
			d.Set(root, c.set)
			err := d.Err()
			if c.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), "--set "+c.set+": "+c.wantErr) {
					t.Fatalf("error %v, want --set %s: %s", err, c.set, c.wantErr)
				}
				return
			}
			out, merr := yaml.Marshal(root)
			if err != nil || merr != nil || !strings.Contains(string(out), c.want) || (c.gone != "" && strings.Contains(string(out), c.gone)) {
				t.Fatalf("after --set %s (error %v):\n%s\nwant it to contain %q and not %q", c.set, err, out, c.want, c.gone)
			}
		})
	}
}
