package scenarios

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	_ "github.com/scalesim/scalesim/topology/kinds" // the kinds in packages of their own
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// Scenario is a validated scenario file.
type Scenario struct {
	Name     string
	Source   string // the file it was read from
	Workload *workloads.Spec
	Topology *topology.Topology
	SLO      SLO
	Run      RunSpec
	// Latency is the default network round trip of calls; nil is none.
	Latency sim.Dist
	// Overrides are the PATH=VALUE overrides applied to the file.
	Overrides []string

	// place shows errors found after reading (CheckEventBudget's) at their
	// fields in the file; nil for a scenario built in Go.
	place func([]error) error
	// overridden are the fields Apply changed after reading, which the
	// file no longer says.
	overridden []override
}

// override is a field Apply changed: its path, and the flag that gave
// it ("" for none named).
type override struct {
	path []string
	flag string
}

// SLO is a set of service-level objectives: latency bounds in seconds
// (0: none) and the largest acceptable error rate (negative: none).
type SLO struct {
	Latency   map[string]float64 // by statistic: mean, p50, p90, p95, p99, p999
	ErrorRate float64
	// ByClass are the objectives of request classes of their own, judged
	// on each class's figures as the whole run's are on its figures (their
	// own ByClass is empty).
	ByClass map[string]SLO
	// ByRegion are the objectives of the users of a region
	// (workload.regions), judged on the region's figures (their own
	// ByClass and ByRegion are empty).
	ByRegion map[string]SLO
	// DegradedCountsAs says how the run's objectives take a degraded reply
	// (a fallback answered one of its request's calls): DegradedGood (the
	// default: the user got an answer) or DegradedError (an error in the
	// error rate, and not goodput).
	DegradedCountsAs string
}

// What a degraded reply counts as (SLO.DegradedCountsAs).
const (
	DegradedGood  = "good"
	DegradedError = "error"
)

// SLOStatistics are the latency statistics an SLO can bound, in report
// order.
var SLOStatistics = []string{"mean", "p50", "p90", "p95", "p99", "p999"}

// Describe lists the objectives in words, e.g. "p99 ≤ 200ms".
func (slo SLO) Describe() []string {
	out := []string{}
	for _, k := range SLOStatistics {
		if v, ok := slo.Latency[k]; ok {
			out = append(out, k+" ≤ "+units.FormatDuration(v))
		}
	}
	if slo.ErrorRate >= 0 {
		out = append(out, "error rate ≤ "+units.Percent(slo.ErrorRate))
	}
	if slo.DegradedCountsAs == DegradedError {
		out = append(out, "degraded replies counted as errors")
	}
	return append(out, slo.describeGroups()...)
}

// RunSpec is how long and how a scenario is simulated.
type RunSpec struct {
	Seed     uint64
	Warmup   float64 // seconds discarded before measuring; negative: a tenth of Duration
	Duration float64 // seconds measured after the warm-up
	// MaxRequests, when positive, caps the requests a run sends; past it
	// the run ends early and reports the window it covered, its verdict
	// incomplete. 0 is no cap for a run of a duration (the event budget
	// bounds its work) and DefaultMaxRequests for a steady-state run.
	MaxRequests int64
	// MaxEvents caps the simulation events a run processes, and so its
	// time (about 10M events a second); past it the run ends early, its
	// verdict incomplete. 0 is DefaultMaxEvents, which also refuses before
	// it starts a run whose workload is expected to pass it.
	MaxEvents int64
	// MaxMemory is the run's memory budget in bytes, for its heap (live
	// data counts twice: the collector's headroom): a scenario whose fixed
	// needs (stations, key stores, rings, users) pass it is refused, and a
	// run whose requests in flight and records would pass it stops. 0 is
	// DefaultMaxMemory.
	MaxMemory float64
	// MaxInFlight, when positive, caps the requests in the system at once;
	// past it the run stops. 0 leaves them to the memory budget.
	MaxInFlight int
	// Precision, when positive, makes the run a steady-state run that ends
	// as soon as the 95% confidence interval of the mean latency is within
	// ±Precision of the mean (0.02 is ±2%), or at MaxRequests, instead of
	// after Duration. The warm-up then ends at Warmup or after
	// WarmupRequests arrivals, whichever comes first, so a run costs about
	// the same at any load. A time-varying workload ignores it.
	Precision float64
	// Sample is the length in seconds of the windows the run is sampled
	// over, for its time series; 0 is the default (DefaultSample when the
	// workload changes over time, otherwise no series). A steady-state run
	// to a precision is not sampled.
	Sample float64
}

