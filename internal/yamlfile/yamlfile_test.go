package yamlfile

import (
	"math"
	"testing"
)

func TestSuggest(t *testing.T) {
	cands := []string{"workers", "instances", "queue", "service_time"}
	for in, want := range map[string]string{"worker": "workers", "instnces": "instances", "servicetime": "service_time", "zzz": "", "q": ""} {
		if got := Suggest(in, cands); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDistDecoding checks a distribution decoded from YAML has the right
// mean, and that each malformed one is an error at its position.
func TestDistDecoding(t *testing.T) {
	d := &Decoder{File: "d.yaml"}
	root := d.Parse([]byte("a: {dist: empirical, quantiles: {0: 1ms, 0.5: 5ms, 1: 9ms}}\nb: 20ms\nc: {dist: lognormal, mean: 4ms, cv: 1}\n"))
	m, _ := d.Mapping(root, "test", "a", "b", "c")
	if got := d.Dist(m.Get("a"), "a", Seconds).Mean(); math.Abs(got-0.005) > 1e-12 {
		t.Errorf("empirical mean %g, want 0.005", got)
	}
	if got := d.Dist(m.Get("b"), "b", Seconds).Mean(); got != 0.02 {
		t.Errorf("bare duration mean %g, want 0.02", got)
	}
	if got := d.Dist(m.Get("c"), "c", Seconds).Mean(); math.Abs(got-0.004) > 1e-12 {
		t.Errorf("lognormal mean %g, want 0.004", got)
	}
	if d.Failed() {
		t.Fatalf("unexpected errors: %v", d.Err())
	}
	bad := &Decoder{File: "bad.yaml"}
	root = bad.Parse([]byte("a: {dist: lognormal, mean: 4ms, cv: 1, p99: 9ms}\nb: {mean: 1s}\nc: {dist: empirical, quantiles: {0.5: 1ms, 1: 2ms}}\n"))
	m, _ = bad.Mapping(root, "test", "a", "b", "c")
	for _, k := range []string{"a", "b", "c"} {
		if bad.Dist(m.Get(k), k, Seconds) != nil {
			t.Errorf("%s decoded though malformed", k)
		}
	}
	want := "bad.yaml:1:33: a: give lognormal either p99 or cv, not both\n" +
		"bad.yaml:2:4: b: missing \"dist\" (one of [constant empirical exponential gamma hyperexponential lognormal pareto uniform])\n" +
		"bad.yaml:3:33: c: quantile points must include q = 0 and q = 1"
	if err := bad.Err(); err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}
