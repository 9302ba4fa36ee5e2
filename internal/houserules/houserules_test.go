package houserules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const module = "github.com/escarp/escarp"

// repoRoot walks up from the working directory to go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for range 64 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	t.Fatal("go.mod not found above the working directory")
	return ""
}

// pkg is the part of "go list -json" output the rules read.
type pkg struct {
	ImportPath string
	Name       string
	Dir        string
	Standard   bool
	Imports    []string
	Deps       []string
	Module     *struct{ Path string }
}

var (
	listOnce sync.Once
	listPkgs map[string]*pkg
	listErr  error
)

// packages returns every package of the module and its dependencies, by
// import path, from one "go list -e -deps -json ./..." run.
func packages(t *testing.T) map[string]*pkg {
	t.Helper()
	root := repoRoot(t)
	listOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "list", "-e", "-deps", "-json", "./...")
		cmd.Dir = root
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			listErr = fmt.Errorf("go list: %w\n%s", err, stderr.String())
			return
		}
		listPkgs = map[string]*pkg{}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			p := new(pkg)
			if err := dec.Decode(p); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				listErr = fmt.Errorf("decoding go list output: %w", err)
				return
			}
			listPkgs[p.ImportPath] = p
		}
	})
	if listErr != nil {
		t.Fatal(listErr)
	}
	return listPkgs
}

// ours reports whether path is a package of this module.
func ours(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

// rel shortens a package path of this module: "internal/scan", "." for the root.
func rel(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

// chain returns the shortest import chain from one package to another,
// as "a → b → c".
func chain(pkgs map[string]*pkg, from, to string) string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			var path []string
			for p := to; p != ""; p = prev[p] {
				path = append(path, rel(p))
			}
			slices.Reverse(path)
			return strings.Join(path, " → ")
		}
		p := pkgs[cur]
		if p == nil {
			continue
		}
		for _, imp := range p.Imports {
			if _, seen := prev[imp]; !seen {
				prev[imp] = cur
				queue = append(queue, imp)
			}
		}
	}
	return rel(from) + " → … → " + rel(to)
}

func TestRootImportsOnlyStandardLibrary(t *testing.T) {
	pkgs := packages(t)
	root := pkgs[module]
	if root == nil {
		t.Fatalf("go list did not report the root package %s", module)
	}
	var bad []string
	for _, d := range root.Deps {
		p := pkgs[d]
		std := p != nil && p.Standard
		if p == nil {
			// Not loaded: judge by the path (standard packages have no dot
			// in their first element).
			first, _, _ := strings.Cut(d, "/")
			std = !strings.Contains(first, ".")
		}
		if !std {
			bad = append(bad, chain(pkgs, module, d))
		}
	}
	if len(bad) > 0 {
		t.Errorf("the root package escarp must import only the standard library; it depends on:\n\t%s",
			strings.Join(bad, "\n\t"))
	}
}

// stdlibOnly are packages that everything imports, so they may depend only
// on the standard library and this module: redaction and the
// sensitive-data catalogue never link gitleaks (its rules are a generated
// table), and the discovery model links no HTTP client.
var stdlibOnly = []string{"internal/redact", "internal/sensitive", "internal/discovery", "internal/inflect"}

func TestLeafPackagesStayLight(t *testing.T) {
	pkgs := packages(t)
	var bad []string
	for _, name := range stdlibOnly {
		path := module + "/" + name
		p := pkgs[path]
		if p == nil {
			t.Errorf("go list did not report %s", name)
			continue
		}
		for _, d := range p.Deps {
			dp := pkgs[d]
			if ours(d) || (dp != nil && dp.Standard) || strings.HasPrefix(d, "vendor/") {
				continue
			}
			if name == "internal/inflect" && strings.HasPrefix(d, "github.com/gertd/go-pluralize") {
				continue // the singularizer is its reason to exist
			}
			bad = append(bad, chain(pkgs, path, d))
		}
	}
	if len(bad) > 0 {
		t.Errorf("packages imported everywhere must stay on the standard library:\n\t%s", strings.Join(bad, "\n\t"))
	}
}

