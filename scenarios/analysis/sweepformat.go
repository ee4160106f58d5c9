package analysis

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/units"
)

// WriteJSON writes the sweep as indented JSON.
func (sw *SweepReport) WriteJSON(w io.Writer) error { return output.WriteJSON(w, sw, "sweep") }

// CSVHeader is the fixed part of the sweep CSV header; per-node columns
// util_<node> and load_<node> (utilization and offered load) follow. Along
// an axis that is not a load, a first column named by its path holds each
// point's value.
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
	axis := axisOf(sw.Axis)
	if !axis.Load() {
		header = append([]string{sw.Axis}, header...)
	}
	names := sw.nodeNames()
	for _, n := range names {
		header = append(header, "util_"+n, "load_"+n)
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("analysis: writing CSV sweep: %w", err)
	}
	g := func(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }
	// orEmpty is an empty cell for an unknown figure.
	orEmpty := func(v *float64, format func(float64) string) string {
		if v == nil {
			return ""
		}
		return format(*v)
	}
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
			g(p.Cost.MonthlyUSD), orEmpty(p.Cost.PerMillionRequestsUSD, g), g(p.CostPerUserUSD), "", "", ""}
		if a := p.Analytic; a != nil {
			n := len(CSVHeader)
			if a.Mean != nil {
				row[n-3], row[n-2] = g(*a.Mean), g(a.Divergence)
			}
			row[n-1] = strconv.FormatBool(a.Flagged)
		}
		for _, name := range names {
			if n := p.node(name); n != nil {
				row = append(row, g(n.Utilization), g(n.OfferedLoad))
			} else {
				row = append(row, "", "")
			}
		}
		if !axis.Load() {
			row = append([]string{p.Value}, row...)
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

// nodeNames lists the nodes of the sweep's points in file order: those
// of the first point, then any other point's (a value swept may change
// the topology).
func (sw *SweepReport) nodeNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, p := range sw.Points {
		for _, n := range p.Nodes {
			if !seen[n.Name] {
				seen[n.Name] = true
				names = append(names, n.Name)
			}
		}
	}
	return names
}

// node is the point's node named name, nil if it has none.
func (p SweepPoint) node(name string) *simulate.NodeReport {
	for i := range p.Nodes {
		if p.Nodes[i].Name == name {
			return &p.Nodes[i]
		}
	}
	return nil
}

// axisLabel writes a load of the sweep's axis with its unit.
func (sw *SweepReport) axisLabel(v float64) string { return axisOf(sw.Axis).label(v) }

// WriteTable writes the sweep as aligned text for people: one line per
// point with per-node utilization, then the breaking point, the knee and
// the order in which nodes saturate.
func (sw *SweepReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	dur := units.FormatDuration
	axis := axisOf(sw.Axis)
	fmt.Fprintf(&b, "scenario    %s (seed %d), %d points", sw.Scenario, sw.Seed, len(sw.Points))
	if !axis.Load() {
		fmt.Fprintf(&b, " of %s", sw.Axis)
	}
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
		row := []string{axis.cell(p), units.Rate(p.OfferedRate), units.OrUnknown(p.ErrorRate, units.Percent)}
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
		for _, name := range names {
			n := p.node(name)
			if n == nil || !n.Workers {
				row = append(row, "-") // no such node, or no workers to be busy
				continue
			}
			u := units.Percent(n.Utilization)
			if n.Saturated {
				u += " SAT"
			}
			row = append(row, u)
		}
		if priced {
			row = append(row, fmt.Sprintf("%.0f", p.Cost.MonthlyUSD), units.OrUnknown(p.Cost.PerMillionRequestsUSD, func(v float64) string { return fmt.Sprintf("%.3g", v) }))
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

// writeVerdicts writes the breaking point, the knee and the saturation
// order; along an axis that is not a load, why each point that does not
// pass does not, and the cheapest that does.
func (sw *SweepReport) writeVerdicts(b *strings.Builder) {
	if !axisOf(sw.Axis).Load() {
		sw.writeChoice(b)
		return
	}
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
		more := ""
		if n := len(sw.Bends); n > 0 {
			more = fmt.Sprintf("; %d more runs between it and the breaking point draw the bend (--plot)", n)
		}
		fmt.Fprintf(b, "knee        p99 bends upwards at %s, p99 %s%s\n", at, units.FormatDuration(k.P99), more)
	}
	for i, s := range sw.Saturation {
		label := "            "
		if i == 0 {
			label = "saturates   "
		}
		fmt.Fprintf(b, "%s%s from %s\n", label, s.Node, sw.axisLabel(s.At))
	}
}

// writeChoice writes, for a sweep along an axis that is not a load, why
// each point that does not pass does not, then the cheapest that does.
func (sw *SweepReport) writeChoice(b *strings.Builder) {
	label := func(first bool, name string) string {
		if first {
			return fmt.Sprintf("%-12s", name)
		}
		return strings.Repeat(" ", 12)
	}
	at := func(p SweepPoint) string { return field.Printable(sw.Axis + "=" + p.Value) }
	first := true
	for _, p := range sw.Points {
		if !p.OK && !p.Incomplete {
			fmt.Fprintf(b, "%s%s: %s\n", label(first, "fails"), at(p), failure(p.Report))
			first = false
		}
	}
	first = true
	for _, p := range sw.Points {
		if p.Incomplete {
			fmt.Fprintf(b, "%s%s: %s\n", label(first, "incomplete"), at(p), p.SLO.Incomplete)
			first = false
		}
	}
	switch c := sw.Cheapest; {
	case c == nil:
		fmt.Fprintf(b, "cheapest    none: no point of the %d swept meets the objectives\n", len(sw.Points))
	case c.Priced:
		fmt.Fprintf(b, "cheapest    %s at %s a month, of the %d of %d points that pass\n",
			field.Printable(sw.Axis+"="+c.Value), units.USD(c.MonthlyUSD), c.Passing, len(sw.Points))
	default:
		fmt.Fprintf(b, "cheapest    not known (a point that passes has no price); %s is the first of the %d of %d points that pass\n",
			field.Printable(sw.Axis+"="+c.Value), c.Passing, len(sw.Points))
	}
}

// axisOf is the Axis named by a report's axis field.
func axisOf(name string) Axis { return Axis{Path: name} }
