package explain

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/units"
)

// Contention is what explain says of a host and the nodes that share its
// cores (see topology.Host).
type Contention struct {
	Host  string   `json:"host"`
	Nodes []string `json:"nodes"`
	Cores int      `json:"cores"`
	// Utilization is the busy share of its cores, simulated; Load the
	// share its nodes' own work asks of them.
	Utilization float64 `json:"utilization"`
	Load        float64 `json:"load"`
	// Headroom is the factor by which the load can grow before its cores
	// saturate (1 ÷ Load), if it grows in proportion; null without load.
	Headroom *float64 `json:"headroom"`
	// Says is the contention in a sentence.
	Says string `json:"says"`
}

// contention says, for each host of the run, how busy its cores are and
// how long each node on it waits for one.
func contention(rep *simulate.Report) []Contention {
	var out []Contention
	for _, h := range rep.Hosts {
		c := Contention{Host: h.Name, Cores: h.Cores, Utilization: h.Utilization, Load: h.Load}
		var waits []string
		for _, n := range h.Nodes {
			c.Nodes = append(c.Nodes, n.Node)
			if n.WaitShare != nil {
				waits = append(waits, fmt.Sprintf("%s waits for a core %s of its time there (%s a visit)", n.Node, units.Percent(*n.WaitShare), units.FormatDuration(n.CoreWait)))
			}
		}
		share := "runs alone on"
		if len(c.Nodes) > 1 {
			share = "share"
		}
		c.Says = fmt.Sprintf("%s %s %s's %s: %s busy", joinAnd(c.Nodes), share, h.Name, units.Plural(h.Cores, "core", "cores"), units.Percent(h.Utilization))
		if len(waits) > 0 {
			c.Says += "; " + strings.Join(waits, ", ")
		}
		switch {
		case h.Load <= 0:
		case h.Saturated:
			c.Says += "; its cores are asked for more than they can do"
		default:
			headroom := 1 / h.Load
			c.Headroom = &headroom
			c.Says += fmt.Sprintf("; they saturate at about %s this load (%s)", units.Times(headroom), units.Rate(float64(rep.OfferedRate*headroom)))
		}
		c.Says += "."
		out = append(out, c)
	}
	return out
}

// hostFirst is the host whose cores saturate before the node that
// saturates first on its own, if one does: the least headroom of those.
func (ex *Explanation) hostFirst() *Contention {
	first := math.Inf(1)
	if len(ex.Limits) > 0 {
		first = ex.Limits[0].headroom()
	}
	var out *Contention
	for i := range ex.Hosts {
		c := &ex.Hosts[i]
		switch {
		case c.Load <= 0:
		case c.Headroom == nil:
			return c // saturated
		case *c.Headroom < first:
			out, first = c, *c.Headroom
		}
	}
	return out
}

// hostAdvice is what to do when a host's cores saturate first: the next
// stage of the playbook, nodes on machines of their own, or a larger
// machine; "" when no host saturates first.
func (ex *Explanation) hostAdvice() string {
	c := ex.hostFirst()
	switch {
	case c == nil:
		return ""
	case len(c.Nodes) == 1:
		return fmt.Sprintf("Host %s's %s the limit, before %s's own workers: give it a host with more cores.", c.Host, units.Plural(c.Cores, "core is", "cores are"), c.Nodes[0])
	}
	return fmt.Sprintf("The cores %s share on host %s are the limit, before any node's own workers: move %s to a host of its own (the next stage after a single server), or give %s more cores.",
		joinAnd(c.Nodes), c.Host, ex.toMove(c.Host), c.Host)
}

// toMove names the node to move off a shared host first: a database (the
// first step out of a single server), or else the node whose work asks
// most of the host.
func (ex *Explanation) toMove(host string) string {
	for _, h := range ex.Report.Hosts {
		if h.Name != host {
			continue
		}
		best, most := "", -1.0
		for _, hn := range h.Nodes {
			for _, n := range ex.Report.Nodes {
				if n.Name == hn.Node && n.Kind == "database" {
					return n.Name
				}
			}
			if hn.Load > most {
				best, most = hn.Node, hn.Load
			}
		}
		return best
	}
	return ""
}

// joinAnd joins names as "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// hostChecks sets each host's capacity by the estimate (cores ÷ the mean
// core time of a visit) beside the run's (the visits its nodes completed
// ÷ the busy share of its cores).
func (ex *Explanation) hostChecks() []Check {
	var out []Check
	for i, he := range ex.Estimate.Hosts {
		if he.Holding <= 0 || i >= len(ex.Report.Hosts) {
			continue
		}
		h := ex.Report.Hosts[i]
		visits := 0.0
		for _, n := range ex.Report.Nodes {
			if slices.Contains(he.Nodes, n.Name) {
				visits += n.Throughput
			}
		}
		simulated := "unknown: its cores were not busy"
		if h.Utilization > 0 {
			simulated = fmt.Sprintf("%s visits ÷ %s busy = %s (visits of %s)", units.Rate(visits), units.Percent(h.Utilization),
				units.Rate(visits/h.Utilization), joinAnd(he.Nodes))
		}
		out = append(out, Check{"capacity of host " + he.Name,
			fmt.Sprintf("%s ÷ %s a visit = %s visits", units.Plural(he.Cores, "core", "cores"), units.FormatDuration(he.Holding), units.Rate(float64(he.Cores)/he.Holding)), simulated})
	}
	return out
}