// importRule forbids packages matching from to depend on packages matching
// any of forbidden. A pattern "x/..." matches x and everything under it;
// "x/*" matches only what is under x.
type importRule struct {
	from      string
	forbidden []string
	// except are packages the forbidden patterns match that are libraries,
	// not plugins.
	except []string
	why    string
}

func matchPattern(pattern, path string) bool {
	full := func(p string) string {
		if p == "." {
			return module
		}
		return module + "/" + p
	}
	switch {
	case strings.HasSuffix(pattern, "/..."):
		base := full(strings.TrimSuffix(pattern, "/..."))
		return path == base || strings.HasPrefix(path, base+"/")
	case strings.HasSuffix(pattern, "/*"):
		base := full(strings.TrimSuffix(pattern, "/*"))
		return strings.HasPrefix(path, base+"/")
	default:
		return path == full(pattern)
	}
}

var importRules = []importRule{
	{from: "internal/scan", forbidden: []string{"internal/check/*"}, except: []string{"internal/value"},
		why: "the scan engine takes its checks from cmd/escarp (list.All); it imports only the contract internal/check"},
	{from: "internal/audit", forbidden: []string{"internal/audit/rules/..."},
		why: "the audit engine takes its rules from cmd/escarp (rules.All)"},
	{from: "internal/audit", forbidden: []string{"internal/spec/..."},
		why: "the audit contract does not load specs (internal/audit/specload does), so rule packages never link the OpenAPI parser"},
	{from: "internal/audit/rules/...", forbidden: []string{"internal/spec/...", "internal/audit/specload"},
		why: "audit rules see the API only through audit.Pass; loading is the caller's job"},
	{from: "internal/check", forbidden: []string{"internal/check/*"},
		why: "the DAST contract never imports the checks that implement it"},
	{from: "internal/check/...", forbidden: []string{"internal/sqlite/...", "internal/postgres/...", "internal/server/..."},
		why: "checks report findings; storing and serving them is the caller's job"},
	{from: "internal/audit/...", forbidden: []string{"internal/sqlite/...", "internal/postgres/...", "internal/server/..."},
		why: "audit rules report findings; storing and serving them is the caller's job"},
	{from: "internal/server/...", forbidden: []string{"internal/sqlite/...", "internal/postgres/..."},
		why: "the server depends on the root store contracts; cmd/escarp picks the concrete store"},
}

