package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"gopkg.in/yaml.v3"
)

// Error is one problem at a position in a file.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found in a file, in order of position.
type ErrorList []Error

func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Decoder collects the errors found while decoding one file.
type Decoder struct {
	File string
	errs ErrorList
	// origins names the override (Set) each node it added came from.
	origins map[*yaml.Node]string
	// removed are what overrides removed (PATH=null).
	removed []removal
	// blamed holds the nodes errors were recorded at, so that a model's
	// own check of a field that failed to decode is not reported too.
	blamed map[*yaml.Node]bool
	// copied maps each node Copy made to the node of the document it
	// copies.
	copied map[*yaml.Node]*yaml.Node
	// Folder is the folder of the file's side files (such as traffic
	// traces, see ReadBeside): a side file's relative path starts there,
	// and a path that leads outside it is refused. "" is a file that has
	// no folder (a built-in scenario): its side files are all refused.
	Folder string
	// AllowOutside lets side files be anywhere: outside Folder or, with
	// no Folder, relative to the working directory.
	AllowOutside bool
}

// Errorf records a problem at node n (or at the top of the file if n is nil).
func (d *Decoder) Errorf(n *yaml.Node, format string, args ...any) {
	d.errorAt(n, fmt.Sprintf(format, args...), nil)
}

// errorAt records msg at n, as Errorf does, naming the overrides given too
// (those that gave the values elsewhere that msg rests on) unless the error
// is placed at one of them.
func (d *Decoder) errorAt(n *yaml.Node, msg string, given []string) {
	e := Error{File: d.File, Msg: msg}
	if d.blamed == nil {
		d.blamed = map[*yaml.Node]bool{}
	}
	d.blamed[n] = true
	if orig, ok := d.copied[n]; ok {
		d.blamed[orig] = true
		n = orig
	}
	var with []string // the overrides named after the message
	placedAt := ""
	if from, ok := d.origins[n]; ok {
		e.File = "--set " + field.Printable(from)
		placedAt = from
	} else if n != nil {
		e.Line, e.Col = n.Line, n.Column
		// A value of the file that an override changed in part (the mean
		// of a distribution) is placed in the file, and names the
		// override too: the file alone does not say it.
		if from := d.within(n); from != "" {
			with = append(with, from)
		}
	}
	for _, from := range given {
		if from != placedAt && !slices.Contains(with, from) {
			with = append(with, from)
		}
	}
	if len(with) > 0 {
		for i, from := range with {
			with[i] = "--set " + field.Printable(from)
		}
		e.Msg += " (with " + strings.Join(with, ", ") + ")"
	}
	d.errs = append(d.errs, e)
}

// overridesIn lists the overrides that gave a value at or inside the node
// at each of paths (from root), or the mapping it is missing from, or
// removed it, something inside it or what holds it (not a list's item
// before it, which only moved it up); each once, in the order of paths and
// of the document.
func (d *Decoder) overridesIn(root *yaml.Node, paths [][]string) []string {
	var out []string
	add := func(from string) {
		if !slices.Contains(out, from) {
			out = append(out, from)
		}
	}
	var walk func(*yaml.Node)
	walk = func(x *yaml.Node) {
		if from, ok := d.origins[x]; ok {
			add(from)
			return // all of it is that override's
		}
		for _, c := range x.Content {
			walk(c)
		}
	}
	for _, p := range paths {
		switch at, scope, missing := resolve(root, p, false); {
		case !missing && at != nil:
			walk(at)
		case missing && scope != nil && d.origins[scope] != "":
			add(d.origins[scope]) // it wrote where the field is, without it
		}
		dotted := strings.Join(p, ".")
		for _, r := range d.removed {
			switch {
			case strings.HasPrefix(r.path, dotted+"."): // something inside it
				add(r.assignment)
			case r.item:
				// The items after a list's removed item moved up: the
				// path names another item now, which it did not change.
			case r.path == dotted || strings.HasPrefix(dotted, r.path+"."):
				add(r.assignment)
			}
		}
	}
	return out
}

// within is the override that gave a value inside n, when exactly one did
// (and n itself is the file's); "" otherwise.
func (d *Decoder) within(n *yaml.Node) string {
	if len(d.origins) == 0 {
		return ""
	}
	found := ""
	var walk func(*yaml.Node) bool
	walk = func(x *yaml.Node) bool {
		for _, c := range x.Content {
			if from, ok := d.origins[c]; ok {
				if found != "" && found != from {
					return false
				}
				found = from
				continue
			}
			if !walk(c) {
				return false
			}
		}
		return true
	}
	if !walk(n) {
		return ""
	}
	return found
}

// MaxSideFile bounds a file a scenario refers to, such as a traffic trace.
const MaxSideFile = 4 << 20

