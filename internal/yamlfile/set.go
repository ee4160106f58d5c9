package yamlfile

import (
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"gopkg.in/yaml.v3"
)

// Set applies an override PATH=VALUE, such as nodes.app.instances=6, to the
// document rooted at root before it is decoded, so the value is checked
// exactly as if the file said it. PATH is dotted keys (and indexes into
// sequences); VALUE is YAML, so {dist: exponential, mean: 5ms} works too.
// Missing keys are added, unless one on the way to the value is a likely
// typo of an existing key (a new last key is checked when the document is
// decoded, like any field).
// Problems are recorded as errors; errors later found in the value, while
// decoding, name the override instead of a file position.
//
// A VALUE of null (or ~) removes PATH instead: a field, a node, a section,
// or an item of a list (the items after it move up). What was removed is
// then as if the file had never said it: a field gets its default, a
// required one is missing, and what named a removed node (a call, the
// entry) is refused where it names it. PATH must exist.
func (d *Decoder) Set(root *yaml.Node, assignment string) {
	path, value, ok := strings.Cut(assignment, "=")
	if !ok || path == "" {
		d.setError(assignment, "want PATH=VALUE, such as nodes.app.instances=6 (or PATH=null to remove it)")
		return
	}
	val, err := parseOne([]byte(value))
	if err != nil {
		d.recordParseError(err, assignment)
		return
	}
	if val != nil && val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
		d.remove(root, path, assignment)
		return
	}
	if val == nil {
		val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}
	}
	d.mark(val, assignment)

	keys := strings.Split(path, ".")
	cur := root
	for i, key := range keys {
		last := i == len(keys)-1
		at := strings.Join(keys[:i+1], ".")
		switch cur.Kind {
		case yaml.MappingNode:
			v := Find(cur, key)
			if v == nil {
				var names []string
				for j := 0; j+1 < len(cur.Content); j += 2 {
					names = append(names, cur.Content[j].Value)
				}
				if s := Suggest(key, names); s != "" && !last {
					d.setError(assignment, "there is no "+at+DidYouMean(key, names))
					return
				}
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
				v = val
				if !last {
					v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				}
				d.mark(k, assignment)
				d.mark(v, assignment)
				cur.Content = append(cur.Content, k, v)
			} else if last {
				replace(cur, key, val)
			}
			cur = v
		case yaml.SequenceNode:
			n, err := strconv.Atoi(key)
			if err != nil || n < 0 || n >= len(cur.Content) {
				d.setError(assignment, at+": want an index from 0 to "+strconv.Itoa(len(cur.Content)-1))
				return
			}
			if last {
				cur.Content[n] = val
			}
			cur = cur.Content[n]
		default:
			d.setError(assignment, strings.Join(keys[:i], ".")+" is a single value, so it has no "+key)
			return
		}
	}
}

// replace sets the value of key in mapping m.
func replace(m *yaml.Node, key string, val *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = val
		}
	}
}

// Copy copies a YAML tree, positions and all, to be decoded again (a node
// in several regions is decoded once a region): an error recorded at a
// node of the copy is one at the node it copies, placed as that node is
// (at the --set that gave it, if one did), and keeps a model's own check
// of the field from reporting it again (see Place).
func (d *Decoder) Copy(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = d.Copy(x)
	}
	if d.copied == nil {
		d.copied = map[*yaml.Node]*yaml.Node{}
	}
	orig := n
	if o, ok := d.copied[n]; ok {
		orig = o // a copy of a copy
	}
	d.copied[&c] = orig
	return &c
}

// mark records that n and everything in it came from an override.
func (d *Decoder) mark(n *yaml.Node, assignment string) {
	if d.origins == nil {
		d.origins = map[*yaml.Node]string{}
	}
	d.origins[n] = assignment
	for _, c := range n.Content {
		d.mark(c, assignment)
	}
}

func (d *Decoder) setError(assignment, msg string) {
	d.errs = append(d.errs, Error{File: "--set " + field.Printable(assignment), Msg: msg})
}

// removal is what an override removed: the path (dotted) it named, the
// override, and whether it was an item of a list.
type removal struct {
	path, assignment string
	item             bool
}

// remove takes path out of the document rooted at root: the key and its
// value from its mapping, or the item from its list. Every key on the way
// must exist (a likely typo is named).
func (d *Decoder) remove(root *yaml.Node, path, assignment string) {
	keys := strings.Split(path, ".")
	cur := root
	for i, key := range keys {
		at := strings.Join(keys[:i+1], ".")
		last := i == len(keys)-1
		switch cur.Kind {
		case yaml.MappingNode:
			k := -1
			var names []string
			for j := 0; j+1 < len(cur.Content); j += 2 {
				names = append(names, cur.Content[j].Value)
				if cur.Content[j].Value == key {
					k = j
				}
			}
			if k < 0 {
				d.setError(assignment, "there is no "+at+" to remove"+DidYouMean(key, names))
				return
			}
			if last {
				cur.Content = append(cur.Content[:k], cur.Content[k+2:]...)
				d.removed = append(d.removed, removal{path: path, assignment: assignment})
				return
			}
			cur = cur.Content[k+1]
		case yaml.SequenceNode:
			n, err := strconv.Atoi(key)
			if err != nil || n < 0 || n >= len(cur.Content) {
				d.setError(assignment, at+": want an index from 0 to "+strconv.Itoa(len(cur.Content)-1))
				return
			}
			if last {
				cur.Content = append(cur.Content[:n], cur.Content[n+1:]...)
				d.removed = append(d.removed, removal{path: path, assignment: assignment, item: true})
				return
			}
			cur = cur.Content[n]
		default:
			d.setError(assignment, strings.Join(keys[:i], ".")+" is a single value, so it has no "+key)
			return
		}
	}
}

// RemovedUnder gives the keys directly under the mapping at path (dotted)
// that overrides removed, each with its override, such as {"cache":
// "nodes.cache=null"} for path nodes; nil if none.
func (d *Decoder) RemovedUnder(path string) map[string]string {
	var out map[string]string
	for _, r := range d.removed {
		key, ok := strings.CutPrefix(r.path, path+".")
		if !ok || strings.Contains(key, ".") {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[key] = r.assignment
	}
	return out
}
