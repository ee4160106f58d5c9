// Package analytic holds closed-form results of queueing theory: M/M/1,
// M/M/c (Erlang C), M/G/1 (Pollaczek–Khinchine), M/M/1/K blocking, and exact
// Mean Value Analysis of closed networks. The simulator's fidelity tests
// compare against them; analytic estimates of whole topologies build on them.
//
// Rates are per second and times in seconds throughout.
package analytic
