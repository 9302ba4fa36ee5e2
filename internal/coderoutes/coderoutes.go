// Package coderoutes lists the HTTP routes a Go code base serves, by reading
// its source syntactically (go/parser and go/ast, no type checking and no
// module download), and compares them with an API description.
//
// [Extract] knows net/http (Go 1.22 method and host patterns), gin, echo,
// chi, gorilla/mux and fiber. Router groups and sub-routers are followed
// across functions, files and packages: a group created in main.go and
// passed to a function in another package keeps its prefix, and so does a
// router returned by a constructor. A route is guarded by authentication
// when middleware whose name looks like authentication (auth, jwt, token,
// session, API key, login required) is applied to its router or group, to
// the route itself, or wraps its handler.
//
// [Diff] matches routes with the operations of an [escarp.API] on method and
// normalized path template, and [DiffFindings] turns the differences into
// findings of the two rules [Rules] describes.
package coderoutes

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory/routes"
)

// Limits that keep one scan bounded whatever the input.
const (
	// MaxFiles is the number of Go files read; the rest are skipped with a note.
	MaxFiles = 20000
	// MaxFileBytes is the size above which a Go file is skipped with a note.
	MaxFileBytes = 4 << 20
	// maxDepth bounds nested function interpretation.
	maxDepth = 24
	// maxSteps bounds the statements and expressions evaluated in one scan.
	maxSteps = 1_000_000
)

// Extract returns every route the Go code under root serves, sorted by
// file and line, and notes on what it skipped or could not resolve (files
// that do not parse, paths built at run time). Only an unreadable root is
// an error (*escarp.Error, Invalid).
func Extract(ctx context.Context, root string) ([]routes.Route, []string, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, nil, &escarp.Error{Op: "code routes", Kind: escarp.Invalid, Pos: escarp.Position{File: root}, Message: "cannot read the source tree", Err: err}
	}
	if !fi.IsDir() {
		return nil, nil, &escarp.Error{Op: "code routes", Kind: escarp.Invalid, Pos: escarp.Position{File: root}, Message: "not a directory"}
	}
	idx, notes, err := load(ctx, root)
	if err != nil {
		return nil, notes, err
	}
	in := newInterp(ctx, idx)
	in.notes = notes
	if err := in.run(); err != nil {
		return nil, in.notes, err
	}
	return in.result(), in.notes, nil
}

// index is every parsed Go file under the root, grouped into packages.
type index struct {
	fset    *token.FileSet
	pkgs    []*pkg          // in directory order
	byDir   map[string]*pkg // by "dir\x00name"
	modules []module
	byPath  map[string]*pkg // import path cache (nil entries too)
}

// module is a go.mod found under the root.
type module struct{ dir, path string }

// pkg is the Go files of one directory with one package clause.
type pkg struct {
	dir   string // slash path relative to root, "" for the root
	name  string
	files []*file
	funcs map[string]*funcInfo // "F" and methods as "T.M"
	// values are package-level const and var initializers by name.
	values map[string]valueSpec
	// fields holds the field types of the package's struct types.
	fields map[string]map[string]ast.Expr
	// ptrMethods says which "T.M" methods have pointer receivers.
	ptrMethods map[string]bool
}

// valueSpec is one package-level name with its initializer (nil when
// declared without one) and declared type (nil when omitted).
type valueSpec struct {
	init ast.Expr
	typ  ast.Expr
	file *file
}

// file is one parsed Go file.
type file struct {
	rel     string
	ast     *ast.File
	pkg     *pkg
	imports map[string]string // local name → import path
}

// funcInfo is one top-level function or method.
type funcInfo struct {
	decl *ast.FuncDecl
	file *file
	name string                  // "pkg.F", "pkg.(*T).M", "pkg.T.M"
	lits map[*ast.FuncLit]string // closure names, as the Go runtime gives them
	seen bool                    // interpreted at least once
	// relevant and useful say whether to interpret it: see relevance.
	relevant, useful bool
}

