package explain

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// Explanation says in plain words what saturates first in a scenario and
// why, which scaling pattern addresses it, and the back-of-envelope
// arithmetic beside the simulated figures, so the two can be checked
// against each other.
type Explanation struct {
	Scenario string `json:"scenario"`
	// Load describes the load it was run at.
	Load string `json:"load"`
	// Limits ranks the nodes with workers by headroom, least first.
	Limits  []NodeLimit `json:"limits"`
	Pattern string      `json:"pattern"`
	// Missing names the resilience the scenario lacks where its run shows
	// the failure it prevents (a health check, a retry budget, a session
	// store); absent when nothing shows.
	Missing  []string           `json:"missing_resilience,omitempty"`
	Envelope []Check            `json:"envelope"`
	Report   *simulate.Report   `json:"report"`
	Estimate *estimate.Estimate `json:"estimate"`
	users    float64            // of a users-model workload, else 0
	model    *estimate.Model    // the estimate's routes and visits
}

// NodeLimit is how far a node is from saturating.
type NodeLimit struct {
	Node        string  `json:"node"`
	Kind        string  `json:"kind"`
	Throughput  float64 `json:"throughput"`  // visits per second, simulated
	Utilization float64 `json:"utilization"` // of its busiest station, simulated
	// Capacity is the visits per second it can take: simulated throughput
	// ÷ utilization; null when it was not busy at all.
	Capacity *float64 `json:"capacity"`
	// Headroom is the factor by which the load can grow before the node
	// saturates, if its load grows in proportion; null when it saw no
	// load, which no factor changes.
	Headroom *float64 `json:"headroom"`
	// Why explains its holding time and capacity in words.
	Why string `json:"why"`
}

// Check is one back-of-envelope figure beside the simulated one.
type Check struct {
	What      string `json:"what"`
	Envelope  string `json:"envelope"`
	Simulated string `json:"simulated"`
}

// Scenario runs s and its analytic estimate and explains the result.
func Scenario(s *scenarios.Scenario) (*Explanation, error) {
	rep, err := simulate.Run(s)
	if err != nil {
		return nil, err
	}
	model, err := estimate.NewModel(s)
	if err != nil {
		return nil, err
	}
	est, err := model.Solve()
	if err != nil {
		return nil, err
	}
	ex := &Explanation{Scenario: s.Name, Report: rep, Estimate: est, Load: units.Rate(rep.OfferedRate) + " offered", model: model}
	if u := s.Workload.Users; u != nil {
		ex.users = u.Users
		ex.Load = units.FormatCount(u.Users) + " users (" + units.Rate(rep.OfferedRate) + " at the daily peak)"
	} else if s.Workload.Model == workloads.Closed {
		ex.Load = fmt.Sprintf("%d users in a closed loop (%s)", s.Workload.Population, units.Rate(rep.OfferedRate))
	}
	for i, n := range rep.Nodes {
		if !n.Workers {
			continue
		}
		busy := math.Max(n.Utilization, n.OfferedLoad)
		l := NodeLimit{Node: n.Name, Kind: n.Kind, Throughput: n.Throughput, Utilization: busy}
		if busy > 0 {
			capacity, headroom := n.Throughput/busy, 1/busy
			l.Capacity, l.Headroom = &capacity, &headroom
		}
		l.Why = ex.why(s.Topology.Nodes[i], est.Nodes[i])
		ex.Limits = append(ex.Limits, l)
	}
	slices.SortStableFunc(ex.Limits, func(a, b NodeLimit) int {
		return cmp.Compare(a.headroom(), b.headroom())
	})
	ex.Pattern = ex.pattern(s)
	ex.Missing = missingResilience(s, rep)
	ex.envelope(s)
	return ex, nil
}

// why explains a node's capacity from its workers and holding time, and
// what its kind adds.
func (ex *Explanation) why(node *topology.Node, ne estimate.NodeEstimate) string {
	switch {
	case ne.Holding == 0 || ne.Workers == 0:
		return "no load"
	case math.IsInf(ne.Holding, 0):
		return "its workers would wait without bound on an overloaded node they call"
	}
	capacity := float64(ne.Stations*ne.Workers) / ne.Holding
	return fmt.Sprintf("%d × %d workers ÷ %s held per visit = %s", ne.Stations, ne.Workers, units.FormatDuration(ne.Holding), units.Rate(capacity)) +
		node.Spec.CapacityNote(ne.Solution)
}

// pattern names the scaling pattern that addresses the first limit: its
// kind's advice, then what the workload's shape and the network suggest.
func (ex *Explanation) pattern(s *scenarios.Scenario) string {
	var shaped string
	if len(s.Workload.Changes) > 0 {
		shaped = " The load is spiky (the workload has a shape): autoscaling sizes the fleet to the load instead of to the peak."
	}
	var faraway string
	if far := ex.networkShare(); far > 0.3 {
		faraway = fmt.Sprintf(" Network round trips are %.0f%% of the latency: serve users from nearer (a CDN for static content, regions for the rest).", far*100)
	}
	if len(ex.Limits) == 0 {
		return "Nothing has workers to saturate." + shaped + faraway
	}
	first := ex.Limits[0]
	i := slices.IndexFunc(s.Topology.Nodes, func(n *topology.Node) bool { return n.Name == first.Node })
	return s.Topology.Nodes[i].Spec.Advice(ex.model, first.Node, ex.Estimate.Nodes[i].Solution) + shaped + faraway
}

