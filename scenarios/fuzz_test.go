package scenarios_test

import (
	"errors"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

// FuzzParse checks that no input makes the parser panic, that every error is
// positioned in the file, and that whatever parses also runs (briefly).
func FuzzParse(f *testing.F) {
	for _, name := range scenarios.Builtins() {
		src, _ := scenarios.BuiltinSource(name)
		f.Add(src)
	}
	f.Add([]byte("name: x\nworkload: {rate: 1e300}\nentry: a\nnodes: {a: {kind: service, service_time: 1ms}}\n"))
	f.Add([]byte("nodes: &a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenarios.Parse("fuzz.yaml", data)
		if err != nil {
			var list yamlfile.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %v is not a non-empty ErrorList", err)
			}
			for _, e := range list {
				if e.File != "fuzz.yaml" || e.Msg == "" {
					t.Fatalf("error without file or message: %#v", e)
				}
			}
			return
		}
		s.Run.Duration, s.Run.Warmup, s.Run.MaxRequests = 1, 0, 2000
		if _, err := simulate.Run(s); err != nil {
			t.Fatalf("valid scenario failed to run: %v", err)
		}
	})
}
