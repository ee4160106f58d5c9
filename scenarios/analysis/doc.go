// Package analysis runs a scenario many times to answer questions a single
// run cannot: how latency grows with load and where it breaks ([Sweep]),
// whether a change makes a real difference ([Compare], on common random
// numbers), and when a growing user base outgrows the architecture
// ([Timeline]). Runs go in parallel; results never depend on it.
package analysis
