package output

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteFileErrors checks that WriteFile and CheckFile name the path
// asked for, never the temporary file, and that a failed write leaves
// neither a partial file nor a temporary one.
func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none", "ts.csv")
	failed := errors.New("the writer failed")
	ok := func(w io.Writer) error { _, err := io.WriteString(w, "a\n"); return err }
	for _, c := range []struct {
		name  string
		err   error
		wants string
	}{
		{"WriteFile in a missing folder", WriteFile(missing, ok), "output: cannot write " + missing + ": no such file or directory"},
		{"CheckFile in a missing folder", CheckFile(missing), "output: cannot write " + missing + ": no such file or directory"},
		{"CheckFile of a folder", CheckFile(dir), "output: cannot write " + dir + ": it is a directory"},
		{"a writer that fails", WriteFile(filepath.Join(dir, "x.csv"), func(io.Writer) error { return failed }), "output: cannot write " + filepath.Join(dir, "x.csv") + ": the writer failed"},
	} {
		if c.err == nil || c.err.Error() != c.wants {
			t.Errorf("%s: %v, want %q", c.name, c.err, c.wants)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("left in the folder: %v, %v", entries, err)
	}
}

// TestWriteFileFolderRefuses checks the error when the folder refuses the
// temporary file: /proc lets its files be read but creates none, so that
// /proc/self/status, a regular file, cannot be replaced. The system says
// "no such file or directory", which alone would read as if the path did
// not exist.
func TestWriteFileFolderRefuses(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc here:", err)
	}
	ok := func(w io.Writer) error { _, err := io.WriteString(w, "a\n"); return err }
	const replace = "output: cannot write /proc/self/status: it cannot be replaced: no file can be created in its folder /proc/self to replace it with ("
	const create = "output: cannot write /proc/self/ts.csv: no file can be created in its folder /proc/self ("
	for _, c := range []struct {
		name  string
		err   error
		wants string
	}{
		{"WriteFile of a file in /proc", WriteFile("/proc/self/status", ok), replace},
		{"CheckFile of a file in /proc", CheckFile("/proc/self/status"), replace},
		{"WriteFile of a new file in /proc", WriteFile("/proc/self/ts.csv", ok), create},
		{"CheckFile of a new file in /proc", CheckFile("/proc/self/ts.csv"), create},
	} {
		if c.err == nil || !strings.HasPrefix(c.err.Error(), c.wants) {
			t.Errorf("%s: %v, want %q…", c.name, c.err, c.wants)
		}
	}
}

// TestWriteFileTargets checks what WriteFile does with what is at the path:
// a regular file is replaced, through a symbolic link that is kept; a
// device is written through; a pipe is written through when read and
// refused at once when not; a link to nothing is refused.
func TestWriteFileTargets(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	if err := os.WriteFile(path("old.csv"), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, to := range map[string]string{"link": "old.csv", "broken": "gone.csv"} {
		if err := os.Symlink(to, path(link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(path("pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err }
	if dest, through, err := destination(os.DevNull); err != nil || !through || dest != os.DevNull {
		t.Errorf("%s: %q, through %v, %v; want it written through", os.DevNull, dest, through, err)
	}
	if err := CheckFile(os.DevNull); err != nil {
		t.Errorf("CheckFile(%s): %v", os.DevNull, err)
	}
	if err := WriteFile(path("link"), write); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path("old.csv")); err != nil || string(data) != "new\n" {
		t.Errorf("the link's file holds %q, %v", data, err)
	}
	if st, err := os.Lstat(path("link")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", st.Mode(), err)
	}
	want := "output: cannot write " + path("broken") + ": it is a symbolic link to a file that does not exist"
	if err := CheckFile(path("broken")); err == nil || err.Error() != want {
		t.Errorf("a broken link: %v, want %q", err, want)
	}
	if err := CheckFile(path("pipe")); err != nil {
		t.Errorf("CheckFile of a pipe: %v", err)
	}
	want = "output: cannot write " + path("pipe") + ": no process reads the pipe"
	if err := WriteFile(path("pipe"), write); err == nil || err.Error() != want {
		t.Errorf("a pipe without a reader: %v, want %q", err, want)
	}
	// A reader that has the pipe open; what is written (a few bytes) waits
	// in the pipe's buffer until it reads.
	r, err := os.OpenFile(path("pipe"), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := WriteFile(path("pipe"), write); err != nil {
		t.Fatalf("a pipe being read: %v", err)
	}
	if data, err := io.ReadAll(r); err != nil || string(data) != "new\n" {
		t.Errorf("the reader got %q, %v", data, err)
	}
	if st, err := os.Lstat(path("pipe")); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v, %v", st.Mode(), err)
	}
}
