// Package batch makes a run a value: a [Job] (a scenario as written, its
// --set overrides, its seed, its load and its budgets) that can be written
// down as JSON, read back and run elsewhere to the same report; the
// [Result] of a run, which merges exactly with the results of other
// independent runs (other seeds, other points); and the [Runner] that runs
// a plan of jobs in parallel with one count of progress. The analyses
// (package analysis) are plans of jobs.
package batch
