package topology

import (
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

// DecodeHosted decodes and checks a hosts section and a nodes section.
func decodeHosted(t *testing.T, entry, hosts, nodes string) *Topology {
	t.Helper()
	d := &yamlfile.Decoder{File: "t.yaml"}
	root := d.Parse([]byte("entry: " + entry + "\nhosts: " + hosts + "\nnodes:\n" + nodes))
	m, _ := d.Mapping(root, "test", "entry", "hosts", "nodes")
	topo := Decode(d, m.Get("nodes"), m.Get("entry"))
	topo.Hosts = DecodeHosts(d, m.Get("hosts"))
	d.Place(root, topo.Validate([]string{"read", "write"}, true))
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	return topo
}
