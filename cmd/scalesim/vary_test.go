package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios/analysis"
)

// TestVaryValues checks the values --vary stands for, and what it refuses.
func TestVaryValues(t *testing.T) {
	cases := []struct {
		v       vary
		want    []string
		wantErr string
	}{
		{vary{arg: "nodes.app.instances=2..5"}, []string{"2", "3", "4", "5"}, ""},
		{vary{arg: "nodes.app.instances=2..20:6"}, []string{"2", "8", "14", "20"}, ""},
		{vary{arg: "nodes.app.instances=2..19:6"}, []string{"2", "8", "14"}, ""},
		{vary{arg: "nodes.app.instances=1..1000", points: 4, log: true}, []string{"1", "10", "100", "1000"}, ""},
		{vary{arg: "nodes.db.instance=db.r6g.large, db.r6g.xlarge"}, []string{"db.r6g.large", "db.r6g.xlarge"}, ""},
		{vary{arg: "nodes.app.service_time={dist: exponential, mean: 5ms},{dist: constant, value: 5ms}"},
			[]string{"{dist: exponential, mean: 5ms}", "{dist: constant, value: 5ms}"}, ""},
		{vary{arg: "nodes.app.service_time.mean=5ms..50ms", points: 4}, []string{"5ms", "20ms", "35ms", "50ms"}, ""},
		{vary{arg: "nodes.app.service_time.mean=5ms..50ms", points: 3, log: true}, []string{"5ms", "15.81ms", "50ms"}, ""},
		{vary{arg: "nodes.app.service_time.mean=0.1s..0.5s:0.1s"}, []string{"0.1s", "0.2s", "0.3s", "0.4s", "0.5s"}, ""},
		{vary{arg: "slo.error_rate=0.5%..2%:0.5"}, []string{"0.5%", "1%", "1.5%", "2%"}, ""},
		{vary{arg: "x=12345..99999", points: 3, log: true}, []string{"12345", "35135", "99999"}, ""},
		{vary{arg: "x=1.5k..2.5k", points: 3}, []string{"1.5k", "2k", "2.5k"}, ""},
		{vary{arg: "users=1k,10k,100k"}, []string{"1k", "10k", "100k"}, ""},
		{vary{arg: "rate=100..300:100"}, []string{"100", "200", "300"}, ""},

		{vary{arg: "nodes.app.instances"}, nil, "want PATH=VALUES"},
		{vary{arg: "=2..3"}, nil, "want PATH=VALUES"},
		{vary{arg: "nodes.app.instances=4"}, nil, "not one value"},
		{vary{arg: "nodes.app.instances=5..2"}, nil, "want FROM less than TO"},
		{vary{arg: "nodes.app.instances=1..2000"}, nil, "at most 1000 points"},
		{vary{arg: "nodes.app.instances=2..20", points: 5, pointsSet: true}, nil, "give a step"},
		{vary{arg: "nodes.app.instances=2..20:0"}, nil, "want a positive STEP"},
		{vary{arg: "nodes.app.instances=2..20:2", log: true}, nil, "a step gives them"},
		{vary{arg: "nodes.app.service_time.mean=5ms..1s", points: 3}, nil, `same unit, got "ms" and "s"`},
		{vary{arg: "nodes.app.service_time.mean=0ms..1ms", points: 3, log: true}, nil, "--log spaces a range of positive values"},
		{vary{arg: "nodes.db.instance=small..large"}, nil, "want numbers at both ends"},
		{vary{arg: "nodes.db.instance=a,b,a"}, nil, "a is listed twice"},
		{vary{arg: "nodes.db.instance=a,,b"}, nil, "a value of the list is empty"},
		{vary{arg: "nodes.db.instance=a,b", log: true}, nil, "a list gives them"},
		{vary{arg: "x=1.0001..1.0002", points: 3}, nil, "too narrow"},
	}
	for _, c := range cases {
		t.Run(c.v.arg, func(t *testing.T) {
			if c.v.points == 0 {
				c.v.points = analysis.DefaultSweepPoints
			}
			var spec analysis.SweepSpec
			err := c.v.apply(&spec)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || exitCode(err) != exitInvalid {
					t.Fatalf("error %v, want a usage error with %q", err, c.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(spec.Values, c.want) {
				t.Fatalf("values %q, err %v; want %q", spec.Values, err, c.want)
			}
			if path, _, _ := strings.Cut(c.v.arg, "="); spec.Axis.Path != path {
				t.Errorf("axis %q, want %q", spec.Axis, path)
			}
		})
	}
}

// TestVaryUsersIsUsers checks that a sweep along --vary users=RANGE (and
// rate=RANGE) writes the bytes the --users (--rate) sweep does, and a
// sweep comparison likewise.
func TestVaryUsersIsUsers(t *testing.T) {
	sweep := []string{"--points", "3", "--max-requests", "100k", "--format", "json", "--quiet"}
	users := "100k..10M" // the top point saturates three-tier's app
	if testing.Short() {
		users = "100k..5M" // a tenth of the CPU: every point holds
	}
	for _, c := range [][2][]string{
		{append([]string{"sweep", "three-tier", "--users", users}, sweep...), append([]string{"sweep", "three-tier", "--vary", "users=" + users}, sweep...)},
		{append([]string{"sweep", "checkout-api", "--rate", "100..500", "--linear"}, sweep...), append([]string{"sweep", "checkout-api", "--vary", "rate=100..500", "--linear"}, sweep...)},
		{{"compare", "three-tier", "three-tier", "--set-b", "nodes.app.instances=6", "--users", "100k..1M", "--points", "3", "--precision", "5%", "--quiet"},
			{"compare", "three-tier", "three-tier", "--set-b", "nodes.app.instances=6", "--vary", "users=100k..1M", "--points", "3", "--precision", "5%", "--quiet"}},
	} {
		codeA, outA, errA := run(c[0]...)
		codeB, outB, errB := run(c[1]...)
		if codeA != exitOK || codeB != exitOK || outA != outB || outA == "" {
			t.Errorf("%v: exit %d (%s), %v: exit %d (%s); outputs equal %v", c[0], codeA, errA, c[1], codeB, errB, outA == outB)
		}
	}
}
