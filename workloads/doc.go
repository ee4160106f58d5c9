// Package workloads describes and generates the traffic that drives a
// simulation: open Poisson arrivals (a fixed rate, or one derived from a
// user population), time-varying load shapes, closed populations of users
// who think between requests, partly open sessions, and the mix of request
// classes.
//
// A [Spec] is decoded from the workload section of a scenario file; a
// [Generator] turns it into arrival events on a sim.Kernel and hands each
// arrival to a [Sink].
package workloads
