package scenarios

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

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
	Limits   []NodeLimit `json:"limits"`
	Pattern  string      `json:"pattern"`
	Envelope []Check     `json:"envelope"`
	Report   *Report     `json:"report"`
	Estimate *Estimate   `json:"estimate"`
	users    float64     // of a users-model workload, else 0
	model    *estimator  // the estimate's routes and visits
}

// NodeLimit is how far a node is from saturating.
type NodeLimit struct {
	Node        string  `json:"node"`
	Kind        string  `json:"kind"`
	Throughput  float64 `json:"throughput"`  // visits per second, simulated
	Utilization float64 `json:"utilization"` // of its busiest station, simulated
	// Capacity is the visits per second it can take: simulated throughput
	// ÷ utilization.
	Capacity float64 `json:"capacity"`
	// Headroom is the factor by which the load can grow before the node
	// saturates, if its load grows in proportion.
	Headroom float64 `json:"headroom"`
	// Why explains its holding time and capacity in words.
	Why string `json:"why"`
}

// Check is one back-of-envelope figure beside the simulated one.
type Check struct {
	What      string `json:"what"`
	Envelope  string `json:"envelope"`
	Simulated string `json:"simulated"`
}

// Explain runs s and its analytic estimate and explains the result.
func Explain(s *Scenario) (*Explanation, error) {
	rep, err := Run(s)
	if err != nil {
		return nil, err
	}
	model, err := newEstimator(s)
	if err != nil {
		return nil, err
	}
	est, err := model.solve()
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
		if n.Kind == "load_balancer" || n.Kind == "cdn" {
			continue
		}
		busy := math.Max(n.Utilization, n.OfferedLoad)
		l := NodeLimit{Node: n.Name, Kind: n.Kind, Throughput: n.Throughput, Utilization: busy, Headroom: math.Inf(1)}
		if busy > 0 {
			l.Capacity, l.Headroom = n.Throughput/busy, 1/busy
		}
		l.Why = ex.why(s.Topology.Nodes[i], est.Nodes[i])
		ex.Limits = append(ex.Limits, l)
	}
	slices.SortStableFunc(ex.Limits, func(a, b NodeLimit) int {
		switch {
		case a.Headroom < b.Headroom:
			return -1
		case a.Headroom > b.Headroom:
			return 1
		}
		return 0
	})
	ex.Pattern = ex.pattern(s)
	ex.envelope(s)
	return ex, nil
}

// why explains a node's capacity from its workers and holding time.
func (ex *Explanation) why(node *topology.Node, ne NodeEstimate) string {
	if ne.Holding == 0 || ne.Workers == 0 {
		return "no load"
	}
	capacity := float64(ne.Stations*ne.Workers) / ne.Holding
	w := fmt.Sprintf("%d × %d workers ÷ %s held per visit = %s", ne.Stations, ne.Workers, units.FormatDuration(ne.Holding), units.Rate(capacity))
	if node.Service != nil && node.Service.Blocking {
		own := mean(node.Service.ServiceTime)
		if ne.Holding > 1.5*own {
			w += fmt.Sprintf(" (only %s of the hold is its own work; the rest is waiting on its calls)", units.FormatDuration(own))
		}
	}
	if node.Database != nil && node.Database.Shards*(1+node.Database.Replicas) > 1 {
		w += "; the busiest server sets the limit"
	}
	return w
}

// pattern names the scaling pattern that addresses the first limit.
func (ex *Explanation) pattern(s *Scenario) string {
	var shaped string
	if len(s.Workload.Changes) > 0 {
		shaped = " The load is spiky (the workload has a shape): autoscaling sizes the fleet to the load instead of to the peak."
	}
	far := ex.networkShare(s)
	var faraway string
	if far > 0.3 {
		faraway = fmt.Sprintf(" Network round trips are %.0f%% of the latency: serve users from nearer (a CDN for static content, regions for the rest).", far*100)
	}
	if len(ex.Limits) == 0 {
		return "Nothing has workers to saturate." + shaped + faraway
	}
	first := ex.Limits[0]
	node := s.Topology.Lookup(first.Node)
	var p string
	switch {
	case node.Database != nil:
		reads, writes := ex.readWrite(s, first.Node)
		switch {
		case writes > reads && node.Database.Shards > 1:
			p = fmt.Sprintf("The database is write-bound (%.0f%% of its work is writes) and already sharded: add shards, and check the busiest shard (hot keys) in 'scalesim run'.", 100*writes/(reads+writes))
		case writes > reads:
			p = fmt.Sprintf("The database is write-bound (%.0f%% of its work is writes): shard it, so each primary takes a share of the writes.", 100*writes/(reads+writes))
		case node.Database.Replicas == 0:
			p = fmt.Sprintf("The database is read-heavy (%.0f%% of its work is reads): put a cache in front of it (cache-aside) or add read replicas.", 100*reads/(reads+writes))
		default:
			p = "The database's reads outgrow its replicas: add replicas or a cache in front of them."
		}
	case node.Cache != nil:
		p = "The cache's nodes are busy: add cache nodes (the hash ring spreads keys over them)."
	case node.Service != nil:
		sv := node.Service
		if sv.Blocking && ex.Estimate != nil {
			for _, ne := range ex.Estimate.Nodes {
				if ne.Name == first.Node && ne.Holding > 2*mean(sv.ServiceTime) {
					p = "Its workers mostly wait on calls: more workers per instance, a non-blocking (event-loop) server, or moving slow side work off the request path into a queue."
				}
			}
		}
		if p == "" {
			p = "The app is CPU-bound: add instances behind the load balancer; keep them stateless so they can be added and removed freely."
		}
	}
	return p + shaped + faraway
}

