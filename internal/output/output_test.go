package output

import (
	"bytes"
	"io"
	"slices"
	"testing"
)

type tableOnly struct{}

func (tableOnly) WriteTable(w io.Writer) error { _, err := io.WriteString(w, "table\n"); return err }
func (tableOnly) WriteJSON(w io.Writer) error  { return WriteJSON(w, map[string]int{"a": 1}, "test") }

type withRows struct{ tableOnly }

func (withRows) WriteCSV(w io.Writer) error { _, err := io.WriteString(w, "a\n1\n"); return err }

func TestFormats(t *testing.T) {
	if got := Formats(tableOnly{}); !slices.Equal(got, []Format{Table, JSON}) {
		t.Errorf("a result without rows: %v", got)
	}
	if got := Formats(withRows{}); !slices.Equal(got, []Format{Table, JSON, CSV}) {
		t.Errorf("a result with rows: %v", got)
	}
	if _, err := Parse("csv", Formats(tableOnly{})); err == nil || err.Error() != `must be table or json, got "csv"` {
		t.Errorf("Parse csv for a table-only result: %v", err)
	}
	if f, err := Parse("json", Formats(withRows{})); err != nil || f != JSON {
		t.Errorf("Parse json: %v, %v", f, err)
	}
}

func TestWrite(t *testing.T) {
	for _, c := range []struct {
		f    Format
		r    any
		want string
	}{
		{Table, tableOnly{}, "table\n"},
		{JSON, tableOnly{}, "{\n  \"a\": 1\n}\n"},
		{CSV, withRows{}, "a\n1\n"},
	} {
		var b bytes.Buffer
		if err := Write(&b, c.f, c.r); err != nil || b.String() != c.want {
			t.Errorf("Write %s: %q, %v; want %q", c.f, b.String(), err, c.want)
		}
	}
	if err := Write(io.Discard, CSV, tableOnly{}); err == nil {
		t.Error("a result without rows was written as CSV")
	}
}
