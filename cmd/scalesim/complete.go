package main

import (
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scalesim/scalesim/scenarios"
)

// scenarioCommands are the commands whose arguments are scenarios, with
// how many they take.
var scenarioCommands = map[string]int{"run": 1, "sweep": 1, "explain": 1, "estimate": 1, "timeline": 1, "validate": 1, "show": 1, "compare": 2}

// addCompletions sets the shell completions (scalesim completion bash)
// of the commands that take scenarios: built-in names for their
// arguments, and paths of the scenario for --set, --unset and --vary (the
// library's scenarios.CompletePath).
func addCompletions(root *cobra.Command) {
	for _, c := range root.Commands() {
		if n, ok := scenarioCommands[c.Name()]; ok {
			c.ValidArgsFunction = completeScenario(n, c.Name() == "show")
		}
		for _, name := range []string{"set", "set-a", "set-b"} {
			if c.Flags().Lookup(name) == nil {
				continue
			}
			arg := 0 // the scenario the flag changes: B's for --set-b
			if name == "set-b" {
				arg = 1
			}
			_ = c.RegisterFlagCompletionFunc(name, completeSet(arg, false))
			_ = c.RegisterFlagCompletionFunc("un"+name, completeSet(arg, true))
		}
		if c.Flags().Lookup("vary") != nil { // --vary PATH=VALUES: a path as --set's
			_ = c.RegisterFlagCompletionFunc("vary", completeSet(0, false))
		}
	}
}

// completeScenario completes the arguments of a command that takes n
// scenarios: built-in names (and, unless builtinsOnly, the shell's file
// names).
func completeScenario(n int, builtinsOnly bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		directive := cobra.ShellCompDirectiveDefault
		if builtinsOnly {
			directive = cobra.ShellCompDirectiveNoFileComp
		}
		return scenarios.CompleteBuiltins(toComplete), directive
	}
}

// completeSet completes the PATH of --set PATH=VALUE (unset: of --unset
// PATH) from the scenario of the command's argument arg: a file, a
// built-in, or the default built-in.
func completeSet(arg int, unset bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if strings.Contains(toComplete, "=") {
			return nil, cobra.ShellCompDirectiveNoFileComp // the value is the user's
		}
		target := ""
		if arg < len(args) {
			target = args[arg]
		}
		var out []cobra.Completion
		for _, c := range scenarios.CompletePath(scenarioText(target), toComplete) {
			if unset {
				c = strings.TrimSuffix(c, "=")
			}
			out = append(out, c)
		}
		return slices.Compact(out), cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
}

// scenarioText is the text of target, as loadScenario finds it, or nil
// when it cannot be read.
func scenarioText(target string) []byte {
	path, builtin, err := locate(target)
	if err != nil {
		return nil
	}
	if builtin != "" {
		data, _ := scenarios.BuiltinSource(builtin)
		return data
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, scenarios.MaxFileSize))
	if err != nil {
		return nil
	}
	return data
}
