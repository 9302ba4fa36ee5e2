// Package sast is escarp's static analysis of Go source: gosec's rules and
// analyzers run through its library, and escarp's own interprocedural taint
// analysis on SSA (rules ESC-SAST-*) follows HTTP request data from net/http,
// gin, echo, chi, gorilla/mux and fiber handlers to SQL, command, file,
// outbound HTTP, HTML and redirect sinks.
//
// Packages are loaded once (golang.org/x/tools/go/packages) and shared by
// gosec and the taint pass; the taint pass builds the SSA of the whole
// module, gosec's analyzers their own SSA per package (see runGosec).
//
// Where gosec and the taint pass report the same flaw (the same class, such
// as G202/G701 and ESC-SAST-SQLI-001, on the sink's line or in the function
// holding the sink), one finding is kept: escarp's, which carries the flow,
// with Properties["also"] naming the gosec rules.
//
// Inline suppressions are honoured: gosec's #nosec issues, and escarp's
// taint findings whose sink line carries "#nosec" (bare, or naming the
// ESC-SAST rule or a gosec rule of the same flaw, such as G701), are kept
// as findings with an [escarp.Suppression] of Kind "inline" and the
// justification after "--", so reports can show them and gates ignore them.
package sast

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/pathglob"
	"github.com/escarp/escarp/internal/redact"
)

// Options tune a scan.
type Options struct {
	// Tests includes _test.go files.
	Tests bool
	// Tags are build tags.
	Tags []string
	// Exclude are path globs relative to the root, as internal/pathglob
	// reads them; a file matching one, or under a directory matching one,
	// is not reported (excluded packages are still loaded, so flows through
	// them are found), and a module under an excluded directory is skipped.
	Exclude []string
}

// Scan analyses every Go package of the module(s) under root and returns
// the findings of gosec and of escarp's taint rules. A root holding no Go
// code gives an empty Run with a note. A package that fails to load or
// type-check becomes a note; the others are still analysed.
func Scan(ctx context.Context, root string, opt Options) (*escarp.Run, error) {
	const op = "sast.Scan"
	run := &escarp.Run{
		Engine:    escarp.EngineCode,
		Target:    root,
		StartedAt: time.Now().UTC(),
		Rules:     Rules(),
		Findings:  []escarp.Finding{},
		Stats:     map[string]int64{},
	}
	if err := pathglob.Set(opt.Exclude).Validate(); err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "bad exclude glob", Err: err}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: fmt.Sprintf("resolving %s", root), Err: err}
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Pos: escarp.Position{File: root},
			Message: "cannot read the source root", Err: err}
	}
	if !st.IsDir() {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Pos: escarp.Position{File: root},
			Message: "the source root is not a directory"}
	}
	mods, hasGo, err := findModules(ctx, abs, opt.Exclude)
	if err != nil {
		return nil, err
	}
	if len(mods) == 0 && hasGo && enclosingModule(abs) != "" {
		mods = []string{abs} // a directory inside a module: scan its packages
	}
	if len(mods) == 0 {
		if hasGo {
			run.Notes = append(run.Notes, "Go files without a go.mod: Go SAST needs a module; skipped")
		} else {
			run.Notes = append(run.Notes, "no Go module under the root: Go SAST skipped")
		}
		run.FinishedAt = time.Now().UTC()
		return run, nil
	}
	for _, dir := range mods {
		if err := ctx.Err(); err != nil {
			return nil, &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "scan cancelled", Err: err}
		}
		if err := scanModule(ctx, abs, dir, opt, run); err != nil {
			return nil, err
		}
	}
	run.Findings = filterExcluded(run.Findings, opt.Exclude)
	escarp.SortFindings(run.Findings)
	run.Stats["sast.findings"] = int64(len(run.Findings))
	run.FinishedAt = time.Now().UTC()
	return run, nil
}

