package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/scripttest"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// TestProgramScript checks a service's call program through
// testdata/program.txt and testdata/hedge.txt: how its calls compile into
// steps, and how a request runs through them (its attempts, retries,
// breaker, timeouts and hedges) when the nodes it calls are fakes that
// answer as the script says.
//
//	compile          then node lines (the first is the service): its program, a step a line
//	run              then node lines, "fake NODE: REPLY, REPLY..." lines and
//	                 "submit T CLASS [key=K] [user=U]" lines: the requests are sent and run
//	                 to their end; the trace gives each visit to a fake and each request's
//	                 outcome, then the figures of the service's calls with policies
//
// A fake answers its visits with its replies in turn, the last one
// repeated: ok, fail (a node's failure) or reject (a full queue), after a
// delay (0 if none), e.g. "ok 200ms".
func TestProgramScript(t *testing.T) {
	for _, file := range []string{"testdata/program.txt", "testdata/hedge.txt"} {
		t.Run(file, func(t *testing.T) { scripttest.Run(t, file, runProgram) })
	}
}

// runProgram does one command of a program script.
func runProgram(t *testing.T, c *scripttest.Case) string {
	{
		var nodes []string
		fakes := map[string]*fake{}
		var submits [][]string
		for _, line := range c.Input {
			switch f := strings.Fields(line); {
			case f[0] == "fake":
				name, replies, _ := strings.Cut(strings.TrimPrefix(line, "fake "), ":")
				fakes[name] = newFake(t, c, replies)
			case f[0] == "submit":
				submits = append(submits, f[1:])
			default:
				nodes = append(nodes, "  "+line)
			}
		}
		entry, _, _ := strings.Cut(strings.TrimSpace(nodes[0]), ":")
		topo := decodeNodes(t, entry, strings.Join(nodes, "\n")+"\n")
		for _, n := range topo.Nodes {
			if f := fakes[n.Name]; f != nil {
				n.Spec = fakeSpec{n.Spec, f}
				delete(fakes, n.Name)
			}
		}
		for name := range fakes {
			c.Fatalf(t, "fake %s is not a node", name)
		}
		var out strings.Builder
		net, k, obs := buildTopology(t, topo, func(o *Options) { o.KeyCount, o.Writes, o.Keys = 100, []bool{false, true}, uniformKeys(100) })
		for _, c := range net.comps {
			if f, ok := c.(*fake); ok {
				f.trace = &out
			}
		}
		s := net.comps[0].(*instancePool)
		switch c.Cmd {
		case "compile":
			return s.listing(net)
		case "run":
			obs.traced = func(r *Request, now sim.Time, o Outcome) {
				fmt.Fprintf(&out, "%s request %d: %s\n", at(now), r.Seq, outcomeNames[o])
			}
			for _, f := range submits {
				k.Run(sim.Time(c.Num(t, f[0])))
				class, user, key := 0, int32(-1), int64(-1)
				if len(f) < 2 || (f[1] != "read" && f[1] != "write") {
					c.Fatalf(t, "submit %v: want T read|write [key=K] [user=U]", f)
				}
				if f[1] == "write" {
					class = 1
				}
				for _, kv := range f[2:] {
					switch k, v, _ := strings.Cut(kv, "="); k {
					case "key":
						key = int64(c.Num(t, v))
					case "user":
						user = int32(c.Num(t, v))
					default:
						c.Fatalf(t, "submit: unknown %s", kv)
					}
				}
				net.Submit(class, user, -1, key)
			}
			k.Run(sim.Forever)
			if net.InFlight() != 0 || net.liveJobs != 0 || net.working != 0 {
				c.Fatalf(t, "at the end, %d requests in flight, %d visit records in use, %d events under way", net.InFlight(), net.liveJobs, net.working)
			}
			for _, cs := range s.callStats() {
				fmt.Fprintf(&out, "to %s: %d calls, %d attempts, %d retries, %d refused, %d hedges; failed %d rejected, %d errors, %d timed out",
					cs.To, cs.Calls, cs.Attempts, cs.Retries, cs.Refused, cs.Hedges, cs.FailedRejected, cs.FailedError, cs.FailedTimeout)
				if cs.BreakerState != "" {
					fmt.Fprintf(&out, "; breaker opened %d times, refused %d, %s", cs.BreakerOpened, cs.CircuitOpen, cs.BreakerState)
				}
				out.WriteString("\n")
			}
			for _, g := range s.gatherStats() {
				fmt.Fprintf(&out, "%s (wait %s): %d runs, %d failed, %d late, %d withdrawn, %d visits", g.Label, g.Wait, g.Runs, g.Failed, g.Late, g.Withdrawn, g.Visits)
				if g.KeysMean != nil {
					fmt.Fprintf(&out, "; keys mean %g, p99 %g, max %g", *g.KeysMean, *g.KeysP99, *g.KeysMax)
				}
				out.WriteString("\n")
			}
			for i, comp := range net.comps {
				if ops, ok := keyOps(net.nodes[i], comp, k.Now()); ok {
					fmt.Fprintf(&out, "%s: %d gets, %d hits, %d sets, %d deletes\n", net.nodes[i].Name, ops.Gets, ops.Hits, ops.Sets, ops.Deletes)
				}
			}
			return out.String()
		}
		c.Fatalf(t, "unknown command %q", c.Cmd)
		return ""
	}
}

