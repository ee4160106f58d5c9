package engine

import (
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// hostRun is a host at run time: its cores, busy or not, and the visits
// waiting for one, in order of arrival.
type hostRun struct {
	spec    *topology.Host
	net     *Network
	busy    int
	waiting sim.FIFO[coreWait]
	// nodes are the nodes on it, in file order.
	nodes []*onHost
	// Figures over the measurement window: busy cores and visits
	// waiting (time averages), and the waits for a core.
	cores, queueLen sim.TimeAverage
	wait            sim.Summary
	waitHist        sim.Histogram
}

// coreWait is a visit waiting for a core, with its service time.
type coreWait struct {
	j *Job
	d float64
}

// onHost is a node's place on its host: shared by the node's stations.
type onHost struct {
	h        *hostRun
	name     string
	stations []*Station
	// cores are the cores its visits hold (a time average); wait the
	// time they waited for one, work the core time they took.
	cores      sim.TimeAverage
	wait, work sim.Summary
}

// placeOnHosts gives every station of a node on a host its place there.
func (n *Network) placeOnHosts(t *topology.Topology, byName map[string]Component) {
	for _, h := range t.Hosts {
		hr := &hostRun{spec: h, net: n}
		for _, node := range t.HostedOn(h) {
			on := &onHost{h: hr, name: node.Name, stations: byName[node.Name].Stations()}
			for _, st := range on.stations {
				st.host = on
			}
			hr.nodes = append(hr.nodes, on)
		}
		n.hosts = append(n.hosts, hr)
	}
}

// serve runs j's service time d, which began now: at once, or on a core
// of its station's host, when one is free.
func (st *Station) serve(j *Job, d float64) {
	if st.host == nil {
		st.net.later(d, opServiceDone, j)
		return
	}
	h := st.host.h
	if h.busy < h.spec.Cores && h.waiting.Len() == 0 {
		h.run(j, d)
		return
	}
	h.waiting.Push(coreWait{j, d})
	h.queueLen.Set(st.net.k.Now(), float64(h.waiting.Len()))
}

// run gives j a core for its service time d.
func (h *hostRun) run(j *Job, d float64) {
	now := h.net.k.Now()
	on := j.st.host
	h.busy++
	h.cores.Add(now, 1)
	on.cores.Add(now, 1)
	w := float64(now - j.started) // its worker took it at started
	h.wait.Add(w)
	h.waitHist.Add(w)
	on.wait.Add(w)
	on.work.Add(d)
	h.net.later(d, opServiceDone, j)
}

// served frees the core of j, whose service time has elapsed, and gives
// the free cores to the visits waiting, in order. A visit whose instance
// went down while it waited fails without taking a core.
func (on *onHost) served(j *Job) {
	h := on.h
	now := h.net.k.Now()
	h.busy--
	h.cores.Add(now, -1)
	on.cores.Add(now, -1)
	for h.busy < h.spec.Cores && h.waiting.Len() > 0 {
		next := h.waiting.Pop()
		h.queueLen.Set(now, float64(h.waiting.Len()))
		if next.j.inst.down {
			next.j.st.failNow(next.j)
			continue
		}
		h.run(next.j, next.d)
	}
}

// resetHosts starts the hosts' measurement window at now.
func (n *Network) resetHosts(now sim.Time) {
	for _, h := range n.hosts {
		h.cores.Reset(now)
		h.queueLen.Reset(now)
		h.wait, h.waitHist = sim.Summary{}, sim.Histogram{}
		for _, on := range h.nodes {
			on.cores.Reset(now)
			on.wait, on.work = sim.Summary{}, sim.Summary{}
		}
	}
}

// hostsInUse is the room of the hosts' lists of visits waiting for a core.
func (n *Network) hostsInUse() float64 {
	total := 0.0
	for _, h := range n.hosts {
		total += float64(FIFOEntryBytes * h.waiting.Room())
	}
	return total
}

// HostStats are a host's figures over the measurement window.
type HostStats struct {
	Name   string
	Cores  int
	Memory float64
	// Utilization is the time-average share of its cores busy. Load is
	// the share its nodes' own work asks of them: the visits offered to
	// its nodes (but those turned away before any work) × their mean
	// service time ÷ cores; at 1 or more the host cannot keep up.
	Utilization, Load float64
	// QueueLength is the time-average number of visits waiting for a
	// core; Wait the time a visit waited for one, over Waits visits.
	QueueLength       float64
	WaitMean, WaitP99 float64
	Waits             int64
	Nodes             []HostNodeStats
}

// HostNodeStats are a node's figures on its host.
type HostNodeStats struct {
	Node string
	// Cores is the mean number of cores its visits held; Load its share
	// of the host's Load.
	Cores, Load float64
	// WaitMean is the mean time its visits waited for a core, and Work
	// the mean core time they took (their service time), over Waits
	// visits.
	WaitMean, Work float64
	Waits          int64
}

// HostStats reports each host over a window of the given length ending
// now, in the order of the hosts section.
func (n *Network) HostStats(window float64, now sim.Time) []HostStats {
	var out []HostStats
	for _, h := range n.hosts {
		cores := float64(h.spec.Cores)
		hs := HostStats{Name: h.spec.Name, Cores: h.spec.Cores, Memory: h.spec.Memory,
			Utilization: topology.Share(h.cores.Mean(now), cores), QueueLength: h.queueLen.Mean(now),
			WaitMean: h.wait.Mean(), WaitP99: h.waitHist.Quantile(0.99), Waits: h.wait.N()}
		for _, on := range h.nodes {
			ns := HostNodeStats{Node: on.name, Cores: on.cores.Mean(now), WaitMean: on.wait.Mean(), Work: on.work.Mean(), Waits: on.wait.N()}
			if window > 0 {
				for _, st := range on.stations {
					ns.Load += topology.Share(float64(float64(st.arrivals-st.refused)/window*st.meanOwn()), cores)
				}
			}
			hs.Load += ns.Load
			hs.Nodes = append(hs.Nodes, ns)
		}
		out = append(out, hs)
	}
	return out
}
