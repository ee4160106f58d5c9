// Package toykind_test defines a toy node kind outside the model and the
// engine, in test files alone, to show that a kind is one value in one
// registry and needs nothing unexported: a pipe holds each request for a
// fixed delay, then passes it on to its next node (or replies, without
// one). Nothing else knows of it; pipe_e2e_test.go runs it through the
// whole program: file, run, report, estimate and explain.
package toykind_test

import (
	"fmt"
	"github.com/scalesim/scalesim/internal/params"
	"io"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// The registry line.
func init() { topology.Register(&pipeKind) }

var pipeKind = topology.Kind{
	Name:   "pipe",
	Noun:   "pipe",
	Decode: decodePipe,
	Params: []params.Param{
		{Name: "delay", Type: params.Duration, Doc: "how long a request is held"},
		{Name: "to", Type: params.Node, Required: true, Doc: "the node requests go on to"},
	},
}

// Pipe holds each request for Delay seconds, then sends it to To.
type Pipe struct {
	Delay float64
	To    string
}

func decodePipe(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	p := &Pipe{}
	if m.Has("delay") {
		p.Delay, _ = d.Duration(m.Get("delay"), "pipe "+name+" delay")
	}
	if m.Has("to") {
		p.To, _ = d.String(m.Get("to"))
	}
	return p
}

func (*Pipe) Kind() *topology.Kind    { return &pipeKind }
func (*Pipe) Units() int              { return 1 }
func (*Pipe) NeedsKeys() bool         { return false }
func (*Pipe) Footprint(int64) float64 { return 0 }
func (p *Pipe) Validate(e field.Errors, _ *topology.Checker) {
	if !(p.Delay >= 0) {
		e.Add("delay", "pipe delay must not be negative")
	}
}
func (p *Pipe) Downstream() []topology.Target {
	if p.To == "" {
		return nil
	}
	return []topology.Target{{To: p.To, Field: []string{"to"}}}
}

// The pipe's analytic treatment: a pure delay in front of its next node.
func (*Pipe) HitRatio(topology.Solver, string) (float64, bool) { return 0, false }
func (p *Pipe) Routes(_ topology.Solver, _ string, _ int, route topology.Router) {
	if p.To != "" {
		route(p.To, 1, 0)
	}
}
func (p *Pipe) Solve(s topology.Solver, _ string, _ float64, down []float64) topology.Solution {
	response := make([]float64, len(s.Classes()))
	for c := range response {
		response[c] = p.Delay + down[c]
	}
	return topology.Solution{Stations: 1, Response: response}
}
func (*Pipe) NetworkLegs(topology.Solver, string, int) float64 { return 0 }
func (*Pipe) Demand(topology.Solver, string) (topology.Demand, bool) {
	return topology.Demand{}, false
}
func (*Pipe) CapacityNote(topology.Solution) string                    { return "" }
func (*Pipe) Advice(topology.Solver, string, topology.Solution) string { return "" }

// pipe is the runtime of a Pipe.
type pipe struct {
	net       *engine.Network
	spec      *Pipe
	next      engine.Component
	forwarded int64
}

func (p *Pipe) Build(net *engine.Network, _ *topology.Node) engine.Component {
	return &pipe{net: net, spec: p}
}

func (p *pipe) Link(byName map[string]engine.Component) error {
	if p.spec.To != "" {
		p.next = byName[p.spec.To]
	}
	return nil
}

func (p *pipe) Accept(j *engine.Job) {
	p.forwarded++
	if p.next == nil {
		p.net.ReplyAfter(p.spec.Delay, j)
		return
	}
	p.net.PassOn(j, p, p.next, p.spec.Delay)
}

func (p *pipe) Resume(j *engine.Job, child *engine.Job) {
	j.Fail(child.Err())
	p.net.Reply(j)
}

func (p *pipe) Stations() []*engine.Station { return nil }
func (p *pipe) InUse() float64              { return 0 }
func (p *pipe) ResetStats(sim.Time)         { p.forwarded = 0 }
func (p *pipe) Stats(window float64, _ sim.Time) engine.NodeStats {
	s := engine.NodeStats{Instances: 1, Arrivals: p.forwarded, Completed: p.forwarded,
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
