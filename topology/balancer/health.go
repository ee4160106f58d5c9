package balancer

import (
	"fmt"
	"io"
	"math"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// HealthCheck is a load balancer's health checking, with the semantics
// and defaults of an AWS target group: every Interval each instance of
// the targets is probed; a probe of a down instance fails once Timeout
// has passed; after UnhealthyAfter failed probes in a row the instance
// gets no more requests, and after HealthyAfter successful ones in a row
// it gets them again. When every instance is unhealthy the balancer fails
// open: it sends to all of them, as an AWS load balancer does.
type HealthCheck struct {
	Interval, Timeout            float64
	UnhealthyAfter, HealthyAfter int
}

// AWS target groups' defaults (Elastic Load Balancing, application load
// balancers): a 30 s interval, a 5 s timeout, unhealthy after 2 failures,
// healthy after 5 successes.
const (
	DefaultHealthInterval  = 30.0
	DefaultHealthTimeout   = 5.0
	DefaultUnhealthyAfter  = 2
	DefaultHealthyAfter    = 5
	MinHealthCheckInterval = 1.0
)

// decodeHealthCheck reads {interval, timeout, unhealthy_after,
// healthy_after}.
func decodeHealthCheck(d *yamlfile.Decoder, n *yaml.Node, what string) *HealthCheck {
	h := &HealthCheck{Interval: DefaultHealthInterval, Timeout: DefaultHealthTimeout,
		UnhealthyAfter: DefaultUnhealthyAfter, HealthyAfter: DefaultHealthyAfter}
	m, ok := d.Mapping(n, what+" health_check", "interval", "timeout", "unhealthy_after", "healthy_after")
	if !ok {
		return h
	}
	topology.DurationField(d, m, "interval", what+" health_check", &h.Interval)
	topology.DurationField(d, m, "timeout", what+" health_check", &h.Timeout)
	topology.IntField(d, m, "unhealthy_after", what+" health_check", &h.UnhealthyAfter)
	topology.IntField(d, m, "healthy_after", what+" health_check", &h.HealthyAfter)
	return h
}

// validate records what is wrong with the health check, under its path.
func (h *HealthCheck) validate(e field.Errors) {
	if !(h.Interval >= MinHealthCheckInterval) || math.IsInf(h.Interval, 0) {
		e.Add("interval", "a health check's interval is at least %s", units.FormatDuration(MinHealthCheckInterval))
	}
	if !(h.Timeout > 0 && h.Timeout < h.Interval) {
		e.Add("timeout", "a health check's timeout must be above 0 and below its interval")
	}
	topology.InRange(e, "unhealthy_after", "health_check", h.UnhealthyAfter, 1, 100)
	topology.InRange(e, "healthy_after", "health_check", h.HealthyAfter, 1, 100)
}

// health is an instance's standing with its balancer's health checks.
type health struct {
	unhealthy         bool
	failures, success int // probes in a row
}

// healthOf is inst's standing, kept on it (StationInstance.Payload: the
// health checks of every balancer that sends to it share it), made the
// first time it is probed.
func healthOf(inst *engine.StationInstance) *health {
	h, _ := inst.Payload.(*health)
	if h == nil {
		h = &health{}
		inst.Payload = h
	}
	return h
}

// unhealthy says the health checks took inst out.
func unhealthy(inst *engine.StationInstance) bool {
	h, _ := inst.Payload.(*health)
	return h != nil && h.unhealthy
}

// Opcodes of a balancer's health checks.
const (
	opProbe        = iota // probe every instance
	opProbeTimeout        // the failed probes' timeout has passed
)

// Handle implements sim.Handler: the health checks.
func (b *balancer) Handle(now sim.Time, op int, _ any) {
	hc := b.spec.HealthCheck
	switch op {
	case opProbe:
		b.failing = b.failing[:0]
		for _, st := range b.targets {
			for _, inst := range st.Instances() {
				switch {
				case inst.Booting():
				case inst.Down():
					b.failing = append(b.failing, inst) // known when the probe times out
				default:
					b.probed(inst, true)
				}
			}
		}
		if len(b.failing) > 0 {
			b.net.After(hc.Timeout, b, opProbeTimeout, nil)
		}
		b.net.After(hc.Interval, b, opProbe, nil)
	case opProbeTimeout:
		for _, inst := range b.failing {
			b.probed(inst, false)
		}
		b.failing = b.failing[:0]
	}
}

// probed records a probe of inst that succeeded (ok) or failed.
func (b *balancer) probed(inst *engine.StationInstance, ok bool) {
	hc, h := b.spec.HealthCheck, healthOf(inst)
	if ok {
		h.failures, h.success = 0, h.success+1
		if h.unhealthy && h.success >= hc.HealthyAfter {
			h.unhealthy, b.dirty = false, true
			b.healthy++
			b.healthChanged(inst, true)
		}
		return
	}
	h.success, h.failures = 0, h.failures+1
	if !h.unhealthy && h.failures >= hc.UnhealthyAfter {
		h.unhealthy, b.dirty = true, true
		b.unhealthy++
		b.healthChanged(inst, false)
	}
}

// Stats are a load balancer's health checking over the
// measurement window.
type Stats struct {
	// MarkedUnhealthy and MarkedHealthy count the instances the health
	// checks took out and put back; UnhealthyEnd those out at the end.
	MarkedUnhealthy int64 `json:"marked_unhealthy"`
	MarkedHealthy   int64 `json:"marked_healthy"`
	UnhealthyEnd    int   `json:"unhealthy_end"`
	// Events are when the checks took an instance out or put it back, in
	// order, the first maxHealthEventsReported of them (MarkedUnhealthy +
	// MarkedHealthy count them all).
	Events []HealthEvent `json:"events"`
}

// HealthEvent is a health check's verdict changing on one instance.
type HealthEvent struct {
	Time float64 `json:"time"` // seconds since the run started
	// Node and Instance name the instance: its node, and its number there
	// (instances are numbered from 0 as they start).
	Node     string `json:"node"`
	Instance int    `json:"instance"`
	// Healthy says it was put back; false, taken out.
	Healthy bool `json:"healthy"`
}

// maxHealthEventsReported bounds the health events a report lists.
const maxHealthEventsReported = 1000

// healthChanged records that the checks changed their verdict on inst.
func (b *balancer) healthChanged(inst *engine.StationInstance, healthy bool) {
	if len(b.healthEvents) < maxHealthEventsReported {
		b.healthEvents = append(b.healthEvents, HealthEvent{Time: float64(b.net.Now()), Node: inst.Station().Name(), Instance: inst.Index(), Healthy: healthy})
	}
}

// JSONKey implements Detail.
func (*Stats) JSONKey() string { return "health_checks" }

// WriteText implements Detail.
func (s *Stats) WriteText(w io.Writer, node string) {
	fmt.Fprintf(w, "%-11s health checks took %s out and put %d back; %d out at the end\n",
		node, units.Plural(s.MarkedUnhealthy, "instance", "instances"), s.MarkedHealthy, s.UnhealthyEnd)
}
