package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scalesim/scalesim/internal/output"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/batch"
	"github.com/scalesim/scalesim/units"
)

// Exit codes, the same for every command (the README lists them).
const (
	exitOK      = 0
	exitError   = 1 // the run itself failed, or scalesim has a bug
	exitInvalid = 2 // bad arguments or flags, or an invalid scenario file
	exitSLO     = 3 // --fail-on-slo: the SLO fails inside the asked range
)

// usageError marks errors in how the command was called.
type usageError struct{ error }

// Main runs the scalesim command line with args and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return execute(newRootCmd(stdout, stderr), args, stdout, stderr)
}

// execute runs root with args and returns the exit code. A panic, which is
// a bug in scalesim, is reported as an internal error and exits 1, not with
// the Go runtime's 2 (the code of an invalid file).
func execute(root *cobra.Command, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "%v\n%s", internalError(p), debug.Stack())
			code = exitError
		}
	}()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, err)
	return exitCode(err)
}

// exitCode maps an error to the process exit status, in one place: bad
// flags, invalid scenarios and requests a scenario cannot meet are usage
// errors; anything else is a failure of the run.
func exitCode(err error) int {
	var list yamlfile.ErrorList
	var usage usageError
	var invalid *scenarios.InvalidError
	var slo sloFailure
	switch {
	case errors.As(err, &list), errors.As(err, &usage), errors.As(err, &invalid):
		return exitInvalid
	case errors.As(err, &slo):
		return exitSLO
	}
	return exitError
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "scalesim",
		Short: "Simulate scaling architectures and get latency, utilization and saturation numbers",
		Long: `scalesim runs a discrete-event simulation of an architecture written as a YAML
scenario (nodes such as load balancers and services, a workload, SLOs) and
reports latency percentiles with confidence intervals, per-node utilization and
saturation, errors and the bottleneck.

Run a built-in scenario with no file:   scalesim run
Latency against load, breaking point:    scalesim sweep
List the built-in scenarios:             scalesim list`,
	}
	command(root)
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		var names []string
		for _, c := range cmd.Commands() {
			names = append(names, c.Name())
		}
		return usageError{fmt.Errorf("unknown command %q for %q%s", args[0], cmd.CommandPath(), yamlfile.DidYouMean(args[0], names))}
	}
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	root.AddCommand(newRunCmd(stdout, stderr, runRun), newSweepCmd(stdout, stderr, runSweep), newCompareCmd(stdout, stderr, runCompare), newEstimateCmd(stdout, runEstimate), newExplainCmd(stdout, runExplain), newTimelineCmd(stdout, stderr, runTimeline), newValidateCmd(stdout), newListCmd(stdout), newShowCmd(stdout), newSchemaCmd(stdout))
	addCompletions(root)
	return root
}

// command sets what every scalesim command shares: errors are returned,
// not printed with the usage, and flag errors are usage errors.
func command(c *cobra.Command) *cobra.Command {
	c.SilenceUsage, c.SilenceErrors = true, true
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{flagError(c, err)} })
	return c
}

// loadScenario reads target: a scenario file, a built-in scenario name, or,
// when empty, the default built-in; with the --set overrides sets applied
// and, if allowOutside (--allow-outside), the files it names read from
// anywhere.
func loadScenario(target string, sets []string, allowOutside bool) (*scenarios.Scenario, error) {
	path, builtin, err := locate(target)
	if err != nil {
		return nil, err
	}
	opts := scenarios.Options{Sets: sets, AllowOutside: allowOutside}
	if path != "" {
		return scenarios.LoadWith(path, opts)
	}
	return scenarios.BuiltinWith(builtin, opts)
}

// loadJob is loadScenario, with the job of running the scenario as read
// (its text and overrides), for the commands that run it many times.
func loadJob(target string, sets []string, allowOutside bool) (batch.Job, *scenarios.Scenario, error) {
	s, err := loadScenario(target, sets, allowOutside)
	if err != nil {
		return batch.Job{}, nil, err
	}
	path, builtin, _ := locate(target)
	var src batch.Source
	if path != "" {
		src, err = batch.File(path)
	} else {
		src, err = batch.Builtin(builtin)
	}
	src.AllowOutside = allowOutside
	return batch.Job{Source: src, Sets: sets}, s, err
}