func TestImportDirection(t *testing.T) {
	pkgs := packages(t)
	var paths []string
	for path := range pkgs {
		if ours(path) {
			paths = append(paths, path)
		}
	}
	slices.Sort(paths)
	var bad []string
	for _, r := range importRules {
		for _, path := range paths {
			if !matchPattern(r.from, path) {
				continue
			}
			for _, d := range pkgs[path].Deps {
				for _, f := range r.forbidden {
					if matchPattern(f, d) && !slices.ContainsFunc(r.except, func(e string) bool { return matchPattern(e, d) }) {
						bad = append(bad, fmt.Sprintf("%s must not import %s (%s): %s",
							rel(path), rel(d), r.why, chain(pkgs, path, d)))
					}
				}
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d forbidden imports:\n\t%s", len(bad), strings.Join(bad, "\n\t"))
	}
}

// checkList is the package holding the explicit list of built-in DAST
// checks; the packages it imports under internal/check are the families.
const checkList = "internal/check/list"

// families returns the check families: the packages under internal/check
// that the check list imports.
func families(pkgs map[string]*pkg) []string {
	list := pkgs[module+"/"+checkList]
	if list == nil {
		return nil
	}
	var out []string
	for _, imp := range list.Imports {
		if matchPattern("internal/check/*", imp) {
			out = append(out, imp)
		}
	}
	slices.Sort(out)
	return out
}

// siblingImports returns, for each package of a family (the family and the
// packages under it), the other families it depends on, with the chain.
func siblingImports(pkgs map[string]*pkg, fams []string) []string {
	within := func(fam, path string) bool { return path == fam || strings.HasPrefix(path, fam+"/") }
	var paths []string
	for path := range pkgs {
		paths = append(paths, path)
	}
	slices.Sort(paths)
	var bad []string
	for _, path := range paths {
		for _, fam := range fams {
			if !within(fam, path) {
				continue
			}
			for _, d := range pkgs[path].Deps {
				for _, other := range fams {
					if other != fam && within(other, d) {
						bad = append(bad, fmt.Sprintf("%s must not import the check family %s: share code through internal/check/checkkit: %s",
							rel(path), rel(other), chain(pkgs, path, d)))
					}
				}
			}
		}
	}
	return bad
}

// TestCheckFamiliesIndependent: a check family (a package internal/check/list
// imports) never imports a sibling family; what families share lives in the
// toolkit internal/check/checkkit.
func TestCheckFamiliesIndependent(t *testing.T) {
	pkgs := packages(t)
	fams := families(pkgs)
	if len(fams) < 2 {
		t.Fatalf("%s imports %d check families, want several: is the list package still there?", checkList, len(fams))
	}
	if slices.Contains(fams, module+"/internal/check/checkkit") {
		t.Errorf("%s imports the toolkit internal/check/checkkit directly; the toolkit is not a family", checkList)
	}
	if bad := siblingImports(pkgs, fams); len(bad) > 0 {
		t.Errorf("%d imports between check families:\n\t%s", len(bad), strings.Join(bad, "\n\t"))
	}
}

func TestSiblingImportsFinds(t *testing.T) {
	p := func(path string, deps ...string) *pkg {
		full := func(s string) string { return module + "/" + s }
		out := &pkg{ImportPath: full(path)}
		for _, d := range deps {
			out.Imports = append(out.Imports, full(d))
			out.Deps = append(out.Deps, full(d))
		}
		return out
	}
	pkgs := map[string]*pkg{}
	for _, x := range []*pkg{
		p("internal/check"),
		p("internal/check/checkkit", "internal/check"),
		p("internal/check/a", "internal/check", "internal/check/checkkit"),
		p("internal/check/b", "internal/check", "internal/check/a"),
		p("internal/check/b/sub", "internal/check/a/deep"),
		p("internal/check/a/deep"),
		p("internal/check/c", "internal/check/checkkit", "internal/check/c/sub"),
		p("internal/check/c/sub"),
		p("internal/check/list", "internal/check/a", "internal/check/b", "internal/check/c"),
	} {
		pkgs[x.ImportPath] = x
	}
	fams := families(pkgs)
	if want := []string{module + "/internal/check/a", module + "/internal/check/b", module + "/internal/check/c"}; !slices.Equal(fams, want) {
		t.Fatalf("families = %v, want %v", fams, want)
	}
	got := siblingImports(pkgs, fams)
	if len(got) != 2 || !strings.HasPrefix(got[0], "internal/check/b must not import the check family internal/check/a") ||
		!strings.HasPrefix(got[1], "internal/check/b/sub must not import the check family internal/check/a") {
		t.Errorf("siblingImports =\n%s\nwant b → a and b/sub → a/deep only", strings.Join(got, "\n"))
	}
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"internal/check/*", module + "/internal/check", false},
		{"internal/check/*", module + "/internal/check/bola", true},
		{"internal/check/*", module + "/internal/checker", false},
		{"internal/audit/rules/...", module + "/internal/audit/rules", true},
		{"internal/audit/rules/...", module + "/internal/audit/rules/x", true},
		{"internal/audit/rules/...", module + "/internal/audit/rulesets", false},
		{"internal/scan", module + "/internal/scan", true},
		{"internal/scan", module + "/internal/scan/x", false},
	}
	for _, tt := range tests {
		if got := matchPattern(tt.pattern, tt.path); got != tt.want {
			t.Errorf("matchPattern(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

// srcFile is one parsed non-test Go file.
type srcFile struct {
	rel  string // slash-separated, relative to the module root
	ast  *ast.File
	fset *token.FileSet
}

var (
	parseOnce  sync.Once
	parsed     map[string][]srcFile // by directory, relative to the root
	parseErrs  []string
	parseFault error
)

// sources parses every non-test .go file of the module, outside testdata,
// vendor and hidden or underscore directories, skipping files excluded by
// "//go:build ignore". Files that do not parse are reported.
func sources(t *testing.T) map[string][]srcFile {
	t.Helper()
	root := repoRoot(t)
	parseOnce.Do(func() {
		parsed = map[string][]srcFile{}
		fset := token.NewFileSet()
		parseFault = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != root && (name == "testdata" || name == "vendor" || name == "node_modules" ||
					strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				if path != root {
					if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
						return filepath.SkipDir // another module
					}
				}
				return nil
			}
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				return nil
			}
			r, _ := filepath.Rel(root, path)
			r = filepath.ToSlash(r)
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
			if err != nil {
				parseErrs = append(parseErrs, fmt.Sprintf("%s: %v", r, err))
				return nil
			}
			if ignored(f) {
				return nil
			}
			dir := filepath.ToSlash(filepath.Dir(r))
			parsed[dir] = append(parsed[dir], srcFile{rel: r, ast: f, fset: fset})
			return nil
		})
	})
	if parseFault != nil {
		t.Fatal(parseFault)
	}
	return parsed
}

