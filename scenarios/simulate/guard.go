package simulate

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// A run is kept within bounds whatever the file asks for:
//
//   - memory: a scenario whose fixed needs (stations, key stores at full
//     capacity, hash rings, closed users) pass its budget is refused before
//     it runs; a run whose requests in flight, pending events, sessions and
//     records would pass it stops, saying so. The budget is for the heap,
//     which Go's collector lets grow to twice the live data (GOGC=100), so
//     live data is counted twice: heapPerLiveByte;
//   - time: a run stops at its event budget (run.max_events), and a single
//     request cannot make more than topology.MaxVisitsPerRequest visits;
//   - overload: an open system at a constant rate whose requests in the
//     system grow with the arrivals, instead of settling, is stopped as
//     overloaded. The verdict comes from growth, not from a count a legal
//     scenario could reach. A rate that changes over time, or an
//     autoscaler, may overload the system for a while and let it recover,
//     which is what its time series is for: it runs on, within the memory
//     and event budgets.

// heapPerLiveByte is the heap a byte of live data may take: at the default
// GOGC=100 the collector starts a cycle when the heap reaches twice the
// live data, and a large slice that grows holds its old and new arrays at
// once (at most 2.25 times the old length, for 1.25 times the room).
const heapPerLiveByte = 2

// budgetCheckEvery is how often, in events, the budgets are checked at
// most: the memory in use is counted (more often as it nears its budget,
// but not more than every minCheckEvery events), and the event budget is
// met exactly.
const (
	budgetCheckEvery = 1024
	minCheckEvery    = 16
)

// frozenEvents is how many events may come at one instant before the run
// is stopped as stalled in time: no legal burst comes near it (a million
// users sending at once make a few million), and a loop of work that takes
// no time would otherwise run to the event budget (minutes) and report a
// window of no length.
const frozenEvents = 10_000_000

// Overload is judged from the end of the warm-up (when an empty system has
// filled) at checkpoints that double in arrivals from growthFirstCheck:
// between two checkpoints, the requests in the system must grow by more
// than growthShare of the arrivals and by more than growthSigmas standard
// deviations of a random walk over them (√arrivals), and so must the
// visits waiting (engine.Network.Queued: in the stations' queues, for a
// connection or a core, for a coalesced fill, for room in a full queue),
// at growthChecks checkpoints in a row. A stable queue's population fluctuates but does not drift, so it
// passes; an overloaded one grows by (1 − capacity/load) of its arrivals,
// in its queue, and fails within a few checkpoints. The queues are what
// tell the two apart while a stable system fills: one that holds its
// requests longer than the warm-up (a 10 s service, a function's 10 s cold
// start) holds more of them for a whole holding time, by λ a second, in
// service and not waiting. While they fill so (the requests in the
// system grow and the queues do not), the checkpoints start again from
// growthFirstCheck: the test is of the system once filled, whenever that
// is (5000 workers of 100 s at twice their capacity fill about 70 s into
// the window, then queue 50 a second; checkpoints doubling from the
// warm-up's end were 80 s apart by then, and the run ended first).
const (
	growthFirstCheck = 1024
	growthShare      = 0.05
	growthSigmas     = 5
	growthChecks     = 3
)

// guard holds a run's budgets and the state of its overload test.
type guard struct {
	budget, fixed float64
	// budgetBy names the override that gave the memory budget, as
	// "--set run.max_memory=16MiB" (scenarios.Scenario.SetBy); "" for one
	// the file gave, or the default.
	budgetBy  string
	maxEvents int64
	// expected says what the workload offers, when that passes the event
	// budget (see forecast).
	expected string
	// lastFired and lastHeap are the events and the heap at the last look
	// at the budgets; lastNow the clock then, which has not moved since
	// event sinceNow.
	lastFired uint64
	lastHeap  float64
	lastNow   sim.Time
	sinceNow  uint64
	// judgeGrowth says overload is judged by growth: requests arrive at a
	// constant rate, whatever the system does.
	judgeGrowth bool

	started                bool // the warm-up is over
	nextCheck              int64
	lastSent, lastInFlight int64
	lastQueued             int64
	growing                int
}

