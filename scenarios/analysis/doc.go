// Package analysis runs a scenario many times to answer questions a single
// run cannot: how latency grows with load and where it breaks, or which
// values of any field pass and which is the cheapest ([Sweep] along an
// [Axis]); whether a change makes a real difference ([Compare], on common
// random numbers); and when a growing user base outgrows the architecture
// ([Timeline]). Each is a plan of jobs (package scenarios/batch) made from
// a base job, run by one batch.Runner in parallel; results never depend on
// the parallelism.
package analysis
