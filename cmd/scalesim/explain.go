package main

import (
	"io"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios/explain"
	"github.com/spf13/cobra"
)

func newExplainCmd(stdout io.Writer, runF func(*runOptions) error) *cobra.Command {
	opts := &runOptions{Out: stdout}
	cmd := command(&cobra.Command{
		Use:   "explain [FILE | BUILTIN]",
		Short: "Say in plain words what saturates first, why, and which scaling pattern fixes it",
		Long: `Run the scenario, then say in plain words what saturates first and why (the load
it sees, its capacity), how far the load can grow before each node saturates,
and which scaling pattern addresses it (a cache or read replicas for a
read-heavy database, sharding when it is write-bound, more instances for app
CPU, autoscaling for spiky load, a queue for slow side work, a CDN or regions
for far users), beside the back-of-envelope arithmetic (peak rate from users,
capacity = workers ÷ holding time, Little's law) so the two can be checked
against each other.`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Target = args[0]
			}
			return runF(opts)
		},
	})
	f := cmd.Flags()
	addFormatFlag(f, &opts.Format, &explain.Explanation{})
	f.StringVar(&opts.Users, "users", "", "user count for a users-model or closed workload, e.g. 200k")
	f.StringVar(&opts.Rate, "rate", "", "open Poisson arrival rate in requests per second, e.g. 500 or 1.5k")
	addSetFlags(f, &opts.Sets, "set", setFlagUsage)
	addBudgetFlags(f, &opts.Sets)
	addAllowOutsideFlag(f, &opts.AllowOutside)
	return cmd
}

func runExplain(opts *runOptions) error {
	s, err := opts.scenario()
	if err != nil {
		return err
	}
	ex, err := explain.Scenario(s)
	if err != nil {
		return err
	}
	return output.Write(opts.Out, opts.Format, ex)
}
