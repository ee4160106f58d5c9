// Package topology is the architecture model of a scenario: the nodes of a
// system (services, load balancers), how they call each other, and how each
// behaves as a queueing station when requests flow through it.
//
// [Decode] reads and validates the nodes section of a scenario file through a
// registry of node kinds; [NewNetwork] turns a validated [Topology] into
// components that run on a sim.Kernel, and reports per-node statistics.
package topology
