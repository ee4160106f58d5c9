package workloads

import (
	"github.com/scalesim/scalesim/internal/params"
	"github.com/scalesim/scalesim/units"
)

// Params are the fields of a scenario's workload section (workloadFields),
// for the reference, the JSON Schema and completion. TestParams checks
// that both agree.
var Params = []params.Param{
	{Name: "rate", Type: params.Number, Unit: "requests/s", Doc: "open Poisson arrivals per second"},
	{Name: "users", Type: params.Number, Unit: "users", Doc: "a user population: its peak rate is users × active_fraction × requests_per_active_user_per_day ÷ 86400 × peak_to_average"},
	{Name: "active_fraction", Type: params.Share, Default: "1", Doc: "the share of users active in a day (users model)"},
	{Name: "requests_per_active_user_per_day", Type: params.Number, Unit: "requests", Doc: "requests an active user makes a day (users model)"},
	{Name: "peak_to_average", Type: params.Number, Default: "1", Doc: "the peak hour's rate over the day's average (users model)"},
	{Name: "closed", Type: params.Object, Doc: "a closed system: a fixed number of users, each waiting for its reply, then thinking", Fields: []params.Param{
		{Name: "users", Type: params.Int, Required: true, Unit: "users", Doc: "users in the system"},
		{Name: "think_time", Type: params.Dist, Required: true, Unit: "s", Doc: "a user's pause between a reply and its next request"},
	}},
	{Name: "sessions", Type: params.Object, Doc: "users arrive as sessions of several requests", Fields: []params.Param{
		{Name: "rate", Type: params.Number, Required: true, Unit: "sessions/s", Doc: "sessions started a second"},
		{Name: "requests", Type: params.CountDist, Required: true, Unit: "requests", Doc: "requests in a session"},
		{Name: "think_time", Type: params.Dist, Required: true, Unit: "s", Doc: "a user's pause between a reply and its next request"},
	}},
	{Name: "trace", Type: params.Name, Doc: "a recorded rate curve: a file beside the scenario (time, rate per line)"},
	{Name: "shape", Type: params.List, Doc: "changes of the rate over time", Elem: params.Obj("one change: a mapping of step, ramp, spike or diurnal",
		params.Param{Name: "step", Type: params.Object, Doc: "from a time on, another rate", Fields: []params.Param{
			{Name: "at", Type: params.Duration, Required: true, Doc: "when"},
			{Name: "rate", Type: params.Number, Unit: "requests/s", Doc: "the new rate (or factor)"},
			{Name: "factor", Type: params.Number, Doc: "the new rate as a multiple of the base rate"},
		}},
		params.Param{Name: "ramp", Type: params.Object, Doc: "a linear change between two times", Fields: []params.Param{
			{Name: "from", Type: params.Duration, Required: true, Doc: "when it starts"},
			{Name: "to", Type: params.Duration, Required: true, Doc: "when it ends"},
			{Name: "rate", Type: params.Number, Unit: "requests/s", Doc: "the rate at its end (or factor)"},
			{Name: "factor", Type: params.Number, Doc: "the rate at its end as a multiple of the base rate"},
		}},
		params.Param{Name: "spike", Type: params.Object, Doc: "another rate for a while", Fields: []params.Param{
			{Name: "at", Type: params.Duration, Required: true, Doc: "when it starts"},
			{Name: "for", Type: params.Duration, Required: true, Doc: "how long it lasts"},
			{Name: "rate", Type: params.Number, Unit: "requests/s", Doc: "the rate during it (or factor)"},
			{Name: "factor", Type: params.Number, Doc: "the rate during it as a multiple of the base rate"},
		}},
		params.Param{Name: "diurnal", Type: params.Object, Doc: "a daily cycle (a sine) around the base rate", Fields: []params.Param{
			{Name: "peak_to_trough", Type: params.Number, Required: true, Doc: "the peak's rate over the trough's"},
			{Name: "peak_at", Type: params.Duration, Required: true, Doc: "the time of day of the peak"},
			{Name: "weekend", Type: params.Number, Doc: "the weekend's rate as a multiple of the weekdays'"},
		}},
	)},
	{Name: "mix", Type: params.Map, Default: "one class, default", Doc: "request classes and their shares of the requests", Elem: params.Of(params.Share, "the class's share")},
	{Name: "timeout", Type: params.Duration, Default: "none", Doc: "a client gives up on a request after this long"},
	{Name: "keys", Type: params.Object, Doc: "the keys requests touch and their popularity", Fields: []params.Param{
		{Name: "dist", Type: params.Enum, Values: []string{KeysUniform, KeysZipf, KeysHotspot}, Required: true, Doc: "the popularity of the keys"},
		{Name: "count", Type: params.Number, Required: true, Unit: "keys", Doc: "distinct keys"},
		{Name: "s", Type: params.Number, Doc: "Zipf's exponent (dist: zipf)"},
		{Name: "fraction", Type: params.Share, Doc: "the share of the keys that are hot (dist: hotspot)"},
		{Name: "share", Type: params.Share, Doc: "the share of the requests that go to the hot keys (dist: hotspot)"},
	}},
	{Name: "writes", Type: params.Names, Default: DefaultWriteClass + " (when a class is so called)", Doc: "the classes that write"},
	{Name: "growth", Type: params.Object, Doc: "the users' growth, followed by timeline", Fields: []params.Param{
		{Name: "from", Type: params.Number, Required: true, Unit: "users", Doc: "users at the start"},
		{Name: "to", Type: params.Number, Required: true, Unit: "users", Doc: "users at the end"},
		{Name: "over", Type: params.Period, Required: true, Doc: "how long the growth takes"},
		{Name: "curve", Type: params.Enum, Values: Curves, Default: CurveLinear, Doc: "the growth's curve"},
	}},
	{Name: "regions", Type: params.Map, Doc: "the users' regions and their shares of the requests", Elem: params.Of(params.Share, "the region's share")},
	{Name: "client_rtt", Type: params.Duration, Default: units.FormatDuration(DefaultClientRTT) + " with regions", Doc: "the round trip between a user and its region"},
}
