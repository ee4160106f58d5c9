package balancer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/topology/engine"
)

// TestWeightedRoundRobin checks the weighted round robin's picks: in each
// cycle of Σw picks every target is picked exactly its weight's times, in
// Envoy's earliest-deadline-first order (ties to the target scheduled
// first), and a target's instances take its picks in turn; a target of
// weight 0 or with no instance in rotation gets none, the others sharing
// its part.
func TestWeightedRoundRobin(t *testing.T) {
	cases := []struct {
		name      string
		weights   []int
		instances []int
		unhealthy []int // an instance of each of these targets out of rotation
		order     string
		counts    []int // per cycle, by target
	}{
		// Envoy: a(½), b(1): a; a(1) b(1): b, scheduled first; then a.
		{"2:1", []int{2, 1}, []int{1, 1}, nil, "aba", []int{2, 1}},
		{"1:1:1", []int{1, 1, 1}, []int{1, 1, 1}, nil, "abc", []int{1, 1, 1}},
		{"5:2:1", []int{5, 2, 1}, []int{2, 1, 1}, nil, "", []int{5, 2, 1}},
		{"9:1, three instances", []int{9, 1}, []int{3, 1}, nil, "", []int{9, 1}},
		{"weight 0", []int{3, 0, 1}, []int{1, 1, 1}, nil, "", []int{3, 0, 1}},
		{"a target out of rotation", []int{3, 2, 1}, []int{1, 1, 1}, []int{1}, "", []int{3, 0, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := &Balancer{Algorithm: RoundRobin, Weights: map[string]int{}}
			for i, w := range tc.weights {
				name := string(rune('a' + i))
				spec.Targets = append(spec.Targets, name)
				spec.Weights[name] = w
			}
			targets := targets(t, tc.instances)
			for _, i := range tc.unhealthy {
				healthOf(targets[i].Active()[0]).unhealthy = true
			}
			w := newWeightedRR(spec)
			w.rebuild(targets)
			perCycle := 0
			for _, c := range tc.counts {
				perCycle += c
			}
			byInstance := map[*engine.StationInstance]int{}
			for cycle := range 6 {
				var order strings.Builder
				counts := make([]int, len(targets))
				for range perCycle {
					inst := w.pick()
					byInstance[inst]++
					order.WriteString(inst.Station().Name())
					counts[int(inst.Station().Name()[0]-'a')]++
				}
				if fmt.Sprint(counts) != fmt.Sprint(tc.counts) {
					t.Fatalf("cycle %d: %v picks by target (%s), want %v", cycle, counts, order.String(), tc.counts)
				}
				if cycle == 0 && tc.order != "" && order.String() != tc.order {
					t.Errorf("order %s, want %s", order.String(), tc.order)
				}
			}
			for i, st := range targets {
				for _, inst := range w.insts[i] {
					if want := 6 * tc.counts[i] / len(w.insts[i]); byInstance[inst] != want {
						t.Errorf("%s's instance %d took %d picks, want %d", st.Name(), inst.Index(), byInstance[inst], want)
					}
				}
			}
		})
	}
}
