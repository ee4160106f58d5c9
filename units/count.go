package units

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

var countSuffixes = map[byte]float64{'k': 1e3, 'K': 1e3, 'M': 1e6, 'B': 1e9, 'G': 1e9}

// ParseCount reads a number that may end in k, M or B (thousand, million,
// billion): 1500, 1.5k, 5M, 1e6.
func ParseCount(s string) (float64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	mult := 1.0
	if n := len(s); n > 1 {
		if m, ok := countSuffixes[s[n-1]]; ok {
			mult, s = m, s[:n-1]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v*mult, 0) || math.IsNaN(v) {
		return 0, errors.New("want a finite number such as 1500, 1.5k or 5M")
	}
	return v * mult, nil
}

// FormatCount writes n with a metric suffix and four significant figures:
// 1500 → "1.5k", 2e6 → "2M".
func FormatCount(n float64) string {
	switch a := math.Abs(n); {
	case a >= 1e13 || math.IsInf(a, 0) || math.IsNaN(a):
		return fmt.Sprintf("%.4g", n) // past 9999B: plain e-notation
	case a >= 1e9:
		return fmt.Sprintf("%.4gB", n/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.4gM", n/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.4gk", n/1e3)
	}
	return fmt.Sprintf("%.4g", n)
}

// Rate writes a rate per second with four significant figures: "699.7/s".
func Rate(perSecond float64) string { return fmt.Sprintf("%.4g/s", perSecond) }

// Plural writes a whole count and its noun, singular for exactly one:
// Plural(1, "node", "nodes") is "1 node", Plural(2, …) "2 nodes" (and
// "0 nodes", "-1 nodes": English takes the singular for one alone).
func Plural[N ~int | ~int32 | ~int64 | ~uint64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}
