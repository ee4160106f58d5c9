package topology

import (
	"slices"

	"github.com/scalesim/scalesim/internal/field"
)

// DataHolder is a spec whose data is counted from the workload (a
// database's rows, from its users and the classes that write).
type DataHolder interface {
	// ValidateData records the workload's users (0: none, an open rate)
	// and its classes that write on the spec, and records under e (the
	// node's path) what of the data does not fit them; name is the node's.
	ValidateData(e field.Errors, name string, users float64, writes []string)
	// DataGrows says its reads slow down as the run's writes add to its
	// data.
	DataGrows() bool
}

// ValidateData records the workload's users (0: none, an open rate) on
// the nodes whose data grows with them (DataHolder), and refuses data
// that grows with users when the workload has none to count. writes names
// the workload's classes that write: an operation of one of them cannot
// say how a read finds its rows (index).
func (t *Topology) ValidateData(users float64, writes []string) []error {
	if !slices.ContainsFunc(t.Nodes, func(n *Node) bool { _, ok := n.Spec.(DataHolder); return ok }) {
		return nil // no list to allocate on each parse
	}
	e := field.New("nodes")
	for _, n := range t.Nodes {
		if dh, ok := n.Spec.(DataHolder); ok {
			dh.ValidateData(e.In(n.Name), n.Name, users, writes)
		}
	}
	return t.fleetErrors(e.List()) // a fleet's, once, as written
}

// DataGrows says some node's reads slow down as the run's writes add to
// its data (DataHolder: a database's rows, data per_write, with reads that
// scan or descend an index): the system changes over time.
func (t *Topology) DataGrows() bool {
	for _, n := range t.Nodes {
		if dh, ok := n.Spec.(DataHolder); ok && dh.DataGrows() {
			return true
		}
	}
	return false
}
