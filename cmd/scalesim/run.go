package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/plots"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/units"
)

// runOptions are the parsed arguments of `scalesim run`.
type runOptions struct {
	Target   string
	Format   output.Format
	Seed     uint64
	SeedSet  bool
	Duration string
	Rate     string
	Users    string
	Sets     []string
	// AllowOutside is --allow-outside: the scenario's trace may be
	// outside its folder.
	AllowOutside bool
	// TimeSeries is where to write the run's time series as CSV, and
	// PlotDir where to draw it, if set.
	TimeSeries, PlotDir string
	Out, Err            io.Writer
}

func newRunCmd(stdout, stderr io.Writer, runF func(*runOptions) error) *cobra.Command {
	opts := &runOptions{Out: stdout, Err: stderr}
	cmd := command(&cobra.Command{
		Use:   "run [FILE | BUILTIN]",
		Short: "Simulate a scenario and report latency, utilization, saturation and errors",
		Long: `Simulate a scenario file, or a built-in scenario by name (see 'scalesim list').
With no argument, runs the built-in '` + scenarios.DefaultBuiltin + `' scenario.

The same scenario and seed always give the same report, byte for byte.`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Target = args[0]
			}
			opts.SeedSet = cmd.Flags().Changed("seed")
			return runF(opts)
		},
	})
	f := cmd.Flags()
	addFormatFlag(f, &opts.Format, &simulate.Report{})
	f.Uint64Var(&opts.Seed, "seed", 0, "random seed (default: the scenario's run.seed)")
	f.StringVar(&opts.Duration, "duration", "", "measured simulated time, e.g. 10m (default: the scenario's run.duration)")
	f.StringVar(&opts.Rate, "rate", "", "open Poisson arrival rate in requests per second, e.g. 500 or 1.5k, replacing the scenario's workload model")
	f.StringVar(&opts.Users, "users", "", "user count for a users-model or closed workload, e.g. 200k")
	addSetFlags(f, &opts.Sets, "set", setFlagUsage)
	addBudgetFlags(f, &opts.Sets)
	addAllowOutsideFlag(f, &opts.AllowOutside)
	f.StringVar(&opts.TimeSeries, "timeseries", "", "write the time series to FILE.csv in long form (time, node, metric, value); see run.sample")
	f.StringVar(&opts.PlotDir, "plot", "", "draw the time series into DIR: latency, throughput, instances and utilization against time (PNG and SVG)")
	return cmd
}

// overrides turns the flags into scenario overrides.
func (o *runOptions) overrides() (scenarios.Overrides, error) {
	var ov scenarios.Overrides
	if o.SeedSet {
		seed := o.Seed
		ov.Seed = &seed
	}
	if o.Duration != "" {
		d, err := units.ParseDuration(o.Duration)
		if err != nil || d <= 0 {
			return ov, usageError{fmt.Errorf("--duration: want a positive duration such as 10m, got %q", o.Duration)}
		}
		ov.Duration, ov.DurationFlag = d, "--duration "+field.Printable(o.Duration)
	}
	if o.Rate != "" {
		r, err := units.ParseCount(o.Rate)
		if err != nil || r <= 0 {
			return ov, usageError{fmt.Errorf("--rate: want a positive rate such as 500 or 1.5k, got %q", o.Rate)}
		}
		ov.Rate, ov.RateFlag = r, "--rate "+field.Printable(o.Rate)
	}
	if o.Users != "" {
		u, err := units.ParseCount(o.Users)
		if err != nil || u <= 0 {
			return ov, usageError{fmt.Errorf("--users: want a positive count such as 5000 or 200k, got %q", o.Users)}
		}
		ov.Users, ov.UsersFlag = u, "--users "+field.Printable(o.Users)
	}
	return ov, nil
}

// scenario loads the target with the --set overrides and the flags applied.
func (o *runOptions) scenario() (*scenarios.Scenario, error) {
	ov, err := o.overrides()
	if err != nil {
		return nil, err
	}
	s, err := loadScenario(o.Target, o.Sets, o.AllowOutside)
	if err != nil {
		return nil, err
	}
	if err := s.Apply(ov); err != nil {
		return nil, err
	}
	limitMemory(1, s)
	return s, nil
}

// noSeries is the usage error of a flag that needs the time series of a
// scenario that has none.
func noSeries(flag string, s *scenarios.Scenario) error {
	return usageError{fmt.Errorf("%s: %s has no time series, since nothing in it changes over time (no workload shape, no faults): set run.sample (e.g. --set run.sample=10s)", flag, s.Name)}
}

func runRun(opts *runOptions) error {
	s, err := opts.scenario()
	if err != nil {
		return err
	}
	if s.SampleEvery() == 0 {
		for _, f := range []struct{ flag, value string }{{"--timeseries", opts.TimeSeries}, {"--plot", opts.PlotDir}} {
			if f.value != "" {
				return noSeries(f.flag, s)
			}
		}
	}
	if err := checkTimeSeries(opts.TimeSeries); err != nil {
		return err
	}
	if err := checkPlotDir(opts.PlotDir); err != nil {
		return err
	}
	rep, err := simulate.Run(s)
	if err != nil {
		return err
	}
	// The report first, as the other commands do: a side file that cannot
	// be written does not cost the run's report.
	if err := output.Write(opts.Out, opts.Format, rep); err != nil {
		return err
	}
	var side []error
	if opts.TimeSeries != "" && rep.Series != nil {
		if err := output.WriteFile(opts.TimeSeries, rep.Series.WriteCSV); err != nil {
			side = append(side, fmt.Errorf("--timeseries: %w", err))
		}
	}
	if err := writePlots(opts.PlotDir, opts.Err, plots.RunFigures(rep, s.Workload.Changes...)); err != nil {
		side = append(side, err)
	}
	return errors.Join(side...)
}

// checkTimeSeries checks, before the run, that the --timeseries file can
// be written (see output.WriteFile: a regular file is replaced, a terminal,
// a device or a pipe written through, anything else refused); a bad one is
// a usage error.
func checkTimeSeries(path string) error {
	if path == "" {
		return nil
	}
	if err := output.CheckFile(path); err != nil {
		return usageError{fmt.Errorf("--timeseries: %w", err)}
	}
	return nil
}
