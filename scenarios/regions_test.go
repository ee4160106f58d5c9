package scenarios

import (
	"strings"
	"testing"
)

// placed is the valid scenario with its nodes on the map: the balancer and
// app in Europe, the database in the United States.
var placed = strings.Replace(strings.Replace(strings.Replace(valid,
	"entry: lb\n", "entry: lb\nregions: {names: {eu: eu-west-1}, default: eu}\n", 1),
	"    kind: service\n    service_time: {dist: lognormal", "    kind: service\n    region: us-east-1\n    service_time: {dist: lognormal", 1),
	"    targets: app\n", "    targets: app\n    zone: a\n", 1)

// TestRegionErrors checks that each wrong placement is refused at its
// field, with the names it could have meant.
func TestRegionErrors(t *testing.T) {
	if _, err := Parse("ok.yaml", []byte(placed)); err != nil {
		t.Fatalf("the placed scenario is refused: %v", err)
	}
	cases := []struct {
		name, old, new, want string
	}{
		{"unknown region", "region: us-east-1", "region: us-east-2x",
			`23:13: region "us-east-2x" is not in the catalogue nor in regions.rtt`},
		{"misspelt region", "region: us-east-1", "region: us-eats-1",
			`(did you mean "us-east-1"?)`},
		{"unknown name's region", "{eu: eu-west-1}", "{eu: eu-west-9}",
			`6:23: region "eu-west-9" is not in the catalogue`},
		{"missing pair", "region: us-east-1", "region: mars-1",
			`region "mars-1" is not in the catalogue nor in regions.rtt`},
		{"pair to itself", "default: eu}", "default: eu, rtt: [{between: [eu, eu-west-1], rtt: 5ms}]}",
			`a round trip between eu and itself`},
		{"negative round trip", "default: eu}", "default: eu, rtt: [{between: [eu, us-east-1], rtt: -5ms}]}",
			`regions rtt: duration "-5ms" must be non-negative`},
		{"pair given twice", "default: eu}", "default: eu, rtt: [{between: [eu, us-east-1], rtt: 5ms}, {between: [us-east-1, eu-west-1], rtt: 6ms}]}",
			`the round trip between us-east-1 and eu-west-1 is given twice`},
		{"one region named", "default: eu}", "default: eu, rtt: [{between: [eu], rtt: 5ms}]}",
			`between names two regions`},
		{"no default, a node unplaced", ", default: eu}", "}",
			`node lb has no region while others have`},
		{"zone without a region", "regions: {names: {eu: eu-west-1}, default: eu}\n", "",
			`node lb names a zone but no region`},
		{"unknown regions field", "default: eu}", "default: eu, zones: 3}",
			`unknown field "zones" in regions`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(placed, c.old, c.new, 1)
			if c.name == "zone without a region" {
				src = strings.Replace(src, "    region: us-east-1\n", "", 1)
			}
			if src == placed {
				t.Fatalf("%q is not in the scenario", c.old)
			}
			_, err := Parse("bad.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
		})
	}
}

// TestMissingPairRefused checks that two regions the catalogue does not
// pair are refused by name, and run once the scenario gives their round
// trip.
func TestMissingPairRefused(t *testing.T) {
	src := strings.Replace(placed, "default: eu}", "default: eu, rtt: [{between: [lab, eu], rtt: 3ms}]}", 1)
	src = strings.Replace(src, "region: us-east-1", "region: lab", 1)
	if _, err := Parse("ok.yaml", []byte(src)); err != nil {
		t.Fatalf("a region given in regions.rtt is refused: %v", err)
	}
	src = strings.Replace(src, "    targets: app\n", "    targets: app\n    region: us-east-1\n", 1)
	_, err := Parse("bad.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "no round-trip time between us-east-1 and lab") {
		t.Fatalf("want the missing pair named, got %v", err)
	}
}
