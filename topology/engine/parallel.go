package engine

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// gatherStep is the runtime of a parallel step or a fan-out (a step of
// kind stepParallel): where its members' programs start (a fan-out has
// one, run by each of its visits), each ending with a stepJoin, and its
// figures.
type gatherStep struct {
	branches []int
	end      int // the step after the members' programs
	topology.Gather
	fan   *topology.FanOut
	limit int64      // a fan-out's most keys
	rng   *rand.Rand // a fan-out's counts and keys
	keys  KeyDrawer  // the workload's keys; nil without
	label string     // what the report calls it
	// Figures over the measurement window: steps run, those that
	// failed, members still out when the step went on, visits
	// withdrawn; a fan-out's keys and visits.
	runs, failed, late, withdrawn int64
	visits                        int64
	perRequest                    sim.Summary
	perRequestHist                sim.Histogram
}

// KeyDrawer draws a key from the workload's popularity
// (workloads.KeySampler).
type KeyDrawer interface {
	Sample(r *rand.Rand) int64
}

// gather is one run of a parallel step: the job waiting on it (until it
// goes on), and the members' replies so far.
type gather struct {
	caller *Job
	st     *step
	// need successful replies of n members; out are still running.
	need, n, out, ok, failed int
	cause                    Cause // the last member's failure
	// launching while the members are being sent; decided once enough
	// succeeded or too many failed; cancelled when it went on with
	// Cancel, its members still out then withdrawn.
	launching, decided, cancelled bool
}

// gatherBytes is what a gather's record takes.
const gatherBytes = 72

// emitGather compiles a parallel entry or a fan-out: its step, then each
// member's program followed by a join (a fan-out's one program serves
// each of its visits).
func (s *instancePool) emitGather(c *topology.Call, path string, classes []string, inherited []bool, op opKind, emit func([]topology.Call, []string, []bool, opKind)) {
	filter := ClassFilter(c.Classes, classes, inherited)
	g := &gatherStep{}
	at := len(s.prog)
	s.prog = append(s.prog, step{kind: stepParallel, from: s.node.Name, classes: filter, pool: -1, par: g})
	var members []topology.Call
	var paths []string // members' paths in the node
	if c.FanOut != nil {
		g.Gather, g.fan = c.FanOut.Gather, c.FanOut
		limit, _ := c.FanOut.Limit()
		g.limit = int64(limit)
		g.rng = sim.NewStream(s.net.opts.Seed, fmt.Sprintf("%s/fan_out/%d", s.node.Name, at))
		g.keys = s.net.opts.Keys
		g.label = "fan-out to " + c.To
		member := *c
		member.FanOut, member.Classes = nil, nil
		members, paths = []topology.Call{member}, []string{path}
	} else {
		g.Gather = c.Parallel.Gather
		members, paths = c.Parallel.Calls, itemPaths(path+".parallel.calls", len(c.Parallel.Calls))
		var to []string
		for _, m := range members {
			to = append(to, callLabel(&m))
		}
		g.label = "parallel to " + strings.Join(to, ", ")
	}
	for i := range members {
		g.branches = append(g.branches, len(s.prog))
		emit(members[i:i+1], paths[i:i+1], filter, op)
		s.prog = append(s.prog, step{kind: stepJoin, from: s.node.Name, pool: -1})
	}
	g.end = len(s.prog)
}

// callLabel names a call in a report: its target, or a nested parallel
// entry's.
func callLabel(c *topology.Call) string {
	if c.Parallel != nil {
		var to []string
		for i := range c.Parallel.Calls {
			to = append(to, callLabel(&c.Parallel.Calls[i]))
		}
		return "(" + strings.Join(to, ", ") + ")"
	}
	return c.To
}

// count draws the keys of a fan-out's run: the count rounded without
// bias, within its limit.
func (g *gatherStep) count() int64 { return topology.DrawKeys(g.fan, g.limit, g.rng) }

