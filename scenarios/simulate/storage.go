package simulate

import (
	"fmt"
	"strings"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/engine"
	"github.com/scalesim/scalesim/units"
	"github.com/scalesim/scalesim/workloads"
)

// StorageCost is what a database with data (data: {per_user: SIZE}) holds
// at the run's users, and its storage's monthly price (in its node's
// cost and the month's).
type StorageCost struct {
	// Node is the database.
	Node string `json:"node"`
	// Users are the workload's users the data is counted for.
	Users float64 `json:"users"`
	// Bytes is its data in all.
	Bytes float64 `json:"bytes"`
	// PerServer is what each server holds: its shard's part (a replica
	// holds a copy).
	PerServer float64 `json:"per_server_bytes"`
	// Servers are the servers that each hold a shard's part.
	Servers int `json:"servers"`
	// Rows are its rows, when it counts them (data with a row_size).
	Rows float64 `json:"rows,omitempty"`
	// Fixed says the number of rows is given (data rows), not grown with
	// the users.
	Fixed bool `json:"fixed,omitempty"`
	// MonthlyUSD is the storage's price for a month, every server's
	// volume at database.StoragePerGiBMonth.
	MonthlyUSD float64 `json:"monthly_usd"`
	// GrowthPerMonth is the bytes its writes add in a month at the
	// window's rate of writes (data per_write), indexes included, and
	// GrowthUSDPerMonth what each month's growth adds to the monthly
	// price (every server stores its shard's part); absent without
	// per_write.
	GrowthPerMonth float64 `json:"growth_per_month_bytes,omitempty"`
	// GrowthUSDPerMonth is what each month's growth adds to the monthly
	// price of the storage.
	GrowthUSDPerMonth float64 `json:"growth_usd_per_month,omitempty"`
	// OverLimit says a server holds more than an RDS instance can
	// (database.MaxStoragePerServer): the database must be sharded.
	OverLimit bool `json:"over_limit,omitempty"`
	// perGiBMonth and limit are the storage's price of a GiB-month and the
	// most a server stores (topology.Storage), for the report's text.
	perGiBMonth, limit float64
}

// users is the users a workload stands for: a users model's, or a closed
// population; 0 for open arrivals without users.
func users(w *workloads.Spec) float64 { return w.DataUsers() }

// storageCosts are the databases' storage at s's users, in node order;
// nil when none has data.
func storageCosts(s *scenarios.Scenario) []StorageCost {
	var out []StorageCost
	n := users(s.Workload)
	for _, node := range s.Topology.Nodes {
		db, ok := node.Spec.(topology.Storing)
		if !ok {
			continue
		}
		st, ok := db.Storage(n)
		if !ok {
			continue
		}
		out = append(out, StorageCost{Node: node.Name, Users: n, Bytes: st.Bytes, PerServer: st.PerServer, Servers: st.Servers,
			Rows: st.Rows, Fixed: st.Fixed, MonthlyUSD: st.MonthlyUSD, OverLimit: st.PerServer > st.Limit,
			perGiBMonth: st.PerGiBMonth, limit: st.Limit})
	}
	return out
}

// addStorage adds the databases' storage to the run's cost, and the
// growth of those whose writes add data at the window's rate.
func addStorage(rep *Report, s *scenarios.Scenario) {
	rep.Cost.Storage = storageCosts(s)
	for i, sc := range rep.Cost.Storage {
		db := s.Topology.Lookup(sc.Node).Spec.(topology.Storing)
		if db.PerWrite() == 0 || !(rep.Window > 0) {
			continue
		}
		for _, n := range rep.Nodes {
			if ds, ok := n.Detail.(engine.DataWritten); ok && n.Name == sc.Node {
				rep.Cost.Storage[i].GrowthPerMonth, rep.Cost.Storage[i].GrowthUSDPerMonth = db.StorageGrowth(ds.DataWritten() / rep.Window * topology.HoursPerMonth * 3600)
			}
		}
	}
	for _, sc := range rep.Cost.Storage {
		rep.Cost.ByNode[sc.Node] += sc.MonthlyUSD
		rep.Cost.MonthlyUSD += sc.MonthlyUSD
	}
}

// writeStorageCost writes each database's data and its storage's price.
func writeStorageCost(b *strings.Builder, storage []StorageCost) {
	for _, sc := range storage {
		over := ""
		if sc.OverLimit {
			over = fmt.Sprintf("; OVER the %s an RDS instance stores: shard it", units.FormatBytes(sc.limit))
		}
		where := "on its one server"
		if sc.Servers > 1 {
			where = fmt.Sprintf("%s on each of %d servers", units.FormatBytes(sc.PerServer), sc.Servers)
		}
		at := "at " + units.FormatCount(sc.Users) + " users"
		switch {
		case sc.Fixed:
			at = "in " + units.FormatCount(sc.Rows) + " rows"
		case sc.Rows > 0:
			at += ", " + units.FormatCount(sc.Rows) + " rows"
		}
		fmt.Fprintf(b, "data        %s holds %s %s (%s), storage %s/month at %s per GiB-month%s\n",
			sc.Node, units.FormatBytes(sc.Bytes), at, where,
			units.USD(sc.MonthlyUSD), units.USD(sc.perGiBMonth), over)
		if sc.GrowthPerMonth > 0 {
			fmt.Fprintf(b, "            its writes add %s a month at the window's rate: the storage grows by %s/month each month\n",
				units.FormatBytes(sc.GrowthPerMonth), units.USD(sc.GrowthUSDPerMonth))
		}
	}
}

// StoredBytes is the data of all the databases with data, in all; 0 when
// none has any.
func (c Cost) StoredBytes() float64 {
	var total float64
	for _, sc := range c.Storage {
		total += sc.Bytes
	}
	return total
}