// locate says what target names: the path of a scenario file, or a
// built-in scenario (the default one when target is empty).
func locate(target string) (path, builtin string, err error) {
	if target == "" {
		return "", scenarios.DefaultBuiltin, nil
	}
	if _, err := os.Stat(target); err == nil {
		return target, "", nil
	}
	name := strings.TrimPrefix(target, "builtin:")
	for _, b := range scenarios.Builtins() {
		if b == name {
			return "", name, nil
		}
	}
	return "", "", usageError{fmt.Errorf("%s: no such file, nor a built-in scenario (built-ins: %s)%s",
		target, strings.Join(scenarios.Builtins(), ", "), yamlfile.DidYouMean(name, scenarios.Builtins()))}
}

// programBytes is about what scalesim needs besides its runs' heaps: code,
// stacks, the runtime's own structures.
const programBytes = 64 << 20

// limitMemory sets Go's soft memory limit to the memory budgets of the runs
// that may be at once (parallel; 0 is one per CPU) plus the program, so
// that the collector keeps the heap within what the budgets promise even
// if a run's estimate of its live data falls short. GOMEMLIMIT in the
// environment wins. It changes when memory is collected, never a result.
func limitMemory(parallel int, ss ...*scenarios.Scenario) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	budget := 0.0
	for _, s := range ss {
		budget = max(budget, s.Run.MemoryBudget())
	}
	limit := float64(budget*float64(parallel)) + programBytes
	if limit >= math.MaxInt64 {
		return // no limit a machine could reach
	}
	debug.SetMemoryLimit(int64(limit))
}

// internalError describes a recovered panic.
func internalError(p any) error {
	return fmt.Errorf("scalesim: internal error (a bug in scalesim; please report it with the scenario and command line): %v", p)
}

// count is n and noun, the noun in the plural unless n is 1: "1 figure",
// "4 figures".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// maxArgs, exactArgs and noArgs check the number of arguments; a wrong
// number is a usage error, as a bad flag is.
func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usageError{fmt.Errorf("%s takes at most %s, got %d: %s", cmd.CommandPath(), count(n, "argument"), len(args), strings.Join(args, " "))}
		}
		return nil
	}
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %s; got %s", cmd.CommandPath(), what, count(len(args), "argument"))}
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %s", cmd.CommandPath(), strings.Join(args, " "))}
	}
	return nil
}

// formatFlag is --format, shared by every command that writes a result:
// one of the formats the command's result can be written in.
type formatFlag struct {
	value   *output.Format
	allowed []output.Format
}

// addFormatFlag adds --format, read into *v, to a command whose result is
// like r; the default is a table.
func addFormatFlag(f *pflag.FlagSet, v *output.Format, r any) {
	*v = output.Table
	ff := &formatFlag{value: v, allowed: output.Formats(r)}
	names := make([]string, len(ff.allowed))
	for i, a := range ff.allowed {
		names[i] = string(a)
	}
	f.Var(ff, "format", "output format: "+strings.Join(names, ", "))
}

func (f *formatFlag) String() string { return string(*f.value) }

// Set implements pflag.Value.
func (f *formatFlag) Set(s string) error {
	v, err := output.Parse(s, f.allowed)
	if err != nil {
		return err
	}
	*f.value = v
	return nil
}

// Type implements pflag.Value.
func (f *formatFlag) Type() string { return "format" }

// parseRunLimits reads the --precision and --max-requests flags shared by
// the commands that run many steady-state points.
func parseRunLimits(precision, maxRequests string) (float64, int64, error) {
	p, err := units.ParseFraction(precision)
	if err != nil {
		return 0, 0, usageError{fmt.Errorf("--precision: want a share such as 2%% or 0.02, got %q", precision)}
	}
	least := 2*scenarios.WarmupRequests + scenarios.MinCompletions
	cap, err := units.ParseCount(maxRequests)
	if err != nil || cap < float64(least) {
		return 0, 0, usageError{fmt.Errorf("--max-requests: want a count of at least %d such as 500k, got %q", least, maxRequests)}
	}
	return p, int64(cap), nil
}

