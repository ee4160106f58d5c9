package topology

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Parallel calls and fan-out to other keys.
//
// A parallel step sends several calls at once, each a member with its own
// policies (timeout, retries, breaker, hedge, a get's on-miss calls), and
// goes on once enough of them have succeeded: all of them, any one (the
// first reply that succeeds), or a quorum of k. It fails once so many
// members have failed that the rest cannot make up the number; then the
// request fails with the last member's cause, as a single call's failure
// does. A fan-out is a call sent to other keys: a count of keys drawn per
// request, each drawn from the workload's key popularity, sent in visits
// of up to Batch keys each; its visits are the members of a parallel step.
//
// When the step goes on, the members still out keep running by default
// and their work counts, as most clients leave outstanding requests be (a
// Go errgroup without cancellation, a future nobody waits on); with
// Cancel, the visits of theirs still waiting in a callee's queue (or on
// their way to it) are withdrawn there, unserved, as a cancelled gRPC call
// is dropped by a server that has not started it, while a visit already in
// service runs to its end.

// Gather is what a parallel step waits for: Wait successful replies
// (WaitAll: every member's; 1: the first), and whether it withdraws the
// members still queued once it goes on.
type Gather struct {
	Wait   int
	Cancel bool
}

// WaitAll is a Gather's Wait for every member.
const WaitAll = 0

// Parallel is a list of calls sent at once.
type Parallel struct {
	Gather
	Calls []Call
}

// FanOut sends a call to a count of other keys at once: Count keys drawn
// per request (rounded without bias: ⌊x⌋, plus one with probability
// x − ⌊x⌋), at most Max (0: the count's own bound), each key drawn from
// the workload's popularity (none without keys), in visits of up to Batch
// keys. A visit that carries k keys is one visit whose service time at
// each node it reaches is the sum of k of that node's service times (the
// engine's keysTime): a million followers cost a million key-writes of
// work in a thousand visits of a thousand.
type FanOut struct {
	Gather
	Count sim.Dist
	Max   float64
	Batch float64
}

// Fan-out bounds: the most keys one visit carries, and the most keys one
// request fans out to (its visits are bounded by MaxVisitsPerRequest).
const (
	MaxFanOutBatch = 1 << 30
	MaxFanOutKeys  = 1e12
)

// decodeGather reads wait (all, any or a quorum) and cancel.
func decodeGather(d *yamlfile.Decoder, m yamlfile.Map, g *Gather) {
	if m.Has("wait") {
		n := m.Get("wait")
		switch s, _ := d.String(n); s {
		case "all":
			g.Wait = WaitAll
		case "any":
			g.Wait = 1
		default:
			k, err := strconv.Atoi(s)
			switch {
			case err != nil:
				d.Errorf(n, "wait: all, any or a number of replies (a quorum, such as 2), got %q", s)
			case k < 1:
				d.Errorf(n, "wait: a quorum must be at least 1 reply, got %d (any is 1, all is every call)", k)
			default:
				g.Wait = k
			}
		}
	}
	if m.Has("cancel") {
		g.Cancel, _ = d.Bool(m.Get("cancel"))
	}
}

// decodeParallel reads {wait, cancel, calls: [...]}.
func decodeParallel(d *yamlfile.Decoder, n *yaml.Node, from string) *Parallel {
	p := &Parallel{}
	m, ok := d.Mapping(n, "parallel", "wait", "cancel", "calls")
	if !ok {
		return p
	}
	decodeGather(d, m, &p.Gather)
	switch calls := m.Get("calls"); {
	case calls == nil:
		d.Errorf(n, "parallel needs calls: the calls it sends at once, e.g. {wait: all, calls: [shard_a, shard_b]}")
	case calls.Kind == yaml.SequenceNode && len(calls.Content) == 0:
		d.Errorf(calls, "parallel calls is empty: give the calls it sends at once")
	default:
		p.Calls = DecodeCalls(d, calls, from)
	}
	return p
}

