package topology

// A toy node kind, defined in this test file alone to show that a kind is
// one value in one registry: a pipe holds each request for a fixed delay,
// then passes it on to its next node (or replies, without one). Nothing
// outside this file knows of it; pipe_e2e_test.go runs it through the
// whole program: file, run, report, estimate and explain.

import (
	"fmt"
	"io"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// The registry line.
func init() { Register(&pipeKind) }

var pipeKind = Kind{
	Name:   "pipe",
	Noun:   "pipe",
	Fields: []string{"delay", "to"},
	Decode: decodePipe,
}

// Pipe holds each request for Delay seconds, then sends it to To.
type Pipe struct {
	Delay float64
	To    string
	to    Target
}

func decodePipe(d *yamlfile.Decoder, m yamlfile.Map, name string) Spec {
	p := &Pipe{}
	durationField(d, m, "delay", "pipe "+name, &p.Delay)
	if m.Has("to") {
		p.To, _ = d.String(m.Get("to"))
		p.to = Target{To: p.To, Field: []string{"to"}}
	}
	return p
}

func (*Pipe) Kind() *Kind             { return &pipeKind }
func (*Pipe) Units() int              { return 1 }
func (*Pipe) NeedsKeys() bool         { return false }
func (*Pipe) Footprint(int64) float64 { return 0 }
func (p *Pipe) validate(e field.Errors, _ *checker) {
	if !(p.Delay >= 0) {
		e.Add("delay", "pipe delay must not be negative")
	}
}
func (p *Pipe) Downstream() []Target {
	if p.To == "" {
		return nil
	}
	return []Target{p.to}
}

// The pipe's analytic treatment: a pure delay in front of its next node.
func (*Pipe) HitRatio(Solver, string) (float64, bool) { return 0, false }
func (p *Pipe) Routes(_ Solver, _ string, _ int, route Router) {
	if p.To != "" {
		route(p.To, 1, 0)
	}
}
func (p *Pipe) Solve(s Solver, _ string, _ float64, down []float64) Solution {
	return Solution{Stations: 1, Response: perClass(s, func(c int) float64 { return p.Delay + down[c] })}
}
func (*Pipe) NetworkLegs(Solver, string, int) float64 { return 0 }
func (*Pipe) Demand(Solver, string) (Demand, bool)    { return Demand{}, false }
func (*Pipe) CapacityNote(Solution) string            { return "" }
func (*Pipe) Advice(Solver, string, Solution) string  { return "" }

// pipe is the runtime of a Pipe.
type pipe struct {
	net       *Network
	spec      *Pipe
	next      component
	forwarded int64
}

func (p *Pipe) build(net *Network, _ *Node) component { return &pipe{net: net, spec: p} }

func (p *pipe) link(byName map[string]component) error {
	if p.spec.To != "" {
		p.next = byName[p.spec.To]
	}
	return nil
}

func (p *pipe) accept(j *job) {
	p.forwarded++
	if p.next == nil {
		p.net.later(p.spec.Delay, opReply, j)
		return
	}
	j.owner = p
	child := p.net.newJob(j.req, j)
	child.op, child.dest = j.op, p.next
	p.net.later(p.spec.Delay, opDeliver, child)
}

func (p *pipe) resume(j *job, child *job) {
	j.err = child.err
	p.net.reply(j)
}

func (p *pipe) stations() []*station { return nil }
func (p *pipe) inUse() float64       { return 0 }
func (p *pipe) resetStats(sim.Time)  { p.forwarded = 0 }
func (p *pipe) stats(window float64, _ sim.Time) NodeStats {
	s := NodeStats{Instances: 1, Arrivals: p.forwarded, Completed: p.forwarded,
		Detail: &PipeStats{Forwarded: p.forwarded, Delay: p.spec.Delay}}
	if window > 0 {
		s.Throughput = float64(p.forwarded) / window
	}
	return s
}

// PipeStats are a pipe's own figures in a report.
type PipeStats struct {
	Forwarded int64   `json:"forwarded"`
	Delay     float64 `json:"delay"`
}

func (*PipeStats) JSONKey() string { return "pipe" }
func (s *PipeStats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s held %d requests for %s each\n", node, s.Forwarded, units.FormatDuration(s.Delay))
}
