package simulate_test

import (
	"math"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/estimate"
	"github.com/scalesim/scalesim/scenarios/simulate"
	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/cdn"
	"github.com/scalesim/scalesim/topology/dns"
)

// transferScenario has its users in us-east-1, an entry there in zone a
// that calls a service in zone b (cross-AZ) and a database in eu-west-1
// (inter-region), each with sizes of its own; every visit to the entry is
// a user's, whose reply goes out to the internet.
const transferScenario = `name: transfer
workload: {rate: 100, regions: {us-east-1: 100%}}
entry: app
regions: {default: us-east-1}
nodes:
  app: {kind: service, zone: a, instances: 2, workers: 8, service_time: {dist: constant, value: 1ms}, size: {request: 2KB, reply: 10KB}, calls: [{to: near}, {to: db}]}
  near: {kind: service, zone: b, instances: 2, workers: 8, service_time: {dist: constant, value: 1ms}, size: {request: 500B, reply: 3KB}}
  db: {kind: database, region: eu-west-1, workers: 8, service_time: {dist: constant, value: 1ms}, size: {request: 700B, reply: 5KB}}
run: {seed: 3, warmup: 5s, duration: 60s}
`

// TestTransferPriced checks that each kind of transfer costs its bytes ×
// its price: the bytes are the callee's requests received and replies
// sent (the node's own transfer figures), the month 730 hours, cross-AZ
// billed in both directions.
func TestTransferPriced(t *testing.T) {
	rep := runText(t, transferScenario)
	tc := rep.Cost.Transfer
	if tc == nil {
		t.Fatal("no transfer cost")
	}
	node := map[string]simulate.NodeReport{}
	for _, n := range rep.Nodes {
		node[n.Name] = n
	}
	month := topology.HoursPerMonth * 3600.0
	want := map[string]struct{ bytesPerSec, perGB float64 }{
		"inter_region": {node["db"].Transfer.InBytesPerSec + node["db"].Transfer.OutBytesPerSec, 0.02},
		"cross_az":     {node["near"].Transfer.InBytesPerSec + node["near"].Transfer.OutBytesPerSec, 2 * 0.01},
		"internet":     {node["app"].Transfer.OutBytesPerSec, 0.09},
	}
	total := 0.0
	for _, k := range tc.ByKind {
		w, ok := want[k.Kind]
		if !ok {
			t.Errorf("unexpected transfer %s", k.Kind)
			continue
		}
		gb := w.bytesPerSec * month / 1e9
		if math.Abs(k.GBPerMonth-gb) > 1e-9*gb || math.Abs(k.MonthlyUSD-gb*w.perGB) > 1e-9*gb*w.perGB {
			t.Errorf("%s: %.6f GB $%.6f a month, want %.6f GB $%.6f", k.Kind, k.GBPerMonth, k.MonthlyUSD, gb, gb*w.perGB)
		}
		total += k.MonthlyUSD
		delete(want, k.Kind)
	}
	if len(want) > 0 {
		t.Errorf("missing transfer kinds: %v", want)
	}
	if math.Abs(tc.MonthlyUSD-total) > 1e-9*total {
		t.Errorf("transfer total $%v, its kinds add up to $%v", tc.MonthlyUSD, total)
	}
	// By the counts: the database answered every call (5 KB each way back).
	if db := node["db"]; math.Abs(db.Transfer.OutBytesPerSec-db.Throughput*5e3) > 1e-6 {
		t.Errorf("db sent %v B/s for %v replies/s", db.Transfer.OutBytesPerSec, db.Throughput)
	}
	t.Logf("transfer $%.2f a month: %+v", tc.MonthlyUSD, tc.ByKind)
}

// TestTransferUnplaced checks that nothing is priced for transfer when
// nothing is placed, by the run or the estimate.
func TestTransferUnplaced(t *testing.T) {
	rep := runText(t, transferScenario, "regions=null", "workload.regions=null", "nodes.app.zone=null", "nodes.near.zone=null", "nodes.db.region=null")
	if rep.Cost.Transfer != nil {
		t.Errorf("an unplaced topology priced transfer: %+v", rep.Cost.Transfer)
	}
	s, err := scenarios.Parse("test.yaml", []byte(transferScenario), "regions=null", "workload.regions=null", "nodes.app.zone=null", "nodes.near.zone=null", "nodes.db.region=null")
	if err != nil {
		t.Fatal(err)
	}
	if est, err := estimate.Scenario(s); err != nil || est.Transfer != nil {
		t.Errorf("the estimate of an unplaced topology priced transfer: %+v (%v)", est.Transfer, err)
	}
}

