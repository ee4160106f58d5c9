package scenarios

import (
	"strings"
	"testing"
)

// TestFaultRefusalNamesItsOverrides checks that a fault refused for what
// overrides made of its node names those overrides, and only those: an
// override of another region's count of a fleet (the fault strikes one
// copy) or of a database's shards (an instances fault takes instances of
// each shard's primaries and replicas, whatever their number) does not
// make the fault too big, and was named as if it did (hostile review).
func TestFaultRefusalNamesItsOverrides(t *testing.T) {
	fleet := strings.Replace(fleets, "run:", "faults: [{at: 10s, for: 5s, node: app@eu-west-1, instances: 2}]\nrun:", 1)
	db := `name: db
workload: {rate: 10, keys: {dist: uniform, count: 100}}
entry: app
nodes:
  app: {kind: service, service_time: 1ms, calls: [{to: db}]}
  db: {kind: database, replicas: 2, shards: 2, service_time: 1ms}
faults: [{at: 10s, for: 5s, node: db, instances: 2}]
`
	const tooMany = "fault instances 3: service app@eu-west-1 has 2 instances (leave instances out to take the whole node down)"
	cases := []struct {
		name, src string
		sets      []string
		want      string
	}{
		{"another region's count", fleet, []string{"nodes.app.instances.us-east-1=1", "faults.0.instances=3"},
			"--set faults.0.instances=3: " + tooMany},
		{"its region's count", fleet, []string{"nodes.app.instances.eu-west-1=1"},
			"fleets.yaml:15:61: fault instances 2: service app@eu-west-1 has 1 instance (leave instances out to take the whole node down) (with --set nodes.app.instances.eu-west-1=1)"},
		{"every region's count", fleet, []string{"nodes.app.instances=1"},
			"fleets.yaml:15:61: fault instances 2: service app@eu-west-1 has 1 instance (leave instances out to take the whole node down) (with --set nodes.app.instances=1)"},
		{"a database's shards", db, []string{"nodes.db.shards=1", "faults.0.instances=3"},
			"--set faults.0.instances=3: fault instances 3: database db has 1 primary and 2 replicas, and a fault takes instances of each (leave instances out to take the whole node down)"},
		{"a database's replicas", db, []string{"nodes.db.replicas=1"},
			"db.yaml:7:50: fault instances 2: database db has 1 primary and 1 replica a shard, and a fault takes instances of each (leave instances out to take the whole node down) (with --set nodes.db.replicas=1)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "fleets.yaml"
			if c.src == db {
				name = "db.yaml"
			}
			_, err := Parse(name, []byte(c.src), c.sets...)
			if err == nil || err.Error() != c.want {
				t.Fatalf("want one error, %q; got %v", c.want, err)
			}
		})
	}
}
