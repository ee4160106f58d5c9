package yamlfile

import (
	"fmt"
	"sort"
	"strings"

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
	// blamed holds the nodes errors were recorded at, so that a model's
	// own check of a field that failed to decode is not reported too.
	blamed map[*yaml.Node]bool
}

// Errorf records a problem at node n (or at the top of the file if n is nil).
func (d *Decoder) Errorf(n *yaml.Node, format string, args ...any) {
	e := Error{File: d.File, Msg: fmt.Sprintf(format, args...)}
	if d.blamed == nil {
		d.blamed = map[*yaml.Node]bool{}
	}
	d.blamed[n] = true
	if from, ok := d.origins[n]; ok {
		e.File = "--set " + from
	} else if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// Failed reports whether any error has been recorded.
func (d *Decoder) Failed() bool { return len(d.errs) > 0 }

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
// recorded with the position yaml.v3 gives.
func (d *Decoder) Parse(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		d.syntaxError(err)
		return nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		d.Errorf(nil, "the file is empty")
		return nil
	}
	return doc.Content[0]
}

// syntaxError turns yaml.v3's "yaml: line N: msg" into a positioned error.
func (d *Decoder) syntaxError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		d.errs = append(d.errs, Error{File: d.File, Line: line, Col: 1, Msg: "syntax error: " + msg})
		return
	}
	d.errs = append(d.errs, Error{File: d.File, Msg: "syntax error: " + msg})
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
