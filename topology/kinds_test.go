package topology_test

// The database kind, which this package's tests put behind their services
// (in the package's own tests too: a test binary runs the init of every
// package its external tests import).
import _ "github.com/scalesim/scalesim/topology/database"
