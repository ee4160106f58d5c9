// Package topology is the architecture model of a scenario: the nodes of a
// system (services, load balancers, caches, databases, CDNs), how they call
// each other, how they are checked and priced, and how the analytic
// estimate and explain treat them. What runs them is package
// topology/engine.
//
// Every node kind is one [Kind] in one registry ([Register], [Kinds]): its
// name and fields, its decoder, and, through the [Spec] it decodes to, its
// references to other nodes, its checks, its analytic treatment
// ([Analytic], against the network-wide [Solver]) and its advice
// ([Explainer]). Its runtime is the engine's business: the spec also
// implements engine.Builder. A kind lives in a package of its own, which
// registers it; nothing else names it. Faults are kinds too ([FaultKind],
// [RegisterFault]): a [FaultEffect] checks itself here, and strikes in the
// engine (engine.Striker).
//
// [Decode] reads the nodes section of a scenario file, and
// [Topology.Validate] checks it.
package topology
