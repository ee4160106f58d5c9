package analysis

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/batch"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// TimelineSpec says how a growth timeline is sampled and run.
type TimelineSpec struct {
	Every       float64 // seconds of calendar time between samples; 0 is a week
	Precision   float64 // stop rule of each sample (RunSpec.Precision)
	MaxRequests int64   // per sample; 0 keeps the scenario's
	Parallel    int     // samples run at once; 0 is one per CPU
	Progress    func(done, total int)
}

// TimelineReport follows a scenario as its users grow: each sample is the
// peak hour at that date, run as a steady-state window; or, when the
// workload has a shape such as a daily cycle, the scenario's run through
// it at that date's users.
type TimelineReport struct {
	Scenario string `json:"scenario"`
	Growth   string `json:"growth"`
	// Shaped says each sample runs the workload's shape (such as a daily
	// cycle, over the scenario's duration) at that date's users, rather
	// than the peak hour at a constant rate.
	Shaped  bool             `json:"shaped"`
	Samples []TimelineSample `json:"samples"`
	// Saturates lists each node that saturates, at the first sample that
	// finds it so, in date order.
	Saturates []TimelineEvent `json:"saturates"`
	// SLOBreach is where the timeline breaks: the first sample that fails
	// the SLO or saturates a node (its SLOFailed says which: a consumer
	// group behind a queue may saturate while requests meet the SLO); nil
	// when none does.
	SLOBreach *TimelineEvent `json:"slo_breach"`
}

// TimelineSample is one date of the timeline with its run report.
type TimelineSample struct {
	At    float64 `json:"at"` // seconds of calendar time since the start of the growth
	Date  string  `json:"date"`
	Users float64 `json:"users"`
	OK    bool    `json:"ok"`
	// Incomplete says the run of this date was cut short (its event
	// budget, a request cap) having broken nothing in the part it ran:
	// neither ok nor a breach.
	Incomplete bool `json:"incomplete,omitempty"`
	*simulate.Report
}

// TimelineEvent is something that happens at a date.
type TimelineEvent struct {
	Node   string  `json:"node,omitempty"`
	At     float64 `json:"at"`
	Date   string  `json:"date"`
	Users  float64 `json:"users"`
	Reason string  `json:"reason,omitempty"`
	// SLOFailed says the sample failed its objectives, where it is where
	// the timeline breaks (TimelineReport.SLOBreach); without it, the
	// objectives held there and a node saturated.
	SLOFailed bool `json:"slo_failed,omitempty"`
}

// Timeline runs base at each sample date of its workload's growth.
func Timeline(base batch.Job, spec TimelineSpec) (*TimelineReport, error) {
	s, err := base.Scenario()
	if err != nil {
		return nil, err
	}
	g := s.Workload.Growth
	if g == nil {
		return nil, scenarios.Invalid(fmt.Errorf("analysis: %s has no workload.growth to follow", s.Name))
	}
	if spec.Every <= 0 {
		spec.Every = units.Week
	}
	if spec.MaxRequests == 0 {
		spec.MaxRequests = s.Run.MaxRequests
	}
	const maxSamples = 1000
	if n := math.Floor(g.Over/spec.Every+0.5) + 1; !(n <= maxSamples) {
		return nil, scenarios.Invalid(fmt.Errorf("analysis: %.4g samples asked for; at most %d (sample less often)", n, maxSamples))
	}
	var times []float64
	for t := 0.0; t < g.Over+float64(spec.Every/2); t += spec.Every {
		times = append(times, math.Min(t, g.Over))
	}
	sweep := SweepSpec{Axis: AxisUsers, Precision: spec.Precision, MaxRequests: spec.MaxRequests}
	plan := make([]batch.Job, len(times))
	users := make([]float64, len(times))
	for i, t := range times {
		users[i] = g.Users(t)
		if s.Workload.Model == workloads.Closed {
			users[i] = math.Max(1, math.Round(users[i]))
		}
		plan[i] = sweep.job(base, SweepPoint{Users: users[i]})
	}
	written, err := writtenByDate(s, times)
	if err != nil {
		return nil, err
	}
	for _, w := range written {
		for i := range plan {
			if w.bytes[i] > 0 {
				plan[i] = plan[i].With(fmt.Sprintf("nodes.%s.data.written=%.17gB", w.node, w.bytes[i]))
			}
		}
	}
	outs, err := runPlan(batch.NewRunner(spec.Parallel, spec.Progress), plan, s.Name, AxisUsers)
	if err != nil {
		return nil, err
	}
	reports := make([]*simulate.Report, len(outs))
	for i, o := range outs {
		reports[i] = o.Report
	}
	tl := &TimelineReport{Scenario: s.Name, Saturates: []TimelineEvent{}, Shaped: s.Workload.Shape() != nil,
		Growth: fmt.Sprintf("%s users to %s over %.3g months, %s", units.FormatCount(g.From), units.FormatCount(g.To),
			g.Over/units.Month, g.Curve)}
	seen := map[string]bool{}
	for i, rep := range reports {
		smp := TimelineSample{At: times[i], Date: units.FormatPeriod(times[i]), Users: users[i], OK: healthy(rep), Incomplete: incomplete(rep), Report: rep}
		tl.Samples = append(tl.Samples, smp)
		for _, n := range rep.Nodes {
			if n.Saturated && !seen[n.Name] {
				seen[n.Name] = true
				tl.Saturates = append(tl.Saturates, TimelineEvent{Node: n.Name, At: smp.At, Date: smp.Date, Users: smp.Users})
			}
		}
		if failing(rep) && tl.SLOBreach == nil {
			tl.SLOBreach = &TimelineEvent{Node: rep.Bottleneck, At: smp.At, Date: smp.Date, Users: smp.Users, Reason: failure(rep),
				SLOFailed: len(rep.SLO.Violations) > 0}
		}
	}
	return tl, nil
}

