// Package scenarios reads scenario files, runs them, and reports the
// results; it also ships a library of built-in scenarios.
//
// A scenario is a workload (package workloads) driving an architecture
// (package topology) for a simulated time, with service-level objectives to
// judge the result by. [Parse] validates a file strictly and reports every
// problem as FILE:LINE:COL; [Run] simulates it and returns a [Report], the
// same bytes for the same file and seed.
package scenarios
