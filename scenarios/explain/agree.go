package explain

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// ModelError is the relative error of the estimate's mean latency that
// explain allows for its approximations (Allen–Cunneen over several
// workers, Seidmann's MVA, Che's hit ratios, a blocking worker's calls
// taken as exponential) before it calls a difference from the run a
// disagreement: the same 10% as a sweep's flag. On product-form networks
// the estimate is exact and the run's CI alone would do.
const ModelError = 0.10

// FailureBound is the share of failed requests beyond which a run is not
// the system the estimate solves, which has no request fail.
const FailureBound = 0.01

// Agreement sets the estimate beside the run: the mean latency, which
// nodes saturate, and whether requests fail.
type Agreement struct {
	// Estimate is the estimate's mean latency; null when it finds a
	// station on the request path overloaded.
	Estimate *float64 `json:"estimate"`
	// Simulated is the run's mean latency; null when no request
	// completed.
	Simulated *float64 `json:"simulated"`
	// Tolerance is how far apart the two may be and agree: the half-width
	// of the run's 95% CI of the mean plus ModelError × the estimate;
	// null when one of them has no mean.
	Tolerance *float64 `json:"tolerance"`
	// Agree says they agree on the mean latency within Tolerance (or both
	// find the request path overloaded, or both find the same node on it
	// saturated), on the nodes the run found saturated, and that at most
	// FailureBound of the requests failed.
	Agree bool `json:"agree"`
	// Verdict says it in a sentence or two.
	Verdict string `json:"verdict"`
	// Reasons are what the scenario has that the estimate leaves out or
	// approximates, when they disagree.
	Reasons []string `json:"reasons,omitempty"`
}

