//go:build unix

package yamlfile

import "syscall"

// openNonBlocking opens a file without waiting: a named pipe with no
// writer is opened at once (and then refused as not a regular file)
// instead of blocking the open.
const openNonBlocking = syscall.O_NONBLOCK