// decodeParallelEntry reads a calls entry {parallel: {...}, classes:
// [...]}: classes are its own, every other setting goes on its members.
func decodeParallelEntry(d *yamlfile.Decoder, m yamlfile.Map, from string, c *Call) {
	for _, k := range m.Keys() {
		if k != "parallel" && k != "classes" {
			d.Errorf(m.Key(k), "a parallel entry takes classes besides its calls: %s goes on each of its calls", k)
		}
	}
	c.Parallel = decodeParallel(d, m.Get("parallel"), from)
}

// decodeFanOut reads {count, max, batch, wait, cancel}.
func decodeFanOut(d *yamlfile.Decoder, n *yaml.Node) *FanOut {
	f := &FanOut{Batch: 1}
	m, ok := d.Mapping(n, "fan_out", "count", "max", "batch", "wait", "cancel")
	if !ok {
		return f
	}
	if !m.Has("count") {
		d.Errorf(n, "fan_out needs count: the keys a request fans out to, e.g. {count: {dist: pareto, min: 1, max: 100k, alpha: 1.2}}")
	} else {
		f.Count = d.Dist(m.Get("count"), "fan_out count", yamlfile.Plain)
	}
	if m.Has("max") {
		f.Max, _ = d.Count(m.Get("max"), "fan_out max")
	}
	if m.Has("batch") {
		f.Batch, _ = d.Count(m.Get("batch"), "fan_out batch")
	}
	decodeGather(d, m, &f.Gather)
	return f
}

// Limit is the most keys one request fans out to: Max, or the count's
// own bound; ok is false when neither bounds it.
func (f *FanOut) Limit() (float64, bool) {
	b, bounded := sim.Bound(f.Count)
	switch {
	case f.Max > 0 && bounded:
		return math.Min(f.Max, math.Ceil(b)), true
	case f.Max > 0:
		return f.Max, true
	case bounded:
		return math.Ceil(b), true
	}
	return 0, false
}

// MostVisits is the most visits one request's fan-out makes.
func (f *FanOut) MostVisits() float64 {
	limit, _ := f.Limit()
	return math.Ceil(limit / f.Batch)
}

// validate records what is wrong with the fan-out, under its path.
func (f *FanOut) validate(e field.Errors) {
	whole := func(key string, v, lo, hi float64) bool {
		if v != math.Trunc(v) || v < lo || v > hi {
			e.Add(key, "fan_out %s must be a whole number from %.0f to %.3g, got %g", key, lo, hi, v)
			return false
		}
		return true
	}
	okMax := f.Max == 0 || whole("max", f.Max, 1, MaxFanOutKeys)
	okBatch := whole("batch", f.Batch, 1, MaxFanOutBatch)
	if f.Count == nil || !okMax || !okBatch {
		return
	}
	limit, ok := f.Limit()
	switch {
	case !ok:
		e.Add("count", "a fan-out count drawn from %s has no upper bound: give max, the most keys one request fans out to", f.Count)
		return
	case limit > MaxFanOutKeys:
		e.Add("count", "a fan-out count may reach %.3g keys; at most %.0e are simulated per request (give max)", limit, MaxFanOutKeys)
		return
	}
	if v := f.MostVisits(); v > MaxVisitsPerRequest {
		e.Add("count", "a fan-out of up to %.0f keys in visits of %.0f key(s) each makes up to %.0f visits per request; at most %d are simulated: carry more keys per visit (batch: %.0f or more), whose work grows with its keys",
			limit, f.Batch, v, MaxVisitsPerRequest, math.Ceil(limit/MaxVisitsPerRequest))
		return
	}
	if k := f.Wait; k > 0 && float64(k) > f.MostVisits() {
		e.Add("wait", "a quorum of %s can never be met: the fan-out makes at most %s", units.Plural(k, "reply", "replies"), units.Plural(int64(f.MostVisits()), "visit", "visits"))
	}
}

