// Package scenarios is the scenario file and the library of built-in
// scenarios.
//
// A scenario is a workload (package workloads) driving an architecture
// (package topology) for a simulated time, with service-level objectives to
// judge the result by. [Parse] validates a file strictly and reports every
// problem as FILE:LINE:COL; [Builtin] reads one of the scenarios shipped in
// library/.
//
// What is done with a scenario lives in the packages below this one:
// simulate runs one scenario and reports it; analysis runs many (sweeps,
// comparisons, growth timelines); estimate solves one analytically; explain
// says what saturates first and why.
package scenarios
