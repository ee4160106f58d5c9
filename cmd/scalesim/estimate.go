package main

import (
	"io"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/spf13/cobra"
)

// estimateOptions are the parsed arguments of `scalesim estimate`.
type estimateOptions struct {
	run runOptions
}

func newEstimateCmd(stdout io.Writer, runF func(*estimateOptions) error) *cobra.Command {
	opts := &estimateOptions{run: runOptions{Out: stdout}}
	cmd := command(&cobra.Command{
		Use:   "estimate [FILE | BUILTIN]",
		Short: "Solve a scenario analytically (traffic equations, M/M/c, MVA) in milliseconds",
		Long: `Solve the scenario's topology analytically: per-node arrival rates from the
traffic equations (routing, class filters, cache and CDN hit ratios by Che's
approximation), then each station as an M/M/c queue (Erlang C), or Mean Value
Analysis for a closed workload. Exact for product-form networks; elsewhere an
approximation whose omissions are listed. Compare with 'scalesim run', or see
both side by side with 'scalesim sweep --analytic'.`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.run.Target = args[0]
			}
			return runF(opts)
		},
	})
	f := cmd.Flags()
	addFormatFlag(f, &opts.run.Format, &estimate.Estimate{})
	f.StringVar(&opts.run.Rate, "rate", "", "open Poisson arrival rate in requests per second, e.g. 500 or 1.5k")
	f.StringVar(&opts.run.Users, "users", "", "user count for a users-model or closed workload, e.g. 200k")
	addSetFlags(f, &opts.run.Sets, "set", setFlagUsage)
	addAllowOutsideFlag(f, &opts.run.AllowOutside)
	return cmd
}

func runEstimate(opts *estimateOptions) error {
	s, err := opts.run.scenario()
	if err != nil {
		return err
	}
	est, err := estimate.Scenario(s)
	if err != nil {
		return err
	}
	return output.Write(opts.run.Out, opts.run.Format, est)
}
