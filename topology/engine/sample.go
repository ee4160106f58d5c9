package engine

import "github.com/scalesim/scalesim/sim"

// NodeSample is a node's figures over one sample window of a run sampled
// over time (Options.Sampled): summed over the node's stations (instances,
// shards, replicas, cache nodes). Only nodes with workers are sampled.
type NodeSample struct {
	Name string
	// Instances is the number of instances (servers, cache nodes) taking
	// work at the end of the window, and Booting those an autoscaler has
	// started that do not yet.
	Instances, Booting int
	// Billed is the time-average number of instances running (booting
	// and draining included), which instance prices charge for; Ready
	// those of them booted (taking work or draining), whose workers
	// Utilization is a share of.
	Billed, Ready float64
	// Utilization is the time-average share of workers busy.
	Utilization float64
	// OfferedLoad is arrivals per second × mean worker holding time ÷
	// workers, as in NodeStats; with no visit ended in the window, the
	// holding time is the mean service time.
	OfferedLoad float64
	// QueueLength is the time-average number of requests waiting.
	QueueLength float64
	// Throughput is completed visits per second.
	Throughput                    float64
	Arrivals, Completed, Rejected int64
}

// Sample reports each node with workers over the sample window of the
// given length ending now, in topology order, and starts the next window.
func (n *Network) Sample(window float64, now sim.Time) []NodeSample {
	var out []NodeSample
	for i, c := range n.comps {
		sts := c.Stations()
		if len(sts) == 0 {
			continue
		}
		s := NodeSample{Name: n.nodes[i].Name}
		var capacity, busy, held float64
		for _, st := range sts {
			f := &st.smp
			hold := st.meanHold(&f.hold)
			s.Instances += len(st.active)
			s.Booting += st.bootingCount
			if st.varies() {
				s.Billed += f.billed.Mean(now)
				s.Ready += f.live.Mean(now)
				capacity += float64(float64(st.workers) * f.live.Mean(now))
				f.billed.Reset(now)
				f.live.Reset(now)
			} else {
				s.Billed += float64(len(st.insts))
				s.Ready += float64(len(st.insts))
				capacity += float64(st.capacity())
			}
			busy += f.busy.Mean(now)
			held += float64(float64(f.arrivals) * hold)
			s.QueueLength += f.queueLen.Mean(now)
			s.Arrivals += f.arrivals
			s.Completed += f.completed
			s.Rejected += f.rejected
			f.busy.Reset(now)
			f.queueLen.Reset(now)
			f.hold = sim.Summary{}
			f.arrivals, f.completed, f.rejected = 0, 0, 0
		}
		if capacity > 0 {
			s.Utilization = busy / capacity
		}
		if window > 0 {
			s.Throughput = float64(s.Completed) / window
			if capacity > 0 {
				s.OfferedLoad = held / window / capacity
			}
		}
		out = append(out, s)
	}
	return out
}

// QueueSample is a queue's figures over one sample window.
type QueueSample struct {
	Name string
	// Backlog is the time-average number of visible messages;
	// OldestAge the most any stored message's age reached (seconds).
	Backlog, OldestAge      float64
	Published, Acknowledged int64
}

// QueueSampler is a component that holds work for later (a queue): its
// figures go into each sample window of a run sampled over time.
type QueueSampler interface {
	// SampleQueue reports the sample window ending now and starts the
	// next.
	SampleQueue(now sim.Time) QueueSample
}

// SampleQueues reports each queue (each QueueSampler) over the sample
// window ending now, in topology order, and starts the next window.
func (n *Network) SampleQueues(now sim.Time) []QueueSample {
	var out []QueueSample
	for _, c := range n.comps {
		if q, ok := c.(QueueSampler); ok {
			out = append(out, q.SampleQueue(now))
		}
	}
	return out
}