// startGather runs j's parallel step st: it sends every member at once
// (a fan-out's count of keys in visits of up to its batch), and j goes on
// when enough have succeeded (see branchEnd). A step with no member (a
// fan-out to no key) goes on at once.
func (s *instancePool) startGather(j *Job, st *step) {
	p := st.par
	n, keys, batch := len(p.branches), int64(0), int64(0)
	if p.fan != nil {
		keys, batch = p.count(), int64(p.fan.Batch)
		n = int((keys + batch - 1) / batch)
	}
	p.runs++
	p.visits += int64(n)
	if p.fan != nil {
		p.perRequest.Add(float64(keys))
		p.perRequestHist.Add(float64(float64(keys) * keysScale))
	}
	if n == 0 {
		j.pc = p.end
		s.run(j)
		return
	}
	g := s.gathers.Get()
	s.liveGathers++
	g.caller, g.st, g.n, g.out, g.need = j, st, n, n, n
	if p.Wait > 0 {
		g.need = min(p.Wait, n)
	}
	g.launching = true
	for i := range n {
		if g.decided && p.Cancel {
			g.out -= n - i // the step failed already: the rest are never sent
			break
		}
		b := s.net.newJob(j.req, nil)
		j.req.refs++ // a member may outlive its caller's visit
		b.owner, b.inst, b.join, b.op = s, j.inst, g, j.op
		switch {
		case p.fan != nil:
			b.pc = p.branches[0]
			b.keys, b.key = int32(min(batch, keys-int64(i)*batch)), -1
			if p.keys != nil {
				b.key = p.keys.Sample(p.rng)
			}
		default:
			b.pc = p.branches[i]
			b.key, b.keys = j.key, j.keys // within a fan-out's visit
		}
		s.run(b)
	}
	g.launching = false
	if g.decided {
		s.goOn(g)
	}
	s.endGather(g)
}

// keysScale keeps a fan-out's keys per request in a histogram in millions,
// so that its range (HistogramMin to HistogramMax) spans 10⁻³ to 10¹³ keys
// at its relative accuracy.
const keysScale = 1e-6

// branchEnd ends b, a member of a parallel step, with its outcome (b.err):
// its step goes on once enough members have succeeded, or fails once the
// rest could not make up the number.
func (s *instancePool) branchEnd(b *Job) {
	if b.filling != nil {
		b.filling.cache.Abandon(b.filling.keyOf(b))
		b.filling = nil
	}
	g := b.join
	g.out--
	if !g.decided {
		if b.err == NoCause {
			g.ok++
		} else {
			g.failed++
			g.cause = b.err
		}
		if g.ok >= g.need || g.failed > g.n-g.need {
			g.decided = true
			if !g.launching {
				s.goOn(g)
			}
		}
	}
	r := b.req
	s.net.freeJob(b)
	s.net.release(r)
	s.endGather(g)
}

// goOn continues the job waiting on g, now decided: past the step when
// enough members succeeded, or failed with the last member's cause. The
// members still out are left running, or withdrawn with Cancel.
func (s *instancePool) goOn(g *gather) {
	j, st := g.caller, g.st
	g.caller = nil
	p := st.par
	if g.out > 0 {
		p.late += int64(g.out)
		g.cancelled = p.Cancel
	}
	if g.ok < g.need {
		p.failed++
		s.callFailed(j, st, g.cause)
		return
	}
	j.pc = p.end
	s.run(j)
}

// endGather frees g once it has gone on and no member is out.
func (s *instancePool) endGather(g *gather) {
	if g.launching || g.caller != nil || g.out > 0 {
		return
	}
	*g = gather{}
	s.gathers.Put(g)
	s.liveGathers--
}

// cancelled says j is a member of a parallel step that went on and
// withdrew the members still out: it makes no more calls.
func (j *Job) cancelled() bool { return j.join != nil && j.join.cancelled }

// withdrawable says the visit j, not yet served, may be dropped: its
// caller is a member that its parallel step withdrew.
func (j *Job) withdrawable() bool { return j.parent != nil && j.parent.cancelled() }

// exactKeys is the most keys of a visit whose service times are drawn one
// by one (see keysTime).
const exactKeys = 32

// keysTime is the service time of a visit of a fan-out that carries k
// keys, whose first key's time first was drawn from d: the sum of k
// draws. Up to exactKeys they are drawn one by one; beyond, the rest is
// drawn as a gamma with their sum's mean and variance, (k − 1)·m and
// (k − 1)·m²·SCV, which is the sum's exact law for exponential times (a
// sum of exponentials is an Erlang) and, for others, close to it by the
// central limit theorem, at the cost of one draw.
func keysTime(d sim.Dist, first float64, k int32, rng *rand.Rand) float64 {
	rest := k - 1
	if rest < exactKeys {
		for range rest {
			first += d.Sample(rng)
		}
		return first
	}
	m, scv := d.Mean(), d.SCV()
	if scv == 0 {
		return first + float64(float64(rest)*m)
	}
	return first + sim.Gamma{K: float64(rest) / scv, Theta: float64(m * scv)}.Sample(rng)
}

