package field

import (
	"slices"
	"strings"
	"testing"
)

func TestErrorsPaths(t *testing.T) {
	e := New("nodes")
	e.In("app").Add("instances", "node %s instances must be at least 1, got %d", "app", 0)
	e.In("app", "calls", "1").AddAtKey("", "a call from app needs \"to\"")
	e.Add("", "nodes is empty")
	got := e.List()
	if len(got) != 3 {
		t.Fatalf("%d errors, want 3", len(got))
	}
	want := []struct {
		path  string
		atKey bool
		msg   string
	}{
		{"nodes.app.instances", false, "node app instances must be at least 1, got 0"},
		{"nodes.app.calls.1", true, `a call from app needs "to"`},
		{"nodes", false, "nodes is empty"},
	}
	for i, w := range want {
		fe := got[i].(*Error)
		if fe.Where() != w.path || fe.AtKey != w.atKey || fe.Error() != w.msg {
			t.Errorf("error %d: %s (at key %v) %q; want %s (%v) %q", i, fe.Where(), fe.AtKey, fe.Error(), w.path, w.atKey, w.msg)
		}
	}
	if New().List() != nil {
		t.Error("an empty collection lists errors")
	}
	if !slices.Equal(e.In("a").Path, []string{"nodes", "a"}) || len(e.Path) != 1 {
		t.Error("In changed the parent's path")
	}
}

func TestNames(t *testing.T) {
	for _, ok := range []string{"app", "db-1", "cache.eu_west", "A", "9lives", strings.Repeat("x", MaxNameLen)} {
		if !ValidName(ok) {
			t.Errorf("ValidName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "-x", "a b", "a/b", "app\n", "ap\x1b[31mp", "é", strings.Repeat("x", MaxNameLen+1)} {
		if ValidName(bad) {
			t.Errorf("ValidName(%q) = true", bad)
		}
	}
	for _, ok := range []string{"checkout API (v2)", "café", ""} {
		if !ValidText(ok) {
			t.Errorf("ValidText(%q) = false", ok)
		}
	}
	for _, bad := range []string{"a\nSLO         pass", "\x1b[2J", "tab\there", strings.Repeat("x", MaxTextLen+1)} {
		if ValidText(bad) {
			t.Errorf("ValidText(%q) = true", bad)
		}
	}
}
