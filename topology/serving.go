package topology

// Index is the place of the node called name in t.Nodes, or -1.
func (t *Topology) Index(name string) int {
	for i, node := range t.Nodes {
		if node.Name == name {
			return i
		}
	}
	return -1
}
