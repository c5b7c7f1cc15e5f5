// Package internal_test holds the test that keeps the layers apart, as
// ARCHITECTURE.md requires: web never imports store, troupe imports
// nothing of ours, and app does not hand store's data types to its
// callers.
package internal_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	module    = "troupe/internal/"
	storePath = module + "store"
)

// storeInfrastructure are the store types app's API may name: the
// database and its transactions, which callers wire or pass through, not
// data they read.
var storeInfrastructure = map[string]bool{"DB": true, "Tx": true, "Queries": true}

func TestLayering(t *testing.T) {
	t.Run("web does not import store", func(t *testing.T) {
		for _, im := range imports(t, "web") {
			if im.path == storePath || strings.HasPrefix(im.path, storePath+"/") {
				t.Errorf("%s imports %s; web reaches the data through app and troupe types", im.file, im.path)
			}
		}
	})
	t.Run("troupe imports nothing of ours", func(t *testing.T) {
		for _, im := range imports(t, "troupe") {
			if strings.HasPrefix(im.path, module) {
				t.Errorf("%s imports %s; the domain is standard library only", im.file, im.path)
			}
		}
	})
	t.Run("app exports no store data type", func(t *testing.T) {
		for _, p := range storeExports(t, "app") {
			t.Error(p)
		}
	})
}

type importLine struct{ file, path string }

// imports returns each import of the Go files under dir, tests included.
func imports(t *testing.T, dir string) []importLine {
	t.Helper()
	var out []importLine
	fset := token.NewFileSet()
	walkGo(t, dir, true, true, func(path string) {
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			out = append(out, importLine{path, p})
		}
	})
	if len(out) == 0 {
		t.Fatalf("no imports found under %s", dir)
	}
	return out
}

// walkGo calls fn with every .go file of dir, and of its subfolders when
// deep is set.
func walkGo(t *testing.T, dir string, deep, tests bool, fn func(path string)) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != dir && (!deep || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go"):
			return nil
		case !tests && strings.HasSuffix(path, "_test.go"):
			return nil
		}
		fn(path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// storeExports lists the places where the package in dir exports one of
// store's data types: an alias of it, a type defined as it, or an
// exported field, parameter, result, variable or constant of such a type.
func storeExports(t *testing.T, dir string) []string {
	t.Helper()
	var problems []string
	fset := token.NewFileSet()
	files := 0
	walkGo(t, dir, false, false, func(path string) {
		files++
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		name := storeName(f)
		if name == "" {
			return
		}
		// uses reports the store data types expr names.
		uses := func(expr ast.Node) []string {
			var found []string
			if expr == nil {
				return nil
			}
			ast.Inspect(expr, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == name && !storeInfrastructure[sel.Sel.Name] {
						found = append(found, "store."+sel.Sel.Name)
					}
				}
				return true
			})
			return found
		}
		report := func(pos token.Pos, what string, types []string) {
			if len(types) > 0 {
				problems = append(problems, fset.Position(pos).String()+": "+what+" exposes "+strings.Join(types, ", "))
			}
		}
		fields := func(owner string, list *ast.FieldList) {
			if list == nil {
				return
			}
			for _, fl := range list.List {
				exported := len(fl.Names) == 0 // embedded fields are promoted
				for _, n := range fl.Names {
					exported = exported || n.IsExported()
				}
				if exported {
					report(fl.Pos(), owner, uses(fl.Type))
				}
			}
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || (d.Recv != nil && !exportedReceiver(d.Recv)) {
					continue
				}
				report(d.Pos(), "func "+d.Name.Name, uses(d.Type))
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						switch typ := s.Type.(type) {
						case *ast.StructType:
							fields("type "+s.Name.Name, typ.Fields)
						case *ast.InterfaceType:
							fields("type "+s.Name.Name, typ.Methods)
						default:
							kind := "type "
							if s.Assign.IsValid() {
								kind = "alias "
							}
							report(s.Pos(), kind+s.Name.Name, uses(s.Type))
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								report(s.Pos(), n.Name, append(uses(s.Type), usesAll(uses, s.Values)...))
							}
						}
					}
				}
			}
		}
	})
	if files == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return problems
}

func usesAll(uses func(ast.Node) []string, exprs []ast.Expr) []string {
	var out []string
	for _, e := range exprs {
		out = append(out, uses(e)...)
	}
	return out
}

// storeName is the name under which f imports store, or "".
func storeName(f *ast.File) string {
	for _, spec := range f.Imports {
		if p, _ := strconv.Unquote(spec.Path.Value); p == storePath {
			if spec.Name != nil {
				return spec.Name.Name
			}
			return "store"
		}
	}
	return ""
}

// exportedReceiver reports whether a method's receiver type is exported,
// so the method is part of the package's API.
func exportedReceiver(recv *ast.FieldList) bool {
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	switch x := typ.(type) {
	case *ast.IndexExpr:
		typ = x.X
	case *ast.IndexListExpr:
		typ = x.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}
