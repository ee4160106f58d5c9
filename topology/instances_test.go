package topology

import (
	"strings"
	"testing"

	"github.com/scalesim/scalesim/internal/yamlfile"
)

// TestCatalogueKeepsPrices checks that the instance types priced before
// the catalogue became data (instances.tsv) keep their prices exactly, so
// that no report's cost moves, and that the non-instance entries remain.
func TestCatalogueKeepsPrices(t *testing.T) {
	for name, want := range map[string]float64{
		"t3.medium": 0.0416, "t3.large": 0.0832,
		"m6i.large": 0.096, "m6i.xlarge": 0.192, "m6i.2xlarge": 0.384,
		"c6i.large": 0.085, "c6i.xlarge": 0.17, "c6i.2xlarge": 0.34,
		"r6i.large": 0.126, "r6i.xlarge": 0.252,
		"db.t4g.medium": 0.065, "db.m6g.large": 0.152, "db.m6g.xlarge": 0.304,
		"db.r6g.large": 0.215, "db.r6g.xlarge": 0.43, "db.r6g.2xlarge": 0.86,
		"cache.t4g.medium": 0.065, "cache.m6g.large": 0.149,
		"cache.r6g.large": 0.206, "cache.r6g.xlarge": 0.411, "cache.r6g.2xlarge": 0.821,
		"kafka.m5.large": 0.21, "alb": 0.0225,
	} {
		if got := CatalogueEntry(name); got.Hourly != want || got.Instance != name {
			t.Errorf("%s: %+v, want hourly %v", name, got, want)
		}
	}
	for _, name := range []string{"cloudfront", "sqs", "sqs-fifo", "sns"} {
		if _, ok := Catalogue[name]; !ok {
			t.Errorf("%s is no longer in the catalogue", name)
		}
	}
}

// TestFamiliesLargeToLargest checks each family the issue names runs from
// large to its largest size, each size doubling or adding to the last's
// vCPUs with the price in proportion to the vCPUs, within 1% (AWS prices
// a family linearly, but for rounding to a tenth of a cent: cache.r6g.large
// is 0.206, half its xlarge 0.2055; c6i.2xlarge costs two xlarges exactly).
func TestFamiliesLargeToLargest(t *testing.T) {
	for _, c := range []struct {
		family, largest string
		vcpus           int
	}{
		{"c6i", "32xlarge", 128}, {"m6i", "32xlarge", 128}, {"r6i", "32xlarge", 128},
		{"db.r6g", "16xlarge", 64}, {"cache.r6g", "16xlarge", 64},
	} {
		large, ok := LookupInstance(c.family + ".large")
		if !ok {
			t.Fatalf("%s.large is not in the catalogue", c.family)
		}
		fam := FamilyOf(large)
		if fam[0].Name != large.Name || fam[len(fam)-1].Size != c.largest || fam[len(fam)-1].VCPUs != c.vcpus {
			t.Errorf("%s runs %s to %s (%d vCPUs), want large to %s (%d)", c.family, fam[0].Name, fam[len(fam)-1].Name,
				fam[len(fam)-1].VCPUs, c.largest, c.vcpus)
		}
		for _, in := range fam[1:] {
			perVCPU := large.Hourly / float64(large.VCPUs)
			if got := in.Hourly / float64(in.VCPUs); got < perVCPU*0.99 || got > perVCPU*1.01 {
				t.Errorf("%s costs %v a vCPU-hour, %s %v", in.Name, got, large.Name, perVCPU)
			}
		}
	}
	x, _ := LookupInstance("c6i.xlarge")
	x2, _ := LookupInstance("c6i.2xlarge")
	if x2.Hourly != 2*x.Hourly || x2.VCPUs != 2*x.VCPUs || x.VCPUs != 4 {
		t.Errorf("c6i.2xlarge %+v is not twice c6i.xlarge %+v", x2, x)
	}
}

