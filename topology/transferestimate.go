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

// VisitSize is the size of the request and reply of a visit of class c (a
// write or not) to node n, as the run counts them, and whether n's visits
// carry sizes at all (a service's and a database's do; the run prices
// the crossings of those alone).
func VisitSize(n *Node, classes []string, c int, write bool) (Size, bool) {
	var t *sizeTable
	switch s := n.Spec.(type) {
	case *Service:
		t = s.Size.table(classes)
	case *Database:
		t = s.sizes(classes)
	default:
		return Size{}, false
	}
	if t.byClass != nil && t.byClass[c] != (Size{}) {
		return t.byClass[c], true
	}
	if write {
		return t.plain[1], true
	}
	return t.plain[0], true
}

// ReplicationKinds are, for a database node n, how the bytes of each write
// it commits are billed on their way to its other servers, one per server
// (see database.replicate): to each replica from the primary, or to each
// other primary from the one in the node's region (an active-active
// database's primaries are in distinct regions, so which one took the
// write does not change the kinds). Nil for any other node, or a database
// whose servers are all in its place.
func (t *Topology) ReplicationKinds(n *Node) []TransferKind {
	db, ok := n.Spec.(*Database)
	if !ok || t.transfer == nil || (db.ReplicaGroups == nil && db.Primaries == nil) {
		return nil
	}
	home := n.Region
	if home == "" && t.Regions != nil {
		home = t.Regions.Default
	}
	from := n.Name + partSep + t.Regions.region(home)
	var out []TransferKind
	if db.Primaries != nil {
		for _, p := range db.Primaries {
			if t.Regions.region(p) != t.Regions.region(home) {
				out = append(out, t.transfer(from, n.Name+partSep+p))
			}
		}
		return out
	}
	for _, g := range db.ReplicaGroups {
		for range g.Count {
			out = append(out, t.transfer(from, n.Name+partSep+g.Region))
		}
	}
	return out
}
