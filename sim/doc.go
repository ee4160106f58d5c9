// Package sim is a small, domain-free discrete-event simulation kernel.
//
// It provides a simulated clock measured in seconds ([Time]), a typed event
// queue with deterministic first-in-first-out order for simultaneous events
// ([Kernel]), independent random streams derived from a seed and a name
// ([NewStream]), validated probability distributions ([Dist]) and streaming
// statistics with bounded memory ([Summary], [Histogram], [TimeAverage],
// [BatchMeans]).
//
// The kernel knows nothing of servers, requests or networks: models register
// [Handler] values and schedule events carrying an opcode and a
// pointer-shaped payload, so that scheduling allocates nothing in steady
// state.
package sim