// DefaultSample is the sample window of a run whose workload changes over
// time, when the file gives none.
const DefaultSample = 10.0

// SampleEvery is the sample window the run asks for, in seconds, or 0 for
// a run with no time series: Sample, or its default for a workload that
// changes over time (shaped is true).
func (r RunSpec) SampleEvery(shaped bool) float64 {
	switch {
	case r.Precision > 0 && !shaped:
		return 0
	case r.Sample > 0:
		return r.Sample
	case shaped:
		return DefaultSample
	}
	return 0
}

// ChangesOverTime says the scenario has no steady state: its workload has
// a shape or its topology a fault or deploy schedule. Its runs last their
// duration (a precision does not end them) and are sampled over time.
func (s *Scenario) ChangesOverTime() bool {
	return s.Workload.Shape() != nil || len(s.Topology.Faults) > 0 || len(s.Topology.Deploys) > 0 || s.Topology.DataGrows()
}

// SampleEvery is the sample window of the scenario's runs, in seconds, or 0
// for runs with no time series.
func (s *Scenario) SampleEvery() float64 { return s.Run.SampleEvery(s.ChangesOverTime()) }

// Steady-state run settings (RunSpec.Precision).
const (
	// WarmupRequests is how many arrivals at most a steady-state run
	// discards before measuring.
	WarmupRequests = 20_000
	// MinCompletions is how many requests a steady-state run completes in
	// its window before it may stop, so that the tail quantiles rest on
	// enough observations (500 above the p99).
	MinCompletions = 50_000
)

// Run defaults.
const (
	DefaultSeed        = 1
	DefaultDuration    = 300.0
	DefaultMaxRequests = 20_000_000 // of a steady-state run that sets none
	DefaultMaxEvents   = 1_000_000_000
	DefaultMaxMemory   = 768 << 20
	// MinMemory is the smallest memory budget: the program itself.
	MinMemory = 16 << 20
)

var topFields = []string{"name", "description", "workload", "entry", "nodes", "network", "regions", "hosts", "faults", "deploy", "slo", "run"}

// Options are how a scenario is read.
type Options struct {
	// Sets are overrides PATH=VALUE, applied as Parse applies its sets.
	Sets []string
	// AllowOutside lets the files a scenario names (its trace) lie outside
	// the scenario file's folder, and a built-in scenario, which has no
	// folder, name files relative to the working directory. Without it,
	// such a file is refused at its field (symbolic links resolved).
	AllowOutside bool
}

// Load reads and validates the scenario file at path, with overrides sets
// applied as Parse does.
func Load(path string, sets ...string) (*Scenario, error) {
	return LoadWith(path, Options{Sets: sets})
}

// LoadWith reads and validates the scenario file at path as opts say.
func LoadWith(path string, opts Options) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Invalid(fmt.Errorf("scenarios: %w", err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, Invalid(fmt.Errorf("scenarios: %w", err))
	}
	if len(data) > MaxFileSize {
		return nil, Invalid(fmt.Errorf("scenarios: %s is larger than %s; a scenario file is a few kilobytes", path, units.FormatBytes(MaxFileSize)))
	}
	return parse(path, filepath.Dir(path), data, opts)
}

// MaxFileSize bounds a scenario file.
const MaxFileSize = 1 << 20

// Parse validates a scenario file's contents; file names it in messages. Each
// of sets is an override PATH=VALUE such as nodes.app.instances=6, applied
// to the file before it is checked, so overrides are validated like the
// file (see yamlfile.Decoder.Set). The files it names (its trace) are read
// from file's folder, and must be in it. The error, if any, is a
// yamlfile.ErrorList with every problem found.
func Parse(file string, data []byte, sets ...string) (*Scenario, error) {
	return parse(file, filepath.Dir(file), data, Options{Sets: sets})
}

// ParseIn validates a scenario file's contents as opts say, reading the
// files it names from folder: LoadWith and BuiltinWith as one function of
// the text, for a scenario written down with its text (see package
// scenarios/batch). A built-in's folder is "" (see BuiltinWith); a file's,
// its directory.
func ParseIn(file, folder string, data []byte, opts Options) (*Scenario, error) {
	return parse(file, folder, data, opts)
}

