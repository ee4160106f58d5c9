// Package service is the service node kind: a pool of identical instances
// that serve a request for its own service time, then make its calls in
// order (see topology.Pool, the engine's runtime of such a pool). It
// registers itself with package topology when imported (topology/kinds
// imports it).
package service

import (
	"fmt"
	"maps"
	"slices"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// Service is a pool of identical instances, each with a number of workers
// sharing one FIFO queue. A request is served for ServiceTime, then makes
// its Calls in order, waiting for each reply. Its runtime, its footprint,
// the nodes it sends to and its routes are its Pool's.
type Service struct {
	topology.Pool
	// CallDefaults are the policies of every call that does not set its
	// own, as the file gave them; reading the file applies them to Calls
	// (in Go, set each call's Policies).
	CallDefaults topology.Policies
}

// CallList implements CallMaker.
func (s *Service) CallList() []topology.Call { return s.Calls }

func init() {
	kind.Params = serviceParams
	topology.Register(&kind)
}

// kind is the service kind, registered when the package is imported.
var kind = topology.Kind{
	Name:         "service",
	Noun:         "service",
	Decode:       decodeService,
	Workers:      true,
	Egress:       true,
	SessionStore: true,
	Balanced:     true,
	Deployed:     true,
}

// Kind implements Spec.
func (*Service) Kind() *topology.Kind { return &kind }

// Units implements Spec: instances are billed.
func (s *Service) Units() int { return s.Instances }

// Footprint implements engine.Builder: its pool's.
func (s *Service) Footprint(int64) float64 { return engine.PoolFootprint(&s.Pool) }

// NeedsKeys implements Spec.
func (*Service) NeedsKeys() bool { return false }

// KeepsSessions implements SessionKeeper.
func (s *Service) KeepsSessions() bool { return s.Sessions.Local || s.Sessions.Store != "" }

// WorkersPerInstance implements TypeSized.
func (s *Service) WorkersPerInstance() *int { return &s.Workers }

// Autoscaler implements Autoscaled.
func (s *Service) Autoscaler() (*topology.Autoscale, int) { return s.Autoscale, s.Workers }

func decodeService(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	s := &Service{Pool: topology.Pool{Instances: 1, Workers: 1, Queue: topology.Unlimited, Blocking: true}}
	what := "node " + name
	topology.IntField(d, m, "instances", what, &s.Instances)
	topology.WorkersField(d, m, what, &s.Workers)
	topology.QueueField(d, m, what, &s.Queue)
	if m.Has("blocking") {
		s.Blocking, _ = d.Bool(m.Get("blocking"))
	}
	if m.Has("service_time") {
		s.ServiceTime, s.ServiceTimeByClass = topology.DecodeClassTimes(d, m.Get("service_time"), what+" service_time")
	}
	if m.Has("size") {
		s.Size = topology.DecodeSizes(d, m.Get("size"), what)
	}
	if m.Has("calls") {
		s.Calls = topology.DecodeCalls(d, m.Get("calls"), name)
	}
	s.CallDefaults = topology.DecodeCallDefaults(d, m, what, s.Calls)
	if m.Has("autoscale") {
		s.Autoscale = topology.DecodeAutoscale(d, m.Get("autoscale"), what)
		if !m.Has("instances") {
			s.Instances = max(s.Autoscale.Min, 1)
		}
	}
	if m.Has("rate_limit") {
		s.RateLimit = topology.DecodeRateLimit(d, m.Get("rate_limit"), what)
	}
	if m.Has("sessions") {
		s.Sessions = topology.DecodeSessions(d, m.Get("sessions"), what)
	}
	if m.Has("max_concurrency") {
		// 0 would shed every request: leaving it out is no limit.
		s.MaxConcurrency, _ = d.Int(m.Get("max_concurrency"), what+" max_concurrency (leave it out for no limit)", 1)
	}
	if m.Has("shed_after") {
		if v, ok := d.Duration(m.Get("shed_after"), what+" shed_after"); ok {
			s.ShedAfter = &v
		}
	}
	return s
}

// Validate implements Spec: its sizes and service time, and each call: a
// target, classes of the workload, an operation that suits the node called.
func (s *Service) Validate(e field.Errors, c *topology.Checker) {
	what := "node " + c.Node().Name
	topology.AtLeast(e, "instances", what, s.Instances, 1)
	if s.Instances > topology.MaxInstances {
		e.Add("instances", "%s: at most %d instances", what, topology.MaxInstances)
	}
	topology.InRange(e, "workers", what, s.Workers, 1, topology.MaxWorkers)
	most := s.Instances
	if a := s.Autoscale; a != nil {
		a.Validate(e, s.Instances, false)
		most = max(most, min(a.Max, topology.MaxInstances))
	}
	if most >= 1 && s.Workers >= 1 && most <= topology.MaxInstances && s.Workers <= topology.MaxWorkers && most*s.Workers > topology.MaxServiceWorkers {
		e.Add("", "%s has up to %d workers in all (instances × workers); at most %d are simulated", what, most*s.Workers, topology.MaxServiceWorkers)
	}
	topology.CheckQueue(e, what, s.Queue)
	if s.RateLimit != nil {
		s.RateLimit.Validate(e.In("rate_limit"))
	}
	s.Shedding.Validate(e, what)
	s.Sessions.Validate(e, c)
	topology.ValidateClassTimes(e, c, "service_time", "service "+c.Node().Name, s.ServiceTime, s.ServiceTimeByClass)
	s.Size.Validate(e, c, what)
	topology.ValidateCalls(e, c, s.Calls, s.CallDefaults)
}

// HitRatio implements Analytic: a service caches nothing.
func (*Service) HitRatio(topology.Solver, string) (float64, bool) { return 0, false }

// Solve implements Analytic: the instances as M/G/c queues, a worker held
// for the service time and, when blocking, the calls too; behind a
// least-connections balancer, one queue in front of all the workers; with
// an autoscaler, at the instances it settles on for the load.
func (s *Service) Solve(sv topology.Solver, name string, rate float64, down []float64) topology.Solution {
	var h topology.Moments
	waits := false // its workers wait on calls
	stay := 0.0    // the mean time a visit is outstanding besides its wait
	owns := make([]float64, len(down))
	for c := range down {
		v := sv.Visits(c, name)
		t := s.ClassTime(sv.Classes()[c], false)
		own, scv := topology.Mean(t), topology.SCV(t)
		owns[c] = own
		stay += float64(v * (own + down[c]))
		if !s.Blocking || down[c] == 0 {
			h.Add(v, own, scv)
			continue
		}
		h.Add(v, own+down[c], topology.WithCalls(own, scv, down[c]))
		waits = true
	}
	if rate > 0 {
		stay /= rate
	}
	shared := sv.SharedQueue(name)
	// Its instances take requests in turn from a round-robin balancer,
	// or from callers without one (as the entry does).
	others, turns := sv.Turns(name)
	turns = turns || !sv.Balanced(name)
	group := func(n int) topology.StationGroup {
		g := topology.StationGroup{Count: n, Workers: s.Workers, Rate: rate, Holding: h.Mean(), SCV: h.SCV()}
		switch {
		case shared && n > 1:
			// Joining the least busy instance behaves much like one queue
			// in front of all the workers.
			g.Count, g.Workers = 1, n*s.Workers
		case turns:
			g.Turns = n + others
		}
		return g
	}
	n := s.Instances
	if s.Autoscale != nil {
		n = topology.AutoscaledInstances(sv, name, s.Autoscale, s.Instances, rate, stay, group)
	}
	g := group(n)
	sol := g.Solution()
	switch {
	case !g.Queues():
	case shared && n > 1:
		sv.Note("%s: least-connections balancing taken as one shared queue over all %d instances", name, n)
	case turns && n+others > 1:
		sv.Note("%s: its instances take requests in turn, each one in %d of a Poisson stream (Krämer–Langenbach-Belz)", name, n+others)
	}
	if waits && g.Queues() {
		sv.Note("%s: the calls its workers wait on taken as exponential in its holding time", name)
	}
	g.NoteVariance(sv, name)
	sol.Stations, sol.Workers = n, s.Workers
	sol.Response = topology.PerClass(sv, func(c int) float64 { return g.Wait + owns[c] + down[c] })
	sol.Own = s.MeanOwn(sv, name)
	if s.Queue != topology.Unlimited {
		sv.Note("%s: its queue limit is ignored (no rejections)", name)
	}
	return sol
}

// NetworkLegs implements Analytic: none besides its calls.
func (*Service) NetworkLegs(topology.Solver, string, int) float64 { return 0 }

// Demand implements Analytic.
func (s *Service) Demand(sv topology.Solver, name string) (topology.Demand, bool) {
	if s.Blocking && len(s.Calls) > 0 {
		sv.Note("%s: a blocked worker's wait for its calls is left out of MVA", name)
	}
	return topology.Demand{Stations: s.Instances, Workers: s.Workers, Service: s.MeanOwn(sv, name)}, true
}

// CapacityNote implements Explainer: a blocking worker held mostly by its
// calls.
func (s *Service) CapacityNote(est topology.Solution) string {
	if own := s.ownOf(est); s.Blocking && est.Holding > 1.5*own {
		return fmt.Sprintf(" (only %s of the hold is its own work; the rest is waiting on its calls)", units.FormatDuration(own))
	}
	return ""
}

// Advice implements Explainer: for workers that mostly wait, more of them
// or none that wait; otherwise more instances (behind the balancer in
// front; behind a new one when nothing spreads requests over them; to the
// node itself when a dns sends to it straight), or a higher or quicker
// autoscaler.
func (s *Service) Advice(sv topology.Solver, name string, est topology.Solution) string {
	if s.Blocking && est.Holding > 2*s.MeanOwn(sv, name) {
		return "Its workers mostly wait on calls: more workers per instance, a non-blocking (event-loop) server, or moving slow side work off the request path into a queue."
	}
	if a := s.Autoscale; a != nil {
		return topology.AutoscaleAdvice(name, a, est.Stations, est.Overloaded)
	}
	if !sv.Balanced(name) {
		return fmt.Sprintf("%s is busy with its own work: put a load balancer in front of it and add instances behind it; keep them stateless so they can be added and removed freely.", name)
	}
	if !sv.BehindBalancer(name) {
		// A dns picks the node, which takes requests on its instances
		// in turn: more of them there, in its region for a fleet's copy.
		where := ""
		if n := sv.Lookup(name); n != nil {
			if fleet, region := n.Fleet(); fleet != "" {
				where = fmt.Sprintf(" (%s's instances by region, more for %s)", fleet, region)
			}
		}
		return fmt.Sprintf("%s is busy with its own work: add instances to it%s; keep them stateless so they can be added and removed freely.", name, where)
	}
	return fmt.Sprintf("%s is busy with its own work: add instances behind the load balancer; keep them stateless so they can be added and removed freely.", name)
}

// Build implements engine.Builder: its pool's runtime.
func (s *Service) Build(net *engine.Network, node *topology.Node) engine.Component {
	return engine.NewPool(net, node, &s.Pool)
}

// ownOf is the mean of a visit's own work by the estimate est (its Own),
// or, in an estimate that does not give it (mean value analysis), the
// default's mean, or else the mean of the classes' own.
func (s *Service) ownOf(est topology.Solution) float64 {
	switch {
	case est.Own > 0:
		return est.Own
	case s.ServiceTime != nil || len(s.ServiceTimeByClass) == 0:
		return topology.Mean(s.ServiceTime)
	}
	sum := 0.0
	for _, class := range slices.Sorted(maps.Keys(s.ServiceTimeByClass)) {
		sum += topology.Mean(s.ServiceTimeByClass[class])
	}
	return sum / float64(len(s.ServiceTimeByClass))
}
