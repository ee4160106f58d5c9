// Package units parses and formats the quantities scalesim reads and
// writes: durations (20ms), counts (1.5k, 5M), shares (0.1%), sizes (2KB,
// 64GiB), calendar periods (18mo), rates (700/s) and money ($516).
//
// Parsers accept what scenario files and flags accept and return plain
// float64 values in base units: seconds, bytes, shares between 0 and 1.
// Formatters write three or four significant figures in the largest unit
// that keeps the number at least 1, so that reports stay short.
package units
