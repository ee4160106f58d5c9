package topology_test

import (
	"slices"
	"testing"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/topology"
	_ "github.com/scalesim/scalesim/topology/kinds"
)

// TestKindParams checks that every registered kind describes exactly the
// fields its decoder accepts (Kind.Fields), each with a type and a
// meaning: a field added to Fields without a row in the kind's params
// file (NAME_params.go) fails here.
func TestKindParams(t *testing.T) {
	for _, name := range topology.Kinds() {
		k := topology.LookupKind(name)
		got := params.NamesOf(k.Params)
		for _, f := range k.Fields {
			if !slices.Contains(got, f) {
				t.Errorf("kind %s: field %q has no row in its params table (Kind.Params)", name, f)
			}
		}
		for _, f := range got {
			if !slices.Contains(k.Fields, f) {
				t.Errorf("kind %s: params describe %q, which its decoder does not accept (Kind.Fields)", name, f)
			}
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
