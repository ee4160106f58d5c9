package simulate

// Degraded replies: a request one of whose calls failed and was answered
// by its fallback (topology.Fallback) gets a reply, counted as such
// (throughput, latency) and apart (RequestCounts.Degraded); the SLO's
// degraded_counts_as says whether the objectives take it as good (the
// default: the user got an answer) or as an error (in the error rate, and
// not goodput).

// fellBack records that a reply of latency lat, just recorded, was
// degraded; asError says the objectives count it as an error, so that it
// is not goodput.
func (m *measured) fellBack(lat, goodputWithin float64, asError bool) {
	m.degraded++
	if !asError {
		return
	}
	m.degradedErrors++
	if goodputWithin <= 0 || lat <= goodputWithin {
		m.good--
	}
}

// errors counts the requests the error rate counts: those that ended
// without a reply, and the degraded replies the objectives count as
// errors.
func (m *measured) errors() int64 { return m.failures() + m.degradedErrors }