// parse is Parse with the folder of the files the scenario names ("" for
// none) and opts.
func parse(file, folder string, data []byte, opts Options) (*Scenario, error) {
	sets := opts.Sets
	d := &yamlfile.Decoder{File: file, Folder: folder, AllowOutside: opts.AllowOutside}
	if len(data) > MaxFileSize {
		d.Errorf(nil, "the file is larger than %s; a scenario file is a few kilobytes", units.FormatBytes(MaxFileSize))
		return nil, d.Err()
	}
	root := d.Parse(data)
	if root == nil {
		return nil, d.Err()
	}
	for _, set := range sets {
		d.Set(root, set)
	}
	if d.Failed() {
		return nil, d.Err()
	}
	s := &Scenario{Source: file, Overrides: sets}
	m, ok := d.Mapping(root, "the scenario", topFields...)
	if !ok {
		return nil, d.Err()
	}
	if m.Has("name") {
		s.Name, _ = d.String(m.Get("name"))
	}
	if m.Has("description") {
		d.String(m.Get("description")) // for people reading the file
	}
	if m.Has("workload") {
		s.Workload = workloads.Decode(d, m.Get("workload"))
	}
	if m.Has("nodes") {
		s.Topology = topology.Decode(d, m.Get("nodes"), m.Get("entry"))
	}
	if m.Has("faults") && s.Topology != nil {
		s.Topology.Faults = topology.DecodeFaults(d, m.Get("faults"))
	}
	if m.Has("deploy") && s.Topology != nil {
		s.Topology.Deploys = topology.DecodeDeploys(d, m.Get("deploy"))
	}
	if m.Has("regions") && s.Topology != nil {
		s.Topology.Regions = topology.DecodeRegions(d, m.Get("regions"))
	}
	if s.Topology != nil {
		s.Topology.ResolveFleets(d) // needs the regions: the copy nearest each caller
	}
	if m.Has("hosts") && s.Topology != nil {
		s.Topology.Hosts = topology.DecodeHosts(d, m.Get("hosts"))
	}
	if m.Has("network") {
		if net, ok := d.Mapping(m.Get("network"), "network", "latency"); ok && net.Has("latency") {
			s.Latency = d.Dist(net.Get("latency"), "network latency", yamlfile.Seconds)
		}
	}
	s.SLO = decodeSLO(d, m.Get("slo"))
	s.Run = decodeRun(d, m.Get("run"))
	d.Place(root, s.Validate())
	if err := d.Err(); err != nil {
		return nil, err
	}
	s.place = func(errs []error) error { return d.Placed(root, errs) }
	return s, nil
}

// SetBy names the override that gave the field at path (dotted, as
// "run.max_memory") as the errors found after reading name it: "--set
// run.max_memory=16MiB", when the last of s.Overrides to change that field
// or a mapping holding it gave it a value; "" when the file gave it, or
// an override removed it.
func (s *Scenario) SetBy(path string) string {
	by := ""
	for _, set := range s.Overrides {
		at, value, _ := strings.Cut(set, "=")
		at = strings.TrimSpace(at)
		switch {
		case at == path && strings.TrimSpace(value) != "null":
			by = "--set " + field.Printable(set)
		case at == path || strings.HasPrefix(path, at+"."):
			by = ""
		}
	}
	return by
}

// PrintableOverrides is the overrides sets written on one line for a
// report: comma-separated, each quoted if it holds a line break or another
// character that does not print as itself.
func PrintableOverrides(sets []string) string {
	out := make([]string, len(sets))
	for i, s := range sets {
		out[i] = field.Printable(s)
	}
	return strings.Join(out, ", ")
}

