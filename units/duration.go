package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// durationUnits are the units ParseDuration accepts, in seconds.
var durationUnits = []struct {
	suffix  string
	seconds float64
}{
	// Longest suffixes first, so "ms" is not read as "m" + "s".
	{"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3},
	{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400},
}

// ParseDuration reads a non-negative duration such as 250us, 20ms, 1.5s, 2m,
// 1h or 1d and returns it in seconds. "0" needs no unit.
func ParseDuration(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	for _, u := range durationUnits {
		num, found := strings.CutSuffix(s, u.suffix)
		if !found {
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			continue // "5ms" ends in "s" too; try the next unit
		}
		if v < 0 || math.IsInf(v*u.seconds, 0) || math.IsNaN(v) {
			return 0, fmt.Errorf("duration %q must be non-negative and finite", s)
		}
		return v * u.seconds, nil
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if !(v >= 0) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("duration %q must be non-negative and finite", s)
		}
		return 0, fmt.Errorf("duration %q needs a unit: ns, us, ms, s, m, h or d (e.g. %ss)", s, s)
	}
	return 0, fmt.Errorf("%q is not a duration: want a number and a unit, e.g. 20ms, 1.5s, 2m", s)
}

// FormatDuration writes seconds in the largest unit that keeps the number at
// least 1, with three significant figures: 0.0203 → "20.3ms"; beyond
// MaxFigure hours (over 100000 years) only the bound, ">1000000000h", as
// Figures writes it.
func FormatDuration(sec float64) string {
	switch a := math.Abs(sec); {
	case a/3600 > MaxFigure:
		return Figures(sec/3600, 3, MaxFigure) + "h"
	case a == 0:
		return "0s"
	case a < 1e-6:
		return trimFloat(sec*1e9) + "ns"
	case a < 1e-3:
		return trimFloat(sec*1e6) + "µs"
	case a < 1:
		return trimFloat(sec*1e3) + "ms"
	case a < 120:
		return trimFloat(sec) + "s"
	case a < 7200:
		return trimFloat(sec/60) + "m"
	default:
		return trimFloat(sec/3600) + "h"
	}
}

// trimFloat writes v with three significant figures and no trailing zeros.
func trimFloat(v float64) string {
	decimals := 2
	switch a := math.Abs(v); {
	case a >= 100:
		decimals = 0
	case a >= 10:
		decimals = 1
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