// ReadBeside reads the file called name, relative to d.Folder unless
// absolute, for the field at n: a regular file of at most MaxSideFile
// bytes, inside d.Folder once symbolic links are resolved unless
// d.AllowOutside. It is checked to be a regular file before it is opened,
// and opened without waiting, so that a named pipe or a device is refused
// rather than read for ever. A problem is recorded at n.
func (d *Decoder) ReadBeside(n *yaml.Node, name string) ([]byte, bool) {
	path, ok := d.sidePath(n, name)
	if !ok {
		return nil, false
	}
	if st, err := os.Stat(path); err != nil {
		d.Errorf(n, "cannot read %s: %v", name, errors.Unwrap(err))
		return nil, false
	} else if !st.Mode().IsRegular() {
		d.Errorf(n, "%s is not a regular file", name)
		return nil, false
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		d.Errorf(n, "cannot read %s: %v", name, errors.Unwrap(err))
		return nil, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() { // replaced since
		d.Errorf(n, "%s is not a regular file", name)
		return nil, false
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSideFile+1))
	switch {
	case err != nil:
		d.Errorf(n, "cannot read %s: %v", name, err)
		return nil, false
	case len(data) > MaxSideFile:
		d.Errorf(n, "%s is larger than %d MiB", name, MaxSideFile>>20)
		return nil, false
	}
	return data, true
}

// sidePath is the path of the side file called name, symbolic links
// resolved unless d.AllowOutside; a path that leads outside d.Folder is
// recorded at n.
func (d *Decoder) sidePath(n *yaml.Node, name string) (string, bool) {
	if d.Folder == "" {
		if !d.AllowOutside {
			d.Errorf(n, "%s: the scenario has no folder to read it from (--allow-outside reads it from the working directory)", name)
			return "", false
		}
		return name, true
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(d.Folder, name)
	}
	if d.AllowOutside {
		return path, true
	}
	real, err := realPath(path)
	if err != nil {
		d.Errorf(n, "cannot read %s: %v", name, errors.Unwrap(err))
		return "", false
	}
	folder, err := realPath(d.Folder)
	if err != nil {
		d.Errorf(n, "cannot read %s: the scenario's folder %s: %v", name, d.Folder, errors.Unwrap(err))
		return "", false
	}
	if rel, err := filepath.Rel(folder, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		if abs, err := filepath.Abs(path); err == nil && abs != real {
			name += " (" + real + ")"
		}
		d.Errorf(n, "%s is outside the scenario's folder %s: a scenario reads files in its folder only, unless --allow-outside", name, folder)
		return "", false
	}
	return real, true
}

// realPath is path made absolute, with every symbolic link resolved.
func realPath(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	return filepath.Abs(real)
}

// Failed reports whether any error has been recorded.
func (d *Decoder) Failed() bool { return len(d.errs) > 0 }

// Mark is the count of errors recorded so far, for Rename.
func (d *Decoder) Mark() int { return len(d.errs) }

// Rename replaces old by new in the messages of the errors recorded since
// mark: what was decoded under a name of its own (a copy of a fleet's
// node, NAME@REGION) is named as the file writes it.
func (d *Decoder) Rename(mark int, old, new string) {
	for i := mark; i < len(d.errs); i++ {
		d.errs[i].Msg = strings.ReplaceAll(d.errs[i].Msg, old, new)
	}
}

// Err returns the recorded errors sorted by position, or nil.
func (d *Decoder) Err() error {
	if len(d.errs) == 0 {
		return nil
	}
	l := append(ErrorList(nil), d.errs...)
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].Line != l[j].Line {
			return l[i].Line < l[j].Line
		}
		return l[i].Col < l[j].Col
	})
	return l
}

// Parse reads a YAML document into its root mapping node. Syntax errors are
// recorded at the line they concern, quoting it. A file is one document
// written out in full: a second document, anchors, aliases and merge keys
// are refused (the structure of a scenario is explicit, and an alias would
// let a small file stand for a large tree).
func (d *Decoder) Parse(data []byte) *yaml.Node {
	root, err := parseOne(data)
	if err != nil {
		d.recordParseError(err, "")
		return nil
	}
	if root == nil {
		d.Errorf(nil, "the file is empty")
		return nil
	}
	return root
}

// parseError is a problem parsing YAML, at a 1-based line (0 if unknown).
type parseError struct {
	line, col int
	msg       string
}

func (e *parseError) Error() string { return e.msg }

