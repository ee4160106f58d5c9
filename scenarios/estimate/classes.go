package estimate

import (
	"fmt"
	"strings"

	"github.com/scalesim/scalesim/units"
)

// ClassEstimate is one request class's mean response time: the time its
// visits wait at each station, which is the same for every class there
// (the wait of the mixed service distribution), and their own service
// times and calls.
type ClassEstimate struct {
	Class   string  `json:"class"`
	Share   float64 `json:"share"`
	Latency float64 `json:"latency"`
}

// classLatencies are each class's mean response time at the entry node (entry),
// when the workload has more than one class.
func (m *Model) classLatencies(entry int) []ClassEstimate {
	if len(m.classes) < 2 {
		return nil
	}
	out := make([]ClassEstimate, len(m.classes))
	for c, name := range m.classes {
		out[c] = ClassEstimate{Class: name, Share: m.shares[c], Latency: m.resp[c][entry]}
	}
	return out
}

// writeClasses writes each class's mean response time on one line.
func writeClasses(b *strings.Builder, classes []ClassEstimate) {
	if len(classes) == 0 {
		return
	}
	parts := make([]string, len(classes))
	for i, c := range classes {
		parts[i] = fmt.Sprintf("%s %s", c.Class, units.FormatDuration(c.Latency))
	}
	fmt.Fprintf(b, "by class    mean %s\n", strings.Join(parts, ", "))
}
