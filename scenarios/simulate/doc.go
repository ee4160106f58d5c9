// Package simulate runs one scenario and reports it.
//
// [Run] wires the scenario's workload generator to its network of nodes on
// a sim.Kernel, measures the requests of the measurement window (after the
// warm-up), and returns a [Report]: latency percentiles with a confidence
// interval, per-node utilization and saturation, errors, cost and the SLO
// verdict. A run is either of fixed duration or, with RunSpec.Precision, a
// steady-state run that stops once the mean latency is known to that
// precision. The same scenario and seed give the same report, byte for
// byte, as a table or as JSON.
package simulate
