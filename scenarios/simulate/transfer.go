package simulate

import (
	"fmt"
	"strings"

	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
)

// TransferCost is what the bytes that crossed a priced border cost a
// 730-hour month at the measured rates (see topology.TransferKind): between
// regions, between zones of a region, out to the users on the internet.
// Absent when the nodes are not placed, or nothing crossed.
type TransferCost struct {
	// MonthlyUSD is the transfer's cost a month, in the cost's total.
	MonthlyUSD float64 `json:"monthly_usd"`
	// ByKind are the kinds that carried bytes, each with its GB a month
	// and its cost.
	ByKind []TransferKindCost `json:"by_kind"`
	// Priced says where the prices come from.
	Priced string `json:"priced"`
}

// TransferKindCost is one kind of transfer's volume and cost a month.
type TransferKindCost struct {
	// Kind is inter_region, cross_az or internet (out to the users).
	Kind string `json:"kind"`
	// GBPerMonth is the bytes that crossed, a month at the measured rate.
	GBPerMonth float64 `json:"gb_per_month"`
	// PerGBUSD is the price of a GB (cross_az: in each direction, so a
	// GB costs twice it; internet: the first tier's, the month's volume
	// being priced along topology.InternetTiers).
	PerGBUSD float64 `json:"per_gb_usd"`
	// MonthlyUSD is what the kind costs a month.
	MonthlyUSD float64 `json:"monthly_usd"`
}

// transferCost sums the nodes' crossings (bytes per second, by kind) into
// the month's transfer cost; nil when none crossed.
func transferCost(stats []engine.NodeStats) *TransferCost {
	var perSec [len(topology.TransferNames)]float64
	for _, st := range stats {
		for k, b := range st.Crossed {
			perSec[k] += b
		}
	}
	var tc TransferCost
	for k := topology.TransferInterRegion; int(k) < len(perSec); k++ {
		if perSec[k] <= 0 {
			continue
		}
		c := TransferKindCost{Kind: topology.TransferNames[k], GBPerMonth: topology.GBPerMonth(perSec[k]),
			PerGBUSD: topology.TransferPrice[k], MonthlyUSD: topology.TransferMonthly(k, perSec[k])}
		tc.ByKind = append(tc.ByKind, c)
		tc.MonthlyUSD += c.MonthlyUSD
	}
	if len(tc.ByKind) == 0 {
		return nil
	}
	tc.Priced = "AWS data transfer of " + topology.TransferPriceDate + " (US and EU regions; cross-AZ billed each way; data out by monthly volume tiers of " + topology.TiersDate + ")"
	return &tc
}

// writeTransferCost writes the transfer line of the cost.
func writeTransferCost(b *strings.Builder, t *TransferCost) {
	var parts []string
	for _, k := range t.ByKind {
		what := strings.ReplaceAll(k.Kind, "_", "-")
		if k.Kind == "internet" {
			what = "out to users"
		}
		parts = append(parts, fmt.Sprintf("%s %s GB %s", what, units.Figures(k.GBPerMonth, 4, units.MaxFigure), units.USD(k.MonthlyUSD)))
	}
	fmt.Fprintf(b, "            transfer %s/month: %s (prices: %s)\n", units.USD(t.MonthlyUSD), strings.Join(parts, ", "), t.Priced)
}