// TestParseInstances checks what the catalogue's reader refuses.
func TestParseInstances(t *testing.T) {
	for _, c := range []struct {
		name, text, err string
	}{
		{"good", "# c\nc6i\tlarge\t2\t4\tup to 12.5\t0.085\n", ""},
		{"no vCPUs", "x\tlarge\t0\t4\t10\t0.1\n", "vcpus must be a whole number of at least 1"},
		{"fractional vCPUs", "x\tlarge\t1.5\t4\t10\t0.1\n", "vcpus must be"},
		{"no memory", "x\tlarge\t2\t0\t10\t0.1\n", "memory_gib must be above 0"},
		{"no network", "x\tlarge\t2\t4\tup to\t0.1\n", "network_gbps"},
		{"free", "x\tlarge\t2\t4\t10\t0\n", "hourly_usd must be above 0"},
		{"NaN price", "x\tlarge\t2\t4\t10\tNaN\n", "hourly_usd must be above 0"},
		{"short", "x\tlarge\t2\t4\t10\n", "want 6 tab-separated fields"},
		{"twice", "x\tlarge\t2\t4\t10\t1\nx\tlarge\t2\t4\t10\t1\n", "x.large is listed twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			list, err := parseInstances(c.text)
			switch {
			case c.err == "" && (err != nil || len(list) != 1 || list[0].Network != 12.5e9 || !list[0].UpTo || list[0].Memory != 4<<30):
				t.Errorf("got %+v, %v", list, err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("got error %v, want one saying %q", err, c.err)
			}
		})
	}
	if len(instances()) < 40 {
		t.Errorf("the embedded catalogue has %d types", len(instances()))
	}
}

// TestSizeFromType checks what a node takes from its instance type.
func TestSizeFromType(t *testing.T) {
	for _, c := range []struct {
		name, hosts, nodes string
		check              func(*Topology) bool
	}{
		{"per vCPU", "{}", "  a: {kind: service, service_time: 1ms, instance: c6i.2xlarge, workers: {per_vcpu: 2}}\n",
			func(t *Topology) bool { return *t.Lookup("a").Spec.(TypeSized).WorkersPerInstance() == 16 }},
		{"a number wins", "{}", "  a: {kind: service, service_time: 1ms, instance: c6i.2xlarge, workers: 3}\n",
			func(t *Topology) bool { return *t.Lookup("a").Spec.(TypeSized).WorkersPerInstance() == 3 }},
		{"on a host", "{box: {instance: m6i.4xlarge}}", "  a: {kind: service, service_time: 1ms, host: box, workers: {per_vcpu: 1}}\n",
			func(t *Topology) bool {
				return *t.Lookup("a").Spec.(TypeSized).WorkersPerInstance() == 16 && t.Hosts[0].Cores == 16 && t.Hosts[0].Memory == 64<<30
			}},
		{"host cores given", "{box: {instance: m6i.4xlarge, cores: 4, memory: 1GB}}", "  a: {kind: service, service_time: 1ms, host: box}\n",
			func(t *Topology) bool { return t.Hosts[0].Cores == 4 && t.Hosts[0].Memory == 1e9 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			topo := decodeHosted(t, "a", c.hosts, c.nodes)
			if !c.check(topo) {
				t.Errorf("%+v", topo.Nodes[len(topo.Nodes)-1].Spec)
			}
		})
	}
}

// TestSizeFromTypeRefused checks the refusals, each at its position.
func TestSizeFromTypeRefused(t *testing.T) {
	for _, c := range []struct{ name, nodes, want string }{
		{"no type", "  a: {kind: service, service_time: 1ms, workers: {per_vcpu: 2}, cost: {hourly: 1}}\n",
			"t.yaml:3:41: node a: workers per_vcpu counts the vCPUs of its instance type"},
		{"zero", "  a: {kind: service, service_time: 1ms, instance: c6i.large, workers: {per_vcpu: 0}}\n",
			"t.yaml:3:82: node a workers per_vcpu must be at least 1, got 0"},
		{"empty", "  a: {kind: service, service_time: 1ms, instance: c6i.large, workers: {}}\n",
			"t.yaml:3:71: node a workers: give a number"},
		{"misspelt", "  a: {kind: service, service_time: 1ms, instance: c6i.large, workers: {per_cpu: 2}}\n",
			`per_cpu`},
		{"unknown type", "  a: {kind: service, service_time: 1ms, instance: c6i.xxlarge, workers: {per_vcpu: 2}}\n",
			`t.yaml:3:51: node a: instance "c6i.xxlarge" is not in the price catalogue (did you mean "c6i.2xlarge"?); give cost: {hourly: ...} instead`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &yamlfile.Decoder{File: "t.yaml"}
			root := d.Parse([]byte("entry: a\nnodes:\n" + c.nodes))
			m, _ := d.Mapping(root, "test", "entry", "nodes")
			topo := Decode(d, m.Get("nodes"), m.Get("entry"))
			d.Place(root, topo.Validate(nil, true))
			if err := d.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}
