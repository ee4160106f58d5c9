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
	"github.com/scalesim/scalesim/topology/engine"
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
	// Limits ranks the nodes with workers by headroom, least first, but
	// the run's bottleneck before the nodes held waiting on it.
	Limits  []NodeLimit `json:"limits"`
	Pattern string      `json:"pattern"`
	// Failures says how the requests that failed ended, and where;
	// absent when none failed.
	Failures string `json:"failures,omitempty"`
	// Hosts says how the nodes that share a host contend for its cores;
	// absent without hosts.
	Hosts []Contention `json:"hosts,omitempty"`
	// Missing names the resilience the scenario lacks where its run shows
	// the failure it prevents (a health check, a retry budget, a session
	// store); absent when nothing shows.
	Missing []string `json:"missing_resilience,omitempty"`
	// Machines says what the nodes' instance types tell: workers far above
	// a type's vCPUs, the size that carries a busy node's load and the
	// hard limit of scaling up (see machines.go); absent when nothing.
	Machines []string         `json:"machines,omitempty"`
	Envelope []Check          `json:"envelope"`
	Report   *simulate.Report `json:"report"`
	// Agreement sets the estimate's mean latency beside the run's, and
	// says why they differ when they disagree.
	Agreement Agreement          `json:"agreement"`
	Estimate  *estimate.Estimate `json:"estimate"`
	users     float64            // of a users-model workload, else 0
	model     *estimate.Model    // the estimate's routes and visits
}

// NodeLimit is how far a node is from saturating.
type NodeLimit struct {
	Node string `json:"node"`
	Kind string `json:"kind"`
	// Throughput is the visits per second it completed, simulated.
	Throughput float64 `json:"throughput"`
	// Offered is the visits per second offered to it, those it failed or
	// turned away included: its offered load × its capacity at the
	// instances it ran; null when it was not busy.
	Offered *float64 `json:"offered"`
	// Utilization is the busy share of its workers (of its busiest
	// station), simulated.
	Utilization float64 `json:"utilization"`
	// OfferedLoad is the utilization it would need to serve everything
	// offered: offered × mean holding time ÷ workers, simulated.
	OfferedLoad float64 `json:"offered_load"`
	// Failed is the visits per second it failed or turned away (a fault,
	// a full queue, a rate limit, load shedding).
	Failed float64 `json:"failed"`
	// Capacity is the visits per second its workers can finish: workers ÷
	// mean holding time, measured as throughput ÷ utilization; for an
	// autoscaled node, at its most instances, by the estimate's holding
	// time. Null when it was not busy at all.
	Capacity *float64 `json:"capacity"`
	// VolumeCapacity is the visits per second at which the busiest of
	// its stations besides its workers (a database server's volume) would
	// be fully busy: throughput ÷ that station's busy share as run, or by
	// the estimate; absent for a node without one.
	VolumeCapacity *float64 `json:"volume_capacity,omitempty"`
	// Headroom is the factor by which the load can grow before the node
	// saturates (the lesser of Capacity and VolumeCapacity ÷ offered), if
	// its load grows in proportion; null when it saw no load, which no
	// factor changes.
	Headroom *float64 `json:"headroom"`
	// Saturated says the run found it saturated.
	Saturated bool `json:"saturated"`
	// Autoscale is what an autoscaled node's load needs; absent for a
	// fixed fleet.
	Autoscale *Needs `json:"autoscale,omitempty"`
	// Why explains its holding time and capacity in words.
	Why        string  `json:"why"`
	arithmetic float64 // its capacity by the estimate, at the instances it is solved at
	volumeSays string  // that its volume saturates before its workers, or ""
	volumeBusy float64 // its busiest volume's busy share when that saturates before its workers, else 0
	turnedAway string  // how the run saw it turn away a share of its arrivals that saturates it (simulate's NodeReport.TurnedAway), or ""
}

