//go:build race

package analysis

// raceDetector says the tests run under the race detector (go test -race),
// which makes simulations about ten times slower.
const raceDetector = true
