package sast

import (
	"context"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/securego/gosec/v2"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// loaded is one module loaded once, shared by gosec and the taint pass, and
// the SSA program of its packages.
type loaded struct {
	dir   string
	pkgs  []*packages.Package // well-typed packages of the module, in path order
	prog  *ssa.Program
	files int
	skip  []string // notes about packages left out
}

// loadEnv is the environment the go command runs in for the module in
// dir: offline and reproducible (no downloads, no workspace, no toolchain
// switch); a vendored module builds from its vendor directory.
func loadEnv(dir string) []string {
	mod := "-mod=mod"
	if _, err := os.Stat(filepath.Join(dir, "vendor", "modules.txt")); err == nil {
		mod = "-mod=vendor"
	}
	return append(os.Environ(), "GOFLAGS="+mod, "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
}

// load loads every package of the module in dir (./...) with syntax and
// types, leaves out the ones that do not type-check (and those importing
// them), and builds the SSA of the rest.
func load(ctx context.Context, dir string, opt Options) (l *loaded, err error) {
	cfg := &packages.Config{
		Context: ctx,
		Mode:    gosec.LoadMode,
		Dir:     dir,
		Env:     loadEnv(dir),
		Tests:   opt.Tests,
	}
	if len(opt.Tags) > 0 {
		cfg.BuildFlags = []string{"-tags=" + strings.Join(opt.Tags, ",")}
	}
	all, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, fmt.Errorf("loading packages: %w", err)
	}
	l = &loaded{dir: dir}
	all = pickVariants(all, opt.Tests)
	bad := map[string]bool{}
	for _, p := range all {
		if len(p.Errors) > 0 {
			bad[p.ID] = true
			l.skip = append(l.skip, fmt.Sprintf("package %s skipped: %s", p.PkgPath, firstError(p.Errors)))
		}
	}
	// A package importing a broken package cannot get SSA either.
	for changed := true; changed; {
		changed = false
		for _, p := range all {
			if bad[p.ID] {
				continue
			}
			for _, imp := range p.Imports {
				if bad[imp.ID] {
					bad[p.ID], changed = true, true
					l.skip = append(l.skip, fmt.Sprintf("package %s skipped: it imports %s, which does not type-check", p.PkgPath, imp.PkgPath))
					break
				}
			}
		}
	}
	for _, p := range all {
		if !bad[p.ID] && (p.IllTyped || p.Types == nil || p.TypesInfo == nil) {
			bad[p.ID] = true
			l.skip = append(l.skip, fmt.Sprintf("package %s skipped: it does not type-check", p.PkgPath))
		}
	}
	for _, p := range all {
		if !bad[p.ID] && p.Name != "" {
			l.pkgs = append(l.pkgs, p)
			l.files += len(p.Syntax)
		}
	}
	if len(l.pkgs) == 0 {
		return l, nil
	}
	defer func() {
		if r := recover(); r != nil {
			l.skip = append(l.skip, fmt.Sprintf("SSA construction failed: %v; taint analysis and SSA-based gosec analyzers skipped", r))
			l.prog = nil
			err = nil
		}
	}()
	prog, _ := ssautil.Packages(l.pkgs, ssa.BuilderMode(0))
	prog.Build()
	l.prog = prog
	return l, nil
}

// firstError describes a package's errors on one line, preferring the
// parser's and type checker's (with positions) over the go command's.
func firstError(errs []packages.Error) string {
	e := errs[0]
	for _, x := range errs {
		if x.Kind == packages.ParseError || x.Kind == packages.TypeError {
			e = x
			break
		}
	}
	msg := e.Msg
	if e.Pos != "" && e.Pos != "-" {
		msg = e.Pos + ": " + msg
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(errs) > 1 {
		msg += fmt.Sprintf(" (and %d more errors)", len(errs)-1)
	}
	return msg
}

// pickVariants drops the test binaries and, when tests are included, keeps
// for each package the variant compiled with its tests.
func pickVariants(all []*packages.Package, tests bool) []*packages.Package {
	if !tests {
		return all
	}
	hasTestVariant := map[string]bool{}
	for _, p := range all {
		if strings.Contains(p.ID, " [") && !strings.HasSuffix(p.PkgPath, "_test") {
			hasTestVariant[p.PkgPath] = true
		}
	}
	var out []*packages.Package
	for _, p := range all {
		switch {
		case strings.HasSuffix(p.ID, ".test") && p.Name == "main":
		case !strings.Contains(p.ID, " [") && hasTestVariant[p.PkgPath]:
		default:
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// srcFuncs lists the functions declared in p, with their literals, in source
// order.
func srcFuncs(prog *ssa.Program, p *packages.Package) []*ssa.Function {
	var out []*ssa.Function
	var add func(f *ssa.Function)
	add = func(f *ssa.Function) {
		out = append(out, f)
		for _, anon := range f.AnonFuncs {
			add(anon)
		}
	}
	for _, file := range p.Syntax {
		if prog.Fset.File(file.Pos()) == nil || filepath.Ext(prog.Fset.File(file.Pos()).Name()) != ".go" {
			continue
		}
		for _, decl := range file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			obj, ok := p.TypesInfo.Defs[fd.Name].(*types.Func)
			if !ok {
				continue
			}
			if f := prog.FuncValue(obj); f != nil {
				add(f)
			}
		}
	}
	return out
}
