package scenarios

import (
	"slices"
	"testing"
)

// classSLOData has objectives by class; each case below breaks it in one
// place.
const classSLOData = `name: slo
workload:
  rate: 100
  mix: {read: 90%, write: 10%}
entry: app
nodes:
  app: {kind: service, service_time: 1ms}
slo:
  p99: 200ms
  by_class:
    write: {p99: 300ms, error_rate: 1%}
    read: {mean: 20ms}
`

// TestClassSLO checks objectives by class: read into SLO.ByClass, listed
// by Describe after the run's own, copied apart by Clone.
func TestClassSLO(t *testing.T) {
	s, err := Parse("slo.yaml", []byte(classSLOData))
	if err != nil {
		t.Fatal(err)
	}
	w := s.SLO.ByClass["write"]
	if w.Latency["p99"] != 0.3 || w.ErrorRate != 0.01 || s.SLO.ByClass["read"].Latency["mean"] != 0.02 || s.SLO.ByClass["read"].ErrorRate != -1 {
		t.Fatalf("decoded %+v", s.SLO.ByClass)
	}
	want := []string{"p99 ≤ 200ms", "read mean ≤ 20ms", "write p99 ≤ 300ms", "write error rate ≤ 1%"}
	if got := s.SLO.Describe(); !slices.Equal(got, want) {
		t.Errorf("Describe %q, want %q", got, want)
	}
	c := s.Clone()
	c.SLO.ByClass["write"].Latency["p99"] = 1
	delete(c.SLO.ByClass, "read")
	if s.SLO.ByClass["write"].Latency["p99"] != 0.3 || len(s.SLO.ByClass) != 2 {
		t.Errorf("a clone's change reached the original: %+v", s.SLO.ByClass)
	}
}

// TestClassSLOErrors checks the refusals of objectives by class, each at
// its position.
func TestClassSLOErrors(t *testing.T) {
	for _, c := range []struct{ name, old, new, want string }{
		{"unknown class", "    read: {mean: 20ms}", "    raed: {mean: 20ms}",
			`12:5: slo by_class names class "raed", which the workload mix does not have (classes: read, write) (did you mean "read"?)`},
		{"no objective", "    read: {mean: 20ms}", "    read: {}", `12:11: slo by_class read sets no objective`},
		{"by_class within a class", "    read: {mean: 20ms}", "    read: {by_class: {write: {p99: 1s}}}",
			`12:22: slo by_class read: a class's objectives are its own; by_class goes at the top of slo`},
		{"unknown statistic", "    read: {mean: 20ms}", "    read: {p98: 20ms}", `12:12: unknown field "p98" in slo by_class read`},
		{"a bad duration", "    read: {mean: 20ms}", "    read: {mean: -20ms}", `12:18: slo by_class read mean`},
		{"not a mapping", "    read: {mean: 20ms}", "    read: 20ms", `12:11: slo by_class read must be a mapping`},
		{"error rate above 1", "error_rate: 1%}", "error_rate: 200%}", `11:37: slo by_class write error_rate: 200 is not between 0 and 1`},
	} {
		t.Run(c.name, func(t *testing.T) { expectOneError(t, classSLOData, c.old, c.new, c.want) })
	}
}
