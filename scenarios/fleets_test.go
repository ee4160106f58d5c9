package scenarios

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/topology"
	"github.com/scalesim/scalesim/topology/balancer"
	"github.com/scalesim/scalesim/topology/dns"
	"github.com/scalesim/scalesim/topology/service"
)

// fleets is a DNS in front of a balancer and a service each written once
// in two regions, with a database in us-east-1 that both copies call.
const fleets = `name: fleets
workload: {rate: 200, regions: {us-east-1: 60%, eu-west-1: 40%}}
entry: dns
nodes:
  dns: {kind: dns, policy: latency, targets: [lb]}
  lb: {kind: load_balancer, targets: app, regions: [us-east-1, eu-west-1]}
  app:
    kind: service
    regions: [us-east-1, eu-west-1]
    instances: {us-east-1: 4, eu-west-1: 2}
    workers: 8
    service_time: {dist: exponential, mean: 20ms}
    calls: [{to: db}]
  db: {kind: database, region: us-east-1, service_time: {dist: constant, value: 1ms}}
run: {seed: 1, duration: 60s}
`

// TestFleetCopies checks that a node in several regions becomes one node
// per region, each caller pointed at the copy nearest it and the dns at
// every copy.
func TestFleetCopies(t *testing.T) {
	s, err := Parse("fleets.yaml", []byte(fleets))
	if err != nil {
		t.Fatal(err)
	}
	top := s.Topology
	want := []string{"dns", "lb@us-east-1", "lb@eu-west-1", "app@us-east-1", "app@eu-west-1", "db"}
	if got := top.Names(); !slices.Equal(got, want) {
		t.Fatalf("nodes %v, want %v", got, want)
	}
	if got := top.Lookup("dns").Spec.(*dns.DNS).Targets; !slices.Equal(got, []string{"lb@us-east-1", "lb@eu-west-1"}) {
		t.Errorf("dns targets %v, want both copies of lb", got)
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		lb := top.Lookup("lb@" + region)
		if got := lb.Spec.(*balancer.Balancer).Targets; !slices.Equal(got, []string{"app@" + region}) {
			t.Errorf("lb@%s targets %v, want the copy in its own region", region, got)
		}
		if lb.Region != region {
			t.Errorf("lb@%s is in %q", region, lb.Region)
		}
		if name, r := lb.Fleet(); name != "lb" || r != region {
			t.Errorf("lb@%s is a copy of %q in %q", region, name, r)
		}
	}
	for region, n := range map[string]int{"us-east-1": 4, "eu-west-1": 2} {
		if got := top.Lookup("app@" + region).Spec.(*service.Service).Instances; got != n {
			t.Errorf("app@%s has %d instances, want %d", region, got, n)
		}
	}
	if got := top.Copies("app"); !slices.Equal(got, []string{"app@us-east-1", "app@eu-west-1"}) {
		t.Errorf("copies of app %v", got)
	}
	// A copy with no copy of its callee in its region calls the nearest:
	// the database is in us-east-1 alone, a single node.
	if got := topology.CallsOf(top.Lookup("app@eu-west-1").Spec)[0].To; got != "db" {
		t.Errorf("app@eu-west-1 calls %q, want db", got)
	}
}

// TestFleetNearestCopy checks that a caller in a region without a copy
// calls the nearest one: eu-central-1 is 19.6 ms from eu-west-1 and 88.6
// ms from us-east-1.
func TestFleetNearestCopy(t *testing.T) {
	src := strings.Replace(fleets, "  db: {kind: database, region: us-east-1,", "  front: {kind: service, region: eu-central-1, service_time: {dist: exponential, mean: 1ms}, calls: [{to: app}]}\n  db: {kind: database, region: us-east-1,", 1)
	s, err := Parse("fleets.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := topology.CallsOf(s.Topology.Lookup("front").Spec)[0].To; got != "app@eu-west-1" {
		t.Errorf("front in eu-central-1 calls %q, want app@eu-west-1", got)
	}
}

