package estimate

import (
	"fmt"
	"strings"

	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/units"
)

// TransferEstimate is the data transfer the run charges, from the traffic
// equations: each visit to a service or a database carries its request's
// and its reply's sizes, billed by where the node whose program sent it
// is and where the visit goes (the part of a database it is aimed at), a
// user's reply as data out, a message a consumer takes and an origin's
// reply to a CDN free, as the run counts them (topology.TransferKind);
// and each write a database commits, sent to its other servers. At the
// workload's mean rate, with every call one attempt and no fault.
type TransferEstimate struct {
	// MonthlyUSD is what the transfer costs a 730-hour month.
	MonthlyUSD float64 `json:"monthly_usd"`
	// ByKind are the kinds that carry bytes (inter_region, cross_az,
	// internet), each with its GB and cost a month.
	ByKind []TransferKindEstimate `json:"by_kind"`
}

// TransferKindEstimate is one kind of transfer's volume and cost a month.
type TransferKindEstimate struct {
	Kind       string  `json:"kind"`
	GBPerMonth float64 `json:"gb_per_month"`
	MonthlyUSD float64 `json:"monthly_usd"`
	// ReplicationGB is the part of GBPerMonth that replicates writes.
	ReplicationGB float64 `json:"replication_gb_per_month,omitempty"`
}

// userOrigin stands for the users, as the origin of the visits they send
// (through nodes that pass requests on as they are); freeOrigin for
// visits whose bytes are free (a message a consumer takes, a CDN's fetch).
const (
	userOrigin = -1
	freeOrigin = -2
)

// transfer estimates the data transfer, at scale requests per unit of the
// visit rates (1 for an open workload, whose rates are per second; the
// throughput for a closed one, whose are per request). Nil when nothing
// is placed, or nothing crosses a priced border.
func (m *Model) transfer(scale float64) *TransferEstimate {
	t := m.s.Topology
	if !t.PricesTransfer() {
		return nil
	}
	var perSec, repl [len(topology.TransferNames)]float64
	n := len(m.nodes)
	order, err := m.callOrder()
	if err != nil {
		return nil
	}
	for c := range m.classes {
		// from[j][o]: visits per unit to node j whose bytes are billed
		// between o (a node's index, or userOrigin) and j.
		from := make([]map[int]float64, n)
		for i := range from {
			from[i] = map[int]float64{}
		}
		entry := m.index[t.Entry]
		from[entry][userOrigin] = m.visits[c][entry]
		for _, i := range order {
			node := m.nodes[i]
			asIs := map[string]bool{}
			for _, tg := range node.Spec.Downstream() {
				asIs[tg.To] = tg.AsIs
			}
			_, edge := node.Spec.(topology.EdgeFetcher)
			for j, w := range m.route[c][i] {
				if w == 0 {
					continue
				}
				switch {
				case edge || node.Kind().Broker:
					from[j][freeOrigin] += float64(w * m.visits[c][i])
				case asIs[m.nodes[j].Name]:
					for o, v := range from[i] {
						from[j][o] += float64(w * v)
					}
				default:
					from[j][i] += float64(w * m.visits[c][i])
				}
			}
		}
		for j, origins := range from {
			for o, v := range origins {
				m.crossings(&perSec, c, o, j, float64(v*scale))
			}
		}
		// Replication: each write committed, to each other server.
		for j, node := range m.nodes {
			kinds := t.ReplicationKinds(node)
			if kinds == nil || !m.writes[c] {
				continue
			}
			size, _ := topology.VisitSize(node, m.classes, c, true)
			for _, k := range kinds {
				if k != topology.TransferFree {
					b := float64(float64(m.visits[c][j]*scale) * size.Request)
					perSec[k] += b
					repl[k] += b
				}
			}
		}
	}
	te := &TransferEstimate{}
	for k := topology.TransferInterRegion; int(k) < len(perSec); k++ {
		if perSec[k] <= 0 {
			continue
		}
		ke := TransferKindEstimate{Kind: topology.TransferNames[k], GBPerMonth: topology.GBPerMonth(perSec[k]),
			MonthlyUSD: topology.TransferMonthly(k, perSec[k]), ReplicationGB: topology.GBPerMonth(repl[k])}
		te.ByKind = append(te.ByKind, ke)
		te.MonthlyUSD += ke.MonthlyUSD
	}
	if len(te.ByKind) == 0 {
		return nil
	}
	return te
}

// crossings adds to perSec the bytes per second of rate visits of class c
// to node j sent from origin o, billed as the run bills them.
func (m *Model) crossings(perSec *[len(topology.TransferNames)]float64, c, o, j int, rate float64) {
	node := m.nodes[j]
	size, ok := topology.VisitSize(node, m.classes, c, m.writes[c])
	if !ok || rate <= 0 || o == freeOrigin {
		return
	}
	if o == userOrigin {
		perSec[topology.TransferInternet] += float64(rate * size.Reply) // the user's request comes in free
		return
	}
	caller := m.nodes[o].Name
	k := m.s.Topology.Transfer(caller, topology.AimedPart(m, caller, node.Name, c))
	perSec[k] += float64(rate * float64(size.Request+size.Reply))
}

// writeTransfer writes the transfer line of an estimate.
func writeTransfer(b *strings.Builder, te *TransferEstimate) {
	if te == nil {
		return
	}
	var parts []string
	for _, k := range te.ByKind {
		what := strings.ReplaceAll(k.Kind, "_", "-")
		if k.Kind == "internet" {
			what = "out to users"
		}
		part := fmt.Sprintf("%s %s GB %s", what, units.Figures(k.GBPerMonth, 4, units.MaxFigure), units.USD(k.MonthlyUSD))
		if k.ReplicationGB > 0 {
			part += fmt.Sprintf(" (replication %s GB)", units.Figures(k.ReplicationGB, 4, units.MaxFigure))
		}
		parts = append(parts, part)
	}
	fmt.Fprintf(b, "transfer    %s/month: %s (at the mean rate, without faults)\n", units.USD(te.MonthlyUSD), strings.Join(parts, ", "))
}