// agreement compares the estimate with the run, and names the likely
// reasons when they disagree.
func agreement(s *scenarios.Scenario, rep *simulate.Report, est *estimate.Estimate) Agreement {
	dur := units.FormatDuration
	a := Agreement{Estimate: est.Latency}
	overloaded := rep.Latency == nil || strings.HasPrefix(rep.StoppedEarly, "overloaded")
	if rep.Latency != nil {
		m := rep.Latency.Mean
		a.Simulated = &m
	}
	var latency string        // on the mean latency, or on what saturates
	agree, on := false, ""    // on: what they agree on, when not the mean latency
	var alsoEstimate []string // nodes only the estimate finds overloaded, when both find another saturated
	own, ran := saturation(rep, est)
	var both, over []string // what of own the run found saturated too, and what it did not
	for _, o := range own {
		if o.ran != "" {
			both = append(both, o.name)
		} else {
			over = append(over, o.name)
		}
	}
	switch {
	case est.Latency == nil && overloaded:
		agree, latency = true, "both find the request path overloaded"
	case est.Latency == nil && len(both) > 0:
		// The run answered requests while the node the estimate finds
		// overloaded saturated in it too: its queues grew over the
		// window, and the run's mean is of the requests that got through.
		agree = true
		var says []string
		for _, o := range own {
			switch {
			case o.ran != "" && len(both) > 1:
				says = append(says, o.name+": "+o.ran)
			case o.ran != "":
				says = append(says, o.ran)
			}
		}
		why := fmt.Sprintf("(the estimate has %s offered more than %s capacity, with no steady state; in the run, %s)", them(both, "it", "them"), them(both, "its", "their"), strings.Join(says, "; "))
		latency = fmt.Sprintf("both find %s saturated %s, and the run's mean of %s is of the requests that completed", strings.Join(both, ", "), why, dur(rep.Latency.Mean))
		on = fmt.Sprintf("that %s %s %s", strings.Join(both, ", "), them(both, "saturates", "saturate"), why)
		for _, o := range own {
			if o.ran == "" {
				alsoEstimate = append(alsoEstimate, fmt.Sprintf("the estimate also finds %s offered more than its capacity, where the run did not find it saturated (%s busy)", o.name, units.Percent(o.busy)))
			}
		}
	case est.Latency == nil && len(over) > 0 && len(ran) > 0:
		latency = fmt.Sprintf("the estimate finds %s offered more than %s capacity (no steady state), where the run found %s saturated instead and answered requests in %s on average",
			strings.Join(over, ", "), them(over, "its", "their"), strings.Join(ran, ", "), dur(rep.Latency.Mean))
	case est.Latency == nil:
		latency = fmt.Sprintf("the estimate finds a station on the request path offered more than its capacity (no steady state), but the run answered requests in %s on average", dur(rep.Latency.Mean))
	case overloaded:
		ran := "completed no request"
		if rep.StoppedEarly != "" {
			ran = "stopped as overloaded"
		}
		latency = fmt.Sprintf("the estimate gives a mean latency of %s, but the run %s", dur(*est.Latency), ran)
	default:
		tol := float64(ModelError * *est.Latency)
		within := fmt.Sprintf("%s (the estimate's %.0f%% model error; the run gives no CI of its mean)", dur(tol), ModelError*100)
		if c := rep.Latency.MeanCI95; c != nil {
			half := float64((c[1] - c[0]) / 2) // rounded apart, not fused into the sum
			tol += half
			within = fmt.Sprintf("%s (±%s, the run's 95%% CI, plus the estimate's %.0f%% model error)", dur(tol), dur(half), ModelError*100)
		}
		a.Tolerance = &tol
		diff := math.Abs(rep.Latency.Mean - *est.Latency)
		agree = diff <= tol
		latency = fmt.Sprintf("mean %s against %s simulated, within %s", dur(*est.Latency), dur(rep.Latency.Mean), within)
		if !agree {
			latency = fmt.Sprintf("mean %s against %s simulated, %s apart, more than %s", dur(*est.Latency), dur(rep.Latency.Mean), dur(diff), within)
		}
	}
	others := append(alsoEstimate, otherDisagreements(rep, est)...)
	switch {
	case agree && len(others) == 0:
		a.Agree = true
		a.Verdict = "The estimate and the run agree: " + latency + "."
		return a
	case agree:
		if on == "" {
			on = "on the mean latency (" + latency + ")"
		}
		a.Verdict = "The estimate and the run agree " + on + ", but " + strings.Join(others, "; ") + "."
	case len(others) == 0:
		a.Verdict = "The estimate and the run disagree: " + latency + "."
	default:
		a.Verdict = "The estimate and the run disagree: " + latency + ". Also, " + strings.Join(others, "; ") + "."
	}
	a.Reasons = reasons(s, rep, est)
	if len(a.Reasons) == 0 {
		a.Verdict += " The scenario has nothing the estimate is known to leave out; its notes say what it approximates."
	} else {
		a.Verdict += " What the scenario has that the estimate leaves out or approximates:"
	}
	return a
}

// overloadedAt is a node, or a host's cores, that the estimate finds
// offered more than its capacity by its own work.
type overloadedAt struct {
	name string
	ran  string  // why the run found it saturated too, as its report says; "" when it did not
	busy float64 // its busy share in the run
}

// saturation compares what saturates: own is what the estimate finds
// offered more than its capacity on the request path by its own work (a
// node's workers, a database's volume, a host's cores; not a node only
// held waiting on such a station, whose holding time grows without bound
// by its wait: NodeEstimate.OwnOverloaded), each with what the run found;
// ran names the nodes with
// workers and the hosts the run found saturated, when it found none of
// own saturated.
func saturation(rep *simulate.Report, est *estimate.Estimate) (own []overloadedAt, ran []string) {
	both := false
	for i := range rep.Nodes {
		n, ne := &rep.Nodes[i], est.Nodes[i]
		if ne.OwnOverloaded() && ne.Workers > 0 && !slices.Contains(est.Backlog, ne.Name) {
			o := overloadedAt{name: n.Name, busy: n.Utilization}
			if saturated(n) {
				o.ran = strings.Join(n.SaturatedBecause, "; ")
				if o.ran == "" {
					o.ran = "it saturated"
				}
				both = true
			}
			own = append(own, o)
		}
	}
	for _, he := range est.Hosts {
		i := slices.IndexFunc(rep.Hosts, func(h simulate.HostReport) bool { return h.Name == he.Name })
		if he.Wait != nil || he.ArrivalRate == 0 || i < 0 {
			continue
		}
		h := &rep.Hosts[i]
		o := overloadedAt{name: "host " + h.Name, busy: h.Utilization}
		if h.Saturated {
			o.ran = fmt.Sprintf("its %s are asked for %s of their time", units.Plural(h.Cores, "core", "cores"), units.Percent(h.Load))
			both = true
		}
		own = append(own, o)
	}
	if both {
		return own, nil
	}
	for i := range rep.Nodes {
		if n := &rep.Nodes[i]; n.Workers && saturated(n) {
			ran = append(ran, n.Name)
		}
	}
	for _, h := range rep.Hosts {
		if h.Saturated {
			ran = append(ran, "host "+h.Name)
		}
	}
	return own, ran
}

