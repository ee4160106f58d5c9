package estimate

import (
	"fmt"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// HostEstimate is a host's cores as one M/G/c station (see
// topology.Host): the visits of every node on it, each taking a core for
// its own service time. Wait is the mean wait for a core, Erlang C scaled
// by (1 + SCV)/2 for the mixture of the nodes' service times
// (Allen–Cunneen; exact for M/M/c); null when the cores are offered more
// than they can do.
type HostEstimate struct {
	Name        string   `json:"name"`
	Cores       int      `json:"cores"`
	Nodes       []string `json:"nodes"`
	ArrivalRate float64  `json:"arrival_rate"` // visits per second taking a core
	Holding     float64  `json:"holding"`      // mean core time per visit
	Utilization float64  `json:"utilization"`
	Wait        *float64 `json:"wait"`
}

// solveHosts solves each host's cores as one station of the merged load of
// the nodes on it, and keeps each such node's wait for a core for
// solveNode (onHost).
func (m *Model) solveHosts() {
	t := m.s.Topology
	m.est.Hosts = nil
	m.coreWait = map[string]float64{}
	for _, h := range t.Hosts {
		g := t.HostGroup(m, h)
		ok := g.Solve()
		he := HostEstimate{Name: h.Name, Cores: h.Cores, ArrivalRate: g.Rate, Holding: g.Holding, Utilization: g.Utilization()}
		wait := g.Wait
		if !ok {
			wait = math.Inf(1)
		} else {
			he.Wait = &wait
		}
		for _, n := range t.HostedOn(h) {
			he.Nodes = append(he.Nodes, n.Name)
			m.coreWait[n.Name] = wait
		}
		if wait > float64(0.01*g.Holding) {
			m.Note("%s share host %s's %s: their visits' service times as one M/G/c station of their merged load; each node's own workers solved without the wait for a core (exact while they are not the limit)",
				strings.Join(he.Nodes, " and "), h.Name, units.Plural(h.Cores, "core", "cores"))
		}
		m.est.Hosts = append(m.est.Hosts, he)
	}
}

// onHost adds to the solution of a node on a host the wait of its visits
// for a core: to their response, and to the time they hold a worker (so
// to its utilization); a host offered more than its cores can do leaves
// the node without a steady state.
func (m *Model) onHost(name string, sol *topology.Solution) {
	w, ok := m.coreWait[name]
	if !ok || w == 0 {
		return
	}
	if math.IsInf(w, 1) {
		sol.Overloaded = true
	}
	if sol.Holding > 0 {
		sol.Utilization = sol.Utilization * (sol.Holding + w) / sol.Holding
	}
	sol.Holding += w
	for c := range sol.Response {
		sol.Response[c] += w
	}
}

// writeHosts writes the hosts' table, after the nodes'.
func writeHosts(b *strings.Builder, hosts []HostEstimate) error {
	if len(hosts) == 0 {
		return nil
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tNODES\tVISITS\tCORES\tCORE TIME\tUTIL\tCORE WAIT")
	for _, h := range hosts {
		wait := "∞"
		if h.Wait != nil {
			wait = units.FormatDuration(*h.Wait)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", h.Name, strings.Join(h.Nodes, ", "), units.Rate(h.ArrivalRate), h.Cores,
			units.FormatDuration(h.Holding), units.Percent(h.Utilization), wait)
	}
	return tw.Flush()
}

// closedHost fills in, for a closed workload solved by MVA, host h's
// estimate and those of the nodes on it: the host is one station of its
// cores (Seidmann's approximation, as any multi-worker station), of
// demand per request the visits × core time of every node on it, and the
// nodes' own workers are left out. x is the throughput, visits and demand
// the host's per request, wait a request's mean wait for a core over its
// visits. It returns the host's utilization.
func (m *Model) closedHost(h *topology.Host, x, visits, demand, wait float64) float64 {
	he := HostEstimate{Name: h.Name, Cores: h.Cores, ArrivalRate: float64(x * visits), Utilization: float64(x*demand) / float64(h.Cores)}
	if visits > 0 {
		he.Holding, wait = demand/visits, wait/visits
	}
	he.Wait = &wait
	for _, n := range m.s.Topology.HostedOn(h) {
		he.Nodes = append(he.Nodes, n.Name)
		i := m.index[n.Name]
		ne := &m.est.Nodes[i]
		for c := range m.classes {
			ne.ArrivalRate += float64(x * m.visits[c][i])
		}
		if dm, ok := n.Spec.Demand(m, n.Name); ok {
			ne.Stations, ne.Workers = dm.Stations, dm.Workers
			ne.Holding = dm.Service + wait
			ne.Utilization = float64(ne.ArrivalRate*ne.Holding) / float64(dm.Stations*dm.Workers)
			ne.Wait = new(float64)
		}
	}
	m.Note("%s share host %s's %s: solved as one station of their cores (Seidmann), their own workers left out",
		strings.Join(he.Nodes, " and "), h.Name, units.Plural(h.Cores, "core", "cores"))
	m.est.Hosts = append(m.est.Hosts, he)
	return he.Utilization
}
