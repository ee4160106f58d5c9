package topology

import (
	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/internal/yamlfile"
)

// Helpers for a kind defined outside this package (see ARCHITECTURE.md,
// "How to add a node kind"), as the kinds inside use them: decoding and
// checking its fields and writing its figures. The engine's helpers,
// for its runtime, are in topology/engine's kindapi.go.

// IntField decodes the optional whole number at key of m into *to; its
// range is for the model's validation to check (InRange).
func IntField(d *yamlfile.Decoder, m yamlfile.Map, key, what string, to *int) {
	intField(d, m, key, what, to)
}

// InRange records an error at the field key if v, its value, is outside
// [minimum, maximum]; what names the node ("queue q").
func InRange(e field.Errors, key, what string, v, minimum, maximum int) {
	inRange(e, key, what, v, minimum, maximum)
}

// OneOf records an error at the field key if v, its value, is not one of
// options (with a suggestion); what names the setting ("on_full").
func OneOf(e field.Errors, key, what, v string, options []string) {
	oneOf(e, key, what, v, options)
}

// LoadShares is each part's share of the arrivals (all 0 without any),
// and the largest share over the mean (nil without any): a partitioned
// node's balance.
func LoadShares(arrivals []float64) ([]float64, *float64) { return loadShares(arrivals) }

// FormatCounts writes up to 8 counts, then how many in all.
func FormatCounts(v []int) string { return counts(v) }

// FormatShares writes up to 8 shares as percentages, then how many in all.
func FormatShares(v []float64) string { return shares(v) }

// HashPart is the part of parts that key (0 or more) goes to by hash(key)
// mod parts, as a database's hash partitioning places it.
func HashPart(key int64, parts int) int { return hashPartition(parts).part(key) }

// Mix64 scrambles a 64-bit value (the SplitMix64 finalizer), as the hash
// partitioning of HashPart does, so that consecutive keys hash far apart.
func Mix64(x uint64) uint64 { return mix64(x) }

// Topology is the topology being checked, for a rule that looks beyond
// the node (the queues a dead letter leads to).
func (c *Checker) Topology() *Topology { return c.t }

// CoalescedFills is a spec whose gets may wait for another get's fill
// (engine.KeyCache.Coalesces): whether this one's do.
type CoalescedFills interface {
	CoalescesFills() bool
}

// HealthChecked is a spec whose nodes may health-check the instances they
// send to (a load balancer): whether this one does.
type HealthChecked interface {
	HealthChecks() bool
}

// For a kind that keeps keys in stations of its own (a cache: see
// ARCHITECTURE.md, "How to add a node kind"): its fields, its hash ring's
// check, its hot key and the call program's key operations; its station,
// key stores and the versions of the values it holds are the engine's.

// WorkersField decodes a kind's workers per instance when it is a number;
// a mapping ({per_vcpu: N}) is read with the node's instance type
// (TypeSized).
func WorkersField(d *yamlfile.Decoder, m yamlfile.Map, what string, to *int) {
	workersField(d, m, what, to)
}

// QueueField decodes a station's queue limit: 0 or more waiting places
// (a file spells Unlimited by leaving the field out).
func QueueField(d *yamlfile.Decoder, m yamlfile.Map, what string, to *int) {
	queueField(d, m, what, to)
}

// CheckQueue records an error for a queue limit that is neither Unlimited
// nor a number of places the simulation can hold.
func CheckQueue(e field.Errors, what string, queue int) { checkQueue(e, what, queue) }

// CheckRing records an error for a hash ring of parts × vnodes points, too
// many to build (MaxRingPoints).
func CheckRing(e field.Errors, what string, parts, vnodes int) { checkRing(e, what, parts, vnodes) }

// WorkersParam and QueueParam describe a station's workers per instance
// and its queue's places, rows of a kind's params table.
var (
	WorkersParam = workersParam
	QueueParam   = queueParam
)

// HotKey is the share of requests the most popular key takes, and whether
// it is hot for a node that spreads keys over parts: at least half an
// even part's share, so that more parts hardly relieve the busiest one.
func HotKey(s Solver, parts int) (share float64, hot bool) { return hotKey(s, parts) }

// KeyOp is what a visit to a key store (an engine.KeyCache) asks of it: the op of
// the call that made it.
type KeyOp uint8

// Key operations.
const (
	NoKeyOp   KeyOp = iota // a visit without an op
	KeyGet                 // look the key up (engine.Job.SetHit)
	KeySet                 // store the key
	KeyDelete              // drop the key
)
