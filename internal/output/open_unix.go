//go:build unix

package output

import "syscall"

// openNonBlocking opens a file without waiting: a pipe that no process
// reads fails at once (ENXIO) instead of blocking the open.
const openNonBlocking = syscall.O_NONBLOCK
