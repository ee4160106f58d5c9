package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/plots"
	"github.com/scalesim/scalesim/scenarios/analysis"
	"github.com/scalesim/scalesim/units"
)

// sweepOptions are the parsed arguments of `scalesim sweep`.
type sweepOptions struct {
	Target      string
	Users       string // a range such as 100..10M
	Rate        string
	Vary        string // PATH=VALUES
	Points      int
	PointsSet   bool // --points was given
	Linear      bool
	Log         bool
	Precision   string
	MaxRequests string
	Parallel    int
	Format      output.Format
	FailOnSLO   bool
	Quiet       bool
	Analytic    bool
	PlotDir     string
	Seed        uint64
	SeedSet     bool
	Sets        []string
	Out         io.Writer
	Err         io.Writer

	// AllowOutside is --allow-outside (see runOptions).
	AllowOutside bool
}

func newSweepCmd(stdout, stderr io.Writer, runF func(*sweepOptions) error) *cobra.Command {
	opts := &sweepOptions{Out: stdout, Err: stderr}
	cmd := command(&cobra.Command{
		Use:   "sweep [FILE | BUILTIN]",
		Short: "Run a scenario over a range of users or rates (latency against load, breaking point, knee, cost), or of any field (which values pass, the cheapest)",
		Long: `Run a scenario at each load of a log-spaced grid and report, per point, latency
percentiles with confidence intervals, errors, per-node utilization and cost;
then the breaking point (the largest load that meets the SLO with no node
saturated, refined by bisection), the knee of the p99 curve, and the order in
which nodes saturate.

Each point is a steady-state run that stops once the 95% confidence interval
of the mean latency is within --precision of the mean, or at --max-requests,
so a point at 10M users costs about as much as one at 1k. Points run in
parallel; the output is identical to a serial run.

With --vary PATH=VALUES, any field of the scenario is swept instead of the
load (nodes.app.instances=2..20, nodes.db.instance=db.r6g.large,db.r6g.xlarge,
nodes.app.service_time.mean=5ms..50ms): each point's verdict, then the
cheapest point that passes.

Exit status 3 with --fail-on-slo when some load in the range fails, or, along
a field, when no point passes.`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Target = args[0]
			}
			opts.SeedSet = cmd.Flags().Changed("seed")
			opts.PointsSet = cmd.Flags().Changed("points")
			return runF(opts)
		},
	})
	f := cmd.Flags()
	f.StringVar(&opts.Users, "users", "", "user range, e.g. 100..10M (default: the scenario's users ÷100 to ×10)")
	f.StringVar(&opts.Rate, "rate", "", "open arrival rate range in requests per second, e.g. 10..5k")
	f.IntVar(&opts.Points, "points", analysis.DefaultSweepPoints, "grid points")
	f.StringVar(&opts.Vary, "vary", "", varyFlagUsage)
	f.BoolVar(&opts.Linear, "linear", false, "space the points of a load evenly instead of logarithmically")
	f.BoolVar(&opts.Log, "log", false, "space the points of a --vary range logarithmically instead of evenly")
	f.StringVar(&opts.Precision, "precision", "2%", "stop each point when the mean latency's 95% CI is within this of the mean; 0 runs the scenario's duration")
	f.StringVar(&opts.MaxRequests, "max-requests", "500k", "request cap per point")
	f.IntVar(&opts.Parallel, "parallel", 0, "points run at once (default: one per CPU); does not change the output")
	addFormatFlag(f, &opts.Format, &analysis.SweepReport{})
	f.BoolVar(&opts.FailOnSLO, "fail-on-slo", false, "exit with status 3 when some load in the range fails the SLO")
	f.BoolVar(&opts.Quiet, "quiet", false, "no progress bar")
	f.StringVar(&opts.PlotDir, "plot", "", "write PNG and SVG figures (latency, utilization, errors, cost against load) into this directory")
	f.BoolVar(&opts.Analytic, "analytic", false, "print the analytic estimate beside each point and flag divergence")
	f.Uint64Var(&opts.Seed, "seed", 0, "random seed (default: the scenario's run.seed)")
	addSetFlags(f, &opts.Sets, "set", setFlagUsage)
	addBudgetFlags(f, &opts.Sets)
	addAllowOutsideFlag(f, &opts.AllowOutside)
	return cmd
}

