package scenarios

import (
	"slices"
	"testing"

	"github.com/scalesim/scalesim/internal/params"
)

// TestSectionParams checks that the sections' params describe exactly the
// fields the decoder accepts at the top of a file, in the run section and
// in slo.
func TestSectionParams(t *testing.T) {
	s := Sections()
	if got := params.NamesOf(s); !slices.Equal(got, topFields) {
		t.Errorf("sections %v, decoder's top-level fields %v", got, topFields)
	}
	run := params.NamesOf(params.Find(s, "run").Fields)
	if want := []string{"seed", "warmup", "duration", "max_requests", "max_events", "max_memory", "max_in_flight", "sample"}; !slices.Equal(run, want) {
		t.Errorf("run params %v, decoder's %v", run, want)
	}
	slo := params.NamesOf(params.Find(s, "slo").Fields)
	if want := append(slices.Clone(SLOStatistics), "error_rate", "by_class", "by_region", "degraded_counts_as"); !slices.Equal(slo, want) {
		t.Errorf("slo params %v, decoder's %v", slo, want)
	}
}
