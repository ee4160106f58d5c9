package simulate

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// HostReport is a host's figures over the measurement window: the
// machine whose cores the nodes on it share (see topology.Host).
type HostReport struct {
	Name   string `json:"name"`
	Cores  int    `json:"cores"`
	Memory int64  `json:"memory_bytes,omitempty"`
	// Utilization is the time-average share of its cores busy; Load the
	// share its nodes' own work asks of them (visits offered × mean
	// service time ÷ cores), at 1 or more more than it can do.
	Utilization float64 `json:"utilization"`
	Load        float64 `json:"load"`
	// QueueLength is the time-average number of visits waiting for a
	// core; CoreWait the time a visit waited for one, null when no visit
	// took a core in the window.
	QueueLength float64    `json:"queue_length"`
	CoreWait    *WaitStats `json:"core_wait"`
	Nodes       []HostNode `json:"nodes"`
	// Saturated says its cores cannot keep up: Load at
	// SaturationThreshold or more.
	Saturated bool `json:"saturated"`
	// MonthlyUSD is what the host costs a month; it is billed once, and
	// the nodes on it not for their instances.
	MonthlyUSD float64 `json:"monthly_usd,omitempty"`
}

// HostNode is a node's share of its host.
type HostNode struct {
	Node string `json:"node"`
	// Cores is the mean number of cores its visits held, Load its part of
	// the host's load.
	Cores float64 `json:"cores"`
	Load  float64 `json:"load"`
	// CoreWait is the mean time its visits waited for a core and Work the
	// mean core time they took; WaitShare is CoreWait ÷ (CoreWait + Work),
	// the share of their time on the host spent waiting for a core, null
	// when none of its visits took a core in the window.
	CoreWait  float64  `json:"core_wait"`
	Work      float64  `json:"work"`
	WaitShare *float64 `json:"wait_share"`
}

// hostReports turns the hosts' figures into the report's, bills each
// host once, and marks the nodes on a saturated host saturated, with the
// host's load as the load the bottleneck is judged by.
func hostReports(rep *Report, t *topology.Topology, stats []engine.HostStats) {
	for i, hs := range stats {
		h := t.Hosts[i]
		hr := HostReport{Name: hs.Name, Cores: hs.Cores, Memory: int64(hs.Memory), Utilization: hs.Utilization, Load: hs.Load,
			QueueLength: hs.QueueLength, Saturated: hs.Load >= SaturationThreshold}
		if hs.Waits > 0 {
			hr.CoreWait = &WaitStats{Mean: hs.WaitMean, P99: hs.WaitP99}
		}
		names := make([]string, len(hs.Nodes))
		for j, ns := range hs.Nodes {
			names[j] = ns.Node
			hn := HostNode{Node: ns.Node, Cores: ns.Cores, Load: ns.Load, CoreWait: ns.WaitMean, Work: ns.Work}
			if ns.Waits > 0 && ns.WaitMean+ns.Work > 0 {
				share := ns.WaitMean / (ns.WaitMean + ns.Work)
				hn.WaitShare = &share
			}
			hr.Nodes = append(hr.Nodes, hn)
		}
		if h.Price != (topology.Price{}) {
			hr.MonthlyUSD = h.Monthly()
			rep.Cost.ByNode[h.Name] = hr.MonthlyUSD
			rep.Cost.hosts = append(rep.Cost.hosts, h.Name)
			rep.Cost.MonthlyUSD += hr.MonthlyUSD
		}
		for j := range rep.Nodes {
			n := &rep.Nodes[j]
			if t.Nodes[j].Host != h.Name {
				continue
			}
			n.hostLoad = hs.Load
			for k, why := range n.SaturatedBecause {
				// Its workers' holding time has their waits for a core too.
				n.SaturatedBecause[k] = strings.Replace(why, waitingOnCalls, "the rest its workers waiting for a core of host "+h.Name+" or on its calls", 1)
			}
			if hr.Saturated {
				n.SaturatedBecause = append(n.SaturatedBecause, fmt.Sprintf("its host %s's %s (%s)",
					h.Name, coresAsked(h.Cores, hs.Load), strings.Join(names, " and ")+" together"))
				n.Saturated = true
			}
		}
		rep.Hosts = append(rep.Hosts, hr)
	}
}

// waitingOnCalls says what holds a node's workers besides its own work,
// off a host.
const waitingOnCalls = "the rest its workers waiting on its calls"

// cores says "4 cores", or "1 core".
func cores(n int) string { return units.Plural(n, "core", "cores") }

// coresAsked says "4 cores are asked for 90% of their time", or "1 core is
// asked for 90% of its time".
func coresAsked(n int, load float64) string {
	if n == 1 {
		return "1 core is asked for " + units.Percent(load) + " of its time"
	}
	return fmt.Sprintf("%d cores are asked for %s of their time", n, units.Percent(load))
}

// writeHosts writes the hosts' table and each node's share of its host.
func writeHosts(b *strings.Builder, hosts []HostReport, window float64) error {
	if len(hosts) == 0 {
		return nil
	}
	dur := units.FormatDuration
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tCORES\tUTIL\tLOAD\tQUEUE\tCORE WAIT MEAN\tCORE WAIT P99\tSTATUS")
	for _, h := range hosts {
		status := "ok"
		if h.Saturated {
			status = "SATURATED"
		}
		if window <= 0 {
			fmt.Fprintf(tw, "%s\t%d\t-\t-\t-\t-\t-\t%s\n", h.Name, h.Cores, status)
			continue
		}
		mean, p99 := units.Unknown, units.Unknown
		if w := h.CoreWait; w != nil {
			mean, p99 = dur(w.Mean), dur(w.P99)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Name, h.Cores, units.Percent(h.Utilization), units.Percent(h.Load),
			units.Count(h.QueueLength), mean, p99, status)
	}
	return tw.Flush()
}

// writeHostShares writes each node's share of its host, with the time its
// visits waited for a core.
func writeHostShares(b *strings.Builder, hosts []HostReport, window float64) {
	if window <= 0 {
		return
	}
	dur := units.FormatDuration
	for _, h := range hosts {
		for i, n := range h.Nodes {
			label := ""
			if i == 0 {
				label = h.Name
			}
			line := fmt.Sprintf("%-11s %s: %s of its %s busy on average", label, n.Node, units.Count(n.Cores), cores(h.Cores))
			if n.WaitShare != nil {
				line += fmt.Sprintf("; a visit waits %s for a core (%s of its time on %s)", dur(n.CoreWait), units.Percent(*n.WaitShare), h.Name)
			}
			b.WriteString(line + "\n")
		}
	}
}

// hostNote says, of a node whose host's load is above its own demand,
// that the host limits it, or is "".
func (r *Report) hostNote(n *NodeReport) string {
	if n.hostLoad <= n.OwnLoad {
		return ""
	}
	for _, h := range r.Hosts {
		var others []string
		on := false
		for _, hn := range h.Nodes {
			if hn.Node == n.Name {
				on = true
			} else {
				others = append(others, hn.Node)
			}
		}
		if !on {
			continue
		}
		with := ""
		if len(others) > 0 {
			with = ", shared with " + strings.Join(others, ", ")
		}
		return fmt.Sprintf("; on host %s, whose %s%s", h.Name, coresAsked(h.Cores, h.Load), with)
	}
	return ""
}
