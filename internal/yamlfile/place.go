package yamlfile

import (
	"errors"
	"maps"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
)

// Place records the errors a model's validation found, each at the
// position of the field it names (see package field): the field's value,
// or its key for a field that should not be there. A field that is not in
// the file is blamed on the first key of the mapping it belongs in. An
// error about a field that decoding already found fault with (a bad
// duration left the value unset, say), or about a missing field of a
// mapping that already has an error, is dropped: one fault, one message.
// Errors without a field are placed at the top of the file.
func (d *Decoder) Place(root *yaml.Node, errs []error) {
	decoded := maps.Clone(d.blamed) // not the errors placed here: those are other faults
	for _, err := range errs {
		var fe *field.Error
		if !errors.As(err, &fe) {
			d.Errorf(nil, "%s", err.Error())
			continue
		}
		at, scope := resolve(root, fe.Path, fe.AtKey)
		if blamedWithin(decoded, scope) {
			continue
		}
		d.Errorf(at, "%s", fe.Msg)
	}
}

// resolve walks path from root through mappings (by key) and lists (by
// index) and returns the node to blame, and the node whose earlier errors
// make this one redundant: the field's value, or the mapping it is missing
// from.
func resolve(root *yaml.Node, path []string, atKey bool) (at, scope *yaml.Node) {
	n := root
	for i, elem := range path {
		var key, next *yaml.Node
		switch {
		case n == nil:
		case n.Kind == yaml.MappingNode:
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == elem {
					key, next = n.Content[j], n.Content[j+1]
				}
			}
		case n.Kind == yaml.SequenceNode:
			if j, err := strconv.Atoi(elem); err == nil && j >= 0 && j < len(n.Content) {
				next = n.Content[j]
			}
		}
		if next == nil {
			// Not in the file: blame the first key of where it belongs.
			if n != nil && n.Kind == yaml.MappingNode && len(n.Content) > 0 {
				return n.Content[0], n
			}
			return n, n
		}
		if atKey && key != nil && i == len(path)-1 {
			return key, next
		}
		n = next
	}
	return n, n
}

// blamedWithin says an error was recorded at n or anywhere inside it.
func blamedWithin(blamed map[*yaml.Node]bool, n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if blamed[n] {
		return true
	}
	for _, c := range n.Content {
		if blamedWithin(blamed, c) {
			return true
		}
	}
	return false
}