// addBudgetFlags adds --max-memory and --max-events, which are short for
// --set run.max_memory=SIZE and --set run.max_events=COUNT: they are added
// to sets, in order, and checked exactly as the file's fields are.
func addBudgetFlags(f *pflag.FlagSet, sets *[]string) {
	f.Var(&setAlias{sets: sets, path: "run.max_memory", parse: units.ParseBytes}, "max-memory",
		fmt.Sprintf("memory budget of each run, e.g. 2GB (default %s; run.max_memory in the file)", units.FormatBytes(scenarios.DefaultMaxMemory)))
	f.Var(&setAlias{sets: sets, path: "run.max_events", parse: units.ParseCount}, "max-events",
		fmt.Sprintf("event budget of each run, e.g. 5B (default %s; run.max_events in the file)", units.FormatCount(scenarios.DefaultMaxEvents)))
}

// setAlias is a flag that stands for --set PATH=VALUE; its value must
// parse, and the scenario checks the rest.
type setAlias struct {
	sets  *[]string
	path  string
	parse func(string) (float64, error)
	value string
}

func (a *setAlias) String() string { return a.value }

// Set implements pflag.Value.
func (a *setAlias) Set(v string) error {
	if _, err := a.parse(v); err != nil {
		return fmt.Errorf("%w, got %q", err, v)
	}
	a.value = v
	*a.sets = append(*a.sets, a.path+"="+v)
	return nil
}

// Type implements pflag.Value.
func (a *setAlias) Type() string { return "value" }

// addAllowOutsideFlag adds --allow-outside, read into *v, to a command that
// loads a scenario.
func addAllowOutsideFlag(f *pflag.FlagSet, v *bool) {
	f.BoolVar(v, "allow-outside", false, "read a trace the scenario names even outside the scenario file's folder (a built-in's, from the working directory)")
}

// setFlagUsage documents --set for every command that takes it.
const setFlagUsage = "override a field of the scenario, PATH=VALUE, e.g. nodes.app.instances=6 or slo.p99=150ms; PATH=null removes it (repeatable)"

// addSetFlags adds --set NAME and --unset NAME to f (NAME "set" or
// "set-a", say; usage documents the first): each appends to sets in the
// order given on the command line, --unset PATH as PATH=null, so that
// every override, and the budget flags' (addBudgetFlags), take one path.
func addSetFlags(f *pflag.FlagSet, sets *[]string, name, usage string) {
	f.Var(&setFlag{sets: sets}, name, usage)
	un := "un" + name
	f.Var(&setFlag{sets: sets, unset: true}, un, "remove a field, a node or an item of a list from the scenario, PATH (as --"+name+" PATH=null; repeatable)")
}

// setFlag is --set (PATH=VALUE) or --unset (PATH): it appends to its list
// (pflag's own string arrays replace it at their first use, which would
// drop what another flag appended before).
type setFlag struct {
	sets  *[]string
	unset bool
}

func (s *setFlag) String() string { return "" }

// Set implements pflag.Value.
func (s *setFlag) Set(v string) error {
	if s.unset {
		if v == "" || strings.Contains(v, "=") {
			return fmt.Errorf("want a PATH to remove, such as nodes.cache, got %q", v)
		}
		v += "=null"
	}
	*s.sets = append(*s.sets, v)
	return nil
}

// Type implements pflag.Value.
func (s *setFlag) Type() string {
	if s.unset {
		return "PATH"
	}
	return "PATH=VALUE"
}

// flagError shortens pflag's `invalid argument "x" for "--format" flag:
// must be table or json, got "x"` to `--format must be table or json, got
// "x"` for the flags whose values say what they got; others are left as
// pflag words them.
func flagError(c *cobra.Command, err error) error {
	rest, ok := strings.CutPrefix(err.Error(), "invalid argument ")
	if !ok {
		return err
	}
	_, rest, _ = strings.Cut(rest, " for \"")
	name, why, ok := strings.Cut(rest, "\" flag: ")
	if !ok {
		return err
	}
	if j := strings.Index(name, "--"); j >= 0 {
		name = name[j:]
	}
	if f := c.Flags().Lookup(strings.TrimPrefix(name, "--")); f != nil {
		switch f.Value.(type) {
		case *formatFlag:
			return fmt.Errorf("%s %s", name, why)
		case *setAlias:
			return fmt.Errorf("%s: %s", name, why)
		}
	}
	return err
}
