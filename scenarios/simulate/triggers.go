package simulate

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// RecoveryTime is how long after a trigger ends goodput has to come back
// before the run calls the system metastable.
const RecoveryTime = 300.0

// MaxTriggers bounds the triggers a report lists (a fault repeated every
// minute of a long run would list thousands).
const MaxTriggers = 100

// RecoveredShare is how close to its level before a trigger goodput has
// to come back: within 10%.
const RecoveredShare = 0.9

// Trigger is what a trigger (a fault, a spike) did to goodput, after
// Bronson et al., "Metastable failures in distributed systems" (HotOS
// 2021): a system whose goodput does not come back once the trigger is
// over is held in its bad state by a sustaining loop, such as retries.
type Trigger struct {
	What  string  `json:"what"`
	At    float64 `json:"at"`    // seconds since the run started
	Until float64 `json:"until"` // when the trigger ended
	// Goodput before (up to 5 minutes, after the warm-up), during, and
	// after the trigger (from its end to the end of the run), per second:
	// the replies within the SLO's latency (all replies without one);
	// null where no window falls.
	Before *float64 `json:"goodput_before"`
	During *float64 `json:"goodput_during"`
	After  *float64 `json:"goodput_after"`
	// RecoveredAfter is the time from the trigger's end to the first
	// window whose goodput is back within 10% of before; null if it was
	// not within RecoveryTime (or the run's end).
	RecoveredAfter *float64 `json:"recovered_after"`
	// Metastable says goodput did not come back within RecoveryTime of
	// the trigger's end, with the run long enough to tell; Loop then
	// names what sustains the bad state.
	Metastable bool   `json:"metastable"`
	Loop       string `json:"sustaining_loop,omitempty"`
}

// triggers lists the scheduled faults and spikes of s and what each did.
func triggers(s *scenarios.Scenario, rep *Report) []Trigger {
	if rep.Series == nil {
		return nil
	}
	var out []Trigger
	end := rep.Warmup + rep.Window
	for _, f := range s.Topology.Faults {
		if f.MTTF > 0 {
			continue // random: no time to compare with
		}
		for at := f.At; at < end && len(out) < MaxTriggers; at += f.Every {
			out = append(out, Trigger{What: describeFault(f), At: at, Until: at + f.For})
			if f.Every <= 0 {
				break
			}
		}
	}
	for _, c := range s.Workload.Changes {
		if c.Kind == workloads.Spike {
			out = append(out, Trigger{What: fmt.Sprintf("spike ×%.3g", c.Factor), At: c.At, Until: c.Until})
		}
	}
	slices.SortStableFunc(out, func(a, b Trigger) int { return cmpFloat(a.At, b.At) })
	loop := "" // what sustains a metastable state: the run's, found once
	for i := range out {
		tr := &out[i]
		tr.Before = meanGoodput(rep.Series, math.Max(rep.Warmup, tr.At-RecoveryTime), tr.At)
		tr.During = meanGoodput(rep.Series, tr.At, tr.Until)
		tr.After = meanGoodput(rep.Series, tr.Until, end)
		if tr.Before == nil || *tr.Before <= 0 {
			continue
		}
		for _, smp := range rep.Series.Samples {
			if smp.Start < tr.Until || smp.Start >= tr.Until+RecoveryTime {
				continue
			}
			if smp.GoodRate() >= RecoveredShare**tr.Before {
				after := smp.Start + smp.Duration - tr.Until
				tr.RecoveredAfter = &after
				break
			}
		}
		if tr.RecoveredAfter == nil && end >= tr.Until+RecoveryTime {
			tr.Metastable = true
			if loop == "" {
				loop = sustainingLoop(rep)
			}
			tr.Loop = loop
		}
	}
	return out
}

// GoodRate is the window's goodput, or its throughput without a latency
// objective.
func (smp Sample) GoodRate() float64 {
	if smp.Goodput != nil {
		return *smp.Goodput
	}
	return smp.Throughput
}

// meanGoodput is the time-average goodput of the windows wholly within
// [from, to), or nil if none is.
func meanGoodput(s *Series, from, to float64) *float64 {
	var sum, span float64
	for _, smp := range s.Samples {
		if smp.Start >= from && smp.Start+smp.Duration <= to+1e-9 {
			sum += float64(smp.GoodRate() * smp.Duration)
			span += smp.Duration
		}
	}
	if span == 0 {
		return nil
	}
	g := sum / span
	return &g
}

// sustainingLoop says what holds a system in its bad state: the calls
// whose retries multiply the load, and the node whose queue keeps the
// waits longer than the calls' timeouts.
func sustainingLoop(rep *Report) string {
	var parts []string
	for _, n := range rep.Nodes {
		var calls []topology.CallStats
		switch d := n.Detail.(type) {
		case *topology.ServiceStats:
			calls = d.Calls
		case *topology.WorkersStats:
			calls = d.Calls
		}
		for _, c := range calls {
			if c.Amplification != nil && *c.Amplification > 1.05 {
				parts = append(parts, fmt.Sprintf("retries from %s make ×%.3g attempts on %s", n.Name, *c.Amplification, c.To))
			}
		}
	}
	worst := -1.0
	stuck := ""
	for _, n := range rep.Nodes {
		if n.Wait != nil && n.QueueLength > worst && n.QueueLength >= 1 {
			worst = n.QueueLength
			stuck = fmt.Sprintf("%s queues %.3g requests, waiting %s on average (p99 %s)",
				n.Name, n.QueueLength, units.FormatDuration(n.Wait.Mean), units.FormatDuration(n.Wait.P99))
		}
	}
	if stuck != "" {
		parts = append(parts, stuck)
	}
	if len(parts) == 0 {
		return "no retries or queue to blame: look at the node that broke"
	}
	return strings.Join(parts, "; ")
}

// describeFault says what a fault does, in a few words.
func describeFault(f topology.Fault) string {
	what := "down"
	switch {
	case f.Primary:
		what = "primary down"
	case f.Replica != nil:
		what = fmt.Sprintf("replica %d down", *f.Replica)
	case f.CacheNode != nil:
		what = fmt.Sprintf("cache node %d down", *f.CacheNode)
	case f.Instances > 0:
		what = fmt.Sprintf("%d instances down", f.Instances)
	case f.Errors > 0:
		what = "errors " + units.Percent(f.Errors)
	case f.Slow > 0:
		what = fmt.Sprintf("slow ×%.3g", f.Slow)
	case f.Latency > 0:
		what = "latency +" + units.FormatDuration(f.Latency)
	}
	return fmt.Sprintf("fault on %s: %s", f.Node, what)
}
