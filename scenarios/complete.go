package scenarios

import (
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
)

// CompleteBuiltins lists the built-in scenarios whose names start with
// prefix, for a shell's completion of a command's scenario argument.
func CompleteBuiltins(prefix string) []string {
	var out []string
	for _, name := range Builtins() {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}

// CompletePath lists the completions of the PATH of a --set PATH=VALUE
// (or --unset PATH) being typed, prefix, for the scenario whose text is
// data (nil or unreadable: the paths of the format alone): the sections;
// after nodes., the file's node names; after nodes.NAME., the fields of
// that node's kind; the fields of a section or of a field with fields of
// its own; a mapping's keys and a list's indexes as the file has them.
// A candidate that has fields below it ends in ".", one that takes a
// value in "=" (a field that may be either comes both ways).
func CompletePath(data []byte, prefix string) []string {
	var doc *yaml.Node
	if data != nil {
		var d yaml.Node
		if yaml.Unmarshal(data, &d) == nil && len(d.Content) == 1 {
			doc = d.Content[0]
		}
	}
	lv := level{fields: Sections(), node: doc}
	segs := strings.Split(prefix, ".")
	for _, seg := range segs[:len(segs)-1] {
		var ok bool
		if lv, ok = lv.child(seg); !ok {
			return nil
		}
	}
	parent := strings.Join(segs[:len(segs)-1], ".")
	if parent != "" {
		parent += "."
	}
	var out []string
	for _, c := range lv.candidates() {
		if s := parent + c; strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// level is a place in a scenario file being completed: a mapping of
// fields (fields), a mapping of names to elem (byName), or a list of elem
// (list); node is the file's YAML there, if it has any.
type level struct {
	fields []params.Param
	byName *params.Param
	list   *params.Param
	node   *yaml.Node
}

// candidates are the next segments of a path at lv, each with its
// suffixes.
func (lv level) candidates() []string {
	var out []string
	switch {
	case lv.byName != nil:
		for _, k := range keys(lv.node) {
			for _, s := range suffixes(*lv.byName) {
				out = append(out, k+s)
			}
		}
	case lv.list != nil:
		if lv.node != nil && lv.node.Kind == yaml.SequenceNode {
			for i := range lv.node.Content {
				for _, s := range suffixes(*lv.list) {
					out = append(out, strconv.Itoa(i)+s)
				}
			}
		}
	default:
		for _, p := range lv.fields {
			for _, s := range suffixes(p) {
				out = append(out, p.Name+s)
			}
		}
	}
	return out
}

// suffixes are what follows a field's name in a path: "." when it has
// fields below it, "=" when it takes a value of its own (both for a
// service time: a distribution, or {default, by_class}).
func suffixes(p params.Param) []string {
	if p.Def == NodeDef {
		return []string{"."}
	}
	var out []string
	for _, f := range append([]params.Param{p}, p.Or...) {
		s := "="
		if f.Type == params.Object && (len(f.Fields) > 0 || f.Def != "") || f.Type == params.Map || f.Type == params.List {
			s = "."
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// child is the level at segment seg below lv.
func (lv level) child(seg string) (level, bool) {
	switch {
	case lv.byName != nil:
		return into(*lv.byName, yamlfile.Find(lv.node, seg))
	case lv.list != nil:
		i, err := strconv.Atoi(seg)
		if err != nil || lv.node == nil || lv.node.Kind != yaml.SequenceNode || i < 0 || i >= len(lv.node.Content) {
			return into(*lv.list, nil)
		}
		return into(*lv.list, lv.node.Content[i])
	}
	p := params.Find(lv.fields, seg)
	if p == nil {
		return level{}, false
	}
	v := yamlfile.Find(lv.node, seg)
	switch {
	case p.Type == params.Map:
		return level{byName: p.Elem, node: v}, true
	case p.Type == params.List:
		return level{list: p.Elem, node: v}, true
	}
	return into(*p, v)
}

// into is the level of a value of p's, whose YAML is v: a node's fields
// (by the kind v names), or the fields of p and of its other forms.
func into(p params.Param, v *yaml.Node) (level, bool) {
	if p.Def == NodeDef {
		var kind *topology.Kind
		if k := yamlfile.Find(v, "kind"); k != nil {
			kind = topology.LookupKind(k.Value)
		}
		if kind == nil {
			return level{fields: topology.CommonParams, node: v}, true
		}
		return level{fields: topology.KindParams(kind), node: v}, true
	}
	var fields []params.Param
	for _, f := range append([]params.Param{p}, p.Or...) {
		if f.Type == params.Object {
			for _, sub := range f.Fields {
				if !slices.ContainsFunc(fields, func(x params.Param) bool { return x.Name == sub.Name }) {
					fields = append(fields, sub)
				}
			}
		}
	}
	if fields == nil {
		return level{}, false
	}
	return level{fields: fields, node: v}, true
}

// keys are the keys of the mapping n, in file order.
func keys(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}
