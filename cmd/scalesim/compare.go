package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/plots"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/analysis"
	"github.com/scalesim/scalesim/scenarios/batch"
	"github.com/scalesim/scalesim/units"
)

// compareOptions are the parsed arguments of `scalesim compare`.
type compareOptions struct {
	A, B       string
	Users      string // a count, or a range FROM..TO for a sweep
	Rate       string
	Vary       string // PATH=VALUES, for a sweep
	Log        bool
	PointsSet  bool
	Seeds      int
	Points     int
	Precision  string
	Format     output.Format
	Sets       []string
	SetsA      []string
	SetsB      []string
	Parallel   int
	PlotDir    string
	Quiet      bool
	Out, Err   io.Writer
	sweepRange bool

	// AllowOutside is --allow-outside (see runOptions), for A and B.
	AllowOutside bool
}

func newCompareCmd(stdout, stderr io.Writer, runF func(*compareOptions) error) *cobra.Command {
	opts := &compareOptions{Out: stdout, Err: stderr}
	cmd := command(&cobra.Command{
		Use:   "compare A B",
		Short: "Run two scenarios on the same random numbers and show the differences",
		Long: `Run scenarios A and B (files or built-in names) with the same seeds, so both see
the same arrivals and service-time draws (common random numbers), and print
each figure side by side with B − A and its paired 95% confidence interval
over --seeds seeds. A scenario compared with itself shows zero everywhere.

With a range such as --users 100..10M, both are swept over the same grid
instead, and the latency curves and breaking points are set side by side;
with --vary PATH=VALUES, both are swept over the values of a field.

What-if without a second file:
  scalesim compare three-tier three-tier --set-b nodes.app.instances=8`,
		Args: exactArgs(2, "two scenarios, A and B"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.A, opts.B = args[0], args[1]
			opts.PointsSet = cmd.Flags().Changed("points")
			return runF(opts)
		},
	})
	f := cmd.Flags()
	f.StringVar(&opts.Users, "users", "", "user count for both, e.g. 200k, or a range to sweep, e.g. 100..10M")
	f.StringVar(&opts.Rate, "rate", "", "open arrival rate for both, or a range to sweep, e.g. 10..5k")
	f.IntVar(&opts.Seeds, "seeds", 5, "seeds (paired runs) of a single-load comparison")
	f.StringVar(&opts.Vary, "vary", "", varyFlagUsage)
	f.IntVar(&opts.Points, "points", analysis.DefaultSweepPoints, "grid points of a sweep comparison")
	f.BoolVar(&opts.Log, "log", false, "space the points of a --vary range logarithmically instead of evenly")
	f.StringVar(&opts.Precision, "precision", "", "stop each run when the mean latency's 95% CI is within this share (default: the scenario's duration for one load, 2% for a sweep)")
	addFormatFlag(f, &opts.Format, &analysis.Comparison{})
	addSetFlags(f, &opts.Sets, "set", "override a field of both scenarios, PATH=VALUE; PATH=null removes it (repeatable)")
	addBudgetFlags(f, &opts.Sets)
	addSetFlags(f, &opts.SetsA, "set-a", "override a field of A only (repeatable)")
	addSetFlags(f, &opts.SetsB, "set-b", "override a field of B only (repeatable)")
	addAllowOutsideFlag(f, &opts.AllowOutside)
	f.StringVar(&opts.PlotDir, "plot", "", "write the figures (PNG and SVG) into this directory: with a range, the p99 curves of A and B; at one load, their goodput over time")
	f.IntVar(&opts.Parallel, "parallel", 0, "runs at once (default: one per CPU); does not change the output")
	f.BoolVar(&opts.Quiet, "quiet", false, "no progress bar")
	return cmd
}

// check validates the flags and notes whether a sweep is asked for.
func (o *compareOptions) check() error {
	if o.Users != "" && o.Rate != "" {
		return usageError{fmt.Errorf("give --users or --rate, not both")}
	}
	if o.Vary != "" && o.Users+o.Rate != "" {
		return usageError{fmt.Errorf("give --vary or --users or --rate, one of them (--vary users=RANGE is --users RANGE)")}
	}
	if o.Seeds < 1 {
		return usageError{fmt.Errorf("--seeds must be at least 1, got %d", o.Seeds)}
	}
	o.sweepRange = strings.Contains(o.Users+o.Rate, "..") || o.Vary != ""
	return nil
}

