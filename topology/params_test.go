package topology_test

import (
	"testing"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/topology"
	_ "github.com/scalesim/scalesim/topology/kinds"
)

// TestKindParams checks that every registered kind describes its fields
// (Kind.Params, which are also the fields its decoder accepts), each with
// a type and a meaning.
func TestKindParams(t *testing.T) {
	for _, name := range topology.Kinds() {
		k := topology.LookupKind(name)
		if len(k.Params) == 0 {
			t.Errorf("kind %s has no params: its nodes would accept no field of their own", name)
		}
		checkParams(t, "kind "+name, topology.KindParams(k))
	}
	checkParams(t, "faults", topology.FaultParams())
	checkParams(t, "regions", topology.RegionsParams)
	checkParams(t, "hosts", topology.HostParams)
}

// checkParams checks that each param has a name, a type and a meaning,
// and names no field twice.
func checkParams(t *testing.T, where string, ps []params.Param) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range ps {
		switch {
		case p.Name == "":
			t.Errorf("%s: a param without a name", where)
		case seen[p.Name]:
			t.Errorf("%s: %s described twice", where, p.Name)
		case p.Type == "":
			t.Errorf("%s: %s has no type", where, p.Name)
		case p.Doc == "":
			t.Errorf("%s: %s has no meaning (Doc)", where, p.Name)
		case p.Type == params.Enum && len(p.Values) == 0 && p.Name != "kind":
			t.Errorf("%s: %s is an enum without values", where, p.Name)
		}
		seen[p.Name] = true
		if p.Def == "" {
			checkParams(t, where+" "+p.Name, p.Fields)
		}
	}
}