// scanModule loads the module in dir once, runs gosec and the taint pass on
// it and merges their findings into run.
func scanModule(ctx context.Context, root, dir string, opt Options, run *escarp.Run) error {
	t0 := time.Now()
	l, err := load(ctx, dir, opt)
	run.Stats["sast.loadMs"] += time.Since(t0).Milliseconds()
	if err != nil {
		if ctx.Err() != nil {
			return &escarp.Error{Op: "sast.Scan", Kind: escarp.Unavailable, Message: "scan cancelled", Err: ctx.Err()}
		}
		run.Notes = append(run.Notes, fmt.Sprintf("%s: cannot load the module: %v", relSlash(root, dir), err))
		return nil
	}
	for _, n := range l.skip {
		// Compiler messages name files by absolute path; notes use the
		// root-relative paths findings use.
		run.Notes = append(run.Notes, strings.ReplaceAll(n, root+string(filepath.Separator), ""))
	}
	run.Stats["packages"] += int64(len(l.pkgs))
	run.Stats["sast.packages"] += int64(len(l.pkgs))
	run.Stats["files"] += int64(l.files)
	if len(l.pkgs) == 0 {
		return nil
	}
	src := newSources(root)
	t1 := time.Now()
	gos, notes := runGosec(ctx, l, src)
	run.Stats["sast.gosecMs"] += time.Since(t1).Milliseconds()
	run.Notes = append(run.Notes, notes...)
	if err := ctx.Err(); err != nil {
		return &escarp.Error{Op: "sast.Scan", Kind: escarp.Unavailable, Message: "scan cancelled", Err: err}
	}
	t2 := time.Now()
	own, tnotes := runTaint(ctx, l, src)
	run.Stats["sast.taintMs"] += time.Since(t2).Milliseconds()
	if err := ctx.Err(); err != nil {
		return &escarp.Error{Op: "sast.Scan", Kind: escarp.Unavailable, Message: "scan cancelled", Err: err}
	}
	run.Notes = append(run.Notes, tnotes...)
	run.Findings = append(run.Findings, merge(own, gos)...)
	return nil
}

// findModules lists the directories under root holding a go.mod, skipping
// vendor, testdata, node_modules, hidden and excluded directories. hasGo
// reports whether any .go file was seen.
func findModules(ctx context.Context, root string, exclude []string) (mods []string, hasGo bool, err error) {
	const maxEntries = 200000
	n := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, werr error) error {
		if werr != nil {
			if p == root {
				return werr
			}
			return nil // unreadable subdirectory: skip
		}
		if n++; n > maxEntries {
			return fs.SkipAll
		}
		if n%1000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rel := relSlash(root, p)
		if d.IsDir() {
			name := d.Name()
			if p != root && (name == "vendor" || name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || name == "_") {
				return filepath.SkipDir
			}
			if p != root && excluded(rel, exclude) {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.Name() == "go.mod":
			mods = append(mods, filepath.Dir(p))
		case strings.HasSuffix(d.Name(), ".go"):
			hasGo = true
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, &escarp.Error{Op: "sast.Scan", Kind: escarp.Unavailable, Message: "scan cancelled", Err: ctx.Err()}
		}
		return nil, false, &escarp.Error{Op: "sast.Scan", Kind: escarp.Invalid, Pos: escarp.Position{File: root},
			Message: "cannot walk the source root", Err: err}
	}
	sort.Strings(mods)
	return mods, hasGo, nil
}

// enclosingModule returns the directory of the go.mod above dir, or "".
func enclosingModule(dir string) string {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// excluded reports whether the slash path rel, or a directory above it,
// matches one of the globs, with the meaning every engine of escarp code
// gives them (internal/pathglob).
func excluded(rel string, globs []string) bool {
	return pathglob.Set(globs).Match(rel)
}

func filterExcluded(fs []escarp.Finding, globs []string) []escarp.Finding {
	if len(globs) == 0 {
		return fs
	}
	out := fs[:0]
	for _, f := range fs {
		if !excluded(f.Location.File, globs) {
			out = append(out, f)
		}
	}
	return out
}

// relSlash returns p relative to root, slash-separated; p itself when it is
// not under root.
func relSlash(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil || strings.HasPrefix(r, "..") {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// sources reads source lines for snippets, caching each file.
type sources struct {
	root  string
	files map[string][]string
}

func newSources(root string) *sources {
	return &sources{root: root, files: map[string][]string{}}
}

// line returns the trimmed, redacted text of a 1-based line of the absolute
// file name, or "".
func (s *sources) line(name string, line int) string {
	lines, ok := s.files[name]
	if !ok {
		b, err := os.ReadFile(name)
		if err == nil && len(b) <= 8<<20 {
			lines = strings.Split(string(b), "\n")
		}
		s.files[name] = lines
	}
	if line < 1 || line > len(lines) {
		return ""
	}
	return redact.String(strings.TrimSpace(lines[line-1]))
}

// rel returns name relative to the scan root, slash-separated.
func (s *sources) rel(name string) string { return relSlash(s.root, name) }

// snippetHash is the hex sha256 (first 16 bytes) of the whitespace-normalized
// snippet, the Hash of code findings.
func snippetHash(snippet string) string {
	sum := sha256.Sum256([]byte(strings.Join(strings.Fields(snippet), " ")))
	return hex.EncodeToString(sum[:16])
}
