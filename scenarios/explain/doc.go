// Package explain says in plain words what saturates first in a scenario
// and why, how much headroom each node has, which scaling pattern addresses
// the limit (each node kind's advice), and the back-of-envelope arithmetic
// beside the simulated figures.
package explain