// TestFleetLatencyRouting checks that a dns whose target is a fleet
// sends each user region to its own region's copy: the us-east-1 copy
// gets the US users' 60% within binomial tolerance, and no user pays the
// Atlantic (mean latency the last mile, 20 ms, plus 20 ms of service).
func TestFleetLatencyRouting(t *testing.T) {
	rep := runText(t, `name: fleet-routing
workload: {rate: 200, regions: {us-east-1: 60%, eu-west-1: 40%}}
entry: dns
nodes:
  dns: {kind: dns, policy: latency, targets: [lb]}
  lb: {kind: load_balancer, targets: app, regions: [us-east-1, eu-west-1]}
  app: {kind: service, regions: [us-east-1, eu-west-1], instances: 2, workers: 8, service_time: {dist: exponential, mean: 20ms}}
run: {seed: 5, warmup: 10s, duration: 120s}
`)
	var st *dns.Stats
	for _, n := range rep.Nodes {
		if s, ok := n.Detail.(*dns.Stats); ok {
			st = s
		}
	}
	if st == nil || st.Targets[0] != "lb@us-east-1" {
		t.Fatalf("dns stats %+v", st)
	}
	n := st.Sent[0] + st.Sent[1]
	share, se := float64(st.Sent[0])/float64(n), math.Sqrt(0.6*0.4/float64(n))
	if math.Abs(share-0.6) > 4*se {
		t.Errorf("lb@us-east-1 got %.4f of %d, want 0.6 ± %.4f (4 SE)", share, n, 4*se)
	}
	for _, r := range rep.Regions {
		// mean of 0.04 s: the 20 ms last mile is constant, the service
		// exponential with mean 20 ms; 5 standard errors of the mean.
		bound := 0.040 + 5*0.020/math.Sqrt(float64(r.Completed))
		if r.Latency == nil || r.Latency.Mean > bound {
			t.Errorf("%s users: mean %v, want about 40 ms (under %.4f)", r.Region, r.Latency, bound)
		}
	}
}

// TestReplicationPriced checks that the bytes a database's writes send to
// its servers in other regions are priced as inter-region transfer, to
// 1e-9: every write is the app's, in the primary's region (its call is
// free), so the inter-region bytes are writes × the write's 3 KB × the
// servers in another region, over the window: two replicas in eu-west-1
// (the one in us-east-1 is free), or, active-active, the other primary.
// Without regions apart, nothing is priced.
func TestReplicationPriced(t *testing.T) {
	const text = `name: replication-transfer
workload: {rate: 200, mix: {write: 100%}, keys: {dist: uniform, count: 1000}}
entry: app
nodes:
  app: {kind: service, region: us-east-1, workers: 64, service_time: {dist: constant, value: 1ms}, calls: [db]}
  db: {kind: database, region: us-east-1, workers: 64, service_time: {dist: constant, value: 1ms}, size: {request: 3KB, reply: 200B},
       replicas: [{region: eu-west-1, count: 2}, {region: us-east-1, count: 1}]}
run: {seed: 4, warmup: 5s, duration: 60s}
`
	month := topology.HoursPerMonth * 3600.0
	for _, c := range []struct {
		name   string
		sets   []string
		remote float64 // servers a write is sent to in another region
	}{
		{"replicas", nil, 2},
		{"active-active", []string{"nodes.db.replicas=null", "nodes.db.primaries=[us-east-1, eu-west-1]"}, 1},
		{"one region", []string{"nodes.db.replicas=[{region: us-east-1, count: 3}]"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := runText(t, text, c.sets...)
			db := databaseOf(rep, "db")
			perSec := float64(db.Writes) * 3e3 * c.remote / rep.Window
			if math.Abs(db.ReplicationTransfer-perSec) > 1e-9*perSec {
				t.Errorf("replication %v B/s, want %d writes × 3 KB × %g ÷ %v s = %v", db.ReplicationTransfer, db.Writes, c.remote, rep.Window, perSec)
			}
			var got *simulate.TransferKindCost
			if tc := rep.Cost.Transfer; tc != nil {
				for i, k := range tc.ByKind {
					if k.Kind == "inter_region" {
						got = &tc.ByKind[i]
					}
				}
			}
			if c.remote == 0 {
				if got != nil {
					t.Errorf("replication within a region priced: %+v", got)
				}
				return
			}
			gb := perSec * month / 1e9
			if got == nil || math.Abs(got.GBPerMonth-gb) > 1e-9*gb || math.Abs(got.MonthlyUSD-gb*0.02) > 1e-9*gb*0.02 {
				t.Fatalf("inter-region %+v, want %.6f GB $%.6f a month", got, gb, gb*0.02)
			}
			t.Logf("%d writes: %.3f GB a month between regions, $%.4f", db.Writes, got.GBPerMonth, got.MonthlyUSD)
		})
	}
}

