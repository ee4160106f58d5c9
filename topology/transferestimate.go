package topology

// What the estimate needs to price data transfer as the run does (see
// transfer.go): how the bytes between two nodes are billed, the sizes a
// visit carries, and where a database's writes are replicated.

// Transfer is how the bytes between the nodes (or a database's parts,
// AimedPart) from and to are billed: TransferFree when nothing is placed.
func (t *Topology) Transfer(from, to string) TransferKind {
	if t.transfer == nil {
		return TransferFree
	}
	return t.transfer(from, to)
}

// PricesTransfer says the nodes are placed, so the bytes that cross a
// border are priced (an unplaced topology prices none, not even the
// users' data out).
func (t *Topology) PricesTransfer() bool { return t.transfer != nil }

// OperationSized is a spec whose visits carry the sizes of its operations
// named by their class, or of its plain read and write (a database's; a
// pool's by class): SizeTable is that table over the scenario's classes.
type OperationSized interface {
	SizeTable(classes []string) *SizeTable
}

// VisitSize is the size of the request and reply of a visit of class c (a
// write or not) to node n, as the run counts them, and whether n's visits
// carry sizes at all (a service's and a database's do; the run prices
// the crossings of those alone).
func VisitSize(n *Node, classes []string, c int, write bool) (Size, bool) {
	var t *SizeTable
	switch s := n.Spec.(type) {
	case OperationSized:
		t = s.SizeTable(classes)
	default:
		return Size{}, false
	}
	if t.ByClass != nil && t.ByClass[c] != (Size{}) {
		return t.ByClass[c], true
	}
	if write {
		return t.Plain[1], true
	}
	return t.Plain[0], true
}

// ReplicationKinds are, for a node n whose spec is Replicated (a
// database), how the bytes of each write it commits are billed on their
// way to its other servers, one per server (see Replicated). Nil for any
// other node, for an unplaced topology, or a node whose servers are all in
// its place.
func (t *Topology) ReplicationKinds(n *Node) []TransferKind {
	r, ok := n.Spec.(Replicated)
	if !ok || t.transfer == nil {
		return nil
	}
	return r.ReplicationKinds(t, n)
}