// ignored reports whether f is excluded from every build ("//go:build ignore").
func ignored(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if rest, ok := strings.CutPrefix(c.Text, "//go:build "); ok && strings.TrimSpace(rest) == "ignore" {
				return true
			}
		}
	}
	return false
}

// generated reports whether f carries the standard "Code generated" header.
func generated(f *ast.File) bool { return ast.IsGenerated(f) }

func TestSourcesParse(t *testing.T) {
	sources(t)
	if len(parseErrs) > 0 {
		t.Errorf("%d files do not parse:\n\t%s", len(parseErrs), strings.Join(parseErrs, "\n\t"))
	}
}

func sortedDirs(m map[string][]srcFile) []string {
	dirs := make([]string, 0, len(m))
	for d := range m {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return dirs
}

func TestPackageDocs(t *testing.T) {
	src := sources(t)
	var bad []string
	for _, dir := range sortedDirs(src) {
		var name string
		var docs []string // file:line of each package doc comment
		for _, f := range src[dir] {
			name = f.ast.Name.Name
			if f.ast.Doc == nil {
				continue
			}
			pos := f.fset.Position(f.ast.Doc.Pos())
			where := fmt.Sprintf("%s:%d", f.rel, pos.Line)
			docs = append(docs, where)
			text := f.ast.Doc.Text()
			want := "Package " + name + " "
			if name == "main" {
				if !strings.HasPrefix(text, "Command ") && !strings.HasPrefix(text, want) {
					bad = append(bad, fmt.Sprintf("%s: the doc comment of a command starts %q, want \"Command <name> ...\"", where, firstWords(text)))
				}
			} else if !strings.HasPrefix(text, want) {
				bad = append(bad, fmt.Sprintf("%s: package doc comment starts %q, want %q", where, firstWords(text), want+"..."))
			}
		}
		switch len(docs) {
		case 0:
			bad = append(bad, fmt.Sprintf("%s: package %s has no doc comment; add one \"// Package %s ...\" (in doc.go, say)", dir, name, name))
		case 1:
		default:
			bad = append(bad, fmt.Sprintf("%s: package %s has %d package doc comments, want exactly one: %s", dir, name, len(docs), strings.Join(docs, ", ")))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d package doc problems:\n\t%s", len(bad), strings.Join(bad, "\n\t"))
	}
}

// firstWords returns the start of a comment, for messages.
func firstWords(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// undocumented lists the exported identifiers of f that have no doc
// comment, as "file:line: kind Name". A declaration group's comment covers
// the constants, variables and types inside it; methods count only on
// exported receiver types.
func undocumented(f srcFile) []string {
	var out []string
	report := func(pos token.Pos, what, name string) {
		out = append(out, fmt.Sprintf("%s:%d: %s %s has no doc comment", f.rel, f.fset.Position(pos).Line, what, name))
	}
	for _, decl := range f.ast.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv == nil {
				report(d.Pos(), "func", d.Name.Name)
				continue
			}
			recv := receiverName(d.Recv)
			if ast.IsExported(recv) {
				report(d.Pos(), "method", recv+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			groupDoc := d.Doc != nil
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && s.Doc == nil && !groupDoc {
						report(s.Pos(), "type", s.Name.Name)
					}
				case *ast.ValueSpec:
					if s.Doc != nil || groupDoc {
						continue
					}
					what := "var"
					if d.Tok == token.CONST {
						what = "const"
					}
					for _, n := range s.Names {
						if n.IsExported() {
							report(n.Pos(), what, n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

func receiverName(fl *ast.FieldList) string {
	if fl == nil || len(fl.List) == 0 {
		return ""
	}
	e := fl.List[0].Type
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

func TestExportedIdentifiersDocumented(t *testing.T) {
	src := sources(t)
	var bad []string
	for _, dir := range sortedDirs(src) {
		for _, f := range src[dir] {
			if generated(f.ast) {
				continue
			}
			bad = append(bad, undocumented(f)...)
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d exported identifiers have no doc comment (a sentence starting with the name):\n\t%s",
			len(bad), strings.Join(bad, "\n\t"))
	}
}

func TestUndocumentedFinds(t *testing.T) {
	const code = `// Package p is a fixture.
package p

// Documented is fine.
func Documented() {}

func Bare() {}

func unexported() {}

// T is documented.
type T struct{}

func (T) M() {}

type u struct{}

func (u) M() {}

// The kinds.
const (
	A = 1
	B = 2
)

const (
	// C is documented.
	C = 3
	D = 4
	e = 5
)

var V, W int

type (
	// X is documented.
	X int
	Y int
)
`
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, "p.go", code, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	got := undocumented(srcFile{rel: "p/p.go", ast: af, fset: fset})
	want := []string{
		"p/p.go:7: func Bare has no doc comment",
		"p/p.go:14: method T.M has no doc comment",
		"p/p.go:29: const D has no doc comment",
		"p/p.go:33: var V has no doc comment",
		"p/p.go:33: var W has no doc comment",
		"p/p.go:38: type Y has no doc comment",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("undocumented =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// forbiddenNames are package names that say nothing about what a package
// provides (go.dev/blog/package-names).
var forbiddenNames = []string{"util", "utils", "common", "helper", "helpers", "misc", "types", "models", "interfaces"}

func TestPackageNames(t *testing.T) {
	src := sources(t)
	var bad []string
	for _, dir := range sortedDirs(src) {
		f := src[dir][0]
		for _, n := range []string{f.ast.Name.Name, filepath.Base(dir)} {
			if slices.Contains(forbiddenNames, n) {
				bad = append(bad, fmt.Sprintf("%s: package %s is named %q; name it for what it provides", dir, f.ast.Name.Name, n))
				break
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d packages have grab-bag names:\n\t%s", len(bad), strings.Join(bad, "\n\t"))
	}
}

// mdLink matches the target of a Markdown link or image: [text](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestDocLinks checks that every relative link in README.md and docs/*.md
// points at a file that exists.
func TestDocLinks(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	var bad []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				bad = append(bad, "README.md is missing")
				continue
			}
			t.Fatal(err)
		}
		r, _ := filepath.Rel(root, file)
		inFence := false
		for i, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inFence = !inFence
			}
			if inFence {
				continue
			}
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "#") {
					continue
				}
				target, _, _ = strings.Cut(target, "#")
				p := filepath.Join(filepath.Dir(file), filepath.FromSlash(target))
				if _, err := os.Stat(p); err != nil {
					bad = append(bad, fmt.Sprintf("%s:%d: link to %s: no such file", filepath.ToSlash(r), i+1, m[1]))
				}
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d broken documentation links:\n\t%s", len(bad), strings.Join(bad, "\n\t"))
	}
}