// Needs is the instances an autoscaled node's load needs, beside its
// autoscaler's bounds.
type Needs struct {
	Min int `json:"min"`
	Max int `json:"max"`
	// Busy is the instances the offered load keeps busy: offered × holding
	// time ÷ workers per instance.
	Busy float64 `json:"busy"`
	// AtTarget is the instances at its utilization target (Busy ÷
	// target); absent for other metrics.
	AtTarget *float64 `json:"at_target,omitempty"`
	// Mean is the instances it ran on average (booting included).
	Mean float64 `json:"mean"`
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
	// The run's offered rate: a users model's rate for the peak hour, or
	// with a shape (a daily cycle makes the users model give the daily
	// mean) the mean over the run's window, with the peak there.
	rate, over, at := units.Rate(rep.OfferedRate), "", " at the peak hour"
	if p := est.PeakRate; p != nil {
		over = "the mean over the run's window, up to " + units.Rate(*p)
		at = ", " + over
	}
	ex := &Explanation{Scenario: s.Name, Report: rep, Estimate: est, Load: rate + " offered", model: model}
	if over != "" {
		ex.Load += " (" + over + ")"
	}
	if u := s.Workload.Users; u != nil {
		ex.users = u.Users
		ex.Load = units.FormatCount(u.Users) + " users (" + rate + at + ")"
	} else if s.Workload.Model == workloads.Closed {
		ex.Load = fmt.Sprintf("%s in a closed loop (%s)", units.Plural(s.Workload.Population, "user", "users"), units.Rate(rep.OfferedRate))
	}
	for i := range rep.Nodes {
		if n := &rep.Nodes[i]; n.Workers {
			ex.Limits = append(ex.Limits, ex.limit(n, s.Topology.Nodes[i], est.Nodes[i]))
		}
	}
	// A node the run found saturated saturates before one it did not,
	// however much headroom its load leaves it (a queue of one place
	// turning away a share of its arrivals at 40% busy): the report's
	// bottleneck is one of them too.
	slices.SortStableFunc(ex.Limits, func(a, b NodeLimit) int {
		if a.Saturated != b.Saturated {
			if a.Saturated {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.headroom(), b.headroom())
	})
	ex.Limits = heldAfter(ex.Limits, rep.Bottleneck, rep.HeldWaiting)
	ex.Hosts = contention(rep)
	ex.Pattern = ex.pattern(s)
	if advice := ex.hostAdvice(); advice != "" {
		ex.Pattern = advice
	}
	ex.Failures = failures(s, rep)
	ex.Missing = s.Topology.OncePerFleet(missingResilience(s, rep))
	ex.Machines = ex.machines(s)
	ex.envelope(s)
	ex.Envelope = append(ex.Envelope, ex.hostChecks()...)
	ex.Agreement = agreement(s, rep, est)
	return ex, nil
}

// heldAfter moves the bottleneck ahead of the nodes held waiting on it:
// a caller whose workers would wait without bound on it has no headroom
// of its own (its capacity is none to count on), so by headroom alone it
// may rank before the node that holds it, while that node saturates first
// (a database waiting on its volume, and the service calling it).
func heldAfter(limits []NodeLimit, bottleneck string, held []string) []NodeLimit {
	b := slices.IndexFunc(limits, func(l NodeLimit) bool { return l.Node == bottleneck })
	first := slices.IndexFunc(limits, func(l NodeLimit) bool { return slices.Contains(held, l.Node) })
	if b < 0 || first < 0 || first > b {
		return limits
	}
	l := limits[b]
	limits = slices.Delete(limits, b, b+1)
	return slices.Insert(limits, first, l)
}

// saturated says the run found node n saturated. It is the one place
// explain asks, so that a finer verdict of the report can replace it.
func saturated(n *simulate.NodeReport) bool { return n.Saturated }

// limit works out how far node is from saturating, from its run figures n
// and its estimate ne.
func (ex *Explanation) limit(n *simulate.NodeReport, node *topology.Node, ne estimate.NodeEstimate) NodeLimit {
	l := NodeLimit{Node: n.Name, Kind: n.Kind, Throughput: n.Throughput, Utilization: n.Utilization, OfferedLoad: n.OfferedLoad, Saturated: saturated(n), arithmetic: arithmetic(ne), turnedAway: n.TurnedAway()}
	if w := ex.Report.Window; w > 0 {
		l.Failed = float64(n.Errors+n.Rejected+n.RateLimited+n.Shed+n.TimedOut) / w
	}
	// Its capacity at the instances it ran: throughput ÷ utilization is
	// workers ÷ the mean holding time measured. Without a completed visit
	// to measure it by, the estimate's arithmetic.
	var now float64
	switch {
	case n.Throughput > 0 && n.Utilization > 0:
		now = n.Throughput / n.Utilization
	case n.Utilization > 0 || n.OfferedLoad > 0:
		now = arithmetic(ne)
	}
	if now <= 0 || math.IsInf(now, 0) {
		l.Why = ex.why(node, ne, 0)
		return l
	}
	offered := n.OfferedLoad * now
	capacity := now
	// A station besides the workers (a database's volumes) that would
	// saturate first sets the capacity: the visits a second at which the
	// busiest one is fully busy, as run (throughput ÷ its busy share), or
	// by its settings. The run's figure reads low while the volume's queue
	// grows (the node saturated, or the volume offered its IOPS or more):
	// the visits still in it at the end have had reads served but have
	// not completed, so throughput lags the reads (volume-over: 64/s where
	// 300 IOPS ÷ 3 pages a visit is 100/s). Then, as without a run figure,
	// the estimate's: its IOPS ÷ the pages a visit reads from it, or its
	// throughput ÷ the bytes, whichever is less (the arrival rate ÷ the
	// busiest volume's offered busy share; see topology/database's
	// volume).
	volume, busy, as := 0.0, 0.0, ""
	if v, ok := n.Detail.(engine.VolumeBusy); ok {
		if b, ok := v.VolumeBusy(); ok && b > 0 && n.Throughput > 0 {
			volume, busy, as = n.Throughput/b, b, "as run"
		}
	}
	if ne.Volume > 0 && ne.ArrivalRate > 0 && (volume == 0 || saturated(n) || ne.Volume >= 1) {
		if volume == 0 {
			busy = ne.Volume
		}
		by := fmt.Sprintf("by its %s and the estimate's %s a visit", estimate.VolumeLimit(ne.Solution), estimate.VolumeReads(ne.Solution))
		if volume > 0 {
			as = fmt.Sprintf("%s: the run's %s reads low while its queue grows", by, units.Rate(volume))
		} else {
			as = by
		}
		volume = ne.ArrivalRate / ne.Volume
	}
	most := 0
	if a, each := topology.AutoscaleOf(node.Spec); a != nil && ne.Holding > 0 && !math.IsInf(ne.Holding, 0) {
		most = a.MostInstances()
		capacity = float64(most*each) / ne.Holding
		needs := &Needs{Min: a.Min, Max: most, Busy: float64(offered*ne.Holding) / float64(each)}
		if a.Metric == topology.MetricUtilization && a.Policy != topology.PolicyStep {
			at := needs.Busy / a.Target
			needs.AtTarget = &at
		}
		if n.Scaling != nil {
			needs.Mean = n.Scaling.Mean
		}
		l.Autoscale = needs
	}
	l.Offered, l.Capacity = &offered, &capacity
	limit := capacity
	// Workers that would wait without bound on their volume (the
	// estimate's holding time is unbounded) take what the volume serves:
	// their capacity as run is the volume's, read low.
	waits := !(ne.Holding < math.Inf(1)) && ne.Volume >= 1
	if volume > 0 {
		l.VolumeCapacity = &volume
		if volume < capacity || waits {
			limit, l.volumeBusy = volume, busy
			// Offered what arrives: the workers' offered load, over
			// holding times that a volume's growing queue cuts short at
			// the window's end, may say much less.
			if w := ex.Report.Window; w > 0 {
				offered = max(offered, float64(n.Arrived())/w)
				l.Offered = &offered
			}
			l.volumeSays = fmt.Sprintf("; but its volume saturates first, at about %s (the busiest server's volume %s busy, %s)", units.Rate(volume), units.Percent(busy), as)
			if waits {
				l.volumeSays = fmt.Sprintf("; its volume takes at most about %s (the busiest server's volume %s busy, %s)", units.Rate(volume), units.Percent(busy), as)
			}
		}
	}
	if offered > 0 {
		headroom := limit / offered
		l.Headroom = &headroom
	}
	l.Why = ex.why(node, ne, most)
	return l
}

// arithmetic is a node's capacity by the estimate: stations × workers ÷
// holding time; 0 when it has none to give.
func arithmetic(ne estimate.NodeEstimate) float64 {
	if !(ne.Holding > 0 && ne.Holding < math.Inf(1)) {
		return 0
	}
	return float64(ne.Stations*ne.Workers) / ne.Holding
}

// why explains a node's capacity from its workers and holding time (at
// most instances when it autoscales), and what its kind adds.
func (ex *Explanation) why(node *topology.Node, ne estimate.NodeEstimate, most int) string {
	switch {
	case ne.Holding == 0 || ne.Workers == 0:
		return "no load"
	case !(ne.Holding < math.Inf(1)) && ne.Volume >= 1:
		return fmt.Sprintf("none to count on: its workers would wait without bound on its volume, offered %s of its %s", units.Percent(ne.Volume), estimate.VolumeLimit(ne.Solution))
	case !(ne.Holding < math.Inf(1)):
		return "none to count on: its workers would wait without bound on an overloaded node they call"
	}
	stations, workers := ne.Stations, ne.Workers
	at := ""
	if a, each := topology.AutoscaleOf(node.Spec); a != nil && most > 0 {
		stations, workers = most, each
		at = fmt.Sprintf("at its autoscaler's most of %s, ", units.Plural(most, "instance", "instances"))
	}
	capacity := float64(stations*workers) / ne.Holding
	return at + fmt.Sprintf("%d × %d workers ÷ %s held per visit = %s", stations, workers, units.FormatDuration(ne.Holding), units.Rate(capacity)) +
		node.Spec.CapacityNote(ne.Solution)
}

// pattern names the scaling pattern that addresses the first limit: its
// kind's advice, then what the workload's shape and the network suggest.
func (ex *Explanation) pattern(s *scenarios.Scenario) string {
	var shaped string
	if len(s.Workload.Changes) > 0 {
		shaped = " The load is spiky (the workload has a shape): autoscaling sizes the fleet to the load instead of to the peak."
	}
	faraway := ex.distanceAdvice(s) + ex.transferAdvice()
	if far := ex.networkShare(); far > 0.3 && ex.distanceAdvice(s) == "" {
		faraway = fmt.Sprintf(" Network round trips are %s of the latency: serve users from nearer (a CDN for static content, regions for the rest).", units.PercentDigits(far, 2))
	}
	own := ex.ownAdvice(s)
	if len(ex.Limits) == 0 {
		return "Nothing has workers to saturate." + own + shaped + faraway
	}
	first := ex.Limits[0]
	if first.Autoscale != nil {
		shaped = "" // it autoscales already
	}
	i := slices.IndexFunc(s.Topology.Nodes, func(n *topology.Node) bool { return n.Name == first.Node })
	advice := s.Topology.Nodes[i].Spec.Advice(ex.model, first.Node, ex.Estimate.Nodes[i].Solution)
	if why := ex.fallingBehind(first.Node); len(why) > 0 {
		advice = fmt.Sprintf("In the run, %s's consumers could not keep up with the messages published (%s). ", first.Node, strings.Join(why, "; ")) + advice
	}
	return advice + own + shaped + faraway
}

// ownAdviser is a spec without workers that has advice of its own to give
// whatever saturates first (a function's throttling, cold starts and
// where servers become cheaper).
type ownAdviser interface {
	// OwnAdvice is given the node's figures in the run (its report's
	// Detail, nil without), for the advice to follow where the run
	// contradicts the estimate.
	OwnAdvice(s topology.Solver, name string, run topology.Detail) string
}

// ownAdvice is the advice of the nodes that give their own, each after a
// space; "" without any.
func (ex *Explanation) ownAdvice(s *scenarios.Scenario) string {
	var b strings.Builder
	for _, n := range s.Topology.Nodes {
		if a, ok := n.Spec.(ownAdviser); ok {
			var run topology.Detail
			if i := slices.IndexFunc(ex.Report.Nodes, func(r simulate.NodeReport) bool { return r.Name == n.Name }); i >= 0 {
				run = ex.Report.Nodes[i].Detail
			}
			if text := a.OwnAdvice(ex.model, n.Name, run); text != "" {
				b.WriteString(" " + text)
			}
		}
	}
	return b.String()
}

// fallingBehind is what the run shows of a consumer group falling behind
// its queue: the report's reasons for the group saturated, or else for its
// queue's backlog growing; nil when the run shows neither, or the node
// takes no work from a queue.
func (ex *Explanation) fallingBehind(node string) []string {
	if !ex.offPath(node) {
		return nil
	}
	var behind []string
	for i := range ex.Report.Nodes {
		n := &ex.Report.Nodes[i]
		switch q, ok := n.Detail.(engine.Backlog); {
		case !saturated(n):
		case n.Name == node && len(n.SaturatedBecause) == 0:
			return []string{"the run found it saturated"}
		case n.Name == node:
			return n.SaturatedBecause // its reasons name its queue's backlog too
		case ok && q.ConsumedBy() == node:
			for _, r := range n.SaturatedBecause {
				behind = append(behind, n.Name+": "+r)
			}
		}
	}
	return behind
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
			if ne.Name != first.Node || first.Capacity == nil || first.Utilization <= 0 || first.Throughput <= 0 {
				continue
			}
			if capacity := arithmetic(ne); capacity > 0 {
				even := ""
				if ne.Stations > 1 {
					even = " if spread evenly"
				}
				ran := ""
				if _, each := topology.AutoscaleOf(s.Topology.Lookup(ne.Name).Spec); first.Autoscale != nil {
					ran = fmt.Sprintf(" (at the %s the estimate takes for this load)", units.Plural(ne.Stations*ne.Workers/each, "instance", "instances"))
				}
				ex.Envelope = append(ex.Envelope, Check{"capacity of " + first.Node,
					fmt.Sprintf("%d × %d workers ÷ %s = %s%s%s", ne.Stations, ne.Workers, dur(ne.Holding), units.Rate(capacity), even, ran),
					fmt.Sprintf("%s ÷ %s busy = %s (workers ÷ the mean holding time, at the instances it ran)", units.Rate(first.Throughput), units.Percent(first.Utilization), units.Rate(first.Throughput/first.Utilization))})
			}
		}
	}
	estimate := "overloaded: no steady state"
	if ex.Estimate.Latency != nil {
		estimate = "M/G/c per station: mean " + dur(*ex.Estimate.Latency)
	}
	l := rep.Latency
	if l == nil {
		ex.Envelope = append(ex.Envelope, Check{"latency", estimate, "unknown: no request completed in the window"})
		return
	}
	ex.Envelope = append(ex.Envelope, ex.little(s.Topology))
	sim := "mean " + dur(l.Mean)
	if ci := l.MeanCI95; ci != nil {
		sim += fmt.Sprintf(" (95%% CI %s–%s)", dur(ci[0]), dur(ci[1]))
	}
	ex.Envelope = append(ex.Envelope, Check{"latency", estimate, sim})
}

