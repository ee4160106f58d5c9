package units

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
	for _, in := range []string{"20", "ms", "-1s", "1 s", "1.5.2s", "fast", "", "1e308d", "Infs", "1e307h", "NaNs"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) should fail", in)
		}
	}
	// A number without a unit is shown with one only when that would be
	// a duration: "NaN" was told to write NaNs, "-5" -5s.
	for in, want := range map[string]string{
		"20":   `duration "20" needs a unit: ns, us, ms, s, m, h or d (e.g. 20s)`,
		"NaN":  `duration "NaN" must be non-negative and finite`,
		"-5":   `duration "-5" must be non-negative and finite`,
		"-Inf": `duration "-Inf" must be non-negative and finite`,
	} {
		if _, err := ParseDuration(in); err == nil || err.Error() != want {
			t.Errorf("ParseDuration(%q): %v; want %q", in, err, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	cases := map[float64]string{0: "0s", 0.0203: "20.3ms", 0.000250: "250µs", 1.5: "1.5s", 90: "90s", 600: "10m", 111111: "30.9h", 2e-9: "2ns",
		// Past MaxFigure hours (a run.duration of 1e300d), the bound alone:
		// the figure in full was some 300 digits.
		3600e9: "1000000000h", 3601e9: ">1000000000h", 8.64e304: ">1000000000h"}
	for in, want := range cases {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%g) = %q, want %q", in, got, want)
		}
	}
}