// Validate checks the scenario without regard to how it was written: its
// workload, its topology against the workload's classes and keys, its
// objectives and its run settings. Each error is a *field.Error naming the
// field it concerns by its path, such as nodes.app.instances; Parse shows
// them at their FILE:LINE:COL. Run refuses a scenario with errors.
func (s *Scenario) Validate() []error {
	e := field.New()
	switch {
	case s.Name == "":
		e.Add("name", "the scenario needs a name")
	case !field.ValidText(s.Name):
		e.Add("name", "the scenario's name must be printable text of at most %d bytes, without line breaks or control characters", field.MaxTextLen)
	}
	var errs []error
	classes, hasKeys := []string{workloads.DefaultClass}, false
	var userRegions []string
	if s.Workload == nil {
		e.Add("workload", "the scenario needs a workload")
	} else {
		errs = append(errs, field.Prefix("workload", s.Workload.Validate())...)
		classes, hasKeys = s.Workload.ClassNames(), s.Workload.Keys != nil
		for _, r := range s.Workload.Regions {
			userRegions = append(userRegions, r.Name)
		}
	}
	if s.Topology == nil {
		e.Add("nodes", "the scenario needs nodes")
	} else {
		errs = append(errs, s.Topology.Validate(classes, hasKeys)...)
		if s.Workload != nil {
			errs = append(errs, s.Topology.ValidateUsers(s.Workload.ActiveUsers() > 0 || s.Workload.Model == workloads.Sessions)...)
			errs = append(errs, s.Topology.ValidateData(s.Workload.DataUsers(), s.Workload.Writes)...)
			errs = append(errs, s.Topology.ValidateUserRegions(userRegions)...)
		}
	}
	slo := e.In("slo")
	for _, k := range SLOStatistics {
		if v, ok := s.SLO.Latency[k]; ok && !(v > 0) {
			slo.Add(k, "slo %s must be positive", k)
		}
	}
	if r := s.SLO.ErrorRate; r != -1 && !(r >= 0 && r <= 1) {
		slo.Add("error_rate", "slo error_rate must be a share between 0 and 1 (or -1 for none), got %g", r)
	}
	s.SLO.validateGroup(slo, byClass, classes)
	s.SLO.validateGroup(slo, byRegion, userRegions)
	run := e.In("run")
	if !(s.Run.Duration > 0) {
		run.Add("duration", "duration must be positive")
	}
	if s.Run.Warmup != -1 && !(s.Run.Warmup >= 0) {
		run.Add("warmup", "warmup must not be negative (or -1 for a tenth of the duration)")
	}
	if s.Run.MaxRequests < 0 {
		run.Add("max_requests", "max_requests must be at least 1 (leave it out for no cap), got %d", s.Run.MaxRequests)
	}
	if s.Run.MaxInFlight < 0 {
		run.Add("max_in_flight", "max_in_flight must not be negative (0: no cap), got %d", s.Run.MaxInFlight)
	}
	if !(s.Run.Sample >= 0) || math.IsInf(s.Run.Sample, 0) {
		run.Add("sample", "sample must be a positive duration such as 10s")
	}
	if s.Run.MaxEvents < 0 {
		run.Add("max_events", "max_events must be at least 1, got %d", s.Run.MaxEvents)
	}
	if m := s.Run.MaxMemory; m != 0 && (!(m >= MinMemory) || math.IsInf(m, 0)) {
		run.Add("max_memory", "max_memory must be at least %s, got %s", units.FormatBytes(MinMemory), units.FormatBytes(m))
	}
	return append(e.List(), errs...)
}

func decodeSLO(d *yamlfile.Decoder, n *yaml.Node) SLO { return decodeObjectives(d, n, "slo") }

// decodeObjectives reads objectives (the run's, called what in messages,
// or a class's).
func decodeObjectives(d *yamlfile.Decoder, n *yaml.Node, what string) SLO {
	slo := SLO{Latency: map[string]float64{}, ErrorRate: -1}
	if n == nil {
		return slo
	}
	m, ok := d.Mapping(n, what, append(append([]string(nil), SLOStatistics...), "error_rate", "by_class", "by_region", "degraded_counts_as")...)
	if !ok {
		return slo
	}
	if m.Has("by_class") {
		slo.ByClass = decodeGroupSLOs(d, m.Get("by_class"), byClass)
	}
	if m.Has("by_region") {
		slo.ByRegion = decodeGroupSLOs(d, m.Get("by_region"), byRegion)
	}
	for _, k := range SLOStatistics {
		if m.Has(k) {
			slo.Latency[k], _ = d.Duration(m.Get(k), what+" "+k)
		}
	}
	if m.Has("error_rate") {
		slo.ErrorRate, _ = d.Fraction(m.Get("error_rate"), what+" error_rate")
	}
	if m.Has("degraded_counts_as") {
		slo.DegradedCountsAs = d.OneOf(m.Get("degraded_counts_as"), what+" degraded_counts_as", DegradedGood, DegradedError)
	}
	return slo
}