func runCompare(opts *compareOptions) (err error) {
	if err := opts.check(); err != nil {
		return err
	}
	defer func() { err = opts.bySide(err) }()
	ja, a, err := loadJob(opts.A, append(append([]string(nil), opts.Sets...), opts.SetsA...), opts.AllowOutside)
	if err != nil {
		return err
	}
	jb, b, err := loadJob(opts.B, append(append([]string(nil), opts.Sets...), opts.SetsB...), opts.AllowOutside)
	if err != nil {
		return err
	}
	limitMemory(opts.Parallel, a, b)
	if opts.sweepRange {
		return compareSweeps(opts, ja, jb)
	}
	ov := scenarios.Overrides{}
	if opts.Users != "" {
		if ov.Users, err = units.ParseCount(opts.Users); err != nil || ov.Users <= 0 {
			return usageError{fmt.Errorf("--users: want a positive count such as 200k, or a range such as 100..10M, got %q", opts.Users)}
		}
		ov.UsersFlag = "--users " + field.Printable(opts.Users)
	}
	if opts.Rate != "" {
		if ov.Rate, err = units.ParseCount(opts.Rate); err != nil || ov.Rate <= 0 {
			return usageError{fmt.Errorf("--rate: want a positive rate such as 500, or a range such as 10..5k, got %q", opts.Rate)}
		}
		ov.RateFlag = "--rate " + field.Printable(opts.Rate)
	}
	jobs := []*batch.Job{&ja, &jb}
	for i, s := range []*scenarios.Scenario{a, b} {
		if err := s.Apply(ov); err != nil {
			return err
		}
		jobs[i].Users, jobs[i].Rate, jobs[i].LoadFlag = ov.Users, ov.Rate, ov.UsersFlag+ov.RateFlag
		if opts.Precision != "" {
			if s.Run.Precision, err = units.ParseFraction(opts.Precision); err != nil {
				return usageError{fmt.Errorf("--precision: want a share such as 2%%, got %q", opts.Precision)}
			}
			precision := s.Run.Precision
			jobs[i].Precision = &precision
		}
	}
	if opts.PlotDir != "" {
		for _, s := range []*scenarios.Scenario{a, b} {
			if s.SampleEvery() == 0 {
				return noSeries("--plot", s)
			}
		}
		if err := checkPlotDir(opts.PlotDir); err != nil {
			return err
		}
	}
	bar := newProgressBar(opts.Err, opts.Quiet)
	cmp, err := analysis.Compare(ja, jb, analysis.CompareSpec{Seeds: opts.Seeds, Parallel: opts.Parallel, Progress: bar.update})
	bar.finish()
	if err != nil {
		return err
	}
	if err := output.Write(opts.Out, opts.Format, cmp); err != nil {
		return err
	}
	return writePlots(opts.PlotDir, opts.Err, plots.CompareRunFigures(cmp))
}

func compareSweeps(opts *compareOptions, a, b batch.Job) error {
	if err := checkPlotDir(opts.PlotDir); err != nil {
		return err
	}
	precision := opts.Precision
	if precision == "" {
		precision = "2%"
	}
	so := &sweepOptions{Users: opts.Users, Rate: opts.Rate, Vary: opts.Vary, Points: opts.Points, PointsSet: opts.PointsSet,
		Log: opts.Log, Precision: precision, MaxRequests: "500k", Parallel: opts.Parallel, PlotDir: opts.PlotDir}
	spec, err := so.spec()
	if err != nil {
		return err
	}
	bar := newProgressBar(opts.Err, opts.Quiet)
	spec.Progress = bar.update
	cmp, err := analysis.CompareSweeps(a, b, spec)
	bar.finish()
	if err != nil {
		return err
	}
	if err := output.Write(opts.Out, opts.Format, cmp); err != nil {
		return err
	}
	return writePlots(opts.PlotDir, opts.Err, plots.CompareFigures(cmp))
}

// bySide is err with each override that only --set-a or only --set-b gave
// (--unset-a, --unset-b as PATH=null) named by that flag where err names it
// as --set, as the scenarios' loader does, which knows no sides; err
// itself when it names none of them.
func (o *compareOptions) bySide(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error() + "\n"
	for _, side := range []struct {
		flag        string
		sets, other []string
	}{{"--set-a", o.SetsA, o.SetsB}, {"--set-b", o.SetsB, o.SetsA}} {
		for _, set := range side.sets {
			if slices.Contains(o.Sets, set) || slices.Contains(side.other, set) {
				continue // both sides have it: --set says so
			}
			for _, end := range []string{":", ")", ",", " ", "\n"} { // what follows a name, not a longer value
				msg = strings.ReplaceAll(msg, "--set "+field.Printable(set)+end, side.flag+" "+field.Printable(set)+end)
			}
		}
	}
	if msg = strings.TrimSuffix(msg, "\n"); msg == err.Error() {
		return err
	}
	return sideError{err, msg}
}

// sideError is an error said with the overrides named by their side's flag
// (compareOptions.bySide); its exit code is err's.
type sideError struct {
	err error
	msg string
}

// Error implements error: the message with the sides' flags.
func (e sideError) Error() string { return e.msg }

// Unwrap is the error as the loader or the runs said it.
func (e sideError) Unwrap() error { return e.err }