// parseOne parses data, which must hold at most one YAML document without
// anchors, aliases or merge keys, and returns its root node (nil for an
// empty document).
func parseOne(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, syntaxError(err, data)
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(err, data)
		}
		if !empty(&next) { // a trailing --- with nothing after it is harmless
			return nil, &parseError{line: next.Line, msg: "a second YAML document (after ---) is not supported: a scenario is one document"}
		}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	if err := explicit(doc.Content[0]); err != nil {
		return nil, err
	}
	return doc.Content[0], nil
}

// empty says doc holds nothing: no content, or a null written as nothing.
func empty(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	c := doc.Content[0]
	return c.Kind == yaml.ScalarNode && c.Tag == "!!null" && c.Value == ""
}

// explicit refuses the first anchor, alias or merge key under n.
func explicit(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.AliasNode:
		return &parseError{line: n.Line, col: n.Column, msg: fmt.Sprintf("aliases (*%s) are not supported: write the value out in full", n.Value)}
	case n.Anchor != "":
		return &parseError{line: n.Line, col: n.Column, msg: fmt.Sprintf("anchors (&%s) are not supported: write the value out in full where it is used", n.Anchor)}
	case n.Kind == yaml.ScalarNode && n.Tag == "!!merge":
		return &parseError{line: n.Line, col: n.Column, msg: "merge keys (<<) are not supported: write the fields out in full"}
	}
	for _, c := range n.Content {
		if err := explicit(c); err != nil {
			return err
		}
	}
	return nil
}

// parserErrors are the messages of yaml.v3's parser (not its scanner). For
// these, yaml.v3 reports the line of the construct being parsed counting
// from 0 (and none at all for the first line), so the line it gives is the
// one before the construct: for an unclosed [ on line 2 it says line 1.
var parserErrors = []string{
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
}

// syntaxError turns yaml.v3's "yaml: line N: msg" into a parseError at the
// line concerned.
func syntaxError(err error, data []byte) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	if slices.Contains(parserErrors, msg) {
		line++
	}
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		// yaml.v3 finds this while building the tree, with no position.
		name = strings.TrimSuffix(name, "' referenced")
		line = lineNumber(data, bytes.Index(data, []byte("*"+name)))
		return &parseError{line: line, msg: fmt.Sprintf("aliases (*%s) are not supported: write the value out in full", name)}
	}
	if last := lineNumber(data, len(bytes.TrimRight(data, " \t\r\n"))-1); line > last {
		line = last // the end of the file, where yaml.v3 counts one more line
	}
	if line > 0 {
		if quote := lineOf(data, line); quote != "" {
			msg += " (in " + quote + ")"
		}
	}
	return &parseError{line: line, msg: "syntax error: " + msg}
}

// lineOf quotes the 1-based line n of data, shortened to a readable length,
// or returns "" if there is no such line or it is blank.
func lineOf(data []byte, n int) string {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return ""
		}
		data = data[j+1:]
	}
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		data = data[:j]
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return ""
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return strconv.Quote(s)
}

// lineNumber is the 1-based line of byte offset i in data, or 0 if i < 0.
func lineNumber(data []byte, i int) int {
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// recordParseError records err from parseOne, at its line in the file, or
// against the override assignment when there is one.
func (d *Decoder) recordParseError(err error, assignment string) {
	pe, ok := err.(*parseError)
	if !ok {
		pe = &parseError{msg: err.Error()}
	}
	switch {
	case assignment != "":
		if rest, ok := strings.CutPrefix(pe.msg, "syntax error: "); ok {
			d.setError(assignment, "the value is not YAML: "+rest)
		} else {
			d.setError(assignment, "the value: "+pe.msg)
		}
	case pe.line > 0:
		d.errs = append(d.errs, Error{File: d.File, Line: pe.line, Col: max(pe.col, 1), Msg: pe.msg})
	default:
		d.errs = append(d.errs, Error{File: d.File, Msg: pe.msg})
	}
}

// Suggest returns the candidate closest to word by edit distance, if it is
// close enough to be a likely typo, or "".
//
// It costs at most suggestMaxLen² steps per candidate, and gives up (with
// "") on a word longer than suggestMaxLen or more than suggestMaxCandidates
// candidates, so that a file cannot make suggestions slow.
func Suggest(word string, candidates []string) string {
	if len(word) > suggestMaxLen || len(candidates) > suggestMaxCandidates {
		return ""
	}
	best, bestDist := "", len(word)/3+2
	lw := strings.ToLower(word)
	for _, c := range candidates {
		if len(c) > suggestMaxLen || abs(len(c)-len(word)) >= bestDist {
			continue // too far apart in length to be close
		}
		if d := editDistance(lw, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Bounds on the work of a suggestion.
const (
	suggestMaxLen        = 64
	suggestMaxCandidates = 2000
)

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// DidYouMean formats Suggest's answer as a clause for an error message.
func DidYouMean(word string, candidates []string) string {
	if s := Suggest(word, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
