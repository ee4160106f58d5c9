package topology

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// scriptCase is one command of a data-driven test file, written as etcd's
// raft tests write theirs: a command line (the command and its
// arguments), input lines, a line "----", then the output expected, up to
// a blank line. Lines starting with # between commands, and in the input,
// are comments.
type scriptCase struct {
	pos   string // FILE:LINE of the command
	cmd   string
	args  []string
	input []string
	want  string
}

// runScript runs each command of file in order through do, which keeps
// whatever state the file builds up, and compares what it returns with
// the output the file expects.
func runScript(t *testing.T, file string, do func(t *testing.T, c *scriptCase) string) {
	t.Helper()
	cases := readScript(t, file)
	if len(cases) == 0 {
		t.Fatalf("%s: no commands", file)
	}
	for _, c := range cases {
		got := strings.TrimRight(do(t, c), "\n")
		if got != c.want {
			t.Errorf("%s: %s %s\n--- got\n%s\n--- want\n%s", c.pos, c.cmd, strings.Join(c.args, " "), got, c.want)
		}
	}
}

// readScript reads the commands of a data-driven test file.
func readScript(t *testing.T, file string) []*scriptCase {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var (
		cases []*scriptCase
		c     *scriptCase
		out   []string
		inOut bool
	)
	end := func() {
		if c != nil {
			c.want = strings.Join(out, "\n")
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
			c = &scriptCase{pos: file + ":" + strconv.Itoa(i+1), cmd: f[0], args: f[1:]}
		case line == "----":
			inOut = true
		default:
			c.input = append(c.input, line)
		}
	}
	if c != nil && !inOut {
		t.Fatalf("%s: the last command has no ----", file)
	}
	end()
	return cases
}

// fatalf stops the test at the command c.
func (c *scriptCase) fatalf(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Fatalf("%s: %s", c.pos, fmt.Sprintf(format, args...))
}

// num reads a number of a script, or stops the test.
func (c *scriptCase) num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		c.fatalf(t, "%q is not a number", s)
	}
	return v
}