// load walks root and parses every Go file.
func load(ctx context.Context, root string) (*index, []string, error) {
	idx := &index{fset: token.NewFileSet(), byDir: map[string]*pkg{}, byPath: map[string]*pkg{}}
	var notes []string
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if err != nil {
			if p == root {
				return err
			}
			notes = append(notes, fmt.Sprintf("%s: skipped: %v", rel, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != root {
				switch name := d.Name(); {
				case name == "vendor", name == "node_modules", name == ".git", strings.HasPrefix(name, "."):
					return fs.SkipDir
				}
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if d.Name() == "go.mod" {
			if mp := modulePath(p); mp != "" {
				idx.modules = append(idx.modules, module{dir: path.Dir(rel), path: mp})
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".go") || strings.HasSuffix(d.Name(), "_test.go") {
			return nil
		}
		if n >= MaxFiles {
			if n == MaxFiles {
				notes = append(notes, fmt.Sprintf("more than %d Go files: the rest were skipped", MaxFiles))
			}
			n++
			return nil
		}
		n++
		info, err := d.Info()
		if err == nil && info.Size() > MaxFileBytes {
			notes = append(notes, fmt.Sprintf("%s: skipped: larger than %d bytes", rel, MaxFileBytes))
			return nil
		}
		src, err := os.ReadFile(p) // #nosec G122 G304 -- escarp reads, never writes, the tree it was asked to analyse
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s: skipped: %v", rel, err))
			return nil
		}
		f, err := parser.ParseFile(idx.fset, rel, src, parser.SkipObjectResolution)
		if err != nil {
			notes = append(notes, parseNote(rel, err))
			return nil
		}
		idx.add(rel, f)
		return nil
	})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, notes, err
		}
		return nil, notes, &escarp.Error{Op: "code routes", Kind: escarp.Invalid, Pos: escarp.Position{File: root}, Message: "cannot read the source tree", Err: err}
	}
	sort.Slice(idx.modules, func(i, j int) bool { return len(idx.modules[i].dir) > len(idx.modules[j].dir) })
	return idx, notes, nil
}

// parseNote names the first syntax error of a file that does not parse.
func parseNote(rel string, err error) string {
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e := list[0]
		return fmt.Sprintf("%s:%d: skipped: does not parse: %s", rel, e.Pos.Line, e.Msg)
	}
	return fmt.Sprintf("%s: skipped: does not parse: %v", rel, err)
}

// modulePath reads the module line of a go.mod.
func modulePath(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan() && i < 1000; i++ {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			mp := strings.TrimSpace(rest)
			if u, err := strconv.Unquote(mp); err == nil {
				mp = u
			}
			return mp
		}
	}
	return ""
}

// add indexes one parsed file.
func (idx *index) add(rel string, f *ast.File) {
	dir := path.Dir(rel)
	if dir == "." {
		dir = ""
	}
	key := dir + "\x00" + f.Name.Name
	p := idx.byDir[key]
	if p == nil {
		p = &pkg{dir: dir, name: f.Name.Name, funcs: map[string]*funcInfo{}, values: map[string]valueSpec{},
			fields: map[string]map[string]ast.Expr{}, ptrMethods: map[string]bool{}}
		idx.byDir[key] = p
		idx.pkgs = append(idx.pkgs, p)
	}
	fl := &file{rel: rel, ast: f, pkg: p, imports: map[string]string{}}
	p.files = append(p.files, fl)
	for _, im := range f.Imports {
		ip, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			continue
		}
		name := path.Base(ip)
		if isVersionSuffix(name) {
			name = path.Base(path.Dir(ip))
		}
		name = strings.TrimPrefix(name, "go-")
		if im.Name != nil {
			name = im.Name.Name
		}
		if name == "_" || name == "." {
			continue
		}
		fl.imports[name] = ip
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			fi := &funcInfo{decl: d, file: fl}
			k := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) > 0 {
				tn, ptr := recvType(d.Recv.List[0].Type)
				k = tn + "." + d.Name.Name
				if ptr {
					p.ptrMethods[k] = true
					fi.name = p.name + ".(*" + tn + ")." + d.Name.Name
				} else {
					fi.name = p.name + "." + tn + "." + d.Name.Name
				}
			} else {
				fi.name = p.name + "." + d.Name.Name
			}
			fi.lits = closureNames(fi.name, d)
			if _, dup := p.funcs[k]; !dup || k == "init" {
				if k == "init" {
					k = fmt.Sprintf("init#%d", len(p.funcs))
				}
				p.funcs[k] = fi
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					for i, n := range s.Names {
						vs := valueSpec{typ: s.Type, file: fl}
						if i < len(s.Values) && len(s.Values) == len(s.Names) {
							vs.init = s.Values[i]
						}
						p.values[n.Name] = vs
					}
				case *ast.TypeSpec:
					st, ok := s.Type.(*ast.StructType)
					if !ok || st.Fields == nil {
						continue
					}
					m := map[string]ast.Expr{}
					for _, fd := range st.Fields.List {
						for _, n := range fd.Names {
							m[n.Name] = fd.Type
						}
						if len(fd.Names) == 0 { // embedded: the field is named after its type
							if tn, _ := recvType(fd.Type); tn != "" {
								m[tn] = fd.Type
							}
							if se, ok := unstar(fd.Type).(*ast.SelectorExpr); ok {
								m[se.Sel.Name] = fd.Type
							}
						}
					}
					p.fields[s.Name.Name] = m
				}
			}
		}
	}
}