// little is Little's law (L = λW, Little, "A proof for the queuing
// formula L = λW", Operations Research 9(3), 1961) over the requests the
// run completed: their throughput times their mean latency is the mean
// number of them in the system. It is the number of requests in the
// system only when every request completes in a steady state: the time of
// those that failed (timed out, ran out of retries) is not in the mean
// latency, and in a run with a node saturated on the request path (where
// requests wait; consumers behind a queue are not) or stopped as
// overloaded, requests pile up in queues the completed ones never waited
// in. Then the simulated side gives what the run's queues held instead.
func (ex *Explanation) little(t *topology.Topology) Check {
	rep, l := ex.Report, ex.Report.Latency
	completed := fmt.Sprintf("%s × %s = %s", units.Rate(rep.Throughput), units.FormatDuration(l.Mean), units.Count(float64(rep.Throughput*l.Mean)))
	var saturatedNodes []string
	var queued, most float64
	var longest string
	for i := range rep.Nodes {
		n := &rep.Nodes[i]
		// A node saturated only by what it turned away (a full queue of
		// few places) holds no queue that grows.
		if node := t.Lookup(n.Name); saturated(n) && !n.OnlyTurnedAway() && !node.Kind().Broker && t.Reaches(t.Entry, n.Name) {
			saturatedNodes = append(saturatedNodes, n.Name)
		}
		if n.Workers {
			queued += n.QueueLength
			if n.QueueLength > most {
				most, longest = n.QueueLength, n.Name
			}
		}
	}
	held := "no visit waited in a queue"
	if queued > 0 {
		held = fmt.Sprintf("the nodes' queues held %s visits waiting on average, %s of them at %s", units.FormatCount(queued), units.FormatCount(most), longest)
	}
	const what = "Little's law, L = λW"
	unsteady := ""
	switch {
	case strings.HasPrefix(rep.StoppedEarly, "overloaded"):
		unsteady = "the run stopped as overloaded"
	case len(saturatedNodes) > 0:
		unsteady = strings.Join(saturatedNodes, ", ") + " saturated"
	}
	switch failed := rep.Requests.Failed(); {
	case unsteady != "":
		return Check{what, fmt.Sprintf("needs a steady state, which the run did not reach (%s): %s counts only the requests that completed, not those held in its queues", unsteady, completed), held}
	case failed > 0:
		share := ""
		if e := rep.ErrorRate; e != nil {
			share = ", " + units.Percent(*e) + " of those that ended"
		}
		return Check{what, fmt.Sprintf("%s requests that complete in the system, besides the %d that failed%s: their time in it is not in W", completed, failed, share), held}
	}
	return Check{what, completed + " requests in the system", "(the run's own λ and W: it does not count the requests in the system itself)"}
}