// networkShare is the share of the mean latency spent on network round
// trips and CDN legs, by the estimate.
func (ex *Explanation) networkShare() float64 {
	if l := ex.Report.Latency; l == nil || l.Mean <= 0 {
		return 0
	}
	return ex.model.NetworkTime() / ex.Report.Latency.Mean
}

// envelope sets the arithmetic a candidate would do beside the simulation.
func (ex *Explanation) envelope(s *scenarios.Scenario) {
	rep := ex.Report
	dur := units.FormatDuration
	if u := s.Workload.Users; u != nil {
		ex.Envelope = append(ex.Envelope, Check{"peak rate", u.Derivation(), "offered " + units.Rate(rep.OfferedRate)})
	}
	if len(ex.Limits) > 0 {
		first := ex.Limits[0]
		for _, ne := range ex.Estimate.Nodes {
			if ne.Name == first.Node && ne.Holding > 0 && !math.IsInf(ne.Holding, 0) && first.Capacity != nil {
				even := ""
				if ne.Stations > 1 {
					even = " if spread evenly"
				}
				ex.Envelope = append(ex.Envelope, Check{"capacity of " + first.Node,
					fmt.Sprintf("%d × %d workers ÷ %s = %s%s", ne.Stations, ne.Workers, dur(ne.Holding), units.Rate(float64(ne.Stations*ne.Workers)/ne.Holding), even),
					fmt.Sprintf("%s ÷ %s busy = %s", units.Rate(first.Throughput), units.Percent(first.Utilization), units.Rate(*first.Capacity))})
			}
		}
	}
	estimate := "overloaded: no steady state"
	if ex.Estimate.Latency != nil {
		estimate = "M/M/c per station: mean " + dur(*ex.Estimate.Latency)
	}
	l := rep.Latency
	if l == nil {
		ex.Envelope = append(ex.Envelope, Check{"latency", estimate, "unknown: no request completed in the window"})
		return
	}
	inSystem := rep.Throughput * l.Mean
	ex.Envelope = append(ex.Envelope, Check{"Little's law, L = λW",
		fmt.Sprintf("%s × %s = %.3g requests in the system", units.Rate(rep.Throughput), dur(l.Mean), inSystem),
		"(the simulation's own λ and W)"})
	sim := "mean " + dur(l.Mean)
	if ci := l.MeanCI95; ci != nil {
		sim += fmt.Sprintf(" (95%% CI %s–%s)", dur(ci[0]), dur(ci[1]))
	}
	ex.Envelope = append(ex.Envelope, Check{"latency", estimate, sim})
}

// WriteTable writes the explanation for people, in sentences.
func (ex *Explanation) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %s\n\n", ex.Scenario, ex.Load)
	if len(ex.Limits) > 0 {
		first := ex.Limits[0]
		fmt.Fprintf(&b, "What saturates first: %s (%s).\n", first.Node, first.Kind)
		fmt.Fprintf(&b, "  It takes %s and is %s busy; its capacity is %s.\n", units.Rate(first.Throughput), units.Percent(first.Utilization), first.Why)
		h := ex.headroom(first)
		fmt.Fprintf(&b, "  %s%s.\n", strings.ToUpper(h[:1]), h[1:])
		for _, l := range ex.Limits[1:] {
			fmt.Fprintf(&b, "Then: %s, %s busy (%s).\n", l.Node, units.Percent(l.Utilization), ex.headroom(l))
		}
	}
	fmt.Fprintf(&b, "\nWhat to do: %s\n\n", ex.Pattern)
	if len(ex.Missing) > 0 {
		b.WriteString("What is missing, from what the run shows:\n")
		for _, m := range ex.Missing {
			fmt.Fprintf(&b, "  - %s\n", m)
		}
		b.WriteString("\n")
	}
	b.WriteString("Back of the envelope, beside the simulation:\n")
	for _, c := range ex.Envelope {
		fmt.Fprintf(&b, "  %-24s %s\n  %-24s simulated: %s\n", c.What, c.Envelope, "", c.Simulated)
	}
	if len(ex.Estimate.Notes) > 0 {
		fmt.Fprintf(&b, "  (the estimate approximates: %s)\n", strings.Join(ex.Estimate.Notes, "; "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// headroom is the node's headroom for ranking, unbounded without load.
func (l NodeLimit) headroom() float64 {
	if l.Headroom == nil {
		return math.Inf(1)
	}
	return *l.Headroom
}

// headroom says how much more load a node takes before it saturates.
func (ex *Explanation) headroom(l NodeLimit) string {
	switch {
	case l.Headroom == nil:
		return "it sees no load"
	case *l.Headroom <= 1/simulate.SaturationThreshold:
		return "it is saturated now"
	}
	h := *l.Headroom
	at := fmt.Sprintf("%.3g× this load (%s", h, units.Rate(ex.Report.OfferedRate*h))
	if ex.users > 0 {
		at += ", " + units.FormatCount(ex.users*h) + " users"
	}
	return "it saturates at about " + at + ") if its load grows in proportion"
}

// WriteJSON writes the explanation as indented JSON.
func (ex *Explanation) WriteJSON(w io.Writer) error { return output.WriteJSON(w, ex, "explanation") }
