// Package function is the function node kind: a serverless function with
// AWS Lambda's semantics and prices. Each invocation has an execution
// environment (an instance) of its own; an instance freed stays warm for
// the next invocation until it has been idle for the idle timeout; an
// invocation that finds no warm instance free starts a new one and pays
// its INIT phase first (a cold start); invocations beyond the concurrency
// limit are throttled at once, as Lambda's synchronous Invoke answers 429
// (TooManyRequestsException). Provisioned concurrency keeps instances
// initialised for good, priced apart.
//
// Sources (read 2026-12-02):
//   - Memory and CPU: "You can configure memory between 128 MB and 10,240 MB
//     in 1-MB increments. At 1,769 MB, a function has the equivalent of one
//     vCPU"; 128 MB is the default (Lambda Developer Guide, "Configure
//     Lambda function memory").
//   - Concurrency: 1,000 concurrent executions per account and Region by
//     default (Lambda Developer Guide, "Lambda quotas"); throttled
//     invocations fail with 429 ("Lambda function scaling").
//   - Prices, US East (N. Virginia), first tier (aws.amazon.com/lambda/pricing):
//     $0.20 per 1M requests; duration $0.0000166667 per GB-second on x86
//     ($0.0000133334 on Arm), rounded up to the nearest 1 ms; provisioned
//     concurrency $0.0000041667 per GB-second configured ($0.0000033334
//     Arm) and duration on it $0.0000097222 per GB-second ($0.0000077778
//     Arm). A GB is 1,024 MB of the memory setting. The INIT phase is
//     billed like the handler's time since 1 August 2025 ("AWS Lambda
//     standardizes billing for INIT Phase", AWS Compute Blog). The free
//     tier and the volume tiers are left out.
//   - The INIT phase is limited to 10 seconds (same blog post).
//   - How long an idle instance stays warm is not published: IdleTimeout's
//     default, 10 minutes, is an assumption.
package function

import (
	"math"
	"strconv"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

func init() { topology.Register(&kind) }

// Lambda's settings: limits and defaults (see the package comment).
const (
	DefaultMemoryMB    = 128
	MinMemoryMB        = 128
	MaxMemoryMB        = 10240
	FullVCPUMemoryMB   = 1769 // the memory at which a function has one vCPU
	DefaultConcurrency = 1000
	// MaxConcurrency bounds the concurrency a run simulates (an account's
	// quota can be raised; each instance is a record of the run).
	MaxConcurrency      = 100000
	DefaultInitDuration = 0.25
	MaxInitDuration     = 10.0 // Lambda's limit on the INIT phase
	// DefaultIdleTimeout is an assumption: AWS does not publish how long
	// an idle execution environment is kept.
	DefaultIdleTimeout = 600.0
	MaxIdleTimeout     = 24 * 3600.0
	DefaultTimeout     = 3.0   // Lambda's default function timeout
	MaxTimeout         = 900.0 // 15 minutes, Lambda's largest
)

// Architectures, as Lambda names them.
const (
	X86   = "x86_64"
	Arm64 = "arm64"
)

// PricesDate is when the prices were read.
const PricesDate = "2026-12-02"

// Rates are Lambda's prices on one architecture, in US dollars.
type Rates struct {
	PerRequest float64 // per invocation
	// PerGBSecond is the on-demand duration price; ProvisionedPerGBSecond
	// the price of provisioned concurrency configured, by the GB-second
	// whether used or not; ProvisionedDurationPerGBSecond the duration
	// price of invocations served by provisioned instances.
	PerGBSecond, ProvisionedPerGBSecond, ProvisionedDurationPerGBSecond float64
}

// Prices are Lambda's rates in US East (N. Virginia), first tier, by
// architecture, as read on PricesDate.
var Prices = map[string]Rates{
	X86:   {PerRequest: 0.20 / 1e6, PerGBSecond: 0.0000166667, ProvisionedPerGBSecond: 0.0000041667, ProvisionedDurationPerGBSecond: 0.0000097222},
	Arm64: {PerRequest: 0.20 / 1e6, PerGBSecond: 0.0000133334, ProvisionedPerGBSecond: 0.0000033334, ProvisionedDurationPerGBSecond: 0.0000077778},
}

// Function is a serverless function's settings.
type Function struct {
	// ServiceTime is an invocation's work on one full vCPU: it takes
	// FullVCPUMemoryMB ÷ MemoryMB times as long below that memory (CPU
	// is allocated in proportion to memory), and no less above it (the
	// work is taken as single-threaded, CPU-bound).
	ServiceTime sim.Dist
	MemoryMB    int
	// Concurrency is the most invocations in flight; those beyond are
	// throttled.
	Concurrency int
	// Provisioned instances are initialised from the start and never
	// reclaimed; they take invocations first.
	Provisioned int
	// InitDuration is a cold start's INIT phase, in seconds; IdleTimeout
	// how long an idle instance stays warm; Timeout the longest an
	// invocation's work may run before Lambda stops it (a failure).
	InitDuration, IdleTimeout, Timeout float64
	Arch                               string
}

// kind is the function kind, registered when the package is imported.
var kind = topology.Kind{
	Name:   "function",
	Noun:   "function",
	Decode: decode,
}

// Kind implements topology.Spec.
func (*Function) Kind() *topology.Kind { return &kind }

// Units implements topology.Spec: a function is billed by its use.
func (*Function) Units() int { return 1 }

// NeedsKeys implements topology.Spec.
func (*Function) NeedsKeys() bool { return false }

// Footprint implements engine.Builder: a record per instance (busy or warm).
func (f *Function) Footprint(int64) float64 { return float64(512 + 48*f.Concurrency) }

// Downstream implements topology.Spec: a function calls nothing (its work
// only, for now).
func (*Function) Downstream() []topology.Target { return nil }

func decode(d *yamlfile.Decoder, m yamlfile.Map, name string) topology.Spec {
	f := &Function{MemoryMB: DefaultMemoryMB, Concurrency: DefaultConcurrency, InitDuration: DefaultInitDuration,
		IdleTimeout: DefaultIdleTimeout, Timeout: DefaultTimeout, Arch: X86}
	what := "function " + name
	topology.DistField(d, m, "service_time", what, &f.ServiceTime)
	if m.Has("memory") {
		n := m.Get("memory")
		if s, ok := d.String(n); ok {
			mb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(s, "MB")))
			if err != nil {
				d.Errorf(n, "%s memory: want a whole number of MB, as Lambda's memory setting, such as 512 or 512MB; got %q", what, s)
			}
			f.MemoryMB = mb
		}
	}
	if m.Has("concurrency") {
		f.Concurrency, _ = d.Int(m.Get("concurrency"), what+" concurrency", math.MinInt)
	}
	if m.Has("provisioned") {
		f.Provisioned, _ = d.Int(m.Get("provisioned"), what+" provisioned", math.MinInt)
	}
	topology.DurationField(d, m, "init_duration", what, &f.InitDuration)
	topology.DurationField(d, m, "idle_timeout", what, &f.IdleTimeout)
	topology.DurationField(d, m, "timeout", what, &f.Timeout)
	if m.Has("architecture") {
		f.Arch = d.OneOf(m.Get("architecture"), what+" architecture", X86, Arm64)
	}
	return f
}