// validateParallel checks a parallel entry's form beside its members,
// which ValidateCalls checks as calls: a quorum within the members, and
// members without classes of their own.
func validateParallel(e field.Errors, p *Parallel) {
	pe := e.In("parallel")
	if len(p.Calls) > 0 && p.Wait > len(p.Calls) {
		pe.Add("wait", "a quorum of %s can never be met by %s", units.Plural(p.Wait, "reply", "replies"), units.Plural(len(p.Calls), "call", "calls"))
	}
	for i, m := range p.Calls {
		if len(m.Classes) > 0 {
			pe.In("calls", strconv.Itoa(i)).Add("classes", "a call in parallel runs whenever its step does: give classes on the parallel entry")
		}
	}
}

// DrawKeys draws the keys of a run of fan-out f from rng: its count
// rounded without bias, within limit (a run's and the estimate's).
func DrawKeys(f *FanOut, limit int64, rng *rand.Rand) int64 {
	x := f.Count.Sample(rng)
	if x >= float64(limit) {
		return limit
	}
	n := int64(x)
	if frac := x - float64(n); frac > 0 && rng.Float64() < frac {
		n++
	}
	return n
}

// callTargets lists the nodes calls reach, each with the field naming it
// (calls.0.to) and the most visits a request makes through it: a
// fan-out's visits, times those of the fan-outs it is within. A fan-out
// over the visit limit on its own is refused at its count, and counts
// once here.
func callTargets(calls []Call) []Target {
	var out []Target
	var walk func(calls []Call, path []string, times float64)
	walk = func(calls []Call, path []string, times float64) {
		for i := range calls {
			c := &calls[i]
			at := append(slices.Clone(path), strconv.Itoa(i))
			t := times
			if f := c.FanOut; f != nil && f.Count != nil && f.Batch >= 1 {
				if v := f.MostVisits(); v <= MaxVisitsPerRequest {
					t = float64(t * v)
				}
			}
			if c.To != "" {
				out = append(out, Target{To: c.To, Field: append(slices.Clone(at), "to"), Times: t})
			}
			walk(c.OnMiss, append(slices.Clone(at), "on_miss"), t)
			walk(c.Write, append(slices.Clone(at), "write"), t)
			if c.Parallel != nil {
				walk(c.Parallel.Calls, append(slices.Clone(at), "parallel", "calls"), t)
			}
		}
	}
	walk(calls, []string{"calls"}, 1)
	return out
}

// fanOutWeight is the calls one call makes in the estimate: a fan-out's
// mean keys, each taken as a visit of one key (the same work as its
// batches); 1 for other calls.
func fanOutWeight(sv Solver, from string, call *Call) float64 {
	f := call.FanOut
	if f == nil {
		return 1
	}
	if f.Batch > 1 {
		sv.Note("%s's fan-out to %s: its visits of up to %.0f keys are taken as a visit per key (the same work; a batch's wait is longer)", from, call.To, f.Batch)
	}
	if b, ok := sim.Bound(f.Count); !ok || (f.Max > 0 && b > f.Max) {
		sv.Note("%s's fan-out to %s: the run cuts counts above max (%.0f) to it; the estimate takes the count's mean uncut (%s keys), an upper bound", from, call.To, f.Max, units.Figures(f.Count.Mean(), 4, units.MaxFigure))
	}
	return f.Count.Mean()
}

// CallTime implements CallTimer: with parallel steps or fan-outs, the
// calls' mean time by callsTime.
func (s *Pool) CallTime(sv Solver, name string, c int, resp func(string) float64) (float64, bool) {
	return callTime(sv, name, append(s.SessionRead(), s.Calls...), c, resp)
}

// callTime is the mean time a visit of class c spends in calls, when
// some of them are parallel steps or fan-outs; ok is false otherwise.
func callTime(sv Solver, from string, calls []Call, c int, resp func(string) float64) (float64, bool) {
	overlap := false
	walkCalls(calls, nil, func(call *Call, _ []string) { overlap = overlap || call.Parallel != nil || call.FanOut != nil })
	if !overlap {
		return 0, false
	}
	return callsTime(sv, from, calls, sv.Classes()[c], resp), true
}