// TestFleetErrors checks that each fault of a fleet is refused once, at
// its place in the file.
func TestFleetErrors(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"region twice", "regions: [us-east-1, eu-west-1]}", "regions: [us-east-1, us-east-1]}",
			"6:64: node lb lists region us-east-1 twice"},
		{"one region", "regions: [us-east-1, eu-west-1]}", "regions: [us-east-1]}",
			"6:52: node lb: regions lists the regions of a fleet, two or more"},
		{"unknown region", "regions: [us-east-1, eu-west-1]}", "regions: [us-east-1, eu-wset-1]}",
			`6:64: region "eu-wset-1" is not in the catalogue nor in regions.rtt (did you mean "eu-west-1"?)`},
		{"count for another region", "{us-east-1: 4, eu-west-1: 2}", "{us-east-1: 4, eu-west-2: 2}",
			"10:31: node app gives instances for eu-west-2, which is not one of its regions"},
		{"count missing", "{us-east-1: 4, eu-west-1: 2}", "{us-east-1: 4}",
			"10:16: node app gives no instances for eu-west-1"},
		{"zero instances", "{us-east-1: 4, eu-west-1: 2}", "{us-east-1: 4, eu-west-1: 0}",
			"10:42: node app instances must be at least 1, got 0"},
		{"both region and regions", "    regions: [us-east-1, eu-west-1]\n    instances", "    region: us-east-1\n    regions: [us-east-1, eu-west-1]\n    instances",
			"node app gives both region and regions"},
		{"regions on a dns", "policy: latency, targets: [lb]}", "policy: latency, targets: [lb], regions: [us-east-1, eu-west-1]}",
			"5:61: node dns: a dns is in no region"},
		{"a database in several regions", "region: us-east-1, service_time", "regions: [us-east-1, eu-west-1], service_time",
			"node db: a database in several regions would be separate databases"},
		{"the entry a fleet", "entry: dns", "entry: lb",
			"3:8: the entry lb is in several regions (lb@us-east-1, lb@eu-west-1)"},
		{"a fault on a fleet", "run: {", "faults: [{node: app, at: 10s, for: 10s}]\nrun: {",
			"app is in several regions (app@us-east-1, app@eu-west-1): a fault strikes one copy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(fleets, c.old, c.new, 1)
			if src == fleets {
				t.Fatalf("%q is not in the scenario", c.old)
			}
			_, err := Parse("bad.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
			if n := strings.Count(err.Error(), "bad.yaml:"); n != 1 {
				t.Errorf("want one error, got %d: %v", n, err)
			}
		})
	}
}

// TestFleetErrorsOnce checks that a fault about the copies of a fleet is
// refused once, at its field in the file, naming the fleet as written:
// a dns whose targets list a fleet before another node (the fleet's copies
// take more items of the list than the file writes), and a fleet calling
// another fleet wrongly (each copy calls its own copy of it).
func TestFleetErrorsOnce(t *testing.T) {
	cases := []struct {
		name string
		subs []string // pairs: old, new
		want string
	}{
		{"a target after a fleet", []string{"targets: [lb]}", "targets: [lb, c]}",
			"  db: {kind: database", "  c: {kind: cache, region: us-east-1, capacity: 100}\n  db: {kind: database"},
			"5:51: dns dns passes requests on as they are, but c is a cache"},
		{"a fleet's copies sent as they are", []string{"targets: [lb]}", "targets: [lb, c]}",
			"  db: {kind: database", "  c: {kind: cache, regions: [us-east-1, eu-west-1], capacity: 100}\n  db: {kind: database"},
			"5:51: dns dns passes requests on as they are, but c is a cache"},
		{"a fleet calling a fleet", []string{"calls: [{to: db}]", "calls: [{to: db, op: get}]",
			"db: {kind: database, region: us-east-1,", "db: {kind: service, regions: [us-east-1, eu-west-1],"},
			`13:18: op "get" applies to calls to a cache; db is a service`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := fleets
			for i := 0; i+1 < len(c.subs); i += 2 {
				if !strings.Contains(src, c.subs[i]) {
					t.Fatalf("%q is not in the scenario", c.subs[i])
				}
				src = strings.Replace(src, c.subs[i], c.subs[i+1], 1)
			}
			_, err := Parse("bad.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), "bad.yaml:"+c.want) {
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
			if n := strings.Count(err.Error(), "bad.yaml:"); n != 1 {
				t.Errorf("want one error, got %d: %v", n, err)
			}
		})
	}
}

