// Command scalesim simulates scaling architectures described in YAML
// scenario files and reports latency, utilization, saturation and errors.
package main

import "os"

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}
