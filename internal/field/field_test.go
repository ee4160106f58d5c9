package field

import (
	"slices"
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
