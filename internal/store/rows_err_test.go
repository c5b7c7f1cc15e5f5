package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// Every loop over query rows in the store checks rows.Err() after it:
// without it, a read cut short by the database looks like the end of the
// results.
func TestEveryRowLoopChecksErr(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	loops := 0
	for _, entry := range entries {
		name := entry.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			block, ok := n.(*ast.BlockStmt)
			if !ok {
				return true
			}
			for i, stmt := range block.List {
				rows := nextLoop(stmt)
				if rows == "" {
					continue
				}
				loops++
				if !callsErr(block.List[i+1:], rows) {
					t.Errorf("%s: the loop over %s.Next() is not followed by %s.Err()", fset.Position(stmt.Pos()), rows, rows)
				}
			}
			return true
		})
	}
	if loops < 10 {
		t.Fatalf("found only %d row loops: the check no longer sees them", loops)
	}
}

// nextLoop returns the name of x in `for x.Next() { … }`, or "".
func nextLoop(stmt ast.Stmt) string {
	loop, ok := stmt.(*ast.ForStmt)
	if !ok || loop.Init != nil || loop.Post != nil {
		return ""
	}
	call, ok := loop.Cond.(*ast.CallExpr)
	if !ok {
		return ""
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Next" {
		return ""
	}
	if id, ok := sel.X.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// callsErr reports whether stmts call rows.Err().
func callsErr(stmts []ast.Stmt, rows string) bool {
	found := false
	for _, s := range stmts {
		ast.Inspect(s, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Err" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == rows {
						found = true
					}
				}
			}
			return !found
		})
	}
	return found
}
