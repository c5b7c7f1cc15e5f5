package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"troupe/internal/troupe"
)

// Every action the app writes to the audit log is one the domain lists,
// so that the log's page has a sentence and a filter for it. The test
// reads the code: each a.audit call and each AuditEntry literal must name
// its action with string literals, directly or through a local variable.
func TestEveryAuditActionWrittenIsListed(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	written := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			// The helper itself passes its callers' action on.
			if !ok || fn.Body == nil || fn.Name.Name == "audit" {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				var action ast.Expr
				switch n := n.(type) {
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "audit" && len(n.Args) == 8 {
						action = n.Args[4]
					}
				case *ast.CompositeLit:
					if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "AuditEntry" {
						for _, el := range n.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Action" {
								action = kv.Value
							}
						}
					}
				}
				if action == nil {
					return true
				}
				values, ok := literalValues(fn.Body, action)
				if !ok {
					t.Errorf("%s: cannot tell which audit action %s writes; name it with a string literal", fset.Position(action.Pos()), fn.Name.Name)
				}
				for _, v := range values {
					written[v] = true
				}
				return true
			})
		}
	}
	if len(written) == 0 {
		t.Fatal("found no audit entries written")
	}
	for a := range written {
		if !slices.Contains(troupe.AuditActions, a) {
			t.Errorf("the app writes %q, which troupe.AuditActions does not list", a)
		}
	}
	for _, a := range troupe.AuditActions {
		if !written[a] {
			t.Errorf("troupe.AuditActions lists %q, which the app never writes", a)
		}
	}
}

// literalValues are the strings expr can hold: a literal, or a local
// variable every assignment of which in body is a literal.
func literalValues(body *ast.BlockStmt, expr ast.Expr) ([]string, bool) {
	switch x := expr.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(x.Value)
		return []string{s}, err == nil
	case *ast.Ident:
		var out []string
		ok := true
		ast.Inspect(body, func(n ast.Node) bool {
			as, isAssign := n.(*ast.AssignStmt)
			if !isAssign || len(as.Lhs) != len(as.Rhs) {
				return true
			}
			for i, lhs := range as.Lhs {
				if id, isIdent := lhs.(*ast.Ident); isIdent && id.Name == x.Name {
					lit, isLit := as.Rhs[i].(*ast.BasicLit)
					if !isLit {
						ok = false
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					ok = ok && err == nil
					out = append(out, s)
				}
			}
			return true
		})
		return out, ok && len(out) > 0
	}
	return nil, false
}
