package units

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// byteUnits are the size suffixes ParseBytes accepts: decimal (KB = 1000 B)
// and binary (KiB = 1024 B).
var byteUnits = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// FormatBytes writes a size in the largest binary unit that keeps the
// number at least 1, with three significant figures by the one rule for
// figures (Figures), with no bound: 536870912 → "512MiB", 1023 →
// "1020B" (not "1.02e+03B"), 1e30 → "909000000000000000TiB" (a size
// refused as too large is said with its limit, which may be as large).
func FormatBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for ; i < len(units)-1 && math.Abs(b) >= 1024; i++ {
		b /= 1024
	}
	return Figures(b, 3, math.MaxFloat64) + units[i]
}

// ParseBytes reads a size such as 512B, 2KB, 1.5GB or 64GiB, in bytes. A
// bare number is bytes.
func ParseBytes(s string) (float64, error) {
	s = strings.TrimSpace(s)
	mult := 1.0
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v*mult, 0) || math.IsNaN(v) || v < 0 {
		return 0, errors.New("want a size such as 512B, 2KB, 1.5GB or 64GiB")
	}
	return v * mult, nil
}
