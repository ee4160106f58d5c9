//go:build !race

package analysis

// raceDetector says the tests run under the race detector (go test -race).
const raceDetector = false
