package reference

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// mdLink is a Markdown inline link or image: [text](target) or
// [text](target "title"); the target is the first group.
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestDocLinks checks that every relative link of the README and the pages
// under docs/ resolves: its file exists, and an anchor into a Markdown
// page names one of that page's headings (as GitHub makes them: lower
// case, punctuation dropped, spaces to hyphens). Links to the web are not
// followed.
func TestDocLinks(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, filepath.Join(root, "README.md"))
	anchors := map[string][]string{} // a page's anchors, read once
	anchorsOf := func(path string) []string {
		if a, ok := anchors[path]; ok {
			return a
		}
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		a := headingAnchors(string(text))
		anchors[path] = a
		return a
	}
	checked := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, page)
		for n, line := range strings.Split(withoutCode(string(text)), "\n") {
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				checked++
				file, anchor, _ := strings.Cut(target, "#")
				path := page
				if file != "" {
					path = filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
					if _, err := os.Stat(path); err != nil {
						t.Errorf("%s:%d: link %q: no such file", rel, n+1, target)
						continue
					}
				}
				if anchor != "" && strings.HasSuffix(path, ".md") && !slices.Contains(anchorsOf(path), anchor) {
					t.Errorf("%s:%d: link %q: %s has no heading with anchor #%s", rel, n+1, target, filepath.Base(path), anchor)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative link found: the pattern is wrong")
	}
}

// withoutCode blanks the fenced code blocks and inline code spans of a
// Markdown text, keeping its lines, so that code is not read as links.
func withoutCode(text string) string {
	lines := strings.Split(text, "\n")
	fenced := false
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			lines[i] = ""
			continue
		}
		if fenced {
			lines[i] = ""
			continue
		}
		lines[i] = inlineCode.ReplaceAllString(line, "``")
	}
	return strings.Join(lines, "\n")
}

var inlineCode = regexp.MustCompile("`[^`]*`")

// headingAnchors are the anchors GitHub gives a page's headings: the
// heading's text in lower case, without punctuation (hyphens and
// underscores kept), spaces turned to hyphens; a repeated one gets -1,
// -2, ...
func headingAnchors(text string) []string {
	var out []string
	seen := map[string]int{}
	for _, line := range strings.Split(withoutFences(text), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(h) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127 && !strings.ContainsRune("—–·’“”…×", r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if k := seen[a]; k > 0 {
			out = append(out, a+"-"+strconv.Itoa(k))
		} else {
			out = append(out, a)
		}
		seen[a]++
	}
	return out
}

// withoutFences blanks the fenced code blocks of a Markdown text (a line
// in one that starts with # is a comment, not a heading).
func withoutFences(text string) string {
	lines := strings.Split(text, "\n")
	fenced := false
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			lines[i] = ""
		} else if fenced {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}