func isVersionSuffix(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	_, err := strconv.Atoi(s[1:])
	return err == nil
}

// recvType returns the type name of a receiver and whether it is a pointer.
func recvType(e ast.Expr) (string, bool) {
	ptr := false
	if s, ok := e.(*ast.StarExpr); ok {
		e, ptr = s.X, true
	}
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name, ptr
	case *ast.IndexExpr: // generic receiver T[K]
		if id, ok := t.X.(*ast.Ident); ok {
			return id.Name, ptr
		}
	case *ast.IndexListExpr:
		if id, ok := t.X.(*ast.Ident); ok {
			return id.Name, ptr
		}
	}
	return "", ptr
}

func unstar(e ast.Expr) ast.Expr {
	for i := 0; i < 8; i++ {
		s, ok := e.(*ast.StarExpr)
		if !ok {
			break
		}
		e = s.X
	}
	return e
}

// closureNames names the function literals of fn as the Go runtime does:
// "main.main.func1", and "main.main.func1.1" for one nested in it.
func closureNames(fn string, d *ast.FuncDecl) map[*ast.FuncLit]string {
	out := map[*ast.FuncLit]string{}
	if d.Body == nil {
		return out
	}
	var walk func(n ast.Node, prefix string, nested bool)
	walk = func(n ast.Node, prefix string, nested bool) {
		k := 0
		ast.Inspect(n, func(m ast.Node) bool {
			lit, ok := m.(*ast.FuncLit)
			if !ok || m == n {
				return true
			}
			k++
			name := fmt.Sprintf("%s.func%d", prefix, k)
			if nested {
				name = fmt.Sprintf("%s.%d", prefix, k)
			}
			out[lit] = name
			walk(lit, name, true)
			return false
		})
	}
	walk(d.Body, fn, false)
	return out
}

// pkgByImport finds the scanned package an import path refers to: through
// the go.mod files under the root, else by the longest directory that the
// import path ends with.
func (idx *index) pkgByImport(ip string) *pkg {
	if p, ok := idx.byPath[ip]; ok {
		return p
	}
	var found *pkg
	for _, m := range idx.modules {
		rest, ok := strings.CutPrefix(ip, m.path)
		if !ok || (rest != "" && rest[0] != '/') {
			continue
		}
		dir := path.Join(m.dir, strings.TrimPrefix(rest, "/"))
		if dir == "." {
			dir = ""
		}
		found = idx.pkgInDir(dir)
		if found != nil {
			break
		}
	}
	if found == nil {
		best := -1
		for _, p := range idx.pkgs {
			if p.dir == "" || p.name == "main" {
				continue
			}
			if (ip == p.dir || strings.HasSuffix(ip, "/"+p.dir)) && len(p.dir) > best {
				found, best = p, len(p.dir)
			}
		}
	}
	idx.byPath[ip] = found
	return found
}

// pkgInDir returns the non-main package of dir, or any package there.
func (idx *index) pkgInDir(dir string) *pkg {
	var any *pkg
	for _, p := range idx.pkgs {
		if p.dir != dir {
			continue
		}
		if !strings.HasSuffix(p.name, "_test") && p.name != "main" {
			return p
		}
		any = p
	}
	return any
}