func decodeRun(d *yamlfile.Decoder, n *yaml.Node) RunSpec {
	r := RunSpec{Seed: DefaultSeed, Duration: DefaultDuration, Warmup: -1, MaxMemory: DefaultMaxMemory}
	m, ok := d.Mapping(n, "run", "seed", "warmup", "duration", "max_requests", "max_events", "max_memory", "max_in_flight", "sample")
	if !ok {
		return r
	}
	if m.Has("seed") {
		if s, ok := d.Int(m.Get("seed"), "seed", 0); ok {
			r.Seed = uint64(s)
		}
	}
	if m.Has("warmup") {
		r.Warmup, _ = d.Duration(m.Get("warmup"), "warmup")
	}
	if m.Has("duration") {
		if v, ok := d.Duration(m.Get("duration"), "duration"); ok {
			r.Duration = v
		}
	}
	if m.Has("max_requests") {
		if v, ok := d.Count(m.Get("max_requests"), "max_requests"); ok {
			if v < 1 {
				d.Errorf(m.Get("max_requests"), "max_requests must be at least 1 (leave it out for no cap)")
			}
			r.MaxRequests = int64(math.Min(math.Max(v, 1), math.MaxInt64/2))
		}
	}
	if m.Has("max_events") {
		if v, ok := d.Count(m.Get("max_events"), "max_events"); ok {
			r.MaxEvents = int64(math.Min(v, math.MaxInt64/2))
		}
	}
	if m.Has("max_memory") {
		r.MaxMemory, _ = d.Bytes(m.Get("max_memory"), "max_memory")
	}
	if m.Has("sample") {
		r.Sample, _ = d.PositiveDuration(m.Get("sample"), "sample", "sample must be positive, such as 10s")
	}
	if m.Has("max_in_flight") {
		if v, ok := d.Int(m.Get("max_in_flight"), "max_in_flight", math.MinInt); ok {
			r.MaxInFlight = v
		}
	}
	return r
}

// RequestCap is the most requests a run sends, or 0 for no cap:
// MaxRequests, or DefaultMaxRequests for a steady-state run (steady says
// the run stops on its precision) that sets none.
func (r RunSpec) RequestCap(steady bool) int64 {
	if r.MaxRequests == 0 && steady {
		return DefaultMaxRequests
	}
	return r.MaxRequests
}

// EventBudget is MaxEvents, or its default.
func (r RunSpec) EventBudget() int64 {
	if r.MaxEvents == 0 {
		return DefaultMaxEvents
	}
	return r.MaxEvents
}

// MemoryBudget is MaxMemory, or its default.
func (r RunSpec) MemoryBudget() float64 {
	if r.MaxMemory == 0 {
		return DefaultMaxMemory
	}
	return r.MaxMemory
}

// WarmupSeconds is the warm-up: as given, or a tenth of the duration.
func (r RunSpec) WarmupSeconds() float64 {
	if r.Warmup < 0 {
		return r.Duration / 10
	}
	return r.Warmup
}

// Clone returns a copy of s whose workload and run settings can be changed
// without touching s; the topology is shared, since runs only read it.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Workload = s.Workload.Clone()
	c.SLO = s.SLO.clone()
	c.overridden = slices.Clone(s.overridden)
	return &c
}

// Overrides change a scenario from the command line. Zero values leave the
// scenario as it is.
type Overrides struct {
	Seed     *uint64
	Duration float64 // seconds
	Rate     float64 // open arrivals per second
	Users    float64 // users of a users-model or closed workload
	// DurationFlag, RateFlag and UsersFlag name the command-line flags
	// that gave Duration, Rate and Users, as "--duration 100000d": a
	// refusal an override causes after Apply (CheckEventBudget's) starts
	// with its flag, as one a --set causes starts with the --set. ""
	// leaves it under the scenario's name.
	DurationFlag, RateFlag, UsersFlag string
}

// Apply changes s as o says; an override s cannot take is an
// InvalidError.
func (s *Scenario) Apply(o Overrides) error {
	if o.Seed != nil {
		s.Run.Seed = *o.Seed
	}
	if o.Duration < 0 {
		return Invalid(fmt.Errorf("scenarios: duration must be positive, got %s", strconv.FormatFloat(o.Duration, 'g', -1, 64)))
	}
	if o.Duration > 0 {
		s.Run.Duration = o.Duration
		s.overridden = append(s.overridden, override{[]string{"run", "duration"}, o.DurationFlag})
	}
	if o.Rate != 0 && o.Users != 0 {
		return Invalid(fmt.Errorf("scenarios: give either a rate or a number of users, not both"))
	}
	if o.Rate != 0 {
		if err := s.Workload.SetRate(o.Rate); err != nil {
			return Invalid(err)
		}
		s.overridden = append(s.overridden, override{[]string{"workload"}, o.RateFlag})
	}
	if o.Users != 0 {
		if err := s.Workload.SetUsers(o.Users); err != nil {
			return Invalid(err)
		}
		s.overridden = append(s.overridden, override{[]string{"workload"}, o.UsersFlag})
	}
	return nil
}

// InvalidError is a request made of a scenario that cannot be met as asked,
// such as a sweep over users of a workload that has none: the caller's
// mistake, not a failure of the run. Commands report it as a usage error.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *InvalidError) Unwrap() error { return e.Err }

// Invalid marks err as an InvalidError; nil stays nil.
func Invalid(err error) error {
	if err == nil {
		return nil
	}
	return &InvalidError{err}
}
