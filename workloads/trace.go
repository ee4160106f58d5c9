package workloads

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/scalesim/scalesim/internal/field"
	"github.com/scalesim/scalesim/sim"
	"github.com/scalesim/scalesim/units"
)

// Trace is a recorded traffic curve to replay: the arrival rate at points
// in time, linear between them and constant after the last (and before the
// first). It drives the same non-homogeneous Poisson generator as a shape.
type Trace struct {
	// File names the CSV file it came from, for messages.
	File   string
	Points []TracePoint
}

// TracePoint is the arrival rate at a time, in seconds since the start.
type TracePoint struct {
	At, Rate float64
}

// MaxTracePoints bounds a trace, and so the work of each arrival's lookup
// (a binary search) and the memory of its shape.
const MaxTracePoints = 100_000

// Mean is the time-weighted mean rate over the trace's span (the trapezoid
// rule, exact for a piecewise-linear curve), or 0 for fewer than two points.
func (tr *Trace) Mean() float64 {
	ps := tr.Points
	if len(ps) < 2 || !(ps[len(ps)-1].At > ps[0].At) {
		return 0
	}
	area := 0.0
	for i := 1; i < len(ps); i++ {
		area += float64(float64(ps[i].Rate+ps[i-1].Rate) / 2 * (ps[i].At - ps[i-1].At))
	}
	return area / (ps[len(ps)-1].At - ps[0].At)
}

// knots are the trace's points as a shape's level, scaled so that its mean
// is rate.
func (tr *Trace) knots(rate float64) []knot {
	scale := 1.0
	if m := tr.Mean(); m > 0 {
		scale = rate / m
	}
	var ks []knot
	if first := tr.Points[0]; first.At > 0 {
		ks = append(ks, knot{0, float64(first.Rate * scale)})
	}
	for _, p := range tr.Points {
		ks = append(ks, knot{sim.Time(p.At), float64(p.Rate * scale)})
	}
	return ks
}

// utf8BOM is the byte order mark some programs write at the start of a
// UTF-8 file (RFC 3629, section 6).
const utf8BOM = "\ufeff"

// ParseTrace reads a trace from CSV: a row per point, time then rate, with
// an optional header (a first row whose time and rate are both not
// numbers, such as "time,rate"). A time is a number of seconds or a
// duration (90s, 15m, 1h); a rate is requests per second (1500, 1.5k). A
// byte order mark at the start of the file is skipped; anywhere else it is
// a character like any other. An error names the line, including that of
// the point at which the trace's mean rate (see Mean) would overflow.
func ParseTrace(data []byte) ([]TracePoint, error) {
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comment = '#'
	var points []TracePoint
	area := 0.0 // the integral of the rate so far, summed as Mean sums it
	for row := 0; ; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d: %v", pe.Line, pe.Err)
			}
			return nil, err
		}
		line, _ := r.FieldPos(0)
		if len(rec) != 2 {
			return nil, fmt.Errorf("line %d: want two columns, time and rate; got %d", line, len(rec))
		}
		at, err := traceTime(rec[0])
		rate, rateErr := units.ParseCount(rec[1])
		if err != nil {
			if row == 0 && rateErr != nil {
				continue // a header
			}
			return nil, fmt.Errorf("line %d: time %q: %v", line, rec[0], err)
		}
		if rateErr != nil || rate < 0 {
			return nil, fmt.Errorf("line %d: rate %q: want requests per second, 0 or more", line, rec[1])
		}
		n := len(points)
		if n > 0 && !(at > points[n-1].At) {
			return nil, fmt.Errorf("line %d: time %s is not after the previous point's %s", line, units.FormatDuration(at), units.FormatDuration(points[n-1].At))
		}
		if n == MaxTracePoints {
			return nil, fmt.Errorf("line %d: a trace has at most %d points", line, MaxTracePoints)
		}
		if n > 0 {
			prev := points[n-1]
			area += float64(float64(rate+prev.Rate) / 2 * (at - prev.At))
			if mean := area / (at - points[0].At); math.IsInf(mean, 0) {
				return nil, fmt.Errorf("line %d: rate %q: the trace's mean rate overflows here", line, rec[1])
			}
		}
		points = append(points, TracePoint{At: at, Rate: rate})
	}
	return points, nil
}

// traceTime reads seconds, or a duration with a unit.
func traceTime(s string) (float64, error) {
	s = strings.TrimSpace(s)
	v, err := units.ParseCount(s)
	if err != nil {
		v, err = units.ParseDuration(s)
	}
	if err != nil || !(v >= 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want seconds or a duration such as 15m")
	}
	return v, nil
}

// validate records what is wrong with the trace, under e, and says it is
// sound.
func (tr *Trace) validate(e field.Errors) bool {
	switch {
	case len(tr.Points) < 2:
		e.Add("", "trace %s needs at least two points (time, rate)", tr.File)
	case !(tr.Mean() > 0):
		e.Add("", "trace %s has no traffic: its mean rate is 0", tr.File)
	default:
		return true
	}
	return false
}
