package topology

// Ratio is part/whole, or nil (unknown) when whole is 0.
func Ratio(part, whole float64) *float64 {
	if whole == 0 {
		return nil
	}
	r := part / whole
	return &r
}

// Share is part/whole, 0 when whole is 0.
func Share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part / whole
}
