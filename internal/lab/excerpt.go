package lab

import (
	"bytes"
	"embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"strings"
)

// code is the lab's own source, so lessons can show the vulnerable code and
// the twin's fix as they really are.
//
//go:embed auth.go routes.go handlers_boats.go handlers_bookings.go handlers_tools.go handlers_users.go middleware.go template.go
var code embed.FS

// Excerpt is one function of the lab's source: the code the vulnerable lab
// runs, and the statements where the secure twin differs (every `if` whose
// condition reads l.secure), which hold the fix.
type Excerpt struct {
	Func string // "handleGetBoat"
	File string // "handlers_boats.go"
	Line int
	Code string
	// Fixes are the `if` statements that test l.secure, in source order.
	Fixes []string
}

// SourceExcerpt returns the lab function named name (a method of *Lab or a
// plain function).
func SourceExcerpt(name string) (*Excerpt, error) {
	files, err := fs.Glob(code, "*.go")
	if err != nil {
		return nil, err
	}
	for _, file := range files {
		src, err := code.ReadFile(file)
		if err != nil {
			return nil, err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("lab source %s: %w", file, err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Name.Name != name {
				continue
			}
			start := fn.Pos()
			if fn.Doc != nil {
				start = fn.Doc.Pos()
			}
			ex := &Excerpt{Func: name, File: file, Line: fset.Position(start).Line,
				Code: string(src[fset.Position(start).Offset:fset.Position(fn.End()).Offset]) + "\n"}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				is, ok := n.(*ast.IfStmt)
				if !ok || !readsSecure(is.Cond) {
					return true
				}
				var buf bytes.Buffer
				if err := printer.Fprint(&buf, fset, is); err == nil {
					ex.Fixes = append(ex.Fixes, strings.TrimSpace(buf.String())+"\n")
				}
				return false
			})
			return ex, nil
		}
	}
	return nil, fmt.Errorf("lab source has no function %s", name)
}

// readsSecure reports whether an expression reads l.secure.
func readsSecure(cond ast.Expr) bool {
	found := false
	ast.Inspect(cond, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "l" && sel.Sel.Name == "secure" {
				found = true
			}
		}
		return !found
	})
	return found
}
