// Package output is the one way results are written: each result knows how
// to write itself as a table for people and as JSON (and some as CSV), and
// Write picks the format a command was asked for.
package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
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

// WriteFile writes a file at path with write. A regular file (or none) is
// written under a temporary name beside it and renamed to path once
// complete (mode 0644), so that a failure never leaves a partial file; a
// symbolic link to a regular file is kept and the file it leads to
// replaced. A terminal, a device such as /dev/null and a pipe are written
// through, never replaced; a pipe that no process reads is refused rather
// than waited on. Anything else (a directory, a socket) is refused. An
// error names path, never the temporary name.
func WriteFile(path string, write func(io.Writer) error) error {
	dest, through, err := destination(path)
	if err != nil {
		return err
	}
	if through {
		return writeThrough(path, write)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+"-*")
	if err != nil {
		return cannotCreateBeside(path, dest, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing left to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return cannotWrite(path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return cannotWrite(path, err)
	}
	if err := tmp.Close(); err != nil {
		return cannotWrite(path, err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return cannotWrite(path, err)
	}
	return nil
}

// CheckFile checks, before the work whose result WriteFile is to write at
// path, that it can be written there: a regular file (or none) in a folder
// that can be written, a terminal or device that can be opened for
// writing, or a pipe.
func CheckFile(path string) error {
	dest, through, err := destination(path)
	switch {
	case err != nil:
		return err
	case through:
		if st, err := os.Stat(path); err == nil && st.Mode()&fs.ModeNamedPipe != 0 {
			return nil // opening it now would tell its reader that it ended
		}
		f, err := os.OpenFile(path, os.O_WRONLY|openNonBlocking, 0)
		if err != nil {
			return cannotWrite(path, err)
		}
		return f.Close()
	}
	f, err := os.CreateTemp(filepath.Dir(dest), ".scalesim-check-*")
	if err != nil {
		return cannotCreateBeside(path, dest, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// destination is where WriteFile writes for path: the regular file it
// names, symbolic links resolved, or path itself when through, for a
// terminal, a device or a pipe.
func destination(path string) (dest string, through bool, err error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Lstat(path); err == nil {
			return "", false, fmt.Errorf("output: cannot write %s: it is a symbolic link to a file that does not exist", path)
		}
		return path, false, nil
	case err != nil:
		return "", false, cannotWrite(path, err)
	case st.Mode().IsRegular():
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "", false, cannotWrite(path, err)
		}
		return real, false, nil
	case st.Mode()&(fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
		return path, true, nil
	}
	what := "neither a regular file, a terminal nor a pipe"
	switch {
	case st.IsDir():
		what = "a directory"
	case st.Mode()&fs.ModeSocket != 0:
		what = "a socket"
	}
	return "", false, fmt.Errorf("output: cannot write %s: it is %s", path, what)
}

// writeThrough writes to the terminal, device or pipe at path, without
// waiting for a pipe's reader to come.
func writeThrough(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|openNonBlocking, 0)
	if errors.Is(err, syscall.ENXIO) {
		return fmt.Errorf("output: cannot write %s: no process reads the pipe", path)
	}
	if err != nil {
		return cannotWrite(path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return cannotWrite(path, err)
	}
	if err := f.Close(); err != nil {
		return cannotWrite(path, err)
	}
	return nil
}

// cannotCreateBeside is the error of creating the temporary file beside
// dest, the regular file path leads to (or none): when dest's folder
// exists, the folder is what refused (such as /proc, where a file can be
// read but no file created, so /proc/self/status cannot be replaced), and
// the error says so, with the system's reason, which alone would read as
// if path did not exist.
func cannotCreateBeside(path, dest string, err error) error {
	folder := filepath.Dir(dest)
	st, serr := os.Stat(folder)
	if serr != nil || !st.IsDir() {
		return cannotWrite(path, err)
	}
	if asked, serr := os.Stat(filepath.Dir(path)); serr == nil && os.SameFile(st, asked) {
		folder = filepath.Dir(path) // as it was written (/proc/self, not /proc/PID)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	what := "no file can be created in its folder " + folder
	if _, serr := os.Lstat(dest); serr == nil {
		what = "it cannot be replaced: no file can be created in its folder " + folder + " to replace it with"
	}
	return fmt.Errorf("output: cannot write %s: %s (%w)", path, what, err)
}

// cannotWrite is the error of writing path: err without the name an
// os.PathError or os.LinkError gives it, which may be a temporary file's.
func cannotWrite(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("output: cannot write %s: %w", path, err)
}