// callsTime is the mean time calls of class take one after another, as
// RouteCalls routes them: a call's round trip and its callee's response, a
// get's on-miss calls weighted by the miss ratio, a set's or delete's
// writes; a parallel step's the order statistic of its members' (see
// OrderStat), a fan-out's that of its visits, averaged over its count.
func callsTime(sv Solver, from string, calls []Call, class string, resp func(string) float64) float64 {
	t := 0.0
	for i := range calls {
		call := &calls[i]
		if len(call.Classes) > 0 && !contains(call.Classes, class) {
			continue
		}
		switch {
		case call.Parallel != nil:
			var times []float64
			for j := range call.Parallel.Calls {
				times = append(times, callsTime(sv, from, call.Parallel.Calls[j:j+1], class, resp))
			}
			t += OrderStat(sv, from, times, call.Parallel.Wait)
		case call.FanOut != nil:
			one := *call
			one.FanOut = nil
			t += fanOutTime(sv, from, call, callsTime(sv, from, []Call{one}, class, resp))
		default:
			t += oneCallTime(sv, from, call, class, resp)
		}
	}
	return t
}

// oneCallTime is a call's round trip, its callee's response, and the
// calls that go with it (a get's on-miss calls at its miss ratio, a set's
// or delete's writes).
func oneCallTime(sv Solver, from string, call *Call, class string, resp func(string) float64) float64 {
	lat := sv.DefaultLatency()
	if call.Latency != nil {
		lat = call.Latency.Mean()
	}
	to := AimedPart(sv, from, call.To, slices.Index(sv.Classes(), class)) // a database's part nearest the caller
	t := sv.Hop(HopCall, from, to, lat) + sv.Hop(HopReply, to, from, 0) + resp(call.To)
	switch call.Op {
	case OpGet:
		t += float64((1 - sv.HitRatio(call.To)) * callsTime(sv, from, call.OnMiss, class, resp))
	case OpSet, OpDelete:
		if call.Policy != WriteBack {
			t += callsTime(sv, from, call.Write, class, resp)
		}
	}
	return t
}

// OrderStat is the mean time until wait of the members whose mean times
// are times have answered (WaitAll: all of them), each taken as
// exponential and independent: with rates λᵢ = 1/tᵢ, the k-th of n to
// end comes on average after
//
//	E[X₍ₖ₎] = Σ_{j=n−k+1}^{n} (−1)^(j−n+k−1) C(j−1, n−k) Σ_{|S|=j} 1/Σ_{i∈S} λᵢ
//
// (the k-th order statistic through the minima of subsets: David and
// Nagaraja, "Order Statistics", 3rd ed., Wiley 2003, §5.3), which for n
// equal means t is t·Σ_{i=n−k+1}^{n} 1/i (Rényi's representation): H_n·t
// for all, t/n for any. The formula is exact for exponential times;
// others are approximated by it, and more than maxExactMembers unequal
// members by equal ones of their mean.
func OrderStat(sv Solver, from string, times []float64, wait int) float64 {
	n := len(times)
	k := n
	if wait > 0 {
		k = min(wait, n)
	}
	sv.Note("%s's parallel calls: the time until %d of %d answer taken as the %s order statistic of independent exponential times of their means (exact for exponential times)",
		from, k, n, ordinal(k))
	equal := true
	for _, x := range times {
		equal = equal && x == times[0]
	}
	if !equal && n > maxExactMembers {
		sv.Note("%s's parallel calls: their %d members taken as equal, of their mean time", from, n)
		mean := 0.0
		for _, x := range times {
			mean += x
		}
		times, equal = []float64{float64(mean / float64(n))}, true
	}
	if equal {
		return float64(times[0] * harmonicSpan(n, k))
	}
	// Σ over subsets S of size j of the mean of their minimum, by size.
	minima := make([]float64, n+1)
	for set := 1; set < 1<<n; set++ {
		rate, size, instant := 0.0, 0, false
		for i := range n {
			if set&(1<<i) != 0 {
				size++
				if times[i] == 0 {
					instant = true
				} else {
					rate += 1 / times[i]
				}
			}
		}
		if !instant {
			minima[size] += 1 / rate
		}
	}
	t := 0.0
	for j := n - k + 1; j <= n; j++ {
		term := float64(binomial(j-1, n-k) * minima[j])
		if (j-n+k-1)%2 == 1 {
			term = -term
		}
		t += term
	}
	return t
}

