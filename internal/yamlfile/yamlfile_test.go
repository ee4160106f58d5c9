package yamlfile

import (
	"math"
	"testing"
)

func TestParseDuration(t *testing.T) {
	good := map[string]float64{
		"0": 0, "250us": 250e-6, "250µs": 250e-6, "20ms": 0.02, "1.5s": 1.5, "2m": 120, "1h": 3600, "1d": 86400, "5ns": 5e-9,
	}
	for in, want := range good {
		got, err := ParseDuration(in)
		if err != nil || math.Abs(got-want) > 1e-15*math.Max(1, want) {
			t.Errorf("ParseDuration(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, in := range []string{"20", "ms", "-1s", "1 s", "1.5.2s", "fast", ""} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) should fail", in)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	cases := map[float64]string{0: "0s", 0.0203: "20.3ms", 0.000250: "250µs", 1.5: "1.5s", 90: "90s", 600: "10m", 111111: "30.9h", 2e-9: "2ns"}
	for in, want := range cases {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%g) = %q, want %q", in, got, want)
		}
	}
}

func TestParseCountAndFraction(t *testing.T) {
	counts := map[string]float64{"1500": 1500, "1.5k": 1500, "5M": 5e6, "2B": 2e9, "1e6": 1e6, "10_000": 1e4}
	for in, want := range counts {
		if got, err := ParseCount(in); err != nil || got != want {
			t.Errorf("ParseCount(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	if _, err := ParseCount("many"); err == nil {
		t.Error(`ParseCount("many") should fail`)
	}
	fracs := map[string]float64{"0.1%": 0.001, "0.001": 0.001, "100%": 1, "0": 0}
	for in, want := range fracs {
		if got, err := ParseFraction(in); err != nil || math.Abs(got-want) > 1e-15 {
			t.Errorf("ParseFraction(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, in := range []string{"150%", "-0.1", "half"} {
		if _, err := ParseFraction(in); err == nil {
			t.Errorf("ParseFraction(%q) should fail", in)
		}
	}
}

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
