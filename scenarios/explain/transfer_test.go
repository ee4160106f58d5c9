package explain_test

import (
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
	"github.com/scalesim/scalesim/scenarios/explain"
)

// TestTransferAdvice checks that explain says what the data transfer costs
// when it is a quarter of the month or more, and names its largest kind:
// 100 req/s of 200 KB replies out to the users (about 52.6 TB, $4730 a
// month) against one $62 instance; nothing when the replies are 400 bytes
// (about $9.5 of $72), nor when nothing is placed (no transfer is priced).
// What CloudFront would charge instead, by its tiers and its $1 a million
// requests: more for 1000 req/s of 40 KB (105 TB: $10010 against $8178 of
// data out), less for 100 req/s of 1 MB (263 TB: $14922 against $17031).
func TestTransferAdvice(t *testing.T) {
	const heavy = `name: heavy
workload: {rate: 100, regions: {us-east-1: 100%}}
entry: app
regions: {default: us-east-1}
nodes:
  app: {kind: service, workers: 16, service_time: {dist: exponential, mean: 10ms}, size: {reply: 200KB}, instance: c6i.large}
run: {seed: 2, warmup: 5s, duration: 60s}
`
	for _, c := range []struct {
		name, text string
		says       bool
		cdn        string
	}{
		{"heavy replies", heavy, true, ""},
		{"small objects", strings.Replace(strings.Replace(heavy, "200KB", "40KB", 1), "rate: 100,", "rate: 1000,", 1), true, "more than"},
		{"large objects", strings.Replace(heavy, "200KB", "1MB", 1), true, "less than"},
		{"light replies", strings.Replace(heavy, "200KB", "400B", 1), false, ""},
		{"unplaced", strings.Replace(strings.Replace(heavy, "regions: {default: us-east-1}\n", "", 1), ", regions: {us-east-1: 100%}", "", 1), false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := scenarios.Parse("t.yaml", []byte(c.text))
			if err != nil {
				t.Fatal(err)
			}
			ex, err := explain.Scenario(s)
			if err != nil {
				t.Fatal(err)
			}
			const want = "is data sent to the users"
			if got := strings.Contains(ex.Pattern, "Data transfer is") && strings.Contains(ex.Pattern, want); got != c.says {
				t.Errorf("advice %q: says the transfer = %v, want %v", ex.Pattern, got, c.says)
			}
			if c.cdn != "" && !strings.Contains(ex.Pattern, "CloudFront would charge") || !strings.Contains(ex.Pattern, c.cdn) {
				t.Errorf("advice %q: want CloudFront's charge, %s the data out now", ex.Pattern, c.cdn)
			}
			t.Log(ex.Pattern)
		})
	}
}