// readWrite is the work (visits × service time) of reads and writes at a
// database, from the estimate's visits.
func (ex *Explanation) readWrite(s *Scenario, name string) (reads, writes float64) {
	est := ex.model
	i := est.index[name]
	db := s.Topology.Nodes[i].Database
	for c := range est.classes {
		if est.writes[c] {
			writes += est.visits[c][i] * mean(db.WriteTime)
		} else {
			reads += est.visits[c][i] * mean(db.ReadTime)
		}
	}
	return reads, writes
}

// networkShare is the share of the mean latency spent on network round
// trips and CDN legs, by the estimate.
func (ex *Explanation) networkShare(s *Scenario) float64 {
	e := ex.model
	if ex.Report.Latency.Mean <= 0 {
		return 0
	}
	total := 0.0
	for c := range e.classes {
		for i, node := range e.nodes {
			for j, w := range e.route[c][i] {
				total += e.visits[c][i] * w * e.callLatency(i, j)
			}
			if node.CDN != nil {
				miss := e.route[c][i][e.index[node.CDN.Origin]]
				total += e.visits[c][i] * (mean(node.CDN.EdgeLatency) + miss*mean(node.CDN.OriginLatency))
			}
		}
	}
	lambda := s.Workload.OfferedRate()
	if lambda <= 0 {
		return 0
	}
	return total / lambda / ex.Report.Latency.Mean
}

// envelope sets the arithmetic a candidate would do beside the simulation.
func (ex *Explanation) envelope(s *Scenario) {
	rep := ex.Report
	dur := units.FormatDuration
	if u := s.Workload.Users; u != nil {
		ex.Envelope = append(ex.Envelope, Check{"peak rate", u.Derivation(), "offered " + units.Rate(rep.OfferedRate)})
	}
	if len(ex.Limits) > 0 {
		first := ex.Limits[0]
		for _, ne := range ex.Estimate.Nodes {
			if ne.Name == first.Node && ne.Holding > 0 {
				even := ""
				if ne.Stations > 1 {
					even = " if spread evenly"
				}
				ex.Envelope = append(ex.Envelope, Check{"capacity of " + first.Node,
					fmt.Sprintf("%d × %d workers ÷ %s = %s%s", ne.Stations, ne.Workers, dur(ne.Holding), units.Rate(float64(ne.Stations*ne.Workers)/ne.Holding), even),
					fmt.Sprintf("%s ÷ %s busy = %s", units.Rate(first.Throughput), units.Percent(first.Utilization), units.Rate(first.Capacity))})
			}
		}
	}
	inSystem := rep.Throughput * rep.Latency.Mean
	ex.Envelope = append(ex.Envelope, Check{"Little's law, L = λW",
		fmt.Sprintf("%s × %s = %.3g requests in the system", units.Rate(rep.Throughput), dur(rep.Latency.Mean), inSystem),
		"(the simulation's own λ and W)"})
	estimate := "overloaded: no steady state"
	if ex.Estimate.Latency != nil {
		estimate = "M/M/c per station: mean " + dur(*ex.Estimate.Latency)
	}
	sim := "mean " + dur(rep.Latency.Mean)
	if ci := rep.Latency.MeanCI95; ci != nil {
		sim += fmt.Sprintf(" (95%% CI %s–%s)", dur(ci[0]), dur(ci[1]))
	}
	ex.Envelope = append(ex.Envelope, Check{"latency", estimate, sim})
}

// WriteText writes the explanation for people.
func (ex *Explanation) WriteText(w io.Writer) error {
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

// headroom says how much more load a node takes before it saturates.
func (ex *Explanation) headroom(l NodeLimit) string {
	switch {
	case math.IsInf(l.Headroom, 1):
		return "it sees no load"
	case l.Headroom <= 1/SaturationThreshold:
		return "it is saturated now"
	}
	at := fmt.Sprintf("%.3g× this load (%s", l.Headroom, units.Rate(ex.Report.OfferedRate*l.Headroom))
	if ex.users > 0 {
		at += ", " + units.FormatCount(ex.users*l.Headroom) + " users"
	}
	return "it saturates at about " + at + ") if its load grows in proportion"
}

// WriteJSON writes the explanation as indented JSON.
func (ex *Explanation) WriteJSON(w io.Writer) error { return writeJSON(w, ex, "explanation") }
