package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportedNamesDocumented parses every package of the module (tests,
// commands, testdata and directories named _x or .x left out) and fails
// for each exported name without a doc comment, or with one that does not
// start with the name (an article may come first: "A Ring is"). A name in
// a parenthesized const or var group may instead have a comment of its own
// on its line, or the group's. Exported methods of exported types are
// held to it under topology/, where the specs and effects implement both
// the model's interfaces and the engine's and say which ("Build implements
// engine.Builder"); elsewhere an undocumented method implements a plain
// interface (Error, String, a distribution's Sample).
func TestExportedNamesDocumented(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		files++
		rel, _ := filepath.Rel(root, path)
		methods := strings.HasPrefix(filepath.ToSlash(rel), "topology/")
		for _, problem := range undocumented(f, methods) {
			t.Errorf("%s:%d: %s", rel, fset.Position(problem.pos).Line, problem.what)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("%d files checked under %s: is it the module's root?", files, root)
	}
}

type problem struct {
	pos  token.Pos
	what string
}

// undocumented lists the exported names of f without a fitting doc
// comment; methods says whether exported methods are held to it too.
func undocumented(f *ast.File, methods bool) []problem {
	var out []problem
	check := func(pos token.Pos, name, label string, doc *ast.CommentGroup) {
		switch {
		case doc == nil:
			out = append(out, problem{pos, label + " has no doc comment"})
		case !startsWith(doc.Text(), name):
			out = append(out, problem{pos, label + "'s doc comment does not start with " + name + ": " + firstLine(doc.Text())})
		}
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			label := d.Name.Name
			if d.Recv != nil {
				recv := receiver(d.Recv.List[0].Type)
				if !methods || !ast.IsExported(recv) {
					continue
				}
				label = recv + "." + label
			}
			check(d.Pos(), d.Name.Name, label, d.Doc)
		case *ast.GenDecl:
			grouped := d.Lparen.IsValid()
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					doc := s.Doc
					if doc == nil && !grouped {
						doc = d.Doc
					}
					check(s.Pos(), s.Name.Name, s.Name.Name, doc)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						switch {
						case !n.IsExported():
						case grouped:
							if d.Doc == nil && s.Doc == nil && s.Comment == nil {
								out = append(out, problem{n.Pos(), n.Name + " has no doc comment, nor has its group"})
							}
						case len(s.Names) == 1:
							check(n.Pos(), n.Name, n.Name, d.Doc)
						case d.Doc == nil:
							out = append(out, problem{n.Pos(), n.Name + " has no doc comment"})
						}
					}
				}
			}
		}
	}
	return out
}

// receiver is the name of a method's receiver type.
func receiver(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return receiver(t.X)
	case *ast.IndexExpr:
		return receiver(t.X)
	case *ast.IndexListExpr:
		return receiver(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}

// startsWith says text starts with name as a word, after an article or
// none.
func startsWith(text, name string) bool {
	for _, article := range []string{"", "A ", "An ", "The "} {
		rest, ok := strings.CutPrefix(text, article+name)
		if ok && (rest == "" || !isWordByte(rest[0])) {
			return true
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestUndocumented checks the check on small files.
func TestUndocumented(t *testing.T) {
	for _, c := range []struct {
		name, src string
		methods   bool
		want      []string
	}{
		{"documented", "// F does.\nfunc F() {}\n// A T is.\ntype T int\n", false, nil},
		{"none", "func F() {}\n", false, []string{"F has no doc comment"}},
		{"old name", "// f does.\nfunc F() {}\n", false, []string{"F's doc comment does not start with F: f does."}},
		{"longer name", "// FooBar does.\nfunc Foo() {}\n", false, []string{"Foo's doc comment does not start with Foo: FooBar does."}},
		{"unexported", "func f() {}\ntype t int\nvar v = 1\n", false, nil},
		{"group", "// Limits.\nconst (\n\tA = 1\n\tB = 2\n)\nconst (\n\tC = 3 // c\n\tD = 4\n)\n", false, []string{"D has no doc comment, nor has its group"}},
		{"method", "// T is.\ntype T int\nfunc (T) M() {}\nfunc (t *T) N() {}\n", true, []string{"T.M has no doc comment", "T.N has no doc comment"}},
		{"method not held", "// T is.\ntype T int\nfunc (T) M() {}\n", false, nil},
		{"unexported receiver", "type t int\nfunc (t) M() {}\n", true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\n"+c.src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range undocumented(f, c.methods) {
				got = append(got, p.what)
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
