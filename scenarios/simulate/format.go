package simulate

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error { return output.WriteJSON(w, r, "report") }

// WriteTable writes the report as aligned text for people, with units.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	dur := units.FormatDuration
	fmt.Fprintf(&b, "scenario    %s (seed %d)\n", r.Scenario, r.Seed)
	if len(r.Overrides) > 0 {
		fmt.Fprintf(&b, "overrides   %s\n", scenarios.PrintableOverrides(r.Overrides))
	}
	fmt.Fprintf(&b, "workload    %s\n", r.Workload.Description)
	switch {
	case r.InWarmup:
		fmt.Fprintf(&b, "window      none: the run stopped at %s, in its %s warm-up; the figures below are of the warm-up\n", dur(r.Window), dur(r.Warmup))
	case r.Window > 0:
		fmt.Fprintf(&b, "window      %s measured after %s warm-up\n", dur(r.Window), dur(r.Warmup))
	default:
		fmt.Fprintf(&b, "window      none: the run stopped at %s, where its window would have begun; no figure over time was measured\n", dur(r.Warmup))
	}
	if r.StoppedEarly != "" {
		fmt.Fprintf(&b, "STOPPED     %s\n", r.StoppedEarly)
	}
	if p := r.Precision; p != nil {
		fmt.Fprintf(&b, "precision   %s\n", p.describe())
	}
	q := r.Requests
	fmt.Fprintf(&b, "requests    %d arrived: %d completed, %d failed, %d unfinished\n", q.Arrived, q.Completed, q.Failed(), q.Unfinished)
	if q.Failed() > 0 {
		own := "" // a node's own timeout: said only where one is set and reached
		if q.NodeTimeouts > 0 {
			own = fmt.Sprintf(", %d by a node's own timeout", q.NodeTimeouts)
		}
		fmt.Fprintf(&b, "            failed: %d rejected (a full queue), %d timed out (the client), %d by a node (a fault), %d by a call's timeout, %d rate limited, %d shed, %d refused by an open circuit%s\n",
			q.Rejected, q.TimedOut, q.Errors, q.CallTimeouts, q.RateLimited, q.Shed, q.CircuitOpen, own)
	}
	if q.Degraded > 0 {
		as := "good"
		if r.DegradedAsErrors {
			as = "errors"
		}
		fmt.Fprintf(&b, "            degraded: %d of the completed were answered by a fallback (counted as %s)\n", q.Degraded, as)
	}
	if q.LostWrites > 0 {
		them := "them"
		if q.LostWrites == 1 {
			them = "it"
		}
		fmt.Fprintf(&b, "            %s acknowledged, then lost (a failed primary had not replicated %s, or a write-back cache node had not flushed %s)\n", units.Plural(q.LostWrites, "write", "writes"), them, them)
	}
	goodput := ""
	if r.GoodputWithin > 0 {
		goodput = fmt.Sprintf(", goodput %s (within %s)", units.Rate(r.Goodput), units.FormatDuration(r.GoodputWithin))
	}
	if r.Window > 0 {
		fmt.Fprintf(&b, "rates       offered %s, throughput %s%s, errors %s\n", units.Rate(r.OfferedRate), units.Rate(r.Throughput), goodput, units.OrUnknown(r.ErrorRate, units.Percent))
	} else {
		fmt.Fprintf(&b, "rates       none over no time; errors %s\n", units.OrUnknown(r.ErrorRate, units.Percent))
	}
	if l := r.Latency; l != nil {
		ci := ""
		switch {
		case l.MeanCI95 != nil:
			ci = fmt.Sprintf(" (95%% CI %s–%s)", dur(l.MeanCI95[0]), dur(l.MeanCI95[1]))
		case l.NoCI == NoCIChanging:
			ci = " (no CI: the load or the system changes over time)"
		case l.NoCI != "":
			ci = " (no CI: " + l.NoCI + ")"
		}
		fmt.Fprintf(&b, "latency     mean %s%s\n", dur(l.Mean), ci)
		fmt.Fprintf(&b, "            p50 %s  p90 %s  p95 %s  p99 %s  p99.9 %s  max %s\n\n",
			dur(l.P50), dur(l.P90), dur(l.P95), dur(l.P99), dur(l.P999), dur(l.Max))
	} else {
		fmt.Fprintf(&b, "latency     unknown: no request completed in the window\n\n")
	}
	writeClasses(&b, r.Classes, r.Window)
	writeRegions(&b, r.Regions)
	writeAsync(&b, r.Nodes)

	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKIND\tINST\tUTIL\tLOAD\tOWN\tTHROUGHPUT\tQUEUE\tWAIT MEAN\tWAIT P99\tREJECTED\tSTATUS")
	for _, n := range r.Nodes {
		status := "ok"
		if n.Saturated {
			status = "SATURATED"
		}
		if !n.Workers || r.Window <= 0 {
			throughput := units.Rate(n.Throughput)
			if r.Window <= 0 {
				throughput = "-" // a rate over no time
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t-\t-\t-\t%s\t-\t-\t-\t%d\t%s\n", n.Name, n.Kind, n.Instances, throughput, n.Rejected, status)
			continue
		}
		waitMean, waitP99 := units.Unknown, units.Unknown
		if w := n.Wait; w != nil {
			waitMean, waitP99 = dur(w.Mean), dur(w.P99)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", n.Name, n.Kind, n.Instances,
			units.Percent(n.Utilization), units.Percent(n.OfferedLoad), units.Percent(n.OwnLoad), units.Rate(n.Throughput), units.Count(n.QueueLength),
			waitMean, waitP99, n.Rejected, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writeHosts(&b, r.Hosts, r.Window); err != nil {
		return err
	}
	b.WriteString("\n")
	writeHostShares(&b, r.Hosts, r.Window)
	for _, n := range r.Nodes {
		if n.Errors+n.RateLimited+n.Shed > 0 {
			fmt.Fprintf(&b, "%-11s turned away %s: %d rejected (a full queue), %d failed by faults, %d rate limited, %d shed\n",
				n.Name, units.Plural(n.Rejected+n.Errors+n.RateLimited+n.Shed, "visit", "visits"), n.Rejected, n.Errors, n.RateLimited, n.Shed)
		}
		if n.Detail != nil {
			n.Detail.WriteText(&b, n.Name)
		}
		if t := n.Transfer; t != nil {
			writeTransfer(&b, n.Name, t)
		}
		if sc := n.Scaling; sc != nil {
			writeScaling(&b, n.Name, sc)
		}
	}
	if len(r.Cost.ByNode) > 0 || r.Cost.Transfer != nil {
		writeCost(&b, r.Cost, r.Nodes)
	}
	label := "saturated"
	for _, n := range r.Nodes {
		if n.Saturated {
			fmt.Fprintf(&b, "%-11s %s: %s\n", label, n.Name, strings.Join(n.SaturatedBecause, "; "))
			label = ""
		}
	}
	for _, n := range r.Nodes {
		if n.Name != r.Bottleneck {
			continue
		}
		held := ""
		if len(r.HeldWaiting) > 0 {
			held = "; held waiting on it: " + strings.Join(r.HeldWaiting, ", ")
		}
		if n.Workers && r.Window > 0 {
			why := ""
			if n.Saturated {
				why = ": SATURATED, " + strings.Join(n.SaturatedBecause, "; ")
			}
			fmt.Fprintf(&b, "bottleneck  %s (own demand %s of capacity, utilization %s, offered load %s%s)%s%s\n", n.Name, units.Percent(n.OwnLoad), units.Percent(n.Utilization), units.Percent(n.OfferedLoad), r.hostNote(&n), why, held)
		} else {
			why := ""
			if n.Saturated {
				why = " (" + strings.Join(n.SaturatedBecause, "; ") + ")"
			}
			fmt.Fprintf(&b, "bottleneck  %s%s%s\n", n.Name, why, held)
		}
	}
	fmt.Fprintf(&b, "SLO         %s\n", r.SLO.describe())
	if v := r.Violations; v != nil {
		writeViolations(&b, v)
	}
	writeTriggers(&b, r.Triggers, r.End())
	writeDeploys(&b, r.Deploys)
	if r.Series != nil {
		fmt.Fprintf(&b, "series      %s\n", r.Series.describe())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeAsync writes, apart from the response latency above, the time
// from publish to acknowledgement of each queue's messages.
func writeAsync(b *strings.Builder, nodes []NodeReport) {
	dur := units.FormatDuration
	wrote := false
	for _, n := range nodes {
		q, ok := n.Detail.(engine.Backlog)
		if !ok || q.ConsumedBy() == "" {
			continue
		}
		label := "async"
		if wrote {
			label = ""
		}
		wrote = true
		if mean, p50, p99, acked, ok := q.Handoff(); ok {
			fmt.Fprintf(b, "%-11s %s → %s: p50 %s  p99 %s  mean %s (publish to acknowledgement, %s)\n",
				label, n.Name, q.ConsumedBy(), dur(p50), dur(p99), dur(mean), units.Plural(acked, "message", "messages"))
		} else {
			fmt.Fprintf(b, "%-11s %s → %s: unknown, no message acknowledged in the window\n", label, n.Name, q.ConsumedBy())
		}
	}
	if wrote {
		b.WriteString("\n")
	}
}

// writeScaling writes what a node's autoscaler did.
func writeScaling(b *strings.Builder, node string, sc *engine.Scaling) {
	how := "target " + units.Figures(sc.Target, 4, units.MaxFigure)
	switch {
	case sc.Policy == topology.PolicyStep:
		how = "step policy"
	case sc.Metric == topology.MetricUtilization:
		how = "target " + units.Percent(sc.Target)
	}
	fmt.Fprintf(b, "%-11s autoscaled on %s (%s): instances min %d, mean %s, max %d; %s instance-hours; %s\n",
		node, sc.Metric, how, sc.Min, units.Count(sc.Mean), sc.Max, units.Figures(sc.InstanceHours, 4, units.MaxFigure), units.Plural(sc.EventCount, "scaling event", "scaling events"))
	for i, e := range sc.Events {
		if i == 8 {
			fmt.Fprintf(b, "%-11s ... (all %d in --format json)\n", "", min(sc.EventCount, len(sc.Events)))
			break
		}
		if e.Bounds != nil {
			fmt.Fprintf(b, "%-11s %s: %d → %d by the schedule (min %d, max %d)\n", "", units.FormatDuration(e.Time), e.From, e.To, e.Bounds.Min, e.Bounds.Max)
			continue
		}
		fmt.Fprintf(b, "%-11s %s: %d → %d at %s %s\n", "", units.FormatDuration(e.Time), e.From, e.To, sc.Metric, units.Count(e.Metric))
	}
}

// writeViolations writes the SLO violation time and the recovery after
// each change of the workload.
func writeViolations(b *strings.Builder, v *Violations) {
	dur := units.FormatDuration
	fmt.Fprintf(b, "violated    %s in all, longest %s (sample windows after the warm-up that broke an objective)\n", dur(v.Total), dur(v.Longest))
	for _, rc := range v.Recoveries {
		switch rc.Outcome {
		case RecoveryStillBroken:
			fmt.Fprintf(b, "            %s at %s: objectives still broken at the next change or the end\n", rc.Change, dur(rc.At))
		case RecoveryHeld:
			fmt.Fprintf(b, "            %s at %s: objectives held\n", rc.Change, dur(rc.At))
		case RecoveryMetAgain:
			fmt.Fprintf(b, "            %s at %s: objectives met again %s after it began\n", rc.Change, dur(rc.At), dur(*rc.After))
		case RecoveryNotReached:
			fmt.Fprintf(b, "            %s at %s: not reached (the run ended first)\n", rc.Change, dur(rc.At))
		}
	}
}

// writeTriggers writes what each trigger did to goodput.
func writeTriggers(b *strings.Builder, trs []Trigger, end float64) {
	dur := units.FormatDuration
	rate := func(v *float64) string { return units.OrUnknown(v, units.Rate) }
	for i, tr := range trs {
		label := "trigger"
		if i > 0 {
			label = ""
		}
		verdict := ""
		switch tr.Outcome {
		case OutcomeRecovered:
			verdict = "goodput back after " + dur(*tr.RecoveredAfter)
		case OutcomeMetastable:
			verdict = fmt.Sprintf("METASTABLE: goodput not back within %s (%s)", dur(RecoveryTime), tr.Loop)
		case OutcomeNotRecovered:
			verdict = fmt.Sprintf("did not recover within %s: %s (no feedback loop: not metastable)", dur(RecoveryTime), tr.Reason)
		case OutcomeNotOver:
			verdict = "not over before the run ended"
		case OutcomeTooShort:
			verdict = "goodput not back yet when the run ended"
		case OutcomeNotReached:
			fmt.Fprintf(b, "%-11s %s, %s to %s: not reached (the run ended at %s)\n", label, tr.What, dur(tr.At), dur(tr.Until), dur(end))
			continue
		case OutcomeNoBaseline:
			verdict = "no goodput before it to compare with"
		}
		began := ""
		if tr.BeganInWarmup {
			began = " (began in the warm-up)"
		}
		fmt.Fprintf(b, "%-11s %s, %s to %s%s: goodput %s before, %s during, %s after; %s\n",
			label, tr.What, dur(tr.At), dur(tr.Until), began, rate(tr.Before), rate(tr.During), rate(tr.After), verdict)
		if tr.Recovery != nil {
			fmt.Fprintf(b, "%-11s %s\n", "", tr.Recovery.Text())
		}
	}
}

// writeCost writes the monthly cost and its breakdown in node order.
func writeCost(b *strings.Builder, c Cost, nodes []NodeReport) {
	perMillion := "n/a per million requests (no request completed)"
	if c.PerMillionRequestsUSD != nil {
		perMillion = units.USD(*c.PerMillionRequestsUSD) + " per million requests"
	}
	fmt.Fprintf(b, "cost        %s/month, %s\n", units.USD(c.MonthlyUSD), perMillion)
	var parts []string
	for _, n := range nodes {
		if v, ok := c.ByNode[n.Name]; ok {
			parts = append(parts, n.Name+" "+units.USD(v))
		}
	}
	for _, h := range c.hosts {
		parts = append(parts, "host "+h+" "+units.USD(c.ByNode[h]))
	}
	if len(parts) > 0 { // none when only the transfer is priced
		fmt.Fprintf(b, "            %s (prices: %s)\n", strings.Join(parts, ", "), c.Priced)
	}
	if c.Transfer != nil {
		writeTransferCost(b, c.Transfer)
	}
	writeStorageCost(b, c.Storage)
}

// describe says in words how the stop rule ended.
func (p *PrecisionResult) describe() string {
	switch {
	case p.noCI:
		return fmt.Sprintf("target ±%s NOT met: the mean latency has no CI (see latency)", units.Percent(p.Target))
	case p.Achieved == nil:
		return fmt.Sprintf("target ±%s NOT met: too few completed requests for an interval", units.Percent(p.Target))
	case p.Met:
		return fmt.Sprintf("mean latency ±%s (95%% CI), target ±%s: met", units.Percent(*p.Achieved), units.Percent(p.Target))
	}
	return fmt.Sprintf("mean latency ±%s (95%% CI), target ±%s NOT met within the run's budgets (its request cap or event budget)", units.Percent(*p.Achieved), units.Percent(p.Target))
}

// describe says the verdict in a line: pass, FAIL or INCOMPLETE (a run cut
// short that broke nothing in the part it ran), with each objective.
func (res SLOResult) describe() string {
	parts := append(append([]string(nil), res.Violations...), res.Checks...)
	verdict := res.Verdict()
	if verdict == "none set" {
		return verdict
	}
	switch {
	case res.Incomplete != "" && len(parts) == 0:
		parts = []string{res.Incomplete + " (no objectives set)"}
	case res.Incomplete != "":
		parts = append([]string{res.Incomplete + "; in the part run"}, parts...)
	}
	return verdict + ": " + strings.Join(parts, "; ")
}
