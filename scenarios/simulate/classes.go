package simulate

import (
	"fmt"
	"strings"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// ClassReport is one request class's figures over the measurement window.
// A report has one per class when the workload's mix has more than one
// (Report.Classes), in the mix's order; a single class's would repeat the
// report's own figures.
type ClassReport struct {
	Class string `json:"class"`
	// Arrived counts the class's requests that arrived in the window, by
	// how they ended: Arrived = Completed + Failed + Unfinished.
	Arrived    int64 `json:"arrived"`
	Completed  int64 `json:"completed"`
	Failed     int64 `json:"failed"`
	Unfinished int64 `json:"unfinished"`
	// Throughput is its replies per second.
	Throughput float64 `json:"throughput"`
	// ErrorRate is the share of its requests that ended in the window
	// without a reply; null when none ended.
	ErrorRate *float64 `json:"error_rate"`
	// Latency is null when none of its requests completed; its mean has a
	// confidence interval as the run's has (and none where the run's has
	// none).
	Latency *Latency `json:"latency"`
	// SLO is the verdict on the class's own objectives (slo.by_class);
	// absent when it has none.
	SLO *SLOResult `json:"slo,omitempty"`
}

// byClass holds the measurements of each request class of a workload with
// several (ClassNames order); nil with one.
type byClass []measured

// arrived records an arrival of class c in the window.
func (m byClass) arrived(c int) {
	if c >= 0 && c < len(m) {
		m[c].arrived++
	}
}

// ended records a request that ended, of an arrival in the window.
func (m byClass) ended(req *engine.Request, lat float64, outcome engine.Outcome) {
	if req.Class < 0 || req.Class >= len(m) {
		return
	}
	at := &m[req.Class]
	if outcome == engine.Completed {
		at.replied(lat, 0)
	} else {
		at.failed[outcome]++
	}
}

// reset starts the measurement window.
func (m byClass) reset() {
	for i := range m {
		m[i] = measured{}
	}
}

// classRecordBytes is about what the measurements of one class hold at
// most: a latency histogram (sim.Histogram's buckets) and its batch means.
const classRecordBytes = 28 << 10

// classReports are the classes' figures at the end of the run, window
// seconds long; noCI, when not "", is why the run's latency has no
// interval, and so neither has a class's.
func (r *runner) classReports(window float64, noCI string) []ClassReport {
	if len(r.classes) == 0 {
		return nil
	}
	names := r.s.Workload.ClassNames()
	out := make([]ClassReport, len(r.classes))
	for c := range r.classes {
		m := &r.classes[c]
		cr := ClassReport{Class: names[c], Arrived: m.arrived, Completed: m.completed, Failed: m.failures()}
		cr.Unfinished = m.arrived - m.ended()
		if window > 0 {
			cr.Throughput = float64(m.completed) / window
		}
		if ended := m.ended(); ended > 0 {
			e := float64(m.failures()) / float64(ended)
			cr.ErrorRate = &e
		}
		if cr.Latency = m.latencyFigures(); cr.Latency != nil {
			if cr.Latency.NoCI = noCI; noCI == "" {
				cr.Latency.MeanCI95 = m.latency.MeanCI95()
			}
		}
		out[c] = cr
	}
	return out
}

// judgeClasses judges each class's own objectives (slo.by_class) as the
// run's are judged, into its ClassReport, and adds each check and
// violation to the run's verdict res, named by its class. stopped says the
// run could not go on.
func judgeClasses(slo scenarios.SLO, classes []ClassReport, res *SLOResult, stopped bool, stoppedEarly string) {
	for i := range classes {
		cr := &classes[i]
		if own, ok := slo.ByClass[cr.Class]; ok {
			cr.SLO = judgePart(cr.Class, own, cr.Latency, cr.ErrorRate, res, stopped, stoppedEarly)
		}
	}
}

// judgePart judges the objectives own of a part of the requests (a class,
// a user region) called name, on its latency and error rate, as the run's
// are judged, and adds each check and violation to the run's verdict res,
// named by the part.
func judgePart(name string, own scenarios.SLO, lat *Latency, errRate *float64, res *SLOResult, stopped bool, stoppedEarly string) *SLOResult {
	v := judge(own, &Report{Latency: lat, ErrorRate: errRate, StoppedEarly: stoppedEarly}, stopped)
	for _, c := range v.Checks {
		res.Checks = append(res.Checks, name+" "+c)
	}
	for _, c := range v.Violations {
		if !strings.HasPrefix(c, "the run could not go on") {
			res.Violations = append(res.Violations, name+" "+c)
		}
	}
	res.Pass = len(res.Violations) == 0
	return &v
}

// incompleteClasses marks the classes' verdicts incomplete as the run's:
// a part of a run cannot pass for the whole.
func incompleteClasses(classes []ClassReport, why string) {
	for i := range classes {
		if v := classes[i].SLO; v != nil {
			v.Incomplete, v.Pass = why, false
		}
	}
}

// writeClasses writes each class's figures, one line each.
func writeClasses(b *strings.Builder, classes []ClassReport, window float64) {
	dur := units.FormatDuration
	width := 0
	for _, cr := range classes {
		width = max(width, len(cr.Class))
	}
	for i, cr := range classes {
		head := "            "
		if i == 0 {
			head = "by class    "
		}
		rate := units.Rate(cr.Throughput)
		if window <= 0 {
			rate = "-"
		}
		fmt.Fprintf(b, "%s%-*s  %s, errors %s", head, width, cr.Class, rate, units.OrUnknown(cr.ErrorRate, units.Percent))
		l := cr.Latency
		if l == nil {
			b.WriteString(": no request completed\n")
			continue
		}
		ci := ""
		if c := l.MeanCI95; c != nil {
			ci = fmt.Sprintf(" (95%% CI %s–%s)", dur(c[0]), dur(c[1]))
		}
		fmt.Fprintf(b, ": mean %s%s, p50 %s, p90 %s, p99 %s, p99.9 %s, max %s\n", dur(l.Mean), ci, dur(l.P50), dur(l.P90), dur(l.P99), dur(l.P999), dur(l.Max))
	}
	if len(classes) > 0 {
		b.WriteString("\n")
	}
}

// writeTransfer writes the bytes a node received and sent per second,
// and what it sends in a 730-hour month (its egress, which per_gb prices).
func writeTransfer(b *strings.Builder, node string, t *engine.Transfer) {
	fmt.Fprintf(b, "%-11s transfer in %s/s, out %s/s (%s out a month)\n", node, units.FormatBytes(t.InBytesPerSec),
		units.FormatBytes(t.OutBytesPerSec), units.FormatBytes(float64(t.OutBytesPerSec*topology.HoursPerMonth*3600)))
}

// Verdict is the verdict in a word, as the report's SLO line begins: pass,
// FAIL, INCOMPLETE (a run cut short that broke nothing in the part it
// ran), or "none set".
func (res SLOResult) Verdict() string {
	switch {
	case len(res.Violations) > 0:
		return "FAIL"
	case res.Incomplete != "":
		return "INCOMPLETE"
	case len(res.Checks) == 0:
		return "none set"
	}
	return "pass"
}