// spec turns the flags into a sweep specification.
func (o *sweepOptions) spec() (analysis.SweepSpec, error) {
	spec := analysis.SweepSpec{Points: o.Points, Linear: o.Linear, Parallel: o.Parallel, Analytic: o.Analytic}
	if o.Users != "" && o.Rate != "" {
		return spec, usageError{fmt.Errorf("give --users or --rate, not both")}
	}
	if o.Vary != "" && o.Users+o.Rate != "" {
		return spec, usageError{fmt.Errorf("give --vary or --users or --rate, one of them (--vary users=RANGE is --users RANGE)")}
	}
	if o.Log && o.Linear {
		return spec, usageError{fmt.Errorf("give --log or --linear, not both")}
	}
	if o.Points < 2 || o.Points > analysis.MaxSweepPoints {
		return spec, usageError{fmt.Errorf("--points must be 2 to %d, got %d", analysis.MaxSweepPoints, o.Points)}
	}
	var err error
	switch {
	case o.Rate != "":
		spec.Axis = analysis.AxisRate
		spec.From, spec.To, err = parseRange("--rate", o.Rate)
	case o.Users != "":
		spec.Axis = analysis.AxisUsers
		spec.From, spec.To, err = parseRange("--users", o.Users)
	case o.Vary != "":
		err = vary{arg: o.Vary, points: o.Points, pointsSet: o.PointsSet, log: o.Log}.apply(&spec)
	default:
		spec.Axis = analysis.AxisRate // switched to users below when the workload has them
	}
	if err != nil {
		return spec, err
	}
	if spec.Precision, spec.MaxRequests, err = parseRunLimits(o.Precision, o.MaxRequests); err != nil {
		return spec, err
	}
	if o.Parallel < 0 {
		return spec, usageError{fmt.Errorf("--parallel must not be negative, got %d", o.Parallel)}
	}
	if o.PlotDir != "" && o.Vary != "" && !spec.Axis.Load() {
		return spec, usageError{fmt.Errorf("--plot draws figures against load; a sweep of %s has none", spec.Axis)}
	}
	return spec, nil
}

// parseRange reads FROM..TO with counts such as 100 or 10M.
func parseRange(flag, s string) (from, to float64, err error) {
	lo, hi, ok := strings.Cut(s, "..")
	if ok {
		from, err = units.ParseCount(lo)
		if err == nil {
			to, err = units.ParseCount(hi)
		}
	}
	if !ok || err != nil || !(from > 0) || !(to > from) {
		return 0, 0, usageError{fmt.Errorf("%s: want a range FROM..TO of positive counts, FROM < TO, such as 100..10M, got %q", flag, s)}
	}
	return from, to, nil
}

// sloFailure is the error of --fail-on-slo when the SLO fails in range.
type sloFailure struct{ msg string }

func (e sloFailure) Error() string { return e.msg }

func runSweep(opts *sweepOptions) error {
	spec, err := opts.spec()
	if err != nil {
		return err
	}
	job, s, err := loadJob(opts.Target, opts.Sets, opts.AllowOutside)
	if err != nil {
		return err
	}
	limitMemory(opts.Parallel, s)
	if opts.SeedSet {
		s.Run.Seed = opts.Seed
		job.Seed = &opts.Seed
	}
	if err := checkPlotDir(opts.PlotDir); err != nil {
		return err
	}
	if opts.Users == "" && opts.Rate == "" && opts.Vary == "" && (s.Workload.Users != nil || s.Workload.Population > 0) {
		spec.Axis = analysis.AxisUsers
	}
	bar := newProgressBar(opts.Err, opts.Quiet)
	spec.Progress = bar.update
	sw, err := analysis.Sweep(job, spec)
	bar.finish()
	if err != nil {
		return err
	}
	if err := output.Write(opts.Out, opts.Format, sw); err != nil {
		return err
	}
	if err := writePlots(opts.PlotDir, opts.Err, plots.SweepFigures(sw)); err != nil {
		return err
	}
	if opts.FailOnSLO && !spec.Axis.Load() && sw.Cheapest == nil {
		return sloFailure{fmt.Sprintf("scalesim: %s: no point of %s swept meets the objectives", sw.Scenario, sw.Axis)}
	}
	if opts.FailOnSLO && sw.BreakingPoint != nil {
		return sloFailure{fmt.Sprintf("scalesim: %s fails inside the swept range at %g %s: %s",
			sw.Scenario, sw.BreakingPoint.FailsAt, sw.Axis, sw.BreakingPoint.Reason)}
	}
	return nil
}

// checkPlotDir checks, before a long run, that the --plot directory can be
// written; a bad one is a usage error.
func checkPlotDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := plots.CheckDir(dir); err != nil {
		return usageError{fmt.Errorf("--plot: %w", err)}
	}
	return nil
}

// writePlots renders figures into dir, if one was asked for, and says where.
func writePlots(dir string, stderr io.Writer, figs []plots.Figure) error {
	if dir == "" {
		return nil
	}
	paths, err := plots.Write(dir, figs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s to %s (%s, PNG and SVG)\n", count(len(figs), "figure"), dir, count(len(paths), "file"))
	return nil
}

// progressBar redraws a bar on a terminal; elsewhere it does nothing.
type progressBar struct {
	w  io.Writer
	on bool
}

func newProgressBar(w io.Writer, quiet bool) *progressBar {
	f, ok := w.(*os.File)
	on := false
	if ok && !quiet {
		if fi, err := f.Stat(); err == nil {
			on = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	return &progressBar{w: w, on: on}
}

const barWidth = 30

func (b *progressBar) update(done, total int) {
	if !b.on {
		return
	}
	filled := barWidth * done / max(total, 1)
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d runs", strings.Repeat("#", filled), strings.Repeat(" ", barWidth-filled), done, total)
}

func (b *progressBar) finish() {
	if b.on {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