// Validate implements topology.Spec: Lambda's ranges.
func (f *Function) Validate(e field.Errors, c *topology.Checker) {
	node := c.Node()
	what := "function " + node.Name
	if f.ServiceTime == nil {
		e.Add("service_time", "%s needs a service_time: an invocation's work on one full vCPU (at %d MB of memory or more)", what, FullVCPUMemoryMB)
	}
	if f.MemoryMB < MinMemoryMB || f.MemoryMB > MaxMemoryMB {
		e.Add("memory", "%s memory is from %d to %d MB, as Lambda allows; got %d", what, MinMemoryMB, MaxMemoryMB, f.MemoryMB)
	}
	switch {
	case f.Concurrency < 1:
		e.Add("concurrency", "%s concurrency %d would throttle every invocation (Lambda's reserved concurrency 0 turns a function off): give at least 1 (the account's default is %d)", what, f.Concurrency, DefaultConcurrency)
	case f.Concurrency > MaxConcurrency:
		e.Add("concurrency", "%s concurrency is at most %d instances here", what, MaxConcurrency)
	}
	if f.Provisioned < 0 || f.Provisioned > f.Concurrency {
		e.Add("provisioned", "%s provisioned concurrency is from 0 to its concurrency (%d); got %d", what, f.Concurrency, f.Provisioned)
	}
	if !(f.InitDuration >= 0 && f.InitDuration <= MaxInitDuration) {
		e.Add("init_duration", "%s init_duration is from 0 to %s: Lambda stops an INIT phase at 10 seconds", what, units.FormatDuration(MaxInitDuration))
	}
	if !(f.IdleTimeout >= 0 && f.IdleTimeout <= MaxIdleTimeout) {
		e.Add("idle_timeout", "%s idle_timeout is from 0 (every on-demand invocation cold) to %s", what, units.FormatDuration(MaxIdleTimeout))
	}
	if !(f.Timeout > 0 && f.Timeout <= MaxTimeout) {
		e.Add("timeout", "%s timeout is above 0 and at most %s, as Lambda allows", what, units.FormatDuration(MaxTimeout))
	}
	if node.Price != (topology.Price{}) {
		at := "cost"
		if node.Price.Instance != "" {
			at = "instance"
		}
		e.AddAtKey(at, "%s is billed at Lambda's published rates (per request, per GB-second, provisioned concurrency): %s does not apply to a function", what, at)
	}
}

// scale is how many times longer work takes than on one full vCPU.
func (f *Function) scale() float64 {
	return math.Max(1, float64(FullVCPUMemoryMB)/float64(f.MemoryMB))
}

// gb is the memory setting in GB, as Lambda bills it (1 GB = 1,024 MB).
func (f *Function) gb() float64 { return float64(f.MemoryMB) / 1024 }

// rates are the prices of the function's architecture.
func (f *Function) rates() Rates { return Prices[f.Arch] }

// billedMs is a duration of d seconds as Lambda bills it: rounded up to
// the nearest millisecond (a duration within a nanosecond of a whole
// millisecond is that millisecond: floating-point noise).
func billedMs(d float64) int64 { return int64(math.Ceil(float64(d*1000) - 1e-6)) }
