// Package topology is the architecture model of a scenario: the nodes of a
// system (services, load balancers, caches, databases, CDNs), how they call
// each other, how each behaves when requests flow through it, and how the
// analytic estimate and explain treat it.
//
// Every node kind is one [Kind] in one registry ([Register], [Kinds]): its
// name and fields, its decoder, and, through the [Spec] it decodes to, its
// references to other nodes, its checks, its runtime component, its
// report section ([Detail]), its analytic treatment ([Analytic], against
// the network-wide [Solver]) and its advice ([Explainer]). A kind lives in
// one file; nothing else names it.
//
// [Decode] reads and validates the nodes section of a scenario file;
// [NewNetwork] turns a validated [Topology] into components that run on a
// sim.Kernel, and reports per-node statistics ([NodeStats]).
package topology
