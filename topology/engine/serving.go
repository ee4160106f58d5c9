package engine

import "github.com/scalesim/scalesim/sim"

// Serving says the node called name can serve a request now, as a health
// check that probes it from outside would find: one of its stations has an
// instance that is up and takes work, or, for a node without stations (a
// load balancer, a CDN), one of the nodes it passes requests to can. An
// unknown name serves nothing.
func (n *Network) Serving(name string) bool {
	return n.serving(name, map[string]bool{})
}

func (n *Network) serving(name string, seen map[string]bool) bool {
	i := n.topo.Index(name)
	if i < 0 || seen[name] {
		return false
	}
	seen[name] = true
	if sts := n.comps[i].Stations(); len(sts) > 0 {
		for _, st := range sts {
			for _, inst := range st.active {
				if !inst.down {
					return true
				}
			}
		}
		return false
	}
	for _, tg := range n.topo.Nodes[i].Spec.Downstream() {
		if !tg.Ref && n.serving(tg.To, seen) {
			return true
		}
	}
	return false
}

// Kernel is the kernel the network runs on, for a kind's own timers (a
// health check's probes): events that move no visit on.
func (n *Network) Kernel() *sim.Kernel { return n.k }

// UserRegions are the regions the users are in, by the names the scenario
// uses: a request's Region indexes them.
func (n *Network) UserRegions() []string { return n.opts.UserRegions }

// RegionCode is the region code a name the scenario uses stands for
// (regions.names), or the name as it is.
func (n *Network) RegionCode(name string) string { return n.topo.Regions.Region(name) }

// Dest is the component j was sent to (by PassOn, say).
func (j *Job) Dest() Component { return j.dest }