// TestFleetWeights checks that a balancer's weight for a fleet it targets
// goes to the copy it targets, as its targets do: lb's copies weigh app
// and another service; each copy's weight of app is its own region's
// copy's. It was refused ("weights give none for its target app", "app
// has a weight but is not one of its targets").
func TestFleetWeights(t *testing.T) {
	src := strings.Replace(fleets, "lb: {kind: load_balancer, targets: app, regions: [us-east-1, eu-west-1]}",
		"lb: {kind: load_balancer, targets: [app, spare], weights: {app: 3, spare: 1}, regions: [us-east-1, eu-west-1]}\n  spare: {kind: service, region: us-east-1, service_time: 1ms}", 1)
	s, err := Parse("fleets.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		b := s.Topology.Lookup("lb@" + region).Spec.(*balancer.Balancer)
		if want := map[string]int{"app@" + region: 3, "spare": 1}; !maps.Equal(b.Weights, want) {
			t.Errorf("lb@%s weights %v, want %v", region, b.Weights, want)
		}
	}
}

// TestFleetCopyErrorsPlaced checks that a value a fleet's copies fail to
// decode is refused once, where it was given: at its --set (it was placed
// at 1:1 of the file, the copy of its node having lost the override it
// came from), or at its position in the file; and not again by the
// copies' own check of the field (it was also refused as 'service
// app@us-east-1 needs a service_time'). Found beside a hostile review's
// --set error at 1:1.
func TestFleetCopyErrorsPlaced(t *testing.T) {
	cases := []struct{ name, src, set, want string }{
		{"by --set", fleets, "nodes.app.service_time=fast", `--set nodes.app.service_time=fast: node app service_time: "fast" is not a duration`},
		{"in the file", strings.Replace(fleets, "service_time: {dist: exponential, mean: 20ms}", "service_time: fast", 1), "",
			`fleets.yaml:12:19: node app service_time: "fast" is not a duration`},
		// Each of these named the copy, app@us-east-1 or lb@us-east-1,
		// which the file does not write (hostile review).
		{"a count of one region by --set", fleets, "nodes.app.instances.us-east-1=0", "--set nodes.app.instances.us-east-1=0: node app instances must be at least 1, got 0"},
		{"a queue by --set", fleets, "nodes.app.queue=-1", "--set nodes.app.queue=-1: node app queue must be at least 0, got -1"},
		{"a mean by --set", fleets, "nodes.app.service_time.mean=0ms", "fleets.yaml:12:19: node app service_time: mean must be positive and finite, got 0 (with --set nodes.app.service_time.mean=0ms)"},
		{"an instance type by --set", fleets, "nodes.lb.instance=nope", `--set nodes.lb.instance=nope: node lb: instance "nope" is not in the price catalogue`},
		// A copy's count out of an autoscaler's range names the override
		// that gave the autoscaler (the copy's fields as written).
		{"an autoscaler by --set", fleets, "nodes.app.autoscale={min: 1, max: 3, target: 50%}",
			"fleets.yaml:10:28: instances (4) must be within the autoscaler's min and max (1 to 3) (with --set nodes.app.autoscale={min: 1, max: 3, target: 50%})"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sets []string
			if c.set != "" {
				sets = append(sets, c.set)
			}
			_, err := Parse("fleets.yaml", []byte(c.src), sets...)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Count(err.Error(), "\n") > 0 {
				t.Fatalf("want one error, %q; got %v", c.want, err)
			}
		})
	}
}
