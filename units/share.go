package units

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseFraction reads a share in [0, 1] written as a fraction (0.001) or a
// percentage (0.1%).
func ParseFraction(s string) (float64, error) {
	s = strings.TrimSpace(s)
	scale := 1.0
	if num, pct := strings.CutSuffix(s, "%"); pct {
		s, scale = strings.TrimSpace(num), 0.01
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("want a fraction such as 0.001 or 0.1%")
	}
	v *= scale
	if v < 0 || v > 1 {
		return 0, fmt.Errorf("%s is not between 0 and 1 (0%% and 100%%)", s)
	}
	return v, nil
}

// Percent writes a share as a percentage with three significant figures:
// 0.699 → "69.9%". Large values follow PercentDigits' rule: whole percents
// from 1000% ("1230%"), and only the bound beyond MaxPercent (">1000000%").
func Percent(share float64) string { return PercentDigits(share, 3) }

// MaxPercent is the largest percentage written as a number; beyond it
// (a demand of 10⁴ times a capacity, or a slowdown of 1e300) Percent and
// PercentDigits write the bound alone, ">1000000%", which is as true and
// can be read.
const MaxPercent = 1e6

// PercentDigits writes a share as a percentage with the given number of
// significant figures. It is the one rule for percentages in reports:
// below 1000% the figures as %g writes them ("12.35%"), from 1000% to
// MaxPercent whole percents rounded to those figures ("1230%", not
// "1.23e+03%"), and beyond MaxPercent ">1000000%" (or "<-1000000%").
func PercentDigits(share float64, digits int) string {
	return bounded(share*100, digits) + "%"
}

// Times writes a multiple (of a load, a capacity) with three significant
// figures by the rule of percentages (see PercentDigits), followed by ×:
// "1.32×", "1400×" (not "1.4e+03×"), ">1000000×".
func Times(x float64) string { return bounded(x, 3) + "×" }

// bounded writes v with digits significant figures below 1000, whole and
// rounded to those figures up to MaxPercent, and beyond it only the
// bound (">1000000", "<-1000000").
func bounded(v float64, digits int) string { return Figures(v, digits, MaxPercent) }

// MinFigure is the smallest figure written as a number: below it %g would
// write an exponent (6.104e-05), and Figures and FormatCount write the
// bound alone, "<0.0001" (">-0.0001" below 0), as they write only the
// bound of a figure too large.
const MinFigure = 1e-4

// minFigureText is MinFigure as it is written.
const minFigureText = "0.0001"

// Figures is the one rule for writing a figure in reports (percentages,
// multiples, rates, counts): v with digits significant figures as %g writes
// them while it needs no exponent ("0.0123", "699.7"), whole and rounded to
// those figures when %g would use one for a large figure ("38030", not
// "3.803e+04"), beyond ±bound only the bound (">1000000", "<-1000000"),
// which is as true and can be read, and below MinFigure (once rounded to
// its figures) only that bound ("<0.0001", not "6.1e-05"; ">-0.0001"
// below 0). NaN is written "NaN", 0 "0".
func Figures(v float64, digits int, bound float64) string {
	switch {
	case v > bound:
		return ">" + strconv.FormatFloat(bound, 'f', 0, 64)
	case v < -bound:
		return "<-" + strconv.FormatFloat(bound, 'f', 0, 64)
	}
	s := strconv.FormatFloat(v, 'g', digits, 64)
	if strings.ContainsRune(s, 'e') {
		if math.Abs(v) < 1 {
			return belowMinFigure(v)
		}
		// Rounded to its figures, then written whole.
		r, _ := strconv.ParseFloat(s, 64)
		s = strconv.FormatFloat(r, 'f', 0, 64)
	}
	return s
}

// belowMinFigure writes a figure v, 0 < |v| < MinFigure, as its bound.
func belowMinFigure(v float64) string {
	if v < 0 {
		return ">-" + minFigureText
	}
	return "<" + minFigureText
}

// Unknown is how a figure that could not be measured (computed from no
// samples) is written in tables.
const Unknown = "-"

// OrUnknown writes *v with format, or Unknown when v is nil.
func OrUnknown(v *float64, format func(float64) string) string {
	if v == nil {
		return Unknown
	}
	return format(*v)
}
