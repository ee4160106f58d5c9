// Package scripttest runs data-driven test files, as etcd's raft tests
// write theirs: each command of a file is given to the test, and what it
// returns is compared with the output the file expects.
package scripttest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Case is one command of a data-driven test file, written as etcd's
// raft tests write theirs: a command line (the command and its
// arguments), input lines, a line "----", then the output expected, up to
// a blank line. Lines starting with # between commands, and in the input,
// are comments.
type Case struct {
	Pos   string // FILE:LINE of the command
	Cmd   string
	Args  []string
	Input []string
	Want  string
}

// Run runs each command of file in order through do, which keeps
// whatever state the file builds up, and compares what it returns with
// the output the file expects.
func Run(t *testing.T, file string, do func(t *testing.T, c *Case) string) {
	t.Helper()
	cases := read(t, file)
	if len(cases) == 0 {
		t.Fatalf("%s: no commands", file)
	}
	for _, c := range cases {
		got := strings.TrimRight(do(t, c), "\n")
		if got != c.Want {
			t.Errorf("%s: %s %s\n--- got\n%s\n--- want\n%s", c.Pos, c.Cmd, strings.Join(c.Args, " "), got, c.Want)
		}
	}
}

// read reads the commands of a data-driven test file.
func read(t *testing.T, file string) []*Case {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var (
		cases []*Case
		c     *Case
		out   []string
		inOut bool
	)
	end := func() {
		if c != nil {
			c.Want = strings.Join(out, "\n")
			cases = append(cases, c)
		}
		c, out, inOut = nil, nil, false
	}
	for i, line := range strings.Split(string(raw), "\n") {
		switch {
		case inOut && strings.TrimSpace(line) == "":
			end()
		case inOut:
			out = append(out, line)
		case strings.TrimSpace(line) == "" && c != nil:
			t.Fatalf("%s:%d: a blank line before the command's ----", file, i+1)
		case strings.TrimSpace(line) == "", strings.HasPrefix(line, "#"):
		case c == nil:
			f := strings.Fields(line)
			c = &Case{Pos: file + ":" + strconv.Itoa(i+1), Cmd: f[0], Args: f[1:]}
		case line == "----":
			inOut = true
		default:
			c.Input = append(c.Input, line)
		}
	}
	if c != nil && !inOut {
		t.Fatalf("%s: the last command has no ----", file)
	}
	end()
	return cases
}

// Fatalf stops the test at the command c.
func (c *Case) Fatalf(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Fatalf("%s: %s", c.Pos, fmt.Sprintf(format, args...))
}

// Num reads a number of a script, or stops the test.
func (c *Case) Num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		c.Fatalf(t, "%q is not a number", s)
	}
	return v
}
