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
// 1500 → "1.5k", 2e6 → "2M"; past 9999B (ten trillion, far beyond any
// population) only the bound, ">9999B", and below MinFigure (6.104e-05)
// only that bound, "<0.0001": never e-notation.
func FormatCount(n float64) string {
	a := math.Abs(n)
	switch {
	case math.IsNaN(a):
		return "NaN"
	case a >= 1e9:
		s := fmt.Sprintf("%.4g", a/1e9)
		if strings.ContainsRune(s, 'e') || math.IsInf(a, 0) { // 9999.5B and on round to 1e+04
			if n < 0 {
				return "<-9999B"
			}
			return ">9999B"
		}
		return fmt.Sprintf("%.4gB", n/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.4gM", n/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.4gk", n/1e3)
	}
	s := fmt.Sprintf("%.4g", n)
	if strings.ContainsRune(s, 'e') { // below MinFigure once rounded
		return belowMinFigure(n)
	}
	return s
}

// MaxFigure is the largest rate (per second) or count written as a number;
// beyond it (a queue that grew without end, a rate from a service time of
// 1e-300 s) Rate and Count write the bound alone, ">1000000000": a billion
// requests a second, or waiting, is beyond anything a run simulates.
const MaxFigure = 1e9

// Rate writes a rate per second by the rule of Figures with four
// significant figures: "699.7/s", "38030/s" (not "3.803e+04/s"), and beyond
// MaxFigure only the bound, ">1000000000/s".
func Rate(perSecond float64) string { return Figures(perSecond, 4, MaxFigure) + "/s" }

// Count writes a count that may be fractional (a mean queue length, the
// instances busy on average) by the rule of Figures with three significant
// figures: "3.97", "36600" (not "3.66e+04"), beyond MaxFigure ">1000000000".
func Count(n float64) string { return Figures(n, 3, MaxFigure) }

// Plural writes a whole count and its noun, singular for exactly one:
// Plural(1, "node", "nodes") is "1 node", Plural(2, …) "2 nodes" (and
// "0 nodes", "-1 nodes": English takes the singular for one alone).
func Plural[N ~int | ~int32 | ~int64 | ~uint64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}
