package explain_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/scalesim/scalesim/scenarios"
)

// TestExplainSharedHost checks what explain says of nodes on one host: the
// contention (how busy the cores are, how long each node waits for one),
// the host's capacity beside the run's, and, when the cores saturate
// before any node's own workers, that they do and what to move off the
// host; with cores to spare, the nodes' own limits come first.
func TestExplainSharedHost(t *testing.T) {
	const file = `name: box
workload: {rate: 150}
entry: app
hosts: {box: {cores: 4}}
nodes:
  app: {kind: service, host: box, workers: 64, service_time: {dist: exponential, mean: 10ms}, calls: [db]}
  db: {kind: database, host: box, workers: 8, service_time: {dist: exponential, mean: 10ms}}
run: {duration: 60s}
`
	for _, c := range []struct {
		name      string
		sets      []string
		want, not []string
	}{
		{"cores first", nil, []string{
			"What saturates first: the cores of host box. app and db share box's 4 cores: 7",
			"app waits for a core", "db waits for a core",
			"they saturate at about 1.3",
			"Then: db (database).",
			"What to do: The cores app and db share on host box are the limit, before any node's own workers: move db to a host of its own",
			"capacity of host box     4 cores ÷ 10ms a visit = 400/s visits",
			"simulated: 30", "visits of app and db",
		}, []string{"Shared host:"}},
		{"workers first", []string{"hosts.box.cores=64", "nodes.db.workers=2"}, []string{
			"What saturates first: db (database).",
			"Shared host: app and db share box's 64 cores: ",
		}, []string{"the cores of host box", "move db"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ex := explained(t, func() (*scenarios.Scenario, error) { return scenarios.Parse("box.yaml", []byte(file), c.sets...) })
			var b bytes.Buffer
			if err := ex.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("the explanation lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range c.not {
				if strings.Contains(b.String(), w) {
					t.Errorf("the explanation says %q:\n%s", w, b.String())
				}
			}
		})
	}
}