// keyOps are the figures of a node that serves key operations
// (Kind.NeedsOp: a cache), read from its report's JSON as any reader of
// the report reads them; false for other nodes.
func keyOps(node *topology.Node, comp Component, now sim.Time) (ops struct{ Gets, Hits, Sets, Deletes int64 }, ok bool) {
	if !node.Kind().NeedsOp {
		return ops, false
	}
	b, err := json.Marshal(comp.Stats(0, now).Detail)
	return ops, err == nil && json.Unmarshal(b, &ops) == nil
}

var outcomeNames = [Outcomes]string{Completed: "completed", Rejected: "rejected", TimedOut: "timed out", Failed: "failed",
	CallTimedOut: "call timed out", RateLimited: "rate limited", Shed: "shed", CircuitOpen: "circuit open",
	NodeTimedOut: "node timed out"}

// at writes a time of a trace.
func at(t sim.Time) string { return strconv.FormatFloat(float64(t), 'g', 6, 64) }

// listing writes the service's program, a step a line: its index, what
// it does, the node it calls, then what sets it apart.
func (s *instancePool) listing(net *Network) string {
	names := map[Component]string{}
	for i, c := range net.comps {
		names[c] = net.nodes[i].Name
	}
	var b strings.Builder
	for i, st := range s.prog {
		fmt.Fprintf(&b, "%d %s", i, [...]string{stepCall: "call", stepGet: "get", stepFill: "fill", stepSet: "set", stepDelete: "delete", stepParallel: "parallel", stepJoin: "join"}[st.kind])
		if st.to != nil {
			fmt.Fprintf(&b, " %s", names[st.to])
		}
		if p := st.par; p != nil {
			fmt.Fprintf(&b, " wait %s members %v end %d", p.stats().Wait, p.branches, p.end)
			if p.Cancel {
				b.WriteString(" cancel")
			}
			if f := p.fan; f != nil {
				fmt.Fprintf(&b, " fan-out count %s batch %g", f.Count, f.Batch)
			}
		}
		if st.kind == stepCall && st.op != opAuto {
			fmt.Fprintf(&b, " op %s", [...]string{opRead: "read", opWrite: "write"}[st.op])
		}
		if st.classes != nil {
			var in []string
			for c, ok := range st.classes {
				if ok {
					in = append(in, net.opts.Classes[c])
				}
			}
			fmt.Fprintf(&b, " classes [%s]", strings.Join(in, " "))
		}
		if st.kind == stepGet {
			fmt.Fprintf(&b, " skip %d", st.skip)
		}
		if st.session {
			b.WriteString(" session")
		}
		if st.invalidates {
			b.WriteString(" invalidates")
		}
		if st.writeBack != nil {
			var to []string
			for _, w := range st.writeBack {
				to = append(to, names[w])
			}
			fmt.Fprintf(&b, " write-back [%s]", strings.Join(to, " "))
		}
		if st.pool >= 0 {
			fmt.Fprintf(&b, " pool %d", st.pool)
		}
		if e := st.edge; e != nil {
			if e.timeout > 0 {
				fmt.Fprintf(&b, " timeout %s", units.FormatDuration(e.timeout))
			}
			if e.retry != nil {
				fmt.Fprintf(&b, " retries %d", e.retry.Max)
			}
			if e.breaker != nil {
				b.WriteString(" breaker")
			}
			if h := e.hedge; h != nil {
				fmt.Fprintf(&b, " hedge %s", units.FormatDuration(h.After))
			}
		}
		if st.index != i {
			fmt.Fprintf(&b, " (index %d)", st.index)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// fake is a node whose answers a test scripts: each visit takes the next
// of its replies (the last one repeats), and its trace records the visit.
type fake struct {
	net     *Network
	name    string
	replies []fakeReply
	visits  int
	trace   *strings.Builder
}

type fakeReply struct {
	cause Cause
	delay float64
	text  string
}

// newFake reads a fake's replies: "ok 200ms, fail, reject 1s".
func newFake(t *testing.T, c *scripttest.Case, replies string) *fake {
	f := &fake{}
	for r := range strings.SplitSeq(replies, ",") {
		w := strings.Fields(r)
		if len(w) == 0 || len(w) > 2 {
			c.Fatalf(t, "fake reply %q: want ok|fail|reject [DELAY]", r)
		}
		reply := fakeReply{text: strings.Join(w, " ")}
		switch w[0] {
		case "ok":
		case "fail":
			reply.cause = CauseFailed
		case "reject":
			reply.cause = CauseRejected
		default:
			c.Fatalf(t, "fake reply %q: want ok|fail|reject [DELAY]", r)
		}
		if len(w) == 2 {
			d, err := units.ParseDuration(w[1])
			if err != nil {
				c.Fatalf(t, "fake reply %q: %v", r, err)
			}
			reply.delay = d
		}
		f.replies = append(f.replies, reply)
	}
	return f
}

// fakeSpec is a node's spec, with a fake for its runtime.
type fakeSpec struct {
	topology.Spec
	f *fake
}

// Footprint implements Builder: a fake holds next to nothing.
func (s fakeSpec) Footprint(int64) float64 { return 0 }

func (s fakeSpec) Build(net *Network, node *topology.Node) Component {
	s.f.net, s.f.name = net, node.Name
	return s.f
}

// Accept answers the visit j with the fake's next reply.
func (f *fake) Accept(j *Job) {
	r := f.replies[min(f.visits, len(f.replies)-1)]
	f.visits++
	op := "read"
	if f.net.writes(j) {
		op = "write"
	}
	fmt.Fprintf(f.trace, "%s %s: %s", at(f.net.k.Now()), f.name, op)
	if j.Key() >= 0 {
		fmt.Fprintf(f.trace, " key %d", j.Key())
	}
	if j.keys > 1 {
		fmt.Fprintf(f.trace, " keys %d", j.keys)
	}
	if j.retries > 0 {
		fmt.Fprintf(f.trace, " retry %d", j.retries)
	}
	fmt.Fprintf(f.trace, ": %s\n", r.text)
	j.err = r.cause
	f.net.later(r.delay, opReply, j)
}

func (f *fake) Link(map[string]Component) error   { return nil }
func (f *fake) Stations() []*Station              { return nil }
func (f *fake) Stats(float64, sim.Time) NodeStats { return NodeStats{} }
func (f *fake) ResetStats(sim.Time)               {}
func (f *fake) InUse() float64                    { return 0 }

// uniformKeys draws keys uniformly from count.
type uniformKeys int64

func (u uniformKeys) Sample(r *rand.Rand) int64 { return r.Int64N(int64(u)) }
