package engine

import (
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// workTime is the distribution of j's own work at the station: its
// class's own, or else a read's or a write's. At a database (byNature),
// a class's operation is what a visit of the class does as the class
// does it: a call that makes another class's visit a read or a write
// against its nature (a write class's cache miss, read from the
// database) does the plain read or write, as do the system's own
// writes (write-back flushes).
func (st *Station) workTime(j *Job) sim.Dist {
	write := st.net.writes(j)
	if st.byClass != nil && !j.req.background {
		if d := st.byClass[j.req.Class]; d != nil && (!st.byNature || j.op == opAuto || write == st.net.classWrites(j.req.Class)) {
			return d
		}
	}
	if write {
		return st.times[1]
	}
	return st.times[0]
}

// classWrites says requests of class c write.
func (n *Network) classWrites(c int) bool { return n.opts.Writes != nil && n.opts.Writes[c] }

// serviceSCV is the largest squared coefficient of variation of the
// station's service times.
func (st *Station) serviceSCV() float64 {
	scv := max(topology.SCV(st.times[0]), topology.SCV(st.times[1]))
	for _, d := range st.byClass {
		if d != nil {
			scv = max(scv, d.SCV())
		}
	}
	return scv
}

// sizeOf is the size of j's request and reply at st.
func (st *Station) sizeOf(j *Job) topology.Size {
	t, write := st.sizes, st.net.writes(j)
	if t.ByClass != nil && !j.req.background {
		if s := t.ByClass[j.req.Class]; s != (topology.Size{}) && (!st.byNature || j.op == opAuto || write == st.net.classWrites(j.req.Class)) {
			return s
		}
	}
	if write {
		return t.Plain[1]
	}
	return t.Plain[0]
}

// Transfer is the bytes a node received (the requests that reached it)
// and sent (the replies of the visits it completed) per second over the
// window, by the sizes of its requests and replies. Its egress, which
// per_gb prices, is what it sent.
type Transfer struct {
	InBytesPerSec  float64 `json:"in_bytes_per_sec"`
	OutBytesPerSec float64 `json:"out_bytes_per_sec"`
}

// transfer sets s's egress (for per_gb prices) from the bytes stations
// received and sent over window seconds, and its Transfer figures when
// shown (the node gives sizes of its own, or prices its egress).
func (s *NodeStats) transfer(window float64, shown bool, stations ...*Station) {
	if window <= 0 {
		return
	}
	var in, out float64
	for _, st := range stations {
		in += st.inBytes
		out += st.outBytes
		for k, b := range st.crossed {
			s.Crossed[k] += b / window
		}
	}
	s.Usage.EgressBytesPerSec = out / window
	if shown {
		s.Transfer = &Transfer{InBytesPerSec: in / window, OutBytesPerSec: out / window}
	}
}