// them is one when names has one name, else many.
func them(names []string, one, many string) string {
	if len(names) == 1 {
		return one
	}
	return many
}

// otherDisagreements are the run's findings besides its mean latency that
// the estimate does not share: a node saturated in the run that the
// estimate has below saturation, and requests failing beyond
// FailureBound.
func otherDisagreements(rep *simulate.Report, est *estimate.Estimate) []string {
	var out []string
	for i := range rep.Nodes {
		n, ne := &rep.Nodes[i], est.Nodes[i]
		if n.Workers && saturated(n) && !ne.Overloaded && ne.Utilization < simulate.SaturationThreshold {
			how := "offered " + units.Percent(n.OfferedLoad) + " of what it can take"
			if n.OnlyTurnedAway() {
				how = n.TurnedAway()
			}
			out = append(out, fmt.Sprintf("the run found %s saturated (%s) where the estimate has it %s busy",
				n.Name, how, units.Percent(ne.Utilization)))
		}
	}
	if e := rep.ErrorRate; e != nil && *e > FailureBound {
		out = append(out, fmt.Sprintf("%s of the run's requests failed, where the estimate has none fail", units.Percent(*e)))
	}
	return out
}

// reasons lists what the scenario has, and its run shows, that the
// estimate leaves out or approximates: service times more variable than
// exponential, finite queues that turned visits away, autoscalers, calls
// with timeouts or retries, faults, client timeouts, a load that changes
// over time, a closed workload, estimated hit ratios.
func reasons(s *scenarios.Scenario, rep *simulate.Report, est *estimate.Estimate) []string {
	var out []string
	for i, node := range s.Topology.Nodes {
		n, ne := &rep.Nodes[i], est.Nodes[i]
		worst := 0.0
		for _, d := range topology.ServiceTimes(node.Spec) {
			worst = math.Max(worst, d.SCV())
		}
		if worst > 1 && n.Throughput > 0 {
			how := "over several workers the estimate's allowance for it is an approximation (Allen–Cunneen)"
			if ne.Workers == 1 {
				how = "the estimate's allowance for it is exact for one worker (Pollaczek–Khinchine)"
			}
			out = append(out, fmt.Sprintf("%s's service times vary more than exponential ones (cv %.3g): the rare long ones hold its workers while many queue behind them, so the run's mean moves with how many it drew; %s.",
				node.Name, math.Sqrt(worst), how))
		}
		if n.Rejected > 0 {
			out = append(out, fmt.Sprintf("%s turned away %s at its queue limit: the estimate has no limit, so it queues them all.", node.Name, units.Plural(n.Rejected, "visit", "visits")))
		}
		if turned := n.RateLimited + n.Shed; turned > 0 {
			out = append(out, fmt.Sprintf("%s rate limited or shed %s: the estimate serves them all.", node.Name, units.Plural(turned, "visit", "visits")))
		}
		if a, each := topology.AutoscaleOf(node.Spec); a != nil && n.Scaling != nil {
			out = append(out, fmt.Sprintf("%s autoscaled (%d to %d instances, %s on average): the estimate takes the %d it settles on at this load, not the time it takes to get there.",
				node.Name, a.Min, a.MostInstances(), units.Count(n.Scaling.Mean), ne.Stations*ne.Workers/each))
		}
		var guarded []string
		for _, c := range topology.CallsOf(node.Spec) {
			if (c.Timeout > 0 || c.Retries != nil || c.Hedge != nil || c.CircuitBreaker != nil) && !slices.Contains(guarded, c.To) {
				guarded = append(guarded, c.To)
			}
		}
		if len(guarded) > 0 {
			out = append(out, fmt.Sprintf("%s's calls to %s have timeouts, retries, hedges or a circuit breaker: the estimate makes each call one attempt that waits for its reply.", node.Name, strings.Join(guarded, ", ")))
		}
		if ne.HitRatio != nil {
			out = append(out, fmt.Sprintf("%s's hit ratio is estimated (%s), from the keys' popularity and its capacity.", node.Name, units.Percent(*ne.HitRatio)))
		}
	}
	switch f := len(s.Topology.Faults); {
	case f == 1:
		out = append(out, "the scenario has 1 scheduled fault: the estimate is of the system without it.")
	case f > 1:
		out = append(out, fmt.Sprintf("the scenario has %d scheduled faults: the estimate is of the system without them.", f))
	}
	switch d := len(s.Topology.Deploys); {
	case d == 1:
		out = append(out, "the scenario has 1 deploy: the estimate is of the fleet before or after it, the run lives through it (instances out, booting or billed twice).")
	case d > 1:
		out = append(out, fmt.Sprintf("the scenario has %d deploys: the estimate is of the fleet between them, the run lives through them (instances out, booting or billed twice).", d))
	}
	if t := rep.Requests.TimedOut; t > 0 {
		out = append(out, fmt.Sprintf("%s timed out (clients wait %s): the run's mean is of those that completed.", units.Plural(t, "request", "requests"), units.FormatDuration(s.Workload.Timeout)))
	}
	if p := est.PeakRate; p != nil {
		out = append(out, fmt.Sprintf("the load changes over time: the estimate takes its mean over the run's window (%s), while the run lives through its peaks (up to %s).",
			units.Rate(est.OfferedRate), units.Rate(*p)))
	}
	if s.Workload.Model == workloads.Closed {
		out = append(out, "the workload is a closed loop: the estimate is mean value analysis, with Seidmann's approximation for stations of several workers.")
	}
	return out
}

