//go:build !race

package simulate_test

// raceDetector says the tests run under the race detector (go test -race).
const raceDetector = false
