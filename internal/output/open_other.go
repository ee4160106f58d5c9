//go:build !unix

package output

// openNonBlocking is 0 where opening a file cannot wait for a reader.
const openNonBlocking = 0