// failures says what share of the requests failed, how, and where; "" when
// none did.
func failures(s *scenarios.Scenario, rep *simulate.Report) string {
	if rep.ErrorRate == nil || *rep.ErrorRate == 0 {
		return ""
	}
	// ended names the nodes with a count of visits, which were what.
	ended := func(what string, count func(n *simulate.NodeReport) int64) string {
		var where []string
		for i := range rep.Nodes {
			if c := count(&rep.Nodes[i]); c > 0 {
				where = append(where, fmt.Sprintf("%s %d", rep.Nodes[i].Name, c))
			}
		}
		if len(where) == 0 {
			return ""
		}
		return " (visits " + what + ": " + strings.Join(where, ", ") + ")"
	}
	// at names the nodes with a count of turned-away visits.
	at := func(count func(n *simulate.NodeReport) int64) string { return ended("turned away", count) }
	r := rep.Requests
	var ways []string
	for _, w := range []struct {
		count int64
		what  string
	}{
		{r.TimedOut, fmt.Sprintf("timed out (clients wait %s)", units.FormatDuration(s.Workload.Timeout))},
		{r.Rejected, "were rejected by a full queue" + at(func(n *simulate.NodeReport) int64 { return n.Rejected })},
		{r.Errors, "failed at a node (a fault)" + at(func(n *simulate.NodeReport) int64 { return n.Errors })},
		{r.CallTimeouts, "ran out of a call's timeout and retries"},
		{r.RateLimited, "were rate limited" + at(func(n *simulate.NodeReport) int64 { return n.RateLimited })},
		{r.Shed, "were shed" + at(func(n *simulate.NodeReport) int64 { return n.Shed })},
		{r.CircuitOpen, "met an open circuit breaker"},
		{r.NodeTimeouts, "reached a node's own timeout" + ended("ended", func(n *simulate.NodeReport) int64 { return n.TimedOut })},
		{r.LostWrites, "were writes acknowledged and then lost"},
	} {
		if w.count > 0 {
			ways = append(ways, fmt.Sprintf("%d %s", w.count, w.what))
		}
	}
	return fmt.Sprintf("%s of the requests that ended failed: %s.", units.Percent(*rep.ErrorRate), strings.Join(ways, "; "))
}
