// Package estimate solves a scenario analytically in milliseconds: hit
// ratios of caches and CDNs by Che's approximation, visit rates from the
// traffic equations (solved in call order, since the call graph has no
// cycles), then each node by its kind's analytic treatment (M/G/c stations:
// Erlang C scaled for service-time variance, by Pollaczek–Khinchine and
// Allen–Cunneen, and for round robin's smoother arrivals, by
// Krämer–Langenbach-Belz), or Mean Value Analysis for a closed workload.
// It is exact for product-form networks and M/G/1, and lists what it
// approximates elsewhere. An overloaded node only consumers reach (behind
// a queue) is a growing backlog, apart from the request path's verdict.
//
// [Model] is the solved traffic of a scenario; it implements
// topology.Solver, the view each node kind's treatment has of the whole,
// and is what explain reads visit rates and network time from.
package estimate
