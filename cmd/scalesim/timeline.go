package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/plots"
	"github.com/scalesim/scalesim/scenarios/analysis"
	"github.com/scalesim/scalesim/units"
)

// timelineOptions are the parsed arguments of `scalesim timeline`.
type timelineOptions struct {
	Target      string
	Every       string
	Precision   string
	MaxRequests string
	// MaxRequestsSet says --max-requests was given; otherwise a workload
	// with a shape keeps its own cap, so that each sample runs it whole.
	MaxRequestsSet bool
	Parallel       int
	Format         output.Format
	PlotDir        string
	Quiet          bool
	Sets           []string
	Out, Err       io.Writer

	// AllowOutside is --allow-outside (see runOptions).
	AllowOutside bool
}

func newTimelineCmd(stdout, stderr io.Writer, runF func(*timelineOptions) error) *cobra.Command {
	opts := &timelineOptions{Out: stdout, Err: stderr}
	cmd := command(&cobra.Command{
		Use:   "timeline [FILE | BUILTIN]",
		Short: "Follow the workload's user growth: when each node saturates, when the SLO breaks, cost by month",
		Long: `Sample the workload's growth curve (workload.growth: {from, to, over, curve})
every --every of calendar time, run each sample's peak hour as a steady-state
window (or, for a workload with a shape such as a daily cycle, the scenario's
run through its shape at that date's users), and report the date each node
saturates, the date the SLO is first breached, and the monthly cost along the way.`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Target = args[0]
			}
			opts.MaxRequestsSet = cmd.Flags().Changed("max-requests")
			return runF(opts)
		},
	})
	f := cmd.Flags()
	f.StringVar(&opts.Every, "every", "1w", "calendar time between samples, e.g. 1w, 1mo")
	f.StringVar(&opts.Precision, "precision", "2%", "stop each sample when the mean latency's 95% CI is within this share")
	f.StringVar(&opts.MaxRequests, "max-requests", "500k", "request cap per sample (a shaped workload keeps its run.max_requests unless this is given)")
	f.IntVar(&opts.Parallel, "parallel", 0, "samples run at once (default: one per CPU); does not change the output")
	addFormatFlag(f, &opts.Format, &analysis.TimelineReport{})
	f.StringVar(&opts.PlotDir, "plot", "", "write users, p99 and cost by month (PNG and SVG) into this directory")
	f.BoolVar(&opts.Quiet, "quiet", false, "no progress bar")
	addSetFlags(f, &opts.Sets, "set", setFlagUsage)
	addBudgetFlags(f, &opts.Sets)
	addAllowOutsideFlag(f, &opts.AllowOutside)
	return cmd
}

// spec turns the flags into a timeline specification.
func (o *timelineOptions) spec() (analysis.TimelineSpec, error) {
	var spec analysis.TimelineSpec
	every, err := units.ParsePeriod(o.Every)
	if err != nil || every <= 0 {
		return spec, usageError{fmt.Errorf("--every: want a period such as 1w or 1mo, got %q", o.Every)}
	}
	spec.Every = every
	if spec.Precision, spec.MaxRequests, err = parseRunLimits(o.Precision, o.MaxRequests); err != nil {
		return spec, err
	}
	spec.Parallel = o.Parallel
	return spec, nil
}

func runTimeline(opts *timelineOptions) error {
	spec, err := opts.spec()
	if err != nil {
		return err
	}
	job, s, err := loadJob(opts.Target, opts.Sets, opts.AllowOutside)
	if err != nil {
		return err
	}
	limitMemory(opts.Parallel, s)
	if err := checkPlotDir(opts.PlotDir); err != nil {
		return err
	}
	if !opts.MaxRequestsSet && s.Workload.Shape() != nil {
		spec.MaxRequests = 0 // the scenario's own: each sample runs the shape whole
	}
	bar := newProgressBar(opts.Err, opts.Quiet)
	spec.Progress = bar.update
	tl, err := analysis.Timeline(job, spec)
	bar.finish()
	if err != nil {
		return err
	}
	if err := output.Write(opts.Out, opts.Format, tl); err != nil {
		return err
	}
	return writePlots(opts.PlotDir, opts.Err, plots.TimelineFigures(tl))
}
