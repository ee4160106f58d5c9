//go:build !unix

package yamlfile

// openNonBlocking is 0 where opening a file cannot wait for a writer.
const openNonBlocking = 0
