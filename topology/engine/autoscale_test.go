package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/scripttest"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// TestStepPolicyScript runs the step policy's rule (autoscale.go:
// stepRule, step) on the metrics of testdata/step-policy.txt and checks
// its decisions, derived there from AWS Auto Scaling's step scaling.
//
//	autoscale {YAML of a service's autoscale}   a new autoscaler: its settings, decoded and checked
//	evaluate                                    then lines "T METRIC CURRENT": an evaluation at T s
//	                                            of a station whose metric over the window was
//	                                            METRIC per ready instance ("none": no instance
//	                                            was ready), with CURRENT instances wanted
func TestStepPolicyScript(t *testing.T) {
	var a *autoscaler
	scripttest.Run(t, "testdata/step-policy.txt", func(t *testing.T, c *scripttest.Case) string {
		var out strings.Builder
		switch c.Cmd {
		case "autoscale":
			d := &yamlfile.Decoder{File: c.Pos}
			spec := topology.DecodeAutoscale(d, d.Parse([]byte(strings.Join(c.Args, " "))), "app")
			e := field.New("app")
			spec.Validate(e, spec.Min, false)
			if err := d.Err(); err != nil || len(e.List()) > 0 {
				c.Fatalf(t, "%v %v", err, e.List())
			}
			fmt.Fprintf(&out, "%s, %s, min %d, max %d, interval %gs, window %gs, cooldown %gs\n",
				spec.Policy, spec.Metric, spec.Min, spec.Max, spec.Interval, spec.MetricWindow, spec.Cooldown)
			for _, st := range spec.Steps {
				if st.IsAbove {
					fmt.Fprintf(&out, "above %g add %d\n", st.Above, st.Add)
				} else {
					fmt.Fprintf(&out, "below %g remove %d\n", st.Below, st.Remove)
				}
			}
			a = &autoscaler{spec: spec, st: &Station{workers: 4}, lo: spec.Min, hi: spec.Max}
		case "evaluate":
			for _, line := range c.Input {
				f := strings.Fields(line)
				if len(f) != 3 {
					c.Fatalf(t, "%q: want T METRIC CURRENT", line)
				}
				now, current := sim.Time(c.Num(t, f[0])), int(c.Num(t, f[2]))
				// The station's integrals over the window: one ready
				// instance-second, and the metric's integral over it (for
				// utilization, its workers' busy seconds).
				from := scaleSnapshot{at: now - sim.Time(a.spec.MetricWindow)}
				snap := scaleSnapshot{at: now}
				if f[1] != "none" {
					m := c.Num(t, f[1])
					snap.live = 1
					snap.busy, snap.arrivals, snap.queue, snap.outstanding = m*float64(a.st.workers), int64(m), m, m
				}
				e := a.stepRule(now, snap, from, current)
				switch {
				case !e.Measured:
					fmt.Fprintf(&out, "%s: no metric, %d\n", f[0], e.Desired)
				case e.Desired == current:
					fmt.Fprintf(&out, "%s: %g, %d\n", f[0], e.Metric, current)
				default:
					fmt.Fprintf(&out, "%s: %g, %d → %d, cooling down until %g\n", f[0], e.Metric, current, e.Desired, float64(a.coolUntil))
				}
			}
		default:
			c.Fatalf(t, "unknown command %q", c.Cmd)
		}
		return out.String()
	})
}
