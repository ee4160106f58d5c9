package engine

import (
	"slices"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
)

// TestHostCores drives visits through a host's cores with constant
// service times of 1 s: a visit holds its worker while it waits for a
// core, the cores go to the visits of all the host's nodes in the order
// they asked (app's second visit before db's first, which asked later),
// and a visit whose instance went down while it waited fails without
// taking a core.
func TestHostCores(t *testing.T) {
	const nodes = `
  app: {kind: service, host: box, workers: 2, service_time: 1s, calls: [db]}
  db: {kind: database, host: box, workers: 2, service_time: 1s}
`
	for _, c := range []struct {
		name     string
		cores    string
		requests int
		dbDown   sim.Time // when db's server goes down; 0: never
		want     []float64
		outcomes [Outcomes]int
	}{
		// One request: app's core 0–1 s, db's 1–2 s.
		{"one", "1", 1, 0, []float64{2}, [Outcomes]int{Completed: 1}},
		// Two: app 0–1 and 1–2 (the second waits with its worker), db's
		// first visit, asking at 1 s, after app's second: 2–3, then 3–4.
		{"two on one core", "1", 2, 0, []float64{3, 4}, [Outcomes]int{Completed: 2}},
		// Two cores: both apps at once, both dbs at once.
		{"two on two cores", "2", 2, 0, []float64{2, 2}, [Outcomes]int{Completed: 2}},
		// Three on one core, app's third waiting for a worker: app 0–1,
		// 1–2, then db's first visit 2–3, the second's waiting. db goes
		// down at 2.5 s: at 3 s its current visit ends failed and the one
		// waiting fails without taking the core, which goes to the third
		// request's app visit (its worker freed by the second's failure),
		// 3–4; its db visit fails on arrival at 4 s.
		{"db down while visits wait", "1", 3, 2.5, []float64{3, 3, 4}, [Outcomes]int{Failed: 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			topo := decodeHosted(t, "app", "{box: {cores: "+c.cores+"}}", nodes)
			net, k, obs := buildTopology(t, topo)
			var ends []float64
			obs.traced = func(_ *Request, now sim.Time, _ Outcome) { ends = append(ends, float64(now)) }
			for range c.requests {
				net.Submit(0, -1, -1, -1)
			}
			if c.dbDown > 0 {
				k.Run(c.dbDown)
				db := net.comps[1].Stations()[0]
				db.insts[0].down = true
				db.faulty = true
			}
			k.Run(100)
			if !slices.Equal(ends, c.want) || obs.byKind != c.outcomes {
				t.Errorf("requests ended at %v with %v, want %v with %v", ends, obs.byKind, c.want, c.outcomes)
			}
			if h := net.hosts[0]; h.busy != 0 || h.waiting.Len() != 0 || net.liveJobs != 0 {
				t.Errorf("left %d cores busy, %d visits waiting, %d visits live", h.busy, h.waiting.Len(), net.liveJobs)
			}
		})
	}
}

// decodeHosted decodes and checks a hosts section and a nodes section.
func decodeHosted(t *testing.T, entry, hosts, nodes string) *topology.Topology {
	t.Helper()
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: " + entry + "\nhosts: " + hosts + "\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "hosts", "nodes")
	topo := topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	topo.Hosts = topology.DecodeHosts(d, m.Get("hosts"))
	d.Place(root, topo.Validate([]string{"read", "write"}, true))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	return topo
}