// TestEstimateTransfer checks the estimate's transfer against the run's,
// kind by kind. In these scenarios every request of a kind's stream
// carries the same bytes of that kind, so the run's bytes are the
// estimate's times its count of such requests over their expected count:
// a Poisson count (the users' region a binomial thinning of it) of mean
// m = share × rate × window, whose relative standard deviation is 1/√m.
// The tolerance is 4 of them. The scenarios: zones and a database in
// another region (TestTransferPriced's); writes replicated to two
// replicas in eu-west-1; a fleet in two regions behind a latency DNS, whose
// eu-west-1 copy (40% of the users) calls a database in us-east-1.
func TestEstimateTransfer(t *testing.T) {
	const fleet = `name: fleet-transfer
workload: {rate: 200, regions: {us-east-1: 60%, eu-west-1: 40%}}
entry: dns
nodes:
  dns: {kind: dns, policy: latency, targets: [lb]}
  lb: {kind: load_balancer, targets: app, regions: [us-east-1, eu-west-1]}
  app: {kind: service, regions: [us-east-1, eu-west-1], instances: 2, workers: 8, service_time: {dist: exponential, mean: 10ms}, size: {reply: 20KB}, calls: [db]}
  db: {kind: database, region: us-east-1, workers: 16, service_time: {dist: exponential, mean: 2ms}, size: {request: 1KB, reply: 6KB}}
run: {seed: 5, warmup: 10s, duration: 120s}
`
	const replicated = `name: replication-transfer
workload: {rate: 200, mix: {write: 100%}, keys: {dist: uniform, count: 1000}, regions: {us-east-1: 100%}}
entry: app
nodes:
  app: {kind: service, region: us-east-1, workers: 64, service_time: {dist: constant, value: 1ms}, calls: [db]}
  db: {kind: database, region: us-east-1, workers: 64, service_time: {dist: constant, value: 1ms}, size: {request: 3KB, reply: 200B},
       replicas: [{region: eu-west-1, count: 2}, {region: us-east-1, count: 1}]}
run: {seed: 4, warmup: 5s, duration: 60s}
`
	for _, c := range []struct {
		name  string
		text  string
		share map[string]float64 // of the requests carrying each kind
	}{
		{"zones and regions", transferScenario, map[string]float64{"inter_region": 1, "cross_az": 1, "internet": 1}},
		{"replication", replicated, map[string]float64{"inter_region": 1, "internet": 1}},
		{"fleet", fleet, map[string]float64{"inter_region": 0.4, "internet": 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := scenarios.Parse("test.yaml", []byte(c.text))
			if err != nil {
				t.Fatal(err)
			}
			est, err := estimate.Scenario(s)
			if err != nil {
				t.Fatal(err)
			}
			rep := runText(t, c.text)
			if est.Transfer == nil || rep.Cost.Transfer == nil {
				t.Fatalf("estimate %+v, run %+v: want both", est.Transfer, rep.Cost.Transfer)
			}
			ran := map[string]float64{}
			for _, k := range rep.Cost.Transfer.ByKind {
				ran[k.Kind] = k.GBPerMonth
			}
			if len(est.Transfer.ByKind) != len(c.share) || len(ran) != len(c.share) {
				t.Errorf("estimate %+v, run %+v: want the kinds %v", est.Transfer.ByKind, rep.Cost.Transfer.ByKind, c.share)
			}
			for _, k := range est.Transfer.ByKind {
				m := c.share[k.Kind] * est.OfferedRate * rep.Window
				tol := 4 / math.Sqrt(m)
				rel := ran[k.Kind]/k.GBPerMonth - 1
				t.Logf("%s: estimate %.2f GB, run %.2f GB a month (%+.2f%%, tolerance ±%.2f%%)", k.Kind, k.GBPerMonth, ran[k.Kind], 100*rel, 100*tol)
				if math.Abs(rel) > tol {
					t.Errorf("%s: run %.2f GB, estimate %.2f: %+.2f%% apart, beyond ±%.2f%%", k.Kind, ran[k.Kind], k.GBPerMonth, 100*rel, 100*tol)
				}
			}
			if diff := math.Abs(rep.Cost.Transfer.MonthlyUSD/est.Transfer.MonthlyUSD - 1); diff > 4/math.Sqrt(0.4*est.OfferedRate*rep.Window) {
				t.Errorf("transfer $%.2f run, $%.2f estimated a month", rep.Cost.Transfer.MonthlyUSD, est.Transfer.MonthlyUSD)
			}
		})
	}
}