// GatherStats are one parallel step's or fan-out's figures over the
// measurement window.
type GatherStats struct {
	// Label names it: "parallel to a, b" or "fan-out to timelines".
	Label string `json:"label"`
	// Wait is what it waits for: "all", "any" or "2 of n"; Cancel says
	// it withdraws the members still queued when it goes on.
	Wait   string `json:"wait"`
	Cancel bool   `json:"cancel,omitempty"`
	// Runs are the steps run, Failed those that failed (too few members
	// succeeded); Late the members still out when their step went on
	// (left running, or withdrawn with Cancel), Withdrawn the visits a
	// callee dropped unserved for that.
	Runs      int64 `json:"runs"`
	Failed    int64 `json:"failed"`
	Late      int64 `json:"late"`
	Withdrawn int64 `json:"withdrawn"`
	// A fan-out's visits, and its keys per run (per request, when the
	// request runs it once): their mean, 99th percentile and most.
	Visits   int64    `json:"visits"`
	KeysMean *float64 `json:"keys_mean,omitempty"`
	KeysP99  *float64 `json:"keys_p99,omitempty"`
	KeysMax  *float64 `json:"keys_max,omitempty"`
}

func (g *gatherStep) stats() GatherStats {
	s := GatherStats{Label: g.label, Wait: "all", Cancel: g.Cancel, Runs: g.runs, Failed: g.failed, Late: g.late,
		Withdrawn: g.withdrawn, Visits: g.visits}
	switch {
	case g.Wait == 1:
		s.Wait = "any"
	case g.Wait > 1 && g.fan == nil:
		s.Wait = fmt.Sprintf("%d of %d", g.Wait, len(g.branches))
	case g.Wait > 1:
		s.Wait = fmt.Sprintf("%d", g.Wait)
	}
	if g.fan != nil && g.perRequest.N() > 0 {
		mean, most := g.perRequest.Mean(), g.perRequest.Max()
		p99 := math.Round(g.perRequestHist.Quantile(0.99) / keysScale)
		s.KeysMean, s.KeysP99, s.KeysMax = &mean, &p99, &most
	}
	return s
}

func (g *gatherStep) resetStats() {
	g.runs, g.failed, g.late, g.withdrawn, g.visits = 0, 0, 0, 0, 0
	g.perRequest, g.perRequestHist = sim.Summary{}, sim.Histogram{}
}

// WriteGathers writes a line per parallel step or fan-out.
func WriteGathers(w io.Writer, node string, gs []GatherStats) {
	for i, g := range gs {
		label := node
		if i > 0 {
			label = ""
		}
		wait := g.Wait
		if g.Cancel {
			wait += ", cancel"
		}
		fmt.Fprintf(w, "%-11s %s (wait %s): %s, %d failed, %s late", label, g.Label, wait, units.Plural(g.Runs, "run", "runs"), g.Failed, units.Plural(g.Late, "member", "members"))
		if g.Cancel {
			fmt.Fprintf(w, ", %s withdrawn", units.Plural(g.Withdrawn, "visit", "visits"))
		}
		fmt.Fprintln(w)
		if g.KeysMean != nil {
			fmt.Fprintf(w, "%-11s %s; keys per request: mean %s, p99 %s, max %s\n", "", units.Plural(g.Visits, "visit", "visits"),
				units.FormatCount(*g.KeysMean), units.FormatCount(*g.KeysP99), units.FormatCount(*g.KeysMax))
		}
	}
}

// gatherStats are the figures of its parallel steps and fan-outs; nil
// without.
func (s *instancePool) gatherStats() []GatherStats {
	var out []GatherStats
	for i := range s.prog {
		if p := s.prog[i].par; p != nil {
			out = append(out, p.stats())
		}
	}
	return out
}

// withdraw drops j, taken from the queue unserved: its caller, a member
// of a parallel step that went on with cancel, no longer waits for it.
// It ends here without counting as completed, and its reply (that it was
// withdrawn) goes back after the release that took it from the queue.
func (st *Station) withdraw(j *Job) {
	j.withdrawn, j.err = true, CauseRejected // not completed
	st.finish(j)
	st.net.later(0, opReply, j)
}