// WriteJSON writes the timeline as indented JSON.
func (tl *TimelineReport) WriteJSON(w io.Writer) error { return output.WriteJSON(w, tl, "timeline") }

// WriteTable writes the timeline for people: the first sample of each
// month and every sample where something changes, then the dates.
func (tl *TimelineReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	dur := units.FormatDuration
	sample := "that date's peak hour"
	if tl.Shaped {
		sample = "that date's users through the workload's shape (its daily cycle)"
	}
	fmt.Fprintf(&b, "scenario    %s, growing from %s; each sample is %s\n\n", tl.Scenario, tl.Growth, sample)
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	// DATA, the databases' data at each date's users, when they have data.
	data := slices.ContainsFunc(tl.Samples, func(smp TimelineSample) bool { return len(smp.Cost.Storage) > 0 })
	head := "DATE\tUSERS\tOFFERED\tP99\tERRORS\tBOTTLENECK\t$/MONTH\tSTATUS"
	if data {
		head = strings.Replace(head, "\t$/MONTH", "\tDATA\t$/MONTH", 1)
	}
	fmt.Fprintln(tw, head)
	month := -1
	prevOK := true
	for i, smp := range tl.Samples {
		m := int(smp.At / units.Month)
		if m == month && smp.OK == prevOK && i != len(tl.Samples)-1 {
			continue
		}
		month, prevOK = m, smp.OK
		status := "ok"
		p99, errs := units.OrUnknown(smp.Latency.Get("p99"), dur), units.OrUnknown(smp.ErrorRate, units.Percent)
		switch {
		case smp.CouldNotGoOn:
			// Stopped (overloaded, stalled): the replies that came before
			// the stop are no figure of the date's, often quick and none
			// failed.
			status, p99, errs = "STOPPED ("+stopReason(smp.Report)+")", units.Unknown, units.Unknown
		case smp.Incomplete:
			status = "INCOMPLETE"
		case !smp.OK:
			status = "FAIL"
		case smp.Precision != nil && !smp.Precision.Met:
			status = "ok (imprecise)" // its budgets cut it before its precision, as sweep marks
		}
		bottleneck := smp.Bottleneck
		if data {
			bottleneck += "\t" + units.FormatBytes(smp.Cost.StoredBytes())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%s\n", smp.Date, units.FormatCount(smp.Users), units.Rate(smp.OfferedRate),
			p99, errs, bottleneck, smp.Cost.MonthlyUSD, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	cut := 0
	for _, smp := range tl.Samples {
		if smp.SLO.Incomplete != "" {
			if cut == 0 {
				fmt.Fprintf(&b, "INCOMPLETE  %s: %s\n", smp.Date, smp.SLO.Incomplete)
			}
			cut++
		}
	}
	if cut > 1 {
		fmt.Fprintf(&b, "            and %d more samples were cut short: their rows are not verdicts on whole runs\n", cut-1)
	}
	stopped := 0
	for _, smp := range tl.Samples {
		if smp.CouldNotGoOn {
			if stopped == 0 {
				fmt.Fprintf(&b, "STOPPED     %s: %s; its row gives no p99 or error rate (those of the requests that ended before the stop)\n", smp.Date, smp.StoppedEarly)
			}
			stopped++
		}
	}
	if stopped > 1 {
		fmt.Fprintf(&b, "            and %d more samples were stopped: their runs could not go on\n", stopped-1)
	}
	switch e := tl.SLOBreach; {
	case e == nil:
		b.WriteString("SLO breach  none within the timeline\n")
	case e.SLOFailed:
		fmt.Fprintf(&b, "SLO breach  %s at %s users: %s\n", e.Date, units.FormatCount(e.Users), e.Reason)
	default:
		fmt.Fprintf(&b, "breaks      %s at %s users: %s; the SLO holds there\n", e.Date, units.FormatCount(e.Users), e.Reason)
	}
	for i, e := range tl.Saturates {
		label := "            "
		if i == 0 {
			label = "saturates   "
		}
		fmt.Fprintf(&b, "%s%s in %s at %s users\n", label, e.Node, e.Date, units.FormatCount(e.Users))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// stopReason is the few words saying why a run could not go on
// (overloaded, stalled, the memory budget): its reason up to the colon.
func stopReason(rep *simulate.Report) string {
	head, _, _ := strings.Cut(rep.StoppedEarly, ":")
	return head
}

// nodeWritten is the bytes a database's writes added by each date of a
// timeline.
type nodeWritten struct {
	node  string
	bytes []float64
}

// writtenByDate is, for each database of s whose writes add data
// (data per_write), the bytes they added from the growth's start to each
// of times: per_write × its write visits a second per user × ∫ users dt.
// The write visits per user are the estimate's (its write classes'
// visits to the node per request, at the scenario's users) times a user's
// requests a second on average over the day (active fraction × requests
// per active user per day ÷ 86400: the peak hour is a part of the day);
// the integral is the trapezoid rule over 100 steps between dates. nil
// without a users model or such a database. A database in several
// regions (a fleet) is left out.
func writtenByDate(s *scenarios.Scenario, times []float64) ([]nodeWritten, error) {
	u, g := s.Workload.Users, s.Workload.Growth
	if u == nil || g == nil {
		return nil, nil
	}
	var dbs []string
	for _, n := range s.Topology.Nodes {
		if db, ok := n.Spec.(topology.Storing); ok && db.PerWrite() > 0 && !strings.Contains(n.Name, "@") {
			dbs = append(dbs, n.Name)
		}
	}
	if len(dbs) == 0 {
		return nil, nil
	}
	m, err := estimate.NewModel(s)
	if err != nil {
		return nil, fmt.Errorf("analysis: %s: the writes that add data: %w", s.Name, err)
	}
	// ∫ users dt from the start to each date.
	userSeconds := make([]float64, len(times))
	const steps = 100
	prev, sum := 0.0, 0.0
	for i, t := range times {
		h := (t - prev) / steps
		for k := range steps {
			a, b := prev+float64(h*float64(k)), prev+float64(h*float64(k+1))
			ends := g.Users(a) + g.Users(b)
			sum += float64(float64(h*ends) / 2)
		}
		userSeconds[i], prev = sum, t
	}
	perUser := float64(u.ActiveFraction*u.RequestsPerActiveUser) / 86400 // a user's requests a second, over the day
	var out []nodeWritten
	for _, name := range dbs {
		perWrite := s.Topology.Lookup(name).Spec.(topology.Storing).PerWrite()
		var perRequest float64
		for c := range m.Classes() {
			if m.Writes(c) && m.ArrivalRate() > 0 {
				perRequest += m.Visits(c, name) / m.ArrivalRate()
			}
		}
		w := nodeWritten{node: name, bytes: make([]float64, len(times))}
		for i, us := range userSeconds {
			w.bytes[i] = float64(float64(perWrite*perRequest)*perUser) * us
		}
		out = append(out, w)
	}
	return out, nil
}
