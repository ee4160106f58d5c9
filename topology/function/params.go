package function

import (
	"strconv"

	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/units"
)

// functionParams are the fields of a function (AWS Lambda's settings).
var functionParams = []params.Param{
	{Name: "service_time", Type: params.Dist, Required: true, Unit: "s", Doc: "an invocation's work on one full vCPU (" + strconv.Itoa(FullVCPUMemoryMB) + " MB or more)"},
	{Name: "memory", Type: params.Int, Default: strconv.Itoa(DefaultMemoryMB), Unit: "MB", Doc: "memory, " + strconv.Itoa(MinMemoryMB) + " to " + strconv.Itoa(MaxMemoryMB) + "; CPU in proportion, a full vCPU at " + strconv.Itoa(FullVCPUMemoryMB),
		Or: []params.Param{{Type: params.Size, Doc: "the same in MB, as Lambda counts them: 512MB"}}},
	{Name: "concurrency", Type: params.Int, Default: strconv.Itoa(DefaultConcurrency), Unit: "instances", Doc: "invocations in flight at most; those beyond are throttled (429)"},
	{Name: "provisioned", Type: params.Int, Default: "0", Unit: "instances", Doc: "provisioned concurrency: instances always warm, priced apart"},
	{Name: "init_duration", Type: params.Duration, Default: units.FormatDuration(DefaultInitDuration), Doc: "a cold start's INIT phase, billed"},
	{Name: "idle_timeout", Type: params.Duration, Default: units.FormatDuration(DefaultIdleTimeout), Doc: "how long an idle instance stays warm (an assumption: AWS does not publish it)"},
	{Name: "timeout", Type: params.Duration, Default: units.FormatDuration(DefaultTimeout), Doc: "the longest an invocation's work runs before it fails"},
	{Name: "architecture", Type: params.Enum, Values: []string{X86, Arm64}, Default: X86, Doc: "the prices' architecture"},
}

func init() { kind.Params = functionParams }
