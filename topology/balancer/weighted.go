package balancer

import (
	"maps"
	"math"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
)

// MaxWeight is the largest weight of a balancer's target (Envoy's weights
// are 32-bit; a million keeps a cycle's arithmetic far from overflow).
const MaxWeight = 1_000_000

// decodeWeights reads a balancer's weights: a whole number for each target.
func decodeWeights(d *yamlfile.Decoder, n *yaml.Node, what string) map[string]int {
	m, ok := d.Mapping(n, what+" weights")
	if !ok {
		return nil
	}
	w := map[string]int{}
	for _, name := range m.Keys() {
		if v, ok := d.Int(m.Get(name), what+" weight of "+name, 0); ok {
			w[name] = v
		}
	}
	return w
}

// validateWeights checks a balancer's weights: round robin, one weight for
// each target and for nothing else, each from 0 to MaxWeight, some above 0.
func (b *Balancer) validateWeights(e field.Errors, name string) {
	if b.Weights == nil {
		return
	}
	what := "load balancer " + name
	if b.Algorithm != RoundRobin {
		e.Add("weights", "%s: weights need algorithm round_robin (weighted round robin), not %s", what, b.Algorithm)
	}
	total := 0
	for _, t := range slices.Sorted(maps.Keys(b.Weights)) {
		w := b.Weights[t]
		if !slices.Contains(b.Targets, t) {
			e.In("weights").AddAtKey(t, "%s: %s has a weight but is not one of its targets (%s)%s",
				what, t, strings.Join(b.Targets, ", "), yamlfile.DidYouMean(t, b.Targets))
			continue
		}
		if w > MaxWeight {
			e.In("weights").Add(t, "%s: the weight of %s is at most %d, got %d", what, t, MaxWeight, w)
		}
		total += w
	}
	for _, t := range b.Targets {
		if _, ok := b.Weights[t]; !ok {
			e.Add("weights", "%s: weights give none for its target %s (0 sends it nothing)", what, t)
		}
	}
	if total == 0 && len(b.Weights) > 0 {
		e.Add("weights", "%s: every weight is 0, so no target would get a request", what)
	}
}

// share is the share of the balancer's requests target t gets: its
// weight's share with weights, its instances' share without.
func (b *Balancer) share(s topology.Solver, t string) float64 {
	if b.Weights != nil {
		total := 0
		for _, w := range b.Weights {
			total += w
		}
		return float64(b.Weights[t]) / float64(total)
	}
	total := 0
	for _, x := range b.Targets {
		total += s.Lookup(x).Units()
	}
	return float64(s.Lookup(t).Units()) / float64(total)
}

// turns is how many requests of the balancer come between two that one
// instance of target t takes, when they take them in turn: the other
// instances of all targets without weights; with them, the target's
// instances over its share, less its own.
func (b *Balancer) turns(s topology.Solver, t string) int {
	units := s.Lookup(t).Units()
	if share := b.share(s, t); b.Weights != nil && share > 0 {
		return int(math.Round(float64(units)/share)) - units
	}
	total := 0
	for _, x := range b.Targets {
		total += s.Lookup(x).Units()
	}
	return total - units
}

// weightedRR is a balancer's weighted round robin over its targets, by
// earliest deadline first, as Envoy schedules weighted round robin (its
// EdfScheduler: an entry of weight w is due 1/w after its last pick, the
// earliest due is picked, ties going to the entry scheduled first), then
// round robin over the chosen target's instances in rotation. Deadlines
// are compared exactly, as (picks + 1)/w within a cycle of Σw picks, in
// which each target is picked exactly its weight's times; a target with
// no instance in rotation, or of weight 0, is left out (the others share
// its part).
type weightedRR struct {
	weight []int64 // per target
	picks  []int64 // per target, in the current cycle
	seq    []int64 // per target: the pick after which it was last scheduled
	insts  [][]*engine.StationInstance
	rr     []int
	clock  int64 // picks so far
	left   int64 // picks left in the current cycle
}

func newWeightedRR(b *Balancer) *weightedRR {
	n := len(b.Targets)
	w := &weightedRR{weight: make([]int64, n), picks: make([]int64, n), seq: make([]int64, n),
		insts: make([][]*engine.StationInstance, n), rr: make([]int, n)}
	for i, t := range b.Targets {
		w.weight[i] = int64(b.Weights[t])
		w.seq[i] = int64(i - n) // first scheduled in the order of the targets
	}
	return w
}

// rebuild takes each target's instances in rotation (taking work and
// healthy; if no target has one, every one taking work: fail open) and
// starts a new cycle.
func (w *weightedRR) rebuild(targets []*engine.Station) {
	some := false
	for i, st := range targets {
		w.insts[i] = w.insts[i][:0]
		for _, inst := range st.Active() {
			if !unhealthy(inst) {
				w.insts[i] = append(w.insts[i], inst)
			}
		}
		some = some || (len(w.insts[i]) > 0 && w.weight[i] > 0)
	}
	if !some {
		for i, st := range targets {
			w.insts[i] = append(w.insts[i][:0], st.Active()...)
		}
	}
	w.left = 0
	for i := range w.insts {
		if w.rr[i] >= len(w.insts[i]) {
			w.rr[i] = 0
		}
	}
}

// pick chooses the next instance, or nil when no target of positive
// weight has one (the balancer then goes round robin over all it has).
func (w *weightedRR) pick() *engine.StationInstance {
	if w.left == 0 {
		for i := range w.picks {
			w.picks[i] = 0
			if len(w.insts[i]) > 0 {
				w.left += w.weight[i]
			}
		}
		if w.left == 0 {
			return nil
		}
	}
	best := -1
	for i, wt := range w.weight {
		if wt == 0 || len(w.insts[i]) == 0 {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		// (picks_i + 1)/w_i against (picks_best + 1)/w_best.
		a, c := (w.picks[i]+1)*w.weight[best], (w.picks[best]+1)*wt
		if a < c || (a == c && w.seq[i] < w.seq[best]) {
			best = i
		}
	}
	w.picks[best]++
	w.clock++
	w.seq[best] = w.clock
	w.left--
	insts := w.insts[best]
	inst := insts[w.rr[best]]
	w.rr[best] = (w.rr[best] + 1) % len(insts)
	return inst
}