// startWindow starts the overload test: the system has filled, with
// inFlight requests in it and queued visits waiting in its queues.
func (g *guard) startWindow(sent int64, inFlight, queued int) {
	g.started = true
	g.lastSent, g.lastInFlight, g.lastQueued, g.nextCheck = sent, int64(inFlight), int64(queued), sent+growthFirstCheck
}

func newGuard(s *scenarios.Scenario) (*guard, error) {
	g := &guard{budget: s.Run.MemoryBudget(), budgetBy: s.SetBy("run.max_memory"), maxEvents: s.Run.EventBudget(),
		judgeGrowth: s.Workload.Model != workloads.Closed && !s.ChangesOverTime() && !s.Topology.Autoscaled()}
	parts := map[string]float64{"the workload's users": s.Workload.Footprint()}
	for _, n := range s.Topology.Nodes {
		// A node in several regions is named as written, its copies'
		// bytes summed: its settings are what to make smaller.
		name := n.Kind().Name + " " + n.Name
		if w := s.Topology.WrittenName(n.Name); w != n.Name {
			name = fmt.Sprintf("%s %s (%s)", n.Kind().Name, w, units.Plural(len(s.Topology.Copies(w)), "region", "regions"))
		}
		parts[name] += engine.NodeFootprint(n, s.Workload.KeyCount())
	}
	for _, v := range parts {
		g.fixed += v
	}
	if heapPerLiveByte*g.fixed > g.budget {
		return nil, g.refuse(fmt.Sprintf("%s holds about %s before a single request (%s), a heap of up to %s, more than the memory budget of %s: raise run.max_memory (or --max-memory), or make it smaller",
			s.Name, units.FormatBytes(g.fixed), largest(parts, 3), units.FormatBytes(heapPerLiveByte*g.fixed), units.FormatBytes(g.budget)))
	}
	return g, nil
}

// forecast refuses a run that would pass the default event budget by
// what can be told before it runs (scenarios.Scenario.CheckEventBudget,
// which `scalesim validate` shares), and keeps what the workload is
// expected to send past a budget the scenario sets, for its report.
func (g *guard) forecast(s *scenarios.Scenario) error {
	if err := s.CheckEventBudget(); err != nil {
		return err
	}
	g.expected = s.EventForecast()
	return nil
}

// reserve adds what part will hold by the end of the run to the fixed
// needs, refusing the run if they no longer fit the budget.
func (g *guard) reserve(part string, bytes float64) error {
	g.fixed += bytes
	if heapPerLiveByte*g.fixed > g.budget {
		return g.refuse(fmt.Sprintf("with %s (about %s) the run holds about %s before a single request, a heap of up to %s, more than the memory budget of %s: raise run.max_memory (or --max-memory)",
			part, units.FormatBytes(bytes), units.FormatBytes(g.fixed), units.FormatBytes(heapPerLiveByte*g.fixed), units.FormatBytes(g.budget)))
	}
	return nil
}

// refuse is the refusal of a run whose fixed needs do not fit the memory
// budget, msg saying why: named by the override that gave the budget, as
// a refusal of an overridden field is, or by this package.
func (g *guard) refuse(msg string) error {
	if g.budgetBy != "" {
		return scenarios.Invalid(fmt.Errorf("%s: %s", g.budgetBy, msg))
	}
	return scenarios.Invalid(fmt.Errorf("simulate: %s", msg))
}

