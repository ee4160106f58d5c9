// Package field is how the models of a scenario (workload, topology, SLO,
// run settings) report what is wrong with them without knowing about YAML:
// each problem names the field it concerns by its path from the scenario's
// root, such as nodes.app.instances, and the YAML decoder turns the path
// into the FILE:LINE:COL of that field.
package field

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Error is a problem with one field of a model. Its message says what is
// wrong in words that stand on their own; Path says where.
type Error struct {
	// Path leads from the scenario's root to the field: mapping keys, and
	// list indexes written in decimal.
	Path []string
	// AtKey says the problem is the field being there at all, so it is
	// shown at the field's name rather than its value.
	AtKey bool
	Msg   string
	// Given are the paths of other fields whose values the problem rests
	// on (the node a fault strikes, as written): an override that gave or
	// removed one of them is named with the problem.
	Given [][]string
}

// Error implements error: the message alone, without where it is.
func (e *Error) Error() string { return e.Msg }

// Where writes the path with dots: nodes.app.instances.
func (e *Error) Where() string { return strings.Join(e.Path, ".") }

// Errors collects the errors of one part of a model: the part at Path. The
// zero Errors is not usable; start with New.
type Errors struct {
	Path  []string
	list  *[]error
	given [][]string
}

// New starts a collection of errors for the part at path.
func New(path ...string) Errors { return Errors{Path: path, list: new([]error)} }

// In is the collection for a part below this one, adding to the same list.
func (e Errors) In(elems ...string) Errors {
	return Errors{Path: append(slices.Clone(e.Path), elems...), list: e.list, given: e.given}
}

// Given is the collection for the same part whose problems rest on the
// values of the fields at paths too (each from the root Path is from: the
// model's, which Prefix puts under a whole, as it does Path), as
// Error.Given says.
func (e Errors) Given(paths ...[]string) Errors {
	g := slices.Clone(e.given)
	for _, p := range paths {
		g = append(g, slices.Clone(p))
	}
	return Errors{Path: e.Path, list: e.list, given: g}
}

// Add records a problem with field (a key below the part, or "" for the part
// itself).
func (e Errors) Add(field, format string, args ...any) { e.add(field, false, format, args) }

// AddAtKey records a problem with field being given at all.
func (e Errors) AddAtKey(field, format string, args ...any) { e.add(field, true, format, args) }

func (e Errors) add(field string, atKey bool, format string, args []any) {
	path := slices.Clone(e.Path)
	if field != "" {
		path = append(path, field)
	}
	*e.list = append(*e.list, &Error{Path: path, AtKey: atKey, Msg: fmt.Sprintf(format, args...), Given: slices.Clone(e.given)})
}

// List returns the errors recorded so far, in order; nil if none.
func (e Errors) List() []error {
	if len(*e.list) == 0 {
		return nil
	}
	return slices.Clone(*e.list)
}

// Prefix puts each *Error of errs under path, for a part validated on its
// own and then placed in a whole (a workload within a scenario).
func Prefix(path string, errs []error) []error {
	out := make([]error, len(errs))
	for i, err := range errs {
		if fe, ok := err.(*Error); ok {
			c := *fe
			c.Path = append([]string{path}, fe.Path...)
			c.Given = nil
			for _, g := range fe.Given {
				c.Given = append(c.Given, append([]string{path}, g...))
			}
			err = &c
		}
		out[i] = err
	}
	return out
}

// MaxNameLen is the longest name of a node or a request class.
const MaxNameLen = 64

// NameRule says in words what ValidName accepts.
const NameRule = "1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit"

// ValidName says name can name a node or a request class: it follows
// NameRule, so that it prints as itself in any report.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > MaxNameLen {
		return false
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case i > 0 && (r == '-' || r == '_' || r == '.'):
		default:
			return false
		}
	}
	return true
}

// Printable is s, quoted as a Go string if it holds anything that is not a
// printable character or a space (a line break, a terminal escape), so
// that text from a file or a command line cannot forge lines of a report.
func Printable(s string) string {
	for _, r := range s {
		if r != ' ' && !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// MaxTextLen is the longest free text, such as a scenario's name.
const MaxTextLen = 200

// ValidText says s is free text that prints as itself: at most MaxTextLen
// bytes of printable characters, without control characters or line
// breaks that could forge lines of a report.
func ValidText(s string) bool {
	if len(s) > MaxTextLen {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
