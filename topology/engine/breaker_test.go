package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/scripttest"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// TestBreakerScript drives the circuit breaker's state machine by hand
// through testdata/breaker.txt, whose expected states are derived there
// from resilience4j's documentation.
//
//	breaker {YAML of a call's circuit_breaker}   a new breaker: its settings, decoded, and state
//	calls                                        then lines "T allow", "T ok" or "T fail": a call
//	                                             asks to be made at T, or an attempt's outcome is
//	                                             recorded at T; each gives the answer and the state
func TestBreakerScript(t *testing.T) {
	var b *breaker
	scripttest.Run(t, "testdata/breaker.txt", func(t *testing.T, c *scripttest.Case) string {
		var out strings.Builder
		switch c.Cmd {
		case "breaker":
			d := &yamlfile.Decoder{File: c.Pos}
			spec := topology.DecodeBreaker(d, d.Parse([]byte(strings.Join(c.Args, " "))))
			if err := d.Err(); err != nil {
				c.Fatalf(t, "%v", err)
			}
			window := fmt.Sprintf("%d calls", spec.Window)
			if spec.WindowTime > 0 {
				window = units.FormatDuration(spec.WindowTime)
			}
			fmt.Fprintf(&out, "failure_rate %g%%, window %s, min_calls %d, open_for %s, half_open %d\n",
				spec.FailureRate*100, window, spec.MinCalls, units.FormatDuration(spec.OpenFor), spec.HalfOpen)
			b = newBreaker(spec)
			out.WriteString(b.describe())
		case "calls":
			for _, line := range c.Input {
				f := strings.Fields(line)
				if len(f) != 2 {
					c.Fatalf(t, "%q: want T allow|ok|fail", line)
				}
				now := sim.Time(c.Num(t, f[0]))
				fmt.Fprintf(&out, "%s %s: ", f[0], f[1])
				switch f[1] {
				case "allow":
					if b.allow(now) {
						out.WriteString("allowed; ")
					} else {
						out.WriteString("refused; ")
					}
				case "ok", "fail":
					b.record(now, f[1] == "fail")
				default:
					c.Fatalf(t, "%q: want T allow|ok|fail", line)
				}
				out.WriteString(b.describe() + "\n")
			}
		default:
			c.Fatalf(t, "unknown command %q", c.Cmd)
		}
		return out.String()
	})
}

// describe is the breaker's state: for a closed one, its window's calls
// and failures.
func (b *breaker) describe() string {
	switch b.state {
	case breakerClosed:
		calls, fails := b.calls, b.fails
		if b.ring == nil {
			calls, fails = 0, 0
			for _, bk := range b.buckets {
				calls += bk.calls
				fails += bk.fails
			}
		}
		return fmt.Sprintf("closed, %d calls, %d failed", calls, fails)
	case breakerOpen:
		return fmt.Sprintf("open until %g, opened %d times", float64(b.openedAt)+b.spec.OpenFor, b.opened)
	default:
		return fmt.Sprintf("half_open, %d let through, %d done, %d failed", b.permitted, b.done, b.halfFails)
	}
}
