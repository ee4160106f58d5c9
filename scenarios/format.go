package scenarios

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("scenarios: writing JSON report: %w", err)
	}
	return nil
}

// WriteTable writes the report as aligned text for people, with units.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	dur := yamlfile.FormatDuration
	fmt.Fprintf(&b, "scenario    %s (seed %d)\n", r.Scenario, r.Seed)
	fmt.Fprintf(&b, "workload    %s\n", r.Workload.Description)
	fmt.Fprintf(&b, "window      %s measured after %s warm-up\n", dur(r.Window), dur(r.Warmup))
	if r.StoppedEarly != "" {
		fmt.Fprintf(&b, "STOPPED     %s\n", r.StoppedEarly)
	}
	q := r.Requests
	fmt.Fprintf(&b, "requests    %d arrived: %d completed, %d rejected, %d timed out, %d failed, %d unfinished\n",
		q.Arrived, q.Completed, q.Rejected, q.TimedOut, q.Failed, q.Unfinished)
	fmt.Fprintf(&b, "rates       offered %s, throughput %s, errors %s\n", rate(r.OfferedRate), rate(r.Throughput), percent(r.ErrorRate))
	l := r.Latency
	ci := ""
	if l.MeanCI95 != nil {
		ci = fmt.Sprintf(" (95%% CI %s–%s)", dur(l.MeanCI95[0]), dur(l.MeanCI95[1]))
	}
	fmt.Fprintf(&b, "latency     mean %s%s\n", dur(l.Mean), ci)
	fmt.Fprintf(&b, "            p50 %s  p90 %s  p95 %s  p99 %s  p99.9 %s  max %s\n\n",
		dur(l.P50), dur(l.P90), dur(l.P95), dur(l.P99), dur(l.P999), dur(l.Max))

	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tKIND\tINST\tUTIL\tLOAD\tTHROUGHPUT\tQUEUE\tWAIT MEAN\tWAIT P99\tREJECTED\tSTATUS")
	for _, n := range r.Nodes {
		status := "ok"
		if n.Saturated {
			status = "SATURATED"
		}
		if n.Kind == "load_balancer" {
			fmt.Fprintf(tw, "%s\t%s\t%d\t-\t-\t%s\t-\t-\t-\t%d\t%s\n", n.Name, n.Kind, n.Instances, rate(n.Throughput), n.Rejected, status)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%.3g\t%s\t%s\t%d\t%s\n", n.Name, n.Kind, n.Instances,
			percent(n.Utilization), percent(n.OfferedLoad), rate(n.Throughput), n.QueueLength,
			dur(n.Wait.Mean), dur(n.Wait.P99), n.Rejected, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	if r.Bottleneck != "" {
		for _, n := range r.Nodes {
			if n.Name == r.Bottleneck {
				fmt.Fprintf(&b, "bottleneck  %s (utilization %s, offered load %s of capacity)\n", n.Name, percent(n.Utilization), percent(n.OfferedLoad))
			}
		}
	}
	verdict := "pass"
	if !r.SLO.Pass {
		verdict = "FAIL"
	}
	switch {
	case len(r.SLO.Checks)+len(r.SLO.Violations) == 0:
		fmt.Fprintf(&b, "SLO         none set\n")
	default:
		parts := append(append([]string(nil), r.SLO.Violations...), r.SLO.Checks...)
		fmt.Fprintf(&b, "SLO         %s: %s\n", verdict, strings.Join(parts, "; "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func rate(v float64) string { return fmt.Sprintf("%.4g/s", v) }
