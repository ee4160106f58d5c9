package engine

import (
	"cmp"
	"math"
	"slices"

	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// DeployStats is what one deploy did in a run.
type DeployStats struct {
	Node     string  `json:"node"`
	Strategy string  `json:"strategy"`
	What     string  `json:"what"`
	At       float64 `json:"at"` // seconds since the run started
	// Instances is the fleet's size N when it began, and MaxSurge and
	// MaxUnavailable the budgets it resolved to (rolling and canary).
	Instances      int `json:"instances"`
	MaxSurge       int `json:"max_surge,omitempty"`
	MaxUnavailable int `json:"max_unavailable,omitempty"`
	// Switched is when every instance taking work was new (blue/green:
	// when the traffic was switched); Done when the last old instance
	// left (the end of the extra cost). Null if not by the run's end.
	Switched *float64 `json:"switched"`
	Done     *float64 `json:"done"`
	// Superseded is when a later deploy of the node took over before it
	// was done (Kubernetes' rollover); null if none did.
	Superseded *float64 `json:"superseded,omitempty"`
	// Booted counts the new instances started; FewestTaking is the
	// fewest instances taking work at once while it ran, MostBilled the
	// most billed at once.
	Booted       int `json:"booted"`
	FewestTaking int `json:"fewest_taking_work"`
	MostBilled   int `json:"most_billed"`
	// BeganInWarmup says the deploy began in the warm-up and was still
	// under way at the measurement window's start: it is clipped to the
	// window, as a trigger is: At is the window's start, Booted,
	// FewestTaking and MostBilled count from there, and a fleet all new
	// by then was so from there (Switched is the window's start too).
	BeganInWarmup bool `json:"began_in_warmup,omitempty"`
}

// deployer is the deploys of one service at run time: one at a time, a
// later one superseding one still under way.
type deployer struct {
	net   *Network
	st    *Station
	plans []*topology.Deploy // the node's, in the schedule's order
	stats []DeployStats
	cur   int // the plan under way, -1 for none
	// old are the instances to be replaced that still take work (or are
	// down), fresh the new ones (booting or ready), kept the old fleet a
	// blue/green switch keeps idle until its keep ends.
	old, fresh, kept []*instance
	// size is the node's instances, as a Deployment's replicas; n the
	// fleet's size a deploy replaces (size), surge and unav its budgets.
	size, n, surge, unav int
	// step is the canary's step (len(Steps): the final rollout), and
	// holding says its pause is under way.
	step    int
	holding bool
	// poked says a reconcile is due at the current time.
	poked bool
	// idle counts the instances booted that it holds idle (see held).
	idle int
}

// Opcodes of a deployer's events.
const (
	opDeployStart = iota // data: the plan's index
	opDeployBooted
	opDeployReconcile
	opDeployHeld    // a canary step's pause ended
	opDeployRelease // a blue/green keep ended
)

// scheduleDeploys arms the topology's deploys on the network.
func (n *Network) scheduleDeploys(t *topology.Topology, byName map[string]Component) {
	by := map[string]*deployer{}
	for i := range t.Deploys {
		p := &t.Deploys[i]
		d := by[p.Node]
		if d == nil {
			sts := byName[p.Node].Stations()
			d = &deployer{net: n, st: sts[0], cur: -1, size: len(sts[0].insts)}
			d.st.deploy = d
			d.st.setInstances(0)
			by[p.Node] = d
			n.deploys = append(n.deploys, d)
		}
		d.plans = append(d.plans, p)
		n.k.At(sim.Time(p.At), d, opDeployStart, len(d.plans)-1)
	}
}

// Handle implements sim.Handler.
func (d *deployer) Handle(now sim.Time, op int, data any) {
	switch op {
	case opDeployStart:
		d.start(now, data.(int))
	case opDeployBooted:
		// Ready: it takes work once the reconcile this asks for (one for
		// the instances ready at the same time) has run, at the same time.
		inst := data.(*instance)
		inst.booting, inst.use.ready = false, now
		d.st.bootingCount--
		if inst.held {
			d.idle++
		}
		d.poke(now)
	case opDeployReconcile:
		d.poked = false
		d.reconcile(now)
	case opDeployHeld:
		d.holding = false
		d.step++
		d.reconcile(now)
	case opDeployRelease:
		d.release(now)
	}
}

// start begins plan i at now, superseding the one under way.
func (d *deployer) start(now sim.Time, i int) {
	if d.cur >= 0 {
		d.supersede(now)
	}
	p := d.plans[i]
	d.cur, d.step, d.holding = i, 0, false
	d.old = d.old[:0]
	for _, inst := range d.st.insts {
		if !inst.draining && !inst.booting {
			d.old = append(d.old, inst)
		}
	}
	d.fresh = d.fresh[:0]
	// The node's size, as the Deployment's replicas: instances a deploy
	// it superseded left beyond it are taken out with the old ones.
	d.n = d.size
	if p.Strategy != topology.StrategyBlueGreen {
		// The controller's fenceposts: both 0 would stall it.
		d.surge, d.unav = p.MaxSurge.Of(d.n, true), p.MaxUnavailable.Of(d.n, false)
		if d.surge == 0 && d.unav == 0 {
			d.unav = 1
		}
	}
	d.stats = append(d.stats, DeployStats{Node: p.Node, Strategy: p.Strategy, What: p.Describe(), At: float64(now),
		Instances: d.n, MaxSurge: d.surge, MaxUnavailable: d.unav, FewestTaking: len(d.st.active), MostBilled: len(d.st.insts)})
	if p.Strategy == topology.StrategyBlueGreen {
		// The new fleet takes no work before the switch.
		for range d.n {
			d.boot(now)
			d.fresh[len(d.fresh)-1].held = true
		}
		d.st.setInstances(now)
		d.note()
		return
	}
	d.reconcile(now)
}

// heldReady counts the instances booted that the deploy holds idle (a
// blue/green fleet before or after its switch).
func (d *deployer) heldReady() int { return d.idle }

// supersede ends the deploy under way at now, as Kubernetes' rollover
// does: its new instances still booting are stopped, those ready become
// old instances of the next one, and a blue/green fleet kept idle is
// terminated now.
func (d *deployer) supersede(now sim.Time) {
	s := &d.stats[len(d.stats)-1]
	if s.Done == nil {
		t := float64(now)
		s.Superseded = &t
	}
	for _, inst := range d.fresh {
		if inst.held && !inst.booting {
			d.idle--
		}
		inst.held = false // a blue/green fleet waiting for its switch
		if inst.booting {
			d.net.k.Cancel(inst.boot)
			inst.booting = false
			d.st.bootingCount--
			d.st.insts = slices.DeleteFunc(d.st.insts, func(x *instance) bool { return x == inst })
		}
	}
	d.fresh = d.fresh[:0]
	d.letGo(now)
	d.st.setInstances(now)
	d.st.setActive()
	d.cur = -1
}

// boot starts a new instance, ready after the plan's boot time.
func (d *deployer) boot(now sim.Time) {
	inst := d.st.bootFor(now, d.plans[d.cur].BootTime, d, opDeployBooted)
	d.fresh = append(d.fresh, inst)
	d.stats[len(d.stats)-1].Booted++
}

// poke asks for a reconcile at now, once: an instance went down or came
// back, which changes what is available.
func (d *deployer) poke(now sim.Time) {
	if d.cur < 0 || d.poked {
		return
	}
	d.poked = true
	d.net.k.At(now, d, opDeployReconcile, nil)
}

// targets are the new and old instances the current stage wants: all new
// and no old for a rolling update (and a canary's last stage); a canary
// step's counts; a blue/green's (which does not reconcile) all new.
func (d *deployer) targets() (fresh, old int) {
	p := d.plans[d.cur]
	if p.Strategy != topology.StrategyCanary || d.step >= len(p.Steps) {
		return d.n, 0
	}
	w := p.Steps[d.step].Weight
	// Argo Rollouts' replica counts for a basic canary, within the surge.
	fresh = int(math.Ceil(math.Round(float64(w*float64(d.n))*1e9) / 1e9))
	old = int(math.Ceil(math.Round(float64((1-w)*float64(d.n))*1e9) / 1e9))
	return fresh, min(old, max(d.n+d.surge-fresh, 0))
}

// reconcile moves a rolling update (or a canary's stage) on as far as
// the budgets allow, as the Deployment controller's sync does: new
// instances up to N + surge in all, then old ones out while at least
// N − unavailable instances take work, those down first; again until
// nothing changes.
func (d *deployer) reconcile(now sim.Time) {
	if d.cur < 0 {
		return
	}
	p := d.plans[d.cur]
	if p.Strategy == topology.StrategyBlueGreen {
		d.switchOver(now)
		return
	}
	if d.holding {
		return
	}
	wantFresh, wantOld := d.targets()
	minTaking := d.n - d.unav
	for changed := true; changed; {
		changed = false
		if add := min(wantFresh-len(d.fresh), d.n+d.surge-len(d.old)-len(d.fresh)); add > 0 {
			for range add {
				d.boot(now)
			}
			changed = true
		}
		freshUp := 0
		for _, inst := range d.fresh {
			if !inst.booting && !inst.down {
				freshUp++
			}
		}
		oldUp := 0
		for _, inst := range d.old {
			if !inst.down {
				oldUp++
			}
		}
		// Old instances may go while at least N − unavailable instances
		// take work, as the controller scales old ReplicaSets down: those
		// down first (it cleans up unhealthy replicas first), within
		// old + new available − (N − unavailable); then healthy ones
		// while the available exceed N − unavailable; newest first.
		limit := len(d.old) - wantOld
		unhealthy := min(len(d.old)+freshUp-minTaking, limit, len(d.old)-oldUp)
		healthy := min(oldUp+freshUp-minTaking, limit-max(unhealthy, 0))
		for _, down := range []bool{true, false} {
			k := healthy
			if down {
				k = unhealthy
			}
			for i := len(d.old) - 1; i >= 0 && k > 0; i-- {
				if inst := d.old[i]; inst.down == down {
					inst.draining = true
					k--
					changed = true
				}
			}
			d.old = slices.DeleteFunc(d.old, func(x *instance) bool { return x.draining })
		}
	}
	d.st.setActive()
	d.retireIdle(now)
	d.st.setInstances(now)
	d.note()
	if len(d.old) != wantOld || len(d.fresh) != wantFresh || slices.ContainsFunc(d.fresh, func(x *instance) bool { return x.booting }) {
		return
	}
	if p.Strategy == topology.StrategyCanary && d.step < len(p.Steps) {
		d.holding = true
		d.net.k.At(now+sim.Time(p.Steps[d.step].For), d, opDeployHeld, nil)
		return
	}
	d.switched(now)
	d.finished(now)
}

// switchOver, for blue/green, switches all traffic to the new fleet once
// every new instance is ready: the old fleet stops taking work, is kept
// idle for the plan's keep, then terminated.
func (d *deployer) switchOver(now sim.Time) {
	if len(d.old) == 0 || slices.ContainsFunc(d.fresh, func(x *instance) bool { return x.booting }) {
		d.st.setInstances(now)
		d.note()
		return
	}
	for _, inst := range d.old {
		inst.draining, inst.held = true, true
	}
	for _, inst := range d.fresh {
		inst.held = false
	}
	d.idle += len(d.old) - len(d.fresh)
	d.kept = append(d.kept[:0], d.old...)
	d.old = d.old[:0]
	d.st.setActive()
	d.st.setInstances(now)
	d.note()
	d.switched(now)
	d.net.k.At(now+sim.Time(d.plans[d.cur].Keep), d, opDeployRelease, d.cur)
}

// release terminates the old fleet a blue/green switch kept.
func (d *deployer) release(now sim.Time) {
	if len(d.kept) == 0 {
		return // a later deploy took over and let it go
	}
	d.letGo(now)
	d.st.setInstances(now)
	d.finished(now)
}

// letGo terminates the kept fleet: each instance leaves when the work it
// still holds is done.
func (d *deployer) letGo(now sim.Time) {
	for _, inst := range d.kept {
		inst.held = false
	}
	d.idle -= len(d.kept)
	d.kept = d.kept[:0]
	d.retireIdle(now)
}

// retireIdle removes the draining instances that hold nothing, at once.
func (d *deployer) retireIdle(now sim.Time) {
	idle := func(x *instance) bool { return x.draining && !x.held && x.outstanding == 0 }
	if !slices.ContainsFunc(d.st.insts, idle) {
		return
	}
	d.st.insts = slices.DeleteFunc(d.st.insts, idle)
	d.st.setInstances(now)
	d.retired(now)
}

// note records the fleet's extremes while a deploy runs.
func (d *deployer) note() {
	if d.cur < 0 {
		return
	}
	s := &d.stats[len(d.stats)-1]
	taking := 0
	for _, inst := range d.st.active {
		if !inst.down {
			taking++
		}
	}
	s.FewestTaking = min(s.FewestTaking, taking)
	s.MostBilled = max(s.MostBilled, len(d.st.insts))
}

// switched records that every instance taking work is new.
func (d *deployer) switched(now sim.Time) {
	s := &d.stats[len(d.stats)-1]
	if s.Switched == nil {
		t := float64(now)
		s.Switched = &t
	}
}

// finished ends the deploy once no old instance is left (billed).
func (d *deployer) finished(now sim.Time) {
	if d.cur < 0 || len(d.kept) > 0 {
		return
	}
	for _, inst := range d.st.insts {
		if inst.draining {
			return // retired's call finishes it
		}
	}
	s := &d.stats[len(d.stats)-1]
	t := float64(now)
	s.Done = &t
	d.cur = -1
	d.fresh = d.fresh[:0]
}

// retired tells the deployer an instance left at now.
func (d *deployer) retired(now sim.Time) {
	if d.cur >= 0 && d.stats[len(d.stats)-1].Switched != nil {
		d.finished(now)
	}
}

// resetStats starts the measurement window at now: the deploys over
// before it are the warm-up's and forgotten; the one under way, if any, is
// clipped to the window (see DeployStats.BeganInWarmup), and measured from
// now on as a deploy beginning now would be.
func (d *deployer) resetStats(now sim.Time) {
	if d.cur < 0 {
		d.stats = d.stats[:0]
		return
	}
	s := d.stats[len(d.stats)-1]
	s.At, s.BeganInWarmup, s.Booted = float64(now), true, 0
	s.FewestTaking, s.MostBilled = len(d.st.active), len(d.st.insts)
	if s.Switched != nil {
		t := float64(now)
		s.Switched = &t
	}
	d.stats = append(d.stats[:0], s)
	d.note()
}

// Deploys reports what each deploy did, in the order they began. One
// clipped to the window that ended at the window's start, the instant it
// was clipped to, lies wholly in the warm-up: it is left out.
func (n *Network) Deploys() []DeployStats {
	var out []DeployStats
	for _, d := range n.deploys {
		for _, s := range d.stats {
			if s.BeganInWarmup && (s.Done != nil && *s.Done == s.At || s.Superseded != nil && *s.Superseded == s.At) {
				continue
			}
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b DeployStats) int { return cmp.Compare(a.At, b.At) })
	return out
}

// varies says the station's instances change over the run (an autoscaler
// or a deploy): then its billed and ready instances are tracked.
func (st *Station) varies() bool { return st.scaler != nil || st.deploy != nil }

// noneTaking fails j at once: no instance of the station takes work (a
// deploy took them all out), as a Kubernetes Service without a ready
// endpoint refuses the connection.
func (st *Station) noneTaking(j *Job) {
	st.arrivals++
	if st.sampled {
		st.smp.arrivals++
	}
	st.turned[CauseFailed]++
	st.refused++
	j.err = CauseFailed
	st.net.reply(j)
}
