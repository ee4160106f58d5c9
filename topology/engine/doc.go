// Package engine runs a scenario's topology (package topology) on a
// sim.Kernel: the request and visit records ([Request], [Job]), the
// queueing stations ([Station]), the dispatch of the network's events
// ([Network]), the call program of a pool of instances (topology.Pool specs run by
// [NewPool] and [NewConsumers]), and the policies as generic mechanisms
// (timeouts, retries, circuit breakers, hedges, fallbacks, admission,
// sessions, autoscaling, deploys, faults, hosts), with the per-node figures
// they report ([NodeStats], [Detail]).
//
// A node kind's spec implements [Builder] besides topology.Spec: Build
// makes its runtime [Component], and Footprint says how much memory that
// holds. A fault kind's effect implements [Striker] besides
// topology.FaultEffect. [NewNetwork] builds every node's component and
// links them; nothing here names a node kind.
package engine