// largest names the n largest parts with their sizes, largest first.
func largest(parts map[string]float64, n int) string {
	names := make([]string, 0, len(parts))
	for name := range parts {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if parts[a] != parts[b] {
			return -cmpFloat(parts[a], parts[b])
		}
		return strings.Compare(a, b)
	})
	var out []string
	for _, name := range names[:min(n, len(names))] {
		if parts[name] > 0 {
			out = append(out, name+" "+units.FormatBytes(parts[name]))
		}
	}
	return strings.Join(out, ", ")
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// watch keeps the budgets every budgetCheckEvery events, wherever the
// work is done (arrivals, chains of calls, retries, queues' own timers),
// and at the event budget exactly: it stops the run at either, and
// returns the event count at which to look again.
func (g *guard) watch(r *runner) uint64 {
	fired := r.k.Fired()
	if int64(fired) >= g.maxEvents {
		reason := fmt.Sprintf("event budget reached: %s processed (run.max_events)", units.Plural(fired, "event", "events"))
		if g.expected != "" {
			reason += "; " + g.expected
		}
		r.stop(reason, false, false)
		return math.MaxUint64
	}
	if now := r.k.Now(); now != g.lastNow || fired < g.sinceNow {
		g.lastNow, g.sinceNow = now, fired
	} else if fired-g.sinceNow >= frozenEvents {
		r.stop(fmt.Sprintf("stalled in time: %d events at %s without the clock moving on (work that takes no time, such as users who do not think sending again requests that fail at once)",
			fired-g.sinceNow, units.FormatDuration(float64(now))), true, false)
		return math.MaxUint64
	}
	live := g.fixed + r.net.InUse() + r.k.Bytes() + r.gen.Bytes()
	heap := heapPerLiveByte * live
	if heap > g.budget {
		r.stop(fmt.Sprintf("memory budget reached: with %s in flight, %s pending and %s the run holds about %s, a heap of up to %s, more than the budget of %s (run.max_memory, --max-memory)",
			units.Plural(r.net.InFlight(), "request", "requests"), units.Plural(r.k.Pending(), "event", "events"), units.Plural(r.gen.Clients(), "user or session", "users or sessions"), units.FormatBytes(live), units.FormatBytes(heap), units.FormatBytes(g.budget)), true, false)
		return math.MaxUint64
	}
	// The next look: in budgetCheckEvery events, or sooner if the heap,
	// growing as it did since the last look, could pass half the room
	// left by then; so the looks close in on the budget and a run stops
	// within a few events' growth of it (at least minCheckEvery events
	// apart, so that counting stays cheap).
	every := float64(budgetCheckEvery)
	if grew := heap - g.lastHeap; grew > 0 && fired > g.lastFired {
		perEvent := grew / float64(fired-g.lastFired)
		every = math.Max(minCheckEvery, math.Min(every, (g.budget-heap)/2/perEvent))
	}
	g.lastFired, g.lastHeap = fired, heap
	return min(fired+uint64(every), uint64(g.maxEvents))
}

// check runs after each arrival; it returns why the run must stop for
// overload, or "".
func (g *guard) check(r *runner) string {
	if !g.judgeGrowth || !g.started || r.sent < g.nextCheck {
		return ""
	}
	inFlight, queued := int64(r.net.InFlight()), int64(r.net.Queued())
	arrivals := r.sent - g.lastSent
	held, waiting := grows(inFlight-g.lastInFlight, arrivals), grows(queued-g.lastQueued, arrivals)
	if held && waiting {
		g.growing++
	} else {
		g.growing = 0
	}
	if g.growing >= growthChecks {
		return fmt.Sprintf("overloaded: the requests in the system grew from %d to %d over the last %d arrivals, and grew before that; queues were growing without bound",
			g.lastInFlight, inFlight, arrivals)
	}
	g.lastSent, g.lastInFlight, g.lastQueued = r.sent, inFlight, queued
	if held && !waiting {
		// Still filling: the requests held grow in service, not in the
		// queues (holding times longer than the warm-up). The test
		// starts again from here, as from the end of a warm-up, so that
		// checkpoints spaced for a long wait do not meet a queue that
		// starts growing once the workers are full.
		g.nextCheck = r.sent + growthFirstCheck
		return ""
	}
	g.nextCheck = r.sent + 2*arrivals
	return ""
}

// grows says whether a count that grew by grew over arrivals drifts, more
// than growthShare of them and more than growthSigmas standard deviations
// of a random walk over them.
func grows(grew, arrivals int64) bool {
	return float64(grew) > growthShare*float64(arrivals) && float64(grew) > growthSigmas*math.Sqrt(float64(arrivals))
}