func TestCounts(t *testing.T) {
	counts := map[string]float64{"1500": 1500, "1.5k": 1500, "5M": 5e6, "2B": 2e9, "1e6": 1e6, "10_000": 1e4}
	for in, want := range counts {
		if got, err := ParseCount(in); err != nil || got != want {
			t.Errorf("ParseCount(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, in := range []string{"many", "1e308B", "Inf", "NaN", "-Inf"} {
		if _, err := ParseCount(in); err == nil {
			t.Errorf("ParseCount(%q) should fail", in)
		}
	}
	for in, want := range map[float64]string{1500: "1.5k", 2e6: "2M", 4.963e6: "4.963M", 3e9: "3B", 9.999e12: "9999B", 3.63e15: ">9999B", 9.9995e12: ">9999B", -4e13: "<-9999B", math.Inf(1): ">9999B", 12: "12", 0.5: "0.5"} {
		if got := FormatCount(in); got != want {
			t.Errorf("FormatCount(%g) = %q, want %q", in, got, want)
		}
	}
}

func TestShares(t *testing.T) {
	fracs := map[string]float64{"0.1%": 0.001, "0.001": 0.001, "100%": 1, "0": 0}
	for in, want := range fracs {
		if got, err := ParseFraction(in); err != nil || math.Abs(got-want) > 1e-15 {
			t.Errorf("ParseFraction(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, in := range []string{"150%", "-0.1", "half", "Inf%", "NaN"} {
		if _, err := ParseFraction(in); err == nil {
			t.Errorf("ParseFraction(%q) should fail", in)
		}
	}
	if got := Percent(0.69912); got != "69.9%" {
		t.Errorf("Percent = %q", got)
	}
	if got := PercentDigits(0.123456, 4); got != "12.35%" {
		t.Errorf("PercentDigits = %q", got)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]float64{"512B": 512, "2KB": 2000, "1.5GB": 1.5e9, "64GiB": 64 << 30, "100": 100} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, in := range []string{"-1KB", "lots", "1e400B", "1e300TB", "InfB"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) should fail", in)
		}
	}
}

func TestPeriods(t *testing.T) {
	for in, want := range map[string]float64{"18mo": 18 * Month, "2y": 2 * Year, "6w": 6 * Week, "90d": 90 * Day} {
		if got, err := ParsePeriod(in); err != nil || got != want {
			t.Errorf("ParsePeriod(%q) = %g, %v", in, got, err)
		}
	}
	for _, in := range []string{"mo", "-1mo", "soon", "Infy", "1e308y", "NaNw"} {
		if _, err := ParsePeriod(in); err == nil {
			t.Errorf("ParsePeriod(%q) should fail", in)
		}
	}
	for in, want := range map[float64]string{0: "week 0", 2 * Week: "week 2", 7.25 * Month: "month 7.2"} {
		if got := FormatPeriod(in); got != want {
			t.Errorf("FormatPeriod(%g) = %q, want %q", in, got, want)
		}
	}
}

func TestMoneyAndRates(t *testing.T) {
	for in, want := range map[float64]string{516.2: "$516", 16.42: "$16.4", 0.2812: "$0.281"} {
		if got := USD(in); got != want {
			t.Errorf("USD(%g) = %q, want %q", in, got, want)
		}
	}
	if got := USDDigits(124.34, 4); got != "$124.3" {
		t.Errorf("USDDigits = %q", got)
	}
	if got := Rate(699.71); got != "699.7/s" {
		t.Errorf("Rate = %q", got)
	}
}

func TestFormatBytes(t *testing.T) {
	for in, want := range map[float64]string{512 << 20: "512MiB", 1536: "1.5KiB", 100: "100B", 3 << 30: "3GiB",
		// Figures' rule: no exponent between 1000 and 1024 of a unit, for
		// the largest or below MinFigure (each said 1.02e+03B, 1e+03MiB,
		// 9.09e+17TiB, 1e-05B).
		1023: "1020B", 1000 << 20: "1000MiB", 1e30: "909000000000000000TiB", 1e-5: "<0.0001B"} {
		if got := FormatBytes(in); got != want {
			t.Errorf("FormatBytes(%g) = %q, want %q", in, got, want)
		}
	}
}

// TestPlural checks the singular for exactly one, and the plural for
// everything else.
func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 replicas"}, {1, "1 replica"}, {2, "2 replicas"}, {-1, "-1 replicas"}, {1000, "1000 replicas"}} {
		if got := Plural(c.n, "replica", "replicas"); got != c.want {
			t.Errorf("Plural(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

// TestPercentBounded checks the one rule for writing a share as a
// percentage: three significant figures below 1000%, whole percents (to
// three significant figures) up to 1000000%, and beyond that only the
// bound, which is true and readable where an own demand of 1.04e+297% was
// neither.
func TestPercentBounded(t *testing.T) {
	for _, c := range []struct {
		share float64
		want  string
	}{
		{0, "0%"},
		{0.69912, "69.9%"},
		{9.994, "999%"},
		{9.996, "1000%"},
		{12.345, "1230%"},
		{5413.7, "541000%"},
		{10000, "1000000%"},
		{10000.5, ">1000000%"},
		{1.04e295, ">1000000%"},
		{math.Inf(1), ">1000000%"},
		{-0.5, "-50%"},
		{-20, "-2000%"},
		{-1e300, "<-1000000%"},
		{math.Inf(-1), "<-1000000%"},
	} {
		if got := Percent(c.share); got != c.want {
			t.Errorf("Percent(%g) = %q, want %q", c.share, got, c.want)
		}
	}
	if got := PercentDigits(1e10, 4); got != ">1000000%" {
		t.Errorf("PercentDigits(1e10, 4) = %q, want >1000000%%", got)
	}
	if got := PercentDigits(99.996, 4); got != "10000%" {
		t.Errorf("PercentDigits(99.996, 4) = %q, want 10000%%", got)
	}
}

// TestTimes checks that a multiple of a load follows the percentages'
// rule: explain wrote a headroom of 1.4e+03× this load.
func TestTimes(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want string
	}{{1.3245, "1.32×"}, {1404.2, "1400×"}, {999.7, "1000×"}, {2e6, ">1000000×"}, {math.Inf(1), ">1000000×"}} {
		if got := Times(c.x); got != c.want {
			t.Errorf("Times(%g) = %q, want %q", c.x, got, c.want)
		}
	}
}

// TestRateAndCountBounded checks that rates and counts follow the rule of
// percentages (Figures): their figures without an exponent below it, whole
// numbers from there ("38030/s", not "3.803e+04/s"), and the bound alone
// beyond MaxFigure.
func TestRateAndCountBounded(t *testing.T) {
	for _, c := range []struct {
		v           float64
		rate, count string
	}{
		{0, "0/s", "0"},
		{0.012345, "0.01235/s", "0.0123"},
		{699.71, "699.7/s", "700"},
		{3.97, "3.97/s", "3.97"},
		{9999.4, "9999/s", "10000"},
		{38030.2, "38030/s", "38000"},
		{36612, "36610/s", "36600"},
		{3.97e5, "397000/s", "397000"},
		{1e9, "1000000000/s", "1000000000"},
		{1.0000001e9, ">1000000000/s", ">1000000000"},
		{1e300, ">1000000000/s", ">1000000000"},
		{math.Inf(1), ">1000000000/s", ">1000000000"},
		{-1445.2, "-1445/s", "-1450"},
		{-2e10, "<-1000000000/s", "<-1000000000"},
		{math.NaN(), "NaN/s", "NaN"},
	} {
		if got := Rate(c.v); got != c.rate {
			t.Errorf("Rate(%g) = %q, want %q", c.v, got, c.rate)
		}
		if got := Count(c.v); got != c.count {
			t.Errorf("Count(%g) = %q, want %q", c.v, got, c.count)
		}
	}
}

// TestSmallFigures checks that a figure %g would write with an exponent
// below 1 (6.104e-05 in a report) is written, like one beyond the bound,
// as the bound alone: "<0.0001" (">-0.0001" below 0), in every format
// that follows Figures and in FormatCount; from 0.0001 up the figures
// as before, and 0 as "0".
func TestSmallFigures(t *testing.T) {
	for _, c := range []struct {
		v                            float64
		figures, percent, rate, each string
	}{
		{0, "0", "0%", "0/s", "0"},
		{6.104e-05, "<0.0001", "0.0061%", "<0.0001/s", "<0.0001"},
		{1e-300, "<0.0001", "<0.0001%", "<0.0001/s", "<0.0001"},
		{math.SmallestNonzeroFloat64, "<0.0001", "<0.0001%", "<0.0001/s", "<0.0001"},
		{-6.104e-05, ">-0.0001", "-0.0061%", ">-0.0001/s", ">-0.0001"},
		{1e-4, "0.0001", "0.01%", "0.0001/s", "0.0001"},
		{1.2345e-4, "0.000123", "0.0123%", "0.0001234/s", "0.0001234"},
		// Rounded up to 0.0001 by its figures: %g writes no exponent.
		{9.9996e-5, "0.0001", "0.01%", "0.0001/s", "0.0001"},
		{6.104e-7, "<0.0001", "<0.0001%", "<0.0001/s", "<0.0001"},
	} {
		if got := Figures(c.v, 3, MaxPercent); got != c.figures {
			t.Errorf("Figures(%g, 3) = %q, want %q", c.v, got, c.figures)
		}
		if got := Percent(c.v); got != c.percent {
			t.Errorf("Percent(%g) = %q, want %q", c.v, got, c.percent)
		}
		if got := Rate(c.v); got != c.rate {
			t.Errorf("Rate(%g) = %q, want %q", c.v, got, c.rate)
		}
		if got := FormatCount(c.v); got != c.each {
			t.Errorf("FormatCount(%g) = %q, want %q", c.v, got, c.each)
		}
	}
}