// WriteTable writes the explanation for people, in sentences.
func (ex *Explanation) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %s\n\n", ex.Scenario, ex.Load)
	if len(ex.Limits) > 0 {
		first, what := ex.Limits[0], "What saturates first"
		if c := ex.hostFirst(); c != nil {
			fmt.Fprintf(&b, "What saturates first: the cores of host %s. %s\n", c.Host, c.Says)
			what = "Then"
		}
		fmt.Fprintf(&b, "%s: %s (%s).\n", what, first.Node, first.Kind)
		for _, line := range ex.detail(first) {
			fmt.Fprintf(&b, "  %s\n", line)
		}
		for _, l := range ex.Limits[1:] {
			busy := units.Percent(l.Utilization) + " busy"
			if l.volumeBusy > 0 { // its volume sets its headroom
				busy = fmt.Sprintf("its volume %s busy, its workers %s", units.Percent(l.volumeBusy), units.Percent(l.Utilization))
			}
			fmt.Fprintf(&b, "Then: %s, %s (%s).\n", l.Node, busy, ex.headroom(l))
		}
	}
	for i := range ex.Hosts {
		if c := &ex.Hosts[i]; c != ex.hostFirst() {
			fmt.Fprintf(&b, "Shared host: %s\n", c.Says)
		}
	}
	if ex.Failures != "" {
		fmt.Fprintf(&b, "\nWhat failed: %s\n", ex.Failures)
	}
	fmt.Fprintf(&b, "\nWhat to do: %s\n\n", ex.Pattern)
	if len(ex.Missing) > 0 {
		b.WriteString("What is missing, from what the run shows:\n")
		for _, m := range ex.Missing {
			fmt.Fprintf(&b, "  - %s\n", m)
		}
		b.WriteString("\n")
	}
	if len(ex.Machines) > 0 {
		b.WriteString("What the machines say, from their instance types:\n")
		for _, m := range ex.Machines {
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
	fmt.Fprintf(&b, "\n%s\n", ex.Agreement.Verdict)
	for _, r := range ex.Agreement.Reasons {
		fmt.Fprintf(&b, "  - %s\n", r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// detail is what the table says of the node that saturates first: its
// load and capacity, what it failed or turned away, its autoscaler's
// needs, and its headroom.
func (ex *Explanation) detail(l NodeLimit) []string {
	capacity := l.Why
	if l.Autoscale == nil && l.Capacity != nil && l.arithmetic > 0 && math.Abs(*l.Capacity/l.arithmetic-1) > 0.05 {
		capacity += fmt.Sprintf("; as run, %s (throughput ÷ utilization)", units.Rate(*l.Capacity))
	}
	capacity += l.volumeSays
	out := []string{fmt.Sprintf("It takes %s and is %s busy; its capacity is %s.", units.Rate(l.Throughput), units.Percent(l.Utilization), capacity)}
	if l.Offered != nil && (l.Failed > 0 || l.Saturated) {
		share := l.OfferedLoad
		if l.volumeBusy > 0 { // its volume sets what it can take
			share = *l.Offered / *l.VolumeCapacity
		}
		offered := fmt.Sprintf("It is offered %s, %s of what it can take", units.Rate(*l.Offered), units.Percent(share))
		if l.Failed > 0 {
			offered += fmt.Sprintf("; %s of it failed or was turned away there (%s)", units.Rate(l.Failed), ex.turnedAway(l.Node))
		}
		out = append(out, offered+".")
	}
	if l.Saturated && ex.offPath(l.Node) {
		out = append(out, "It takes its work from a queue, off the request path: requests are answered while its backlog grows.")
	}
	if n := l.Autoscale; n != nil {
		need := fmt.Sprintf("It autoscales from %d to %d instances; this load keeps %s of them busy", n.Min, n.Max, units.Count(n.Busy))
		if n.AtTarget != nil {
			need += fmt.Sprintf(" (%s at its utilization target)", units.Count(*n.AtTarget))
		}
		if n.Mean > 0 {
			need += fmt.Sprintf(", and it ran %s on average", units.Count(n.Mean))
		}
		out = append(out, need+".")
	}
	h := ex.headroom(l)
	return append(out, strings.ToUpper(h[:1])+h[1:]+".")
}

// offPath says the node takes its work from a queue (a consumer), so
// requests do not wait for it.
func (ex *Explanation) offPath(node string) bool {
	n := ex.model.Lookup(node)
	return n != nil && n.Kind().Consumer
}

// turnedAway says how a node failed or turned visits away, by cause.
func (ex *Explanation) turnedAway(node string) string {
	for _, n := range ex.Report.Nodes {
		if n.Name != node {
			continue
		}
		var ways []string
		for _, c := range []struct {
			count int64
			what  string
		}{{n.Rejected, "rejected at its queue limit"}, {n.Errors, "failed by a fault"}, {n.RateLimited, "rate limited"}, {n.Shed, "shed"}, {n.TimedOut, "ended by its own timeout"}} {
			if c.count > 0 {
				ways = append(ways, fmt.Sprintf("%d %s", c.count, c.what))
			}
		}
		return strings.Join(ways, ", ")
	}
	return ""
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
	full := l.Headroom != nil && *l.Headroom <= 1/simulate.SaturationThreshold
	switch {
	case l.Headroom == nil:
		return "it sees no load"
	case full && l.Autoscale != nil:
		return fmt.Sprintf("even at its most %s it cannot take this load", units.Plural(l.Autoscale.Max, "instance", "instances"))
	case !full && l.turnedAway != "" && l.Autoscale == nil:
		return "it is saturated now: " + l.turnedAway
	case full || (l.Saturated && l.Autoscale == nil):
		return "it is saturated now: it is offered more than it can take"
	}
	h := *l.Headroom
	s := fmt.Sprintf("%s this load (%s", units.Times(h), units.Rate(ex.Report.OfferedRate*h))
	if ex.users > 0 {
		s += ", " + units.FormatCount(ex.users*h) + " users"
	}
	if l.Autoscale == nil {
		return "it saturates at about " + s + ") if its load grows in proportion"
	}
	saturates := fmt.Sprintf("at %s it saturates at about %s) if its load grows in proportion", units.Plural(l.Autoscale.Max, "instance", "instances"), s)
	if l.Saturated {
		saturates = "it saturated in the run, as its autoscaler lagged behind the load; " + saturates
	}
	return saturates
}

// WriteJSON writes the explanation as indented JSON.
func (ex *Explanation) WriteJSON(w io.Writer) error { return output.WriteJSON(w, ex, "explanation") }
