// Package output is the one way results are written: each result knows how
// to write itself as a table for people and as JSON (and some as CSV), and
// Write picks the format a command was asked for.
package output

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Format is an output format.
type Format string

// The formats.
const (
	Table Format = "table"
	JSON  Format = "json"
	CSV   Format = "csv"
)

// Tabler is a result written as aligned text for people.
type Tabler interface{ WriteTable(io.Writer) error }

// JSONer is a result written as indented JSON.
type JSONer interface{ WriteJSON(io.Writer) error }

// CSVer is a result written as CSV, one row per point.
type CSVer interface{ WriteCSV(io.Writer) error }

// Formats lists the formats r can be written in: table and JSON always, CSV
// when r has rows.
func Formats(r any) []Format {
	out := []Format{Table, JSON}
	if _, ok := r.(CSVer); ok {
		out = append(out, CSV)
	}
	return out
}

// Parse reads a format name, which must be one of allowed.
func Parse(name string, allowed []Format) (Format, error) {
	f := Format(name)
	if !slices.Contains(allowed, f) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return "", fmt.Errorf("must be %s, got %q", orList(names), name)
	}
	return f, nil
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Write writes r to w in format f.
func Write(w io.Writer, f Format, r any) error {
	switch f {
	case JSON:
		if j, ok := r.(JSONer); ok {
			return j.WriteJSON(w)
		}
	case CSV:
		if c, ok := r.(CSVer); ok {
			return c.WriteCSV(w)
		}
	case Table:
		if t, ok := r.(Tabler); ok {
			return t.WriteTable(w)
		}
	}
	return fmt.Errorf("output: a %T cannot be written as %s", r, f)
}

// WriteJSON writes v as indented JSON; what names it in errors.
func WriteJSON(w io.Writer, v any, what string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON %s: %w", what, err)
	}
	return nil
}

// WriteFile writes a file at path with write: to a temporary file beside
// it, renamed to path once complete (mode 0644), so that a failure never
// leaves a partial file.
func WriteFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing left to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