// maxExactMembers is the most unequal members whose order statistic is
// computed over their subsets (2ⁿ of them).
const maxExactMembers = 16

// harmonicSpan is Σ_{i=n−k+1}^{n} 1/i.
func harmonicSpan(n, k int) float64 {
	s := 0.0
	for i := n - k + 1; i <= n; i++ {
		s += 1 / float64(i)
	}
	return s
}

// binomial is C(n, k).
func binomial(n, k int) float64 {
	c := 1.0
	for i := range k {
		c = float64(c*float64(n-i)) / float64(i+1)
	}
	return c
}

// ordinal writes k as 1st, 2nd, 3rd, 4th...
func ordinal(k int) string {
	suffix := "th"
	switch {
	case k%100 >= 11 && k%100 <= 13:
	case k%10 == 1:
		suffix = "st"
	case k%10 == 2:
		suffix = "nd"
	case k%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(k) + suffix
}

// fanOutDraws is how many counts of a random fan-out the estimate averages
// its time over.
const fanOutDraws = 4096

// fanOutTime is the mean time of a fan-out whose visits each take one on
// average: the order statistic of its visits' (equal, exponential) times,
// averaged over its count, exactly for a constant count and over
// fanOutDraws counts drawn from a fixed stream otherwise.
func fanOutTime(sv Solver, from string, call *Call, one float64) float64 {
	f := call.FanOut
	// extra is the time each key of a visit beyond its first adds: the
	// callee's mean service time (the mean of its operations' or
	// classes'); what the callee calls in turn is taken at one key's.
	extra := 0.0
	if n := sv.Lookup(call.To); f.Batch > 1 && n != nil {
		if w, ok := n.Spec.(Worked); ok && len(w.WorkTimes()) > 0 {
			for _, d := range w.WorkTimes() {
				extra += Mean(d)
			}
			extra /= float64(len(w.WorkTimes()))
		}
		sv.Note("%s's fan-out to %s: a visit of several keys taken as one key's time plus %s of %s's own work for each key more (what %s calls for them is left out)",
			from, call.To, units.FormatDuration(extra), call.To, call.To)
	}
	limit, _ := f.Limit()
	// h[v] is the harmonic number H_v, for the order statistics of up to
	// the most visits.
	h := make([]float64, int(f.MostVisits())+1)
	for v := 1; v < len(h); v++ {
		h[v] = h[v-1] + 1/float64(v)
	}
	at := func(keys int64) float64 {
		v := int((keys + int64(f.Batch) - 1) / int64(f.Batch))
		if v == 0 {
			return 0
		}
		k := v
		if f.Wait > 0 {
			k = min(f.Wait, v)
		}
		each := one + float64((float64(keys)/float64(v)-1)*extra)
		return float64(each * (h[v] - h[v-k]))
	}
	if c, constant := f.Count.(sim.Constant); constant {
		// Rounded as the run rounds it: ⌊x⌋, or one more with
		// probability x − ⌊x⌋.
		x := math.Min(c.Value, limit)
		lo := math.Floor(x)
		t := at(int64(lo))
		if frac := x - lo; frac > 0 {
			t = float64((1-frac)*t) + float64(frac*at(int64(lo)+1))
		}
		return t
	}
	rng := sim.NewStream(0, "estimate/fan_out")
	sv.Note("%s's fan-out to %s: its time averaged over %d counts drawn from %s, each visit's time taken as exponential", from, call.To, fanOutDraws, f.Count)
	sum := 0.0
	for range fanOutDraws {
		sum += at(DrawKeys(f, int64(limit), rng))
	}
	return sum / fanOutDraws
}
