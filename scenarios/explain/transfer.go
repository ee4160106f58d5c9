package explain

import (
	"fmt"

	"github.com/scalesim/scalesim/topology"
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
		"internet":     "data sent to the users, which grows with the replies' size: trim or compress them (size:)" + cdnInstead(top.GBPerMonth, ex.Report.Throughput),
		"inter_region": "calls that cross regions: give the callee a copy in the caller's region (regions: [...]), so each region calls its own",
		"cross_az":     "calls between zones: keep the chattiest pairs in one zone (zone:), at the risk of one zone's failure taking both",
	}[top.Kind]
	return fmt.Sprintf(" Data transfer is %s of the month's %s (%s); most of it, %s a month, is %s.",
		units.USD(tc.MonthlyUSD), units.USD(c.MonthlyUSD), units.Percent(tc.MonthlyUSD/c.MonthlyUSD), units.USD(top.MonthlyUSD), what)
}

// cdnInstead says what CloudFront (the catalogue's entry: its tiers of data
// out and its price per million requests) would charge for gb GB a month
// of replies to requestsPerSec requests, against the data out priced now,
// as a clause of the transfer advice: a lower bound, the users' bytes
// priced as one zone at the US and Europe prices (zones apart, or priced
// higher, cost more). It saves on the bill only when the
// replies are large enough for its lower tiers to outweigh the request fee
// (see docs/regions.md).
func cdnInstead(gb, requestsPerSec float64) string {
	cf := topology.CatalogueEntry("cloudfront")
	if cf.Tiers == nil || !(requestsPerSec > 0) {
		return ""
	}
	now := topology.InternetTiers.Cost(gb)
	reqs := requestsPerSec * topology.HoursPerMonth * 3600 / 1e6
	edge := cf.Tiers.Cost(gb) + float64(reqs*cf.PerMillion)
	verdict := "more than"
	if edge < now {
		verdict = "less than"
	}
	return fmt.Sprintf("; a CDN's edges take the origin's load, and CloudFront would charge at least %s a month for these bytes "+
		"and %.4gM requests (its US and Europe prices, as if one zone), %s the %s of the data out now", units.USD(edge), reqs, verdict, units.USD(now))
}
