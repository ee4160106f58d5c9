package units

import "fmt"

// USD writes an amount of US dollars: whole dollars from $100 up, three
// significant figures below: "$516", "$16.4", "$0.281".
func USD(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("$%.0f", v)
	}
	return fmt.Sprintf("$%.3g", v)
}

// USDDigits writes an amount of US dollars with the given number of
// significant figures: "$124.3".
func USDDigits(v float64, digits int) string { return fmt.Sprintf("$%.*g", digits, v) }
