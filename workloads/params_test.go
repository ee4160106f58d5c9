package workloads

import (
	"slices"
	"testing"

	"github.com/scalesim/scalesim/internal/params"
)

// TestParams checks that the workload's params describe exactly the
// fields its decoder accepts.
func TestParams(t *testing.T) {
	if got := params.NamesOf(Params); !slices.Equal(got, workloadFields) {
		t.Errorf("workload params %v, decoder's fields %v: add or remove rows in params.go", got, workloadFields)
	}
}
