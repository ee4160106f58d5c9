package topology

import (
	"gopkg.in/yaml.v3"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
	"github.com/scalesim/scalesim/units"
)

// TypeSized is a spec whose workers per instance (per server, per cache
// node) its node's instance type may give: workers: {per_vcpu: N}.
type TypeSized interface {
	// WorkersPerInstance is where its workers per instance are set.
	WorkersPerInstance() *int
}

// MemorySized is a spec whose capacity its node's instance type's memory
// may give (a cache given item_size alone, a database's buffer pool).
type MemorySized interface {
	// SizeFromMemory sets the capacity of node's spec from the memory of
	// its instance type in, recording an error in e if nothing fits.
	SizeFromMemory(e field.Errors, node string, in Instance)
}

// workersField decodes a kind's workers when it is a number; a mapping
// ({per_vcpu: N}) is the node's, read by decodePerVCPU.
func workersField(d *yamlfile.Decoder, m yamlfile.Map, what string, to *int) {
	if n := m.Get("workers"); n != nil && n.Kind == yaml.MappingNode {
		return
	}
	intField(d, m, "workers", what, to)
}

// decodePerVCPU reads workers: {per_vcpu: N} on a node whose kind takes
// its workers from its type; 0 when workers is a number or absent.
func decodePerVCPU(d *yamlfile.Decoder, m yamlfile.Map, node string, spec Spec) int {
	n := m.Get("workers")
	if _, ok := spec.(TypeSized); !ok || n == nil || n.Kind != yaml.MappingNode {
		return 0
	}
	what := "node " + node + " workers"
	f, ok := d.Mapping(n, what, "per_vcpu")
	if !ok {
		return 0
	}
	if !f.Has("per_vcpu") {
		d.Errorf(n, "%s: give a number (workers: 8) or workers per vCPU of its instance type (workers: {per_vcpu: 2})", what)
		return 0
	}
	v, _ := d.Int(f.Get("per_vcpu"), what+" per_vcpu", 1)
	return v
}

// sizeFromType gives node n what its instance type (or its host's) sets:
// its workers per instance from the type's vCPUs (workers: {per_vcpu: N}),
// and a cache's keys per node from the type's memory and its item_size
// when it gives neither capacity nor memory. Validate calls it before the
// kind's own checks, so that the values are checked as if written.
func (t *Topology) sizeFromType(n *Node, e field.Errors) {
	in, known := t.InstanceOf(n)
	if n.PerVCPU > 0 {
		// What does not fit rests on the type, the node's or its host's:
		// an override of either is named.
		e := e.Given(n.Path("instance"), n.Path("host"))
		name := t.instanceName(n)
		_, priced := Catalogue[name]
		switch ws, ok := n.Spec.(TypeSized); {
		case !ok || !known && name != "" && !priced:
			// An unknown type is refused where it is written.
		case !known && priced:
			e.AddAtKey("workers", "node %s: workers per_vcpu counts the vCPUs of its instance type, and %s is priced but is not a machine with vCPUs: give an instance type (e.g. c6i.xlarge) or a number of workers",
				n.Name, name)
		case !known:
			e.AddAtKey("workers", "node %s: workers per_vcpu counts the vCPUs of its instance type, and it has none from the catalogue: give instance (e.g. c6i.xlarge) or a number of workers",
				n.Name)
		case n.PerVCPU > MaxWorkers/in.VCPUs:
			e.Add("workers", "node %s: workers per_vcpu %d × the %s of %s is above %d workers per instance, the most simulated",
				n.Name, n.PerVCPU, units.Plural(in.VCPUs, "vCPU", "vCPUs"), in.Name, MaxWorkers)
		default:
			*ws.WorkersPerInstance() = n.PerVCPU * in.VCPUs
		}
	}
	if ms, ok := n.Spec.(MemorySized); ok && known {
		ms.SizeFromMemory(e, n.Name, in)
	}
}
