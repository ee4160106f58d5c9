package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
)

func newValidateCmd(stdout io.Writer) *cobra.Command {
	var allowOutside bool
	cmd := command(&cobra.Command{
		Use:   "validate FILE | BUILTIN",
		Short: "Check a scenario file and report every problem as FILE:LINE:COL",
		Args:  exactArgs(1, "one scenario, a file or a built-in"),
		RunE: func(_ *cobra.Command, args []string) error {
			s, err := loadScenario(args[0], nil, allowOutside)
			if err != nil {
				return err
			}
			// What run would refuse before it starts (its budgets) is not
			// ok either.
			if err := simulate.Check(s); err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "%s: ok: scenario %q, %s (%s), entry %s; workload: %s\n",
				s.Source, s.Name, count(len(s.Topology.Nodes), "node"), strings.Join(s.Topology.Names(), ", "), s.Topology.Entry, s.Workload.Describe())
			return err
		},
	})
	addAllowOutsideFlag(cmd.Flags(), &allowOutside)
	return cmd
}

func newListCmd(stdout io.Writer) *cobra.Command {
	return command(&cobra.Command{
		Use:   "list",
		Short: "List the built-in scenarios",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			width := 0
			for _, name := range scenarios.Builtins() {
				width = max(width, len(name))
			}
			for _, name := range scenarios.Builtins() {
				src, err := scenarios.BuiltinSource(name)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%-*s  %s\n", width, name, firstComment(string(src)))
			}
			return nil
		},
	})
}

func newShowCmd(stdout io.Writer) *cobra.Command {
	return command(&cobra.Command{
		Use:   "show BUILTIN",
		Short: "Print a built-in scenario's YAML, to copy and edit",
		Args:  exactArgs(1, "one built-in scenario's name"),
		RunE: func(_ *cobra.Command, args []string) error {
			src, err := scenarios.BuiltinSource(args[0])
			if err != nil {
				return usageError{err}
			}
			_, err = stdout.Write(src)
			return err
		},
	})
}

// firstComment returns the text of the leading comment lines of a file.
func firstComment(src string) string {
	var parts []string
	for _, line := range strings.Split(src, "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		parts = append(parts, strings.TrimSpace(strings.TrimPrefix(line, "#")))
	}
	return strings.Join(parts, " ")
}
