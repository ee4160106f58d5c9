package engine

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// TestHPAScript runs the autoscaler's rule on the evaluations of
// testdata/hpa-replay.txt, each a set of instances with their own metrics
// and times, and checks its recommendation and decision against those
// derived there by hand from the Kubernetes documentation.
func TestHPAScript(t *testing.T) {
	f, err := os.Open("testdata/hpa-replay.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		a       *autoscaler
		now     sim.Time
		from    sim.Time
		current int
		pods    []topology.PodSample
		checked int
	)
	num := func(line int, s string) float64 {
		switch s {
		case "-inf":
			return math.Inf(-1)
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		return v
	}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		args := map[string]string{}
		for _, kv := range fields[1:] {
			k, v, _ := strings.Cut(kv, "=")
			args[k] = v
		}
		switch fields[0] {
		case "hpa":
			spec := &topology.Autoscale{Min: 1, Max: 20, Metric: topology.MetricUtilization, Target: 0.6, Tolerance: topology.DefaultTolerance,
				Interval: topology.DefaultScaleInterval, MetricWindow: topology.DefaultMetricWindow, ScaleDownStabilization: topology.DefaultScaleDownWindow,
				InitializationPeriod: topology.DefaultInitializationPeriod, InitialReadinessDelay: topology.DefaultInitialReadinessDelay,
				ScaleUpPercent: topology.DefaultScaleUpPercent, ScaleUpInstances: topology.DefaultScaleUpInstances, Policy: topology.PolicyTarget}
			for k, v := range args {
				switch k {
				case "target":
					if strings.HasSuffix(v, "%") {
						spec.Target = num(line, strings.TrimSuffix(v, "%")) / 100
					} else {
						spec.Target = num(line, v)
					}
				case "metric":
					spec.Metric = v
				case "min":
					spec.Min = int(num(line, v))
				case "max":
					spec.Max = int(num(line, v))
				case "delay", "init":
					d, err := units.ParseDuration(v)
					if err != nil {
						t.Fatalf("line %d: %v", line, err)
					}
					if k == "delay" {
						spec.InitialReadinessDelay = d
					} else {
						spec.InitializationPeriod = d
					}
				case "up_percent":
					spec.ScaleUpPercent = num(line, strings.TrimSuffix(v, "%")) / 100
				case "up_instances":
					spec.ScaleUpInstances = int(num(line, v))
				case "initial":
				default:
					t.Fatalf("line %d: unknown %s", line, k)
				}
			}
			a = &autoscaler{spec: spec, lo: spec.Min, hi: spec.Max,
				recs: []scaleRecommendation{{0, int(num(line, args["initial"]))}}}
		case "eval":
			now, from, current, pods = sim.Time(num(line, fields[1])), sim.Time(num(line, args["from"])), int(num(line, args["current"])), nil
		case "pod":
			p := topology.PodSample{Started: math.Inf(-1), Ready: math.Inf(-1), Back: math.Inf(-1), HasMetric: true}
			n := 1
			for _, field := range fields[1:] {
				k, v, _ := strings.Cut(field, "=")
				switch {
				case k == "started":
					p.Started = num(line, v)
				case k == "ready":
					p.Ready = num(line, v)
				case k == "back":
					p.Back = num(line, v)
				case k == "booting":
					p.Ready = math.Inf(1)
				case k == "metric":
					p.Metric = num(line, v)
				case k == "missing":
					p.HasMetric = false
				case k == "deleting":
					p.Deleting = true
				case strings.HasPrefix(k, "x"):
					n = int(num(line, k[1:]))
				default:
					t.Fatalf("line %d: unknown %s", line, field)
				}
			}
			for range n {
				pods = append(pods, p)
			}
		case "expect":
			e := a.decide(now, from, pods, current)
			if _, none := args["none"]; none {
				if e.Measured || e.Desired != current {
					t.Errorf("line %d: at %gs measured %v and decided %d; want no decision", line, float64(now), e.Measured, e.Desired)
				}
			} else if rec, desired := int(num(line, args["rec"])), int(num(line, args["desired"])); !e.Measured || e.Recommendation != rec || e.Desired != desired {
				t.Errorf("line %d: at %gs recommended %d and decided %d (measured %v); want %d and %d",
					line, float64(now), e.Recommendation, e.Desired, e.Measured, rec, desired)
			}
			checked++
		default:
			t.Fatalf("line %d: unknown %q", line, fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Errorf("checked %d evaluations", checked)
	}
}
