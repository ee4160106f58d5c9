package scenarios

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

//go:embed library/*.yaml
var library embed.FS

// DefaultBuiltin is the built-in scenario `scalesim run` uses without a file.
const DefaultBuiltin = "checkout-api"

// Builtins lists the names of the built-in scenarios.
func Builtins() []string {
	entries, _ := library.ReadDir("library")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// BuiltinSource returns the YAML text of a built-in scenario.
func BuiltinSource(name string) ([]byte, error) {
	data, err := library.ReadFile(path.Join("library", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("scenarios: no built-in scenario %q (built-ins: %s)%s",
			name, strings.Join(Builtins(), ", "), yamlfile.DidYouMean(name, Builtins()))
	}
	return data, nil
}

// Builtin reads and validates a built-in scenario, with overrides sets
// applied as Parse does.
func Builtin(name string, sets ...string) (*Scenario, error) {
	return BuiltinWith(name, Options{Sets: sets})
}

// BuiltinWith reads and validates a built-in scenario as opts say. A
// built-in scenario has no folder: a trace that an override names is
// refused unless opts.AllowOutside, and then read from the working
// directory.
func BuiltinWith(name string, opts Options) (*Scenario, error) {
	data, err := BuiltinSource(name)
	if err != nil {
		return nil, err
	}
	return parse("builtin:"+name, "", data, opts)
}