// TestTransferTiered checks that the run and the estimate price a month's
// data out along the same tiers (topology.TransferMonthly), at a volume
// past the third bound (150 TB), and that a CDN priced from the catalogue
// pays CloudFront's tiers and its requests, while its cost: {per_gb}
// replaces the tiers with a flat price.
func TestTransferTiered(t *testing.T) {
	const big = `name: tiered
workload: {rate: 1000, regions: {us-east-1: 100%}, keys: {dist: zipf, s: 1.0, count: 10k}}
entry: edge
regions: {default: us-east-1}
nodes:
  edge: {kind: cdn, origin: app, capacity: 1000, ttl: 1h, object_size: 100KB, instance: cloudfront}
  app: {kind: service, instances: 2, workers: 32, service_time: {dist: exponential, mean: 5ms}, size: {reply: 100KB}}
run: {seed: 9, warmup: 2s, duration: 10s}
`
	rep := runText(t, big, "entry=app")
	s, err := scenarios.Parse("test.yaml", []byte(big), "entry=app")
	if err != nil {
		t.Fatal(err)
	}
	est, err := estimate.Scenario(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"run", "estimate"} {
		var gb, cost float64
		if who == "run" {
			k := rep.Cost.Transfer.ByKind[0]
			gb, cost = k.GBPerMonth, k.MonthlyUSD
		} else {
			k := est.Transfer.ByKind[0]
			gb, cost = k.GBPerMonth, k.MonthlyUSD
		}
		if gb < 153600 {
			t.Fatalf("%s: %.0f GB a month, want beyond 150 TB", who, gb)
		}
		want := 11571.2 + (gb-153600)*0.05 // the first three tiers full
		if math.Abs(cost-want) > 1e-9*want {
			t.Errorf("%s: %.1f GB out a month cost $%.9f, want $%.9f", who, gb, cost, want)
		}
		t.Logf("%s: %.0f GB out a month, $%.2f (flat $0.09: $%.2f)", who, gb, cost, gb*0.09)
	}

	for _, c := range []struct {
		name string
		sets []string
		cost func(gb float64) float64
	}{
		{"catalogue", nil, topology.CloudFrontTiers.Cost},
		{"flat", []string{"nodes.edge.cost.per_gb=0.05"}, func(gb float64) float64 { return gb * 0.05 }},
	} {
		rep := runText(t, big, c.sets...)
		var edge simulate.NodeReport
		for _, n := range rep.Nodes {
			if n.Name == "edge" {
				edge = n
			}
		}
		gb := topology.GBPerMonth(edge.Detail.(*cdn.CDNStats).EgressBytes / rep.Window)
		reqs := edge.Throughput * topology.HoursPerMonth * 3600 / 1e6
		want := c.cost(gb) + reqs*1.00
		if got := rep.Cost.ByNode["edge"]; gb < 51200 || math.Abs(got-want) > 1e-9*want {
			t.Errorf("%s: the CDN's %.0f GB and %.0fM requests a month cost $%.9f, want $%.9f", c.name, gb, reqs, got, want)
		}
	}

	// Users in two zones: each zone's month along its own tiers (the US's
	// and Japan's), as the bytes sent to each region's users say.
	rep = runText(t, big, "workload.regions={us-east-1: 50%, ap-northeast-1: 50%}")
	var st *cdn.CDNStats
	for _, n := range rep.Nodes {
		if n.Name == "edge" {
			st = n.Detail.(*cdn.CDNStats)
		}
	}
	byRegion, sum := map[string]float64{}, 0.0
	for region, b := range st.EgressByRegion {
		byRegion[region] = topology.GBPerMonth(b / rep.Window)
		sum += b
	}
	us, jp := byRegion["us-east-1"], byRegion["ap-northeast-1"]
	if len(byRegion) != 2 || math.Abs(sum-st.EgressBytes) > 1e-9*sum || us < 51200 || jp < 51200 {
		t.Fatalf("egress by region %v (%.0f GB, %.0f GB a month), in all %g bytes: want both past 50 TB, adding up", st.EgressByRegion, us, jp, st.EgressBytes)
	}
	reqs := float64(st.Requests) / rep.Window * topology.HoursPerMonth * 3600 / 1e6
	want := topology.CloudFrontTiers.Cost(us) + 10240*0.114 + 40960*0.089 + (jp-51200)*0.086 + reqs // Japan's third tier
	if jp > 153600 {
		t.Fatalf("Japan's %.0f GB: want the third tier", jp)
	}
	if got := rep.Cost.ByNode["edge"]; math.Abs(got-want) > 1e-9*want {
		t.Errorf("the CDN's %.0f GB to the US and %.0f GB to Japan a month cost $%.9f, want $%.9f", us, jp, got, want)
	}
}
