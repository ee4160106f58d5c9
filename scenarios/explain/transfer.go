package explain

import (
	"fmt"

	"github.com/scalesim/scalesim/units"
)

// transferAdvice says what the data transfer costs when it is a quarter of
// the month's cost or more (the report's cost.transfer: priced once the
// nodes are placed), which kind of transfer most of it is, and what cuts
// that kind; "" otherwise.
func (ex *Explanation) transferAdvice() string {
	c := ex.Report.Cost
	tc := c.Transfer
	if tc == nil || !(c.MonthlyUSD > 0) || tc.MonthlyUSD < c.MonthlyUSD/4 {
		return ""
	}
	top := tc.ByKind[0]
	for _, k := range tc.ByKind[1:] {
		if k.MonthlyUSD > top.MonthlyUSD {
			top = k
		}
	}
	what := map[string]string{
		"internet": "data sent to the users, which grows with the replies' size: trim or compress them (size:); a CDN's edges " +
			"take the origin's load, though at list prices they charge about as much per GB",
		"inter_region": "calls that cross regions: give the callee a copy in the caller's region (regions: [...]), so each region calls its own",
		"cross_az":     "calls between zones: keep the chattiest pairs in one zone (zone:), at the risk of one zone's failure taking both",
	}[top.Kind]
	return fmt.Sprintf(" Data transfer is %s of the month's %s (%s); most of it, %s a month, is %s.",
		units.USD(tc.MonthlyUSD), units.USD(c.MonthlyUSD), units.Percent(tc.MonthlyUSD/c.MonthlyUSD), units.USD(top.MonthlyUSD), what)
}
