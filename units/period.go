package units

import (
	"math"
	"strconv"
	"strings"
)

// Calendar units, in seconds: a month is a twelfth of a Julian year.
const (
	Day   = 86400.0
	Week  = 7 * Day
	Month = 365.25 / 12 * Day
	Year  = 365.25 * Day
)

// ParsePeriod reads a calendar period: 18mo, 2y, 6w, 90d, or any duration.
func ParsePeriod(s string) (float64, error) {
	for _, u := range []struct {
		suffix string
		unit   float64
	}{{"mo", Month}, {"y", Year}, {"w", Week}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || !(v > 0) || math.IsInf(v*u.unit, 0) {
				return 0, strconv.ErrSyntax
			}
			return v * u.unit, nil
		}
	}
	return ParseDuration(s)
}

// FormatPeriod writes seconds of calendar time as "week N" under a month and
// "month M" (to a tenth) after: "month 7" is the start of the eighth month.
func FormatPeriod(sec float64) string {
	if sec < Month {
		return "week " + strconv.Itoa(int(sec/Week))
	}
	return "month " + strconv.FormatFloat(math.Floor(sec/Month*10)/10, 'f', -1, 64)
}
