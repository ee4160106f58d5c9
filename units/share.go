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
// 0.699 → "69.9%".
func Percent(share float64) string { return fmt.Sprintf("%.3g%%", share*100) }

// PercentDigits writes a share as a percentage with the given number of
// significant figures.
func PercentDigits(share float64, digits int) string {
	return fmt.Sprintf("%.*g%%", digits, share*100)
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
