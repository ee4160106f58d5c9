// Package explain says in plain words what saturates first in a scenario
// and why, how much headroom each node has, which scaling pattern addresses
// the limit (each node kind's advice), what failed, the back-of-envelope
// arithmetic beside the simulated figures, and whether the analytic
// estimate agrees with the run (within the run's CI and a stated model
// error), naming what the scenario has that the estimate leaves out when
// it does not.
package explain
