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
// mapping one of whose own keys decoding refused (a misspelt key may be
// the missing field), is dropped: one fault, one message. Errors elsewhere
// in that mapping (in another node of nodes, another field's value) do not
// hide it: they are other faults. Errors without a field are placed at the
// top of the file.
func (d *Decoder) Place(root *yaml.Node, errs []error) {
	decoded := maps.Clone(d.blamed) // not the errors placed here: those are other faults
	for _, err := range errs {
		var fe *field.Error
		if !errors.As(err, &fe) {
			d.Errorf(nil, "%s", err.Error())
			continue
		}
		at, scope, missing := resolve(root, fe.Path, fe.AtKey)
		if missing && keyBlamed(decoded, scope) || !missing && blamedWithin(decoded, scope) {
			continue
		}
		if fe.AtKey && !missing && d.origins[scope] != "" && d.origins[at] == "" {
			at = scope // the field is there for a value an override gave: said at it
		}
		var given []string
		if len(fe.Given) > 0 {
			given = d.overridesIn(root, fe.Given)
		}
		d.errorAt(at, fe.Msg, given)
	}
}

// Placed is Place for errors found after decoding, when d recorded none:
// it places errs on a copy of d and returns them sorted by position (nil
// for none), leaving d as it was, so that it may be called again, and
// from several goroutines at once.
func (d *Decoder) Placed(root *yaml.Node, errs []error) error {
	c := *d
	c.errs = nil
	c.blamed = maps.Clone(d.blamed)
	c.Place(root, errs)
	return c.Err()
}

// resolve walks path from root through mappings (by key) and lists (by
// index) and returns the node to blame, and the node whose earlier errors
// make this one redundant: the field's value or, when the field is
// missing, the mapping (or the node) it is missing from.
func resolve(root *yaml.Node, path []string, atKey bool) (at, scope *yaml.Node, missing bool) {
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
				return n.Content[0], n, true
			}
			return n, n, true
		}
		if atKey && key != nil && i == len(path)-1 {
			return key, next, false
		}
		n = next
	}
	return n, n, false
}

// keyBlamed says an error was recorded at n itself or, for a mapping, at
// one of its own keys (an unknown or misspelt field).
func keyBlamed(blamed map[*yaml.Node]bool, n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if blamed[n] {
		return true
	}
	if n.Kind == yaml.MappingNode {
		for j := 0; j < len(n.Content); j += 2 {
			if blamed[n.Content[j]] {
				return true
			}
		}
	}
	return false
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
