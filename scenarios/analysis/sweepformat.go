package analysis

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/units"
)

// WriteJSON writes the sweep as indented JSON.
func (sw *SweepReport) WriteJSON(w io.Writer) error { return output.WriteJSON(w, sw, "sweep") }

// CSVHeader is the fixed part of the sweep CSV header; per-node columns
// util_<node> and load_<node> (utilization and offered load) follow.
var CSVHeader = []string{
	"users", "rate", "offered_rate", "throughput", "error_rate",
	"mean", "mean_ci95_low", "mean_ci95_high", "p50", "p90", "p95", "p99", "p999",
	"bottleneck", "saturated", "slo_pass", "ok",
	"cost_monthly_usd", "cost_per_million_requests_usd", "cost_per_user_usd",
	"analytic_mean", "analytic_divergence", "analytic_flagged",
}

// WriteCSV writes one row per point: times in seconds, rates per second,
// shares between 0 and 1, so a spreadsheet can plot any column.
func (sw *SweepReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := append([]string(nil), CSVHeader...)
	names := sw.nodeNames()
	for _, n := range names {
		header = append(header, "util_"+n, "load_"+n)
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("analysis: writing CSV sweep: %w", err)
	}
	g := func(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }
	for _, p := range sw.Points {
		lo, hi := "", ""
		l := p.Latency
		if l == nil {
			l = &simulate.Latency{} // written as empty cells below
		}
		if ci := l.MeanCI95; ci != nil {
			lo, hi = g(ci[0]), g(ci[1])
		}
		var sat []string
		for _, n := range p.Nodes {
			if n.Saturated {
				sat = append(sat, n.Name)
			}
		}
		lat := func(v float64) string {
			if p.Latency == nil {
				return ""
			}
			return g(v)
		}
		errs := ""
		if p.ErrorRate != nil {
			errs = g(*p.ErrorRate)
		}
		row := []string{g(p.Users), g(p.Rate), g(p.OfferedRate), g(p.Throughput), errs,
			lat(l.Mean), lo, hi, lat(l.P50), lat(l.P90), lat(l.P95), lat(l.P99), lat(l.P999),
			p.Bottleneck, strings.Join(sat, ";"), strconv.FormatBool(p.SLO.Pass), strconv.FormatBool(p.OK),
			g(p.Cost.MonthlyUSD), g(p.Cost.PerMillionRequestsUSD), g(p.CostPerUserUSD), "", "", ""}
		if a := p.Analytic; a != nil {
			n := len(CSVHeader)
			if a.Mean != nil {
				row[n-3], row[n-2] = g(*a.Mean), g(a.Divergence)
			}
			row[n-1] = strconv.FormatBool(a.Flagged)
		}
		for _, n := range p.Nodes {
			row = append(row, g(n.Utilization), g(n.OfferedLoad))
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("analysis: writing CSV sweep: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("analysis: writing CSV sweep: %w", err)
	}
	return nil
}

// nodeNames lists the nodes of the sweep's topology in file order.
func (sw *SweepReport) nodeNames() []string {
	var names []string
	if len(sw.Points) > 0 {
		for _, n := range sw.Points[0].Nodes {
			names = append(names, n.Name)
		}
	}
	return names
}

// axisLabel writes an axis value with its unit.
func (sw *SweepReport) axisLabel(v float64) string {
	if sw.Axis == AxisUsers.String() {
		return units.FormatCount(v) + " users"
	}
	return units.Rate(v)
}

// WriteTable writes the sweep as aligned text for people: one line per
// point with per-node utilization, then the breaking point, the knee and
// the order in which nodes saturate.
func (sw *SweepReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	dur := units.FormatDuration
	fmt.Fprintf(&b, "scenario    %s (seed %d), %d points", sw.Scenario, sw.Seed, len(sw.Points))
	if sw.Precision > 0 {
		fmt.Fprintf(&b, ", each run until the mean latency is known to ±%.3g%% (95%% CI)", sw.Precision*100)
	}
	b.WriteString("\n")
	obj := "none (a point fails only when a node saturates)"
	if len(sw.Objectives) > 0 {
		obj = strings.Join(sw.Objectives, ", ")
	}
	fmt.Fprintf(&b, "objectives  %s\n\n", obj)

	priced := len(sw.Points) > 0 && sw.Points[0].Cost.Priced != ""
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	analytic := len(sw.Points) > 0 && sw.Points[0].Analytic != nil
	head := []string{strings.ToUpper(sw.Axis), "OFFERED", "ERRORS", "MEAN ±CI", "P50", "P95", "P99"}
	if analytic {
		head = append(head, "EST MEAN")
	}
	names := sw.nodeNames()
	for _, n := range names {
		head = append(head, "UTIL "+n)
	}
	if priced {
		head = append(head, "$/MONTH", "$/1M REQ")
		if sw.Axis == AxisUsers.String() {
			head = append(head, "$/USER")
		}
	}
	head = append(head, "STATUS")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, p := range sw.Points {
		axis := units.FormatCount(p.value(axisOf(sw.Axis)))
		row := []string{axis, units.Rate(p.OfferedRate), units.OrUnknown(p.ErrorRate, units.Percent)}
		if l := p.Latency; l != nil {
			ci := "-"
			if l.MeanCI95 != nil {
				ci = dur((l.MeanCI95[1] - l.MeanCI95[0]) / 2)
			}
			row = append(row, dur(l.Mean)+" ±"+ci, dur(l.P50), dur(l.P95), dur(l.P99))
		} else {
			row = append(row, units.Unknown, units.Unknown, units.Unknown, units.Unknown)
		}
		if a := p.Analytic; a != nil {
			est := "overloaded"
			if a.Mean != nil {
				est = dur(*a.Mean)
			}
			if a.Flagged {
				est += " (!)"
			}
			row = append(row, est)
		}
		for _, n := range p.Nodes {
			if !n.Workers {
				row = append(row, "-") // no workers to be busy
				continue
			}
			u := units.Percent(n.Utilization)
			if n.Saturated {
				u += " SAT"
			}
			row = append(row, u)
		}
		if priced {
			row = append(row, fmt.Sprintf("%.0f", p.Cost.MonthlyUSD), fmt.Sprintf("%.3g", p.Cost.PerMillionRequestsUSD))
			if sw.Axis == AxisUsers.String() {
				row = append(row, fmt.Sprintf("%.3g", p.CostPerUserUSD))
			}
		}
		status := "ok"
		switch {
		case p.Incomplete:
			status = "INCOMPLETE"
		case p.CouldNotGoOn:
			status = "OVERLOADED"
		case !p.OK:
			status = "FAIL"
		case p.Precision != nil && !p.Precision.Met:
			status = "ok (imprecise)"
		}
		row = append(row, status)
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	if analytic {
		fmt.Fprintf(&b, "EST MEAN is the analytic estimate (scalesim estimate); (!) marks a divergence from the simulation over %.0f%%\nand its CI, or a disagreement on overload\n", DivergenceFlag*100)
	}
	sw.writeVerdicts(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeVerdicts writes the breaking point, the knee and the saturation order.
func (sw *SweepReport) writeVerdicts(b *strings.Builder) {
	switch bp := sw.BreakingPoint; {
	case bp == nil:
		fmt.Fprintf(b, "breaking    none: every load swept meets the objectives\n")
	case bp.BelowRange:
		fmt.Fprintf(b, "breaking    below the range: %s already fails: %s (bottleneck %s)\n", sw.axisLabel(bp.FailsAt), bp.Reason, bp.Node)
	default:
		ok := units.Rate(bp.OfferedRate)
		if bp.Users > 0 {
			ok = sw.axisLabel(bp.Users) + " (" + ok + ")"
		}
		fmt.Fprintf(b, "breaking    %s meets the objectives; %s fails: %s\n", ok, sw.axisLabel(bp.FailsAt), bp.Reason)
		fmt.Fprintf(b, "            first to break: %s (bracket refined by %d bisection runs)\n", bp.Node, bp.Bisections)
	}
	if k := sw.Knee; k != nil {
		at := units.Rate(k.OfferedRate)
		if k.Users > 0 {
			at = sw.axisLabel(k.Users) + " (" + at + ")"
		}
		fmt.Fprintf(b, "knee        p99 bends upwards at %s, p99 %s\n", at, units.FormatDuration(k.P99))
	}
	for i, s := range sw.Saturation {
		label := "            "
		if i == 0 {
			label = "saturates   "
		}
		fmt.Fprintf(b, "%s%s from %s\n", label, s.Node, sw.axisLabel(s.At))
	}
}

// axisOf is the Axis named by a report's axis field.
func axisOf(name string) Axis {
	if name == AxisRate.String() {
		return AxisRate
	}
	return AxisUsers
}
