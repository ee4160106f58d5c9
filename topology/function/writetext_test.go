package function_test

import (
	"strings"
	"testing"

	"github.com/scalesim/scalesim/topology/function"
)

// TestWriteTextWithoutExponent checks that a function's lines in the run
// table write its counts by the rule of counts (units.Count, units.Figures):
// a mean concurrency of 1500 was "1.5e+03", a bill of 123456 GB-s
// "1.235e+05".
func TestWriteTextWithoutExponent(t *testing.T) {
	s := &function.FunctionStats{Concurrency: 3000, ConcurrencyPeak: 2000, ConcurrencyMean: 1500, MemoryMB: 512,
		BilledGBSeconds: 123456, ProvisionedBilledGBSeconds: 98765.4}
	var b strings.Builder
	s.WriteText(&b, "fn")
	want := "concurrency peak 2000, mean 1500 of 3000; 512 MB; billed 123500 GB-s (98770 on provisioned)"
	if !strings.Contains(b.String(), want) {
		t.Errorf("text:\n%s\nwant it to contain %q", b.String(), want)
	}
}
