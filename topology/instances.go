package topology

import (
	"cmp"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Instance is one instance type of the catalogue (instances.tsv): the
// machine a node's or a host's instance field names, and its on-demand
// price.
type Instance struct {
	// Name is Family.Size, such as c6i.2xlarge.
	Name, Family, Size string
	// VCPUs are its virtual CPUs, at least 1.
	VCPUs int
	// Memory is its memory in bytes (for a cache node, what its engine
	// may use, as its type's page lists it).
	Memory float64
	// Network is its network bandwidth in bits per second; UpTo says it
	// is a burst over a lower baseline ("up to 12.5 Gigabit").
	Network float64
	UpTo    bool
	// Hourly is its on-demand price in US dollars an hour.
	Hourly float64
}

//go:embed instances.tsv
var instancesTSV string

// instances is the catalogue's types, in the file's order (a family's
// sizes smallest first), read once.
var instances = sync.OnceValue(func() []Instance {
	list, err := parseInstances(instancesTSV)
	if err != nil {
		panic(err) // the embedded file is part of the program; a test reads it
	}
	return list
})

func init() {
	for _, in := range instances() {
		Catalogue[in.Name] = Price{Hourly: in.Hourly}
	}
}

// parseInstances reads the catalogue's lines: family, size, vCPUs, memory
// in GiB, network in Gbit/s ("up to N" for a burst) and the hourly price,
// tab-separated; # starts a comment line. It refuses a type with no vCPUs,
// no memory or no price, and a type listed twice.
func parseInstances(text string) ([]Instance, error) {
	var list []Instance
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		bad := func(why string) error {
			return fmt.Errorf("topology: instances.tsv:%d: %s: %q", i+1, why, line)
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, bad("want 6 tab-separated fields")
		}
		in := Instance{Name: f[0] + "." + f[1], Family: f[0], Size: f[1]}
		var err error
		if in.VCPUs, err = strconv.Atoi(f[2]); err != nil || in.VCPUs < 1 {
			return nil, bad("vcpus must be a whole number of at least 1")
		}
		gib, err := strconv.ParseFloat(f[3], 64)
		if err != nil || !(gib > 0) {
			return nil, bad("memory_gib must be above 0")
		}
		in.Memory = gib * (1 << 30)
		net, upTo := strings.CutPrefix(f[4], "up to ")
		gbps, err := strconv.ParseFloat(net, 64)
		if err != nil || !(gbps > 0) {
			return nil, bad(`network_gbps must be above 0, or "up to" a figure above 0`)
		}
		in.Network, in.UpTo = gbps*1e9, upTo
		if in.Hourly, err = strconv.ParseFloat(f[5], 64); err != nil || !(in.Hourly > 0) {
			return nil, bad("hourly_usd must be above 0")
		}
		if seen[in.Name] {
			return nil, bad(in.Name + " is listed twice")
		}
		seen[in.Name] = true
		list = append(list, in)
	}
	return list, nil
}

// LookupInstance returns the catalogue's instance type called name.
func LookupInstance(name string) (Instance, bool) {
	i := slices.IndexFunc(instances(), func(in Instance) bool { return in.Name == name })
	if i < 0 {
		return Instance{}, false
	}
	return instances()[i], true
}

// FamilyOf lists the sizes of an instance type's family in the catalogue,
// fewest vCPUs first (then least memory).
func FamilyOf(in Instance) []Instance {
	var out []Instance
	for _, o := range instances() {
		if o.Family == in.Family {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b Instance) int {
		if a.VCPUs != b.VCPUs {
			return a.VCPUs - b.VCPUs
		}
		return cmp.Compare(a.Memory, b.Memory)
	})
	return out
}

// InstanceOf is the catalogue's type of node n: its own instance, or its
// host's; false when it names none (a price given as cost alone).
func (t *Topology) InstanceOf(n *Node) (Instance, bool) {
	return LookupInstance(t.instanceName(n))
}

// instanceName is the instance type node n runs on: its own, or its
// host's; "" when it names none.
func (t *Topology) instanceName(n *Node) string {
	if h := t.LookupHost(n.Host); h != nil {
		return h.Price.Instance
	}
	return n.Price.Instance
}
