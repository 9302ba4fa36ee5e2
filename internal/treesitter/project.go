//go:build cgo && !notreesitter

package treesitter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/pathglob"
)

// maxFileSize bounds the files analysed: bigger ones are generated or
// bundled code, skipped with a note.
const maxFileSize = 2 << 20

// skipDirs are directory names never descended into.
var skipDirs = map[string]bool{
	"node_modules": true, ".git": true, "venv": true, ".venv": true,
	"__pycache__": true, "dist": true, "build": true,
}

// file is one parsed source file.
type file struct {
	rel  string // slash-separated, relative to the root
	lang lang
	src  []byte
	root *node
	// lines holds the byte offset of each line start, computed on first use.
	lines []int
}

// project is every analysable file under a root.
type project struct {
	root   string
	files  []*file
	byRel  map[string]*file
	notes  []string
	errors int // files with syntax errors
}

func langOf(name string) (lang, bool) {
	if strings.HasSuffix(name, ".d.ts") {
		return 0, false
	}
	switch path.Ext(name) {
	case ".js", ".mjs", ".cjs", ".jsx":
		return langJS, true
	case ".ts", ".mts", ".cts":
		return langTS, true
	case ".tsx":
		return langTSX, true
	case ".py":
		return langPython, true
	}
	return 0, false
}

// load reads and parses every JavaScript, TypeScript and Python file under
// root. A root that cannot be read is an input error; a file that cannot
// be read or parsed is a note. With each set, every file is handed to it
// and then dropped, so memory holds one syntax tree at a time; otherwise
// the project keeps them all.
func load(ctx context.Context, op, root string, exclude []string, each func(*file)) (*project, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Pos: escarp.Position{File: root},
			Message: "cannot read the source root", Err: err}
	}
	p := &project{root: root, byRel: map[string]*file{}}
	var paths []string
	if !st.IsDir() {
		if _, ok := langOf(st.Name()); ok {
			paths = append(paths, root)
		}
		p.root = filepath.Dir(root)
	} else {
		err = filepath.WalkDir(root, func(name string, d fs.DirEntry, err error) error {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			rel, _ := filepath.Rel(root, name)
			rel = filepath.ToSlash(rel)
			if err != nil {
				if name == root {
					return err
				}
				p.notes = append(p.notes, fmt.Sprintf("%s: skipped: %v", rel, err))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if name != root && (skipDirs[d.Name()] || pathglob.Set(exclude).Match(rel)) {
					return fs.SkipDir
				}
				return nil
			}
			if _, ok := langOf(d.Name()); ok && d.Type().IsRegular() && !pathglob.Set(exclude).Match(rel) {
				paths = append(paths, name)
			}
			return nil
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Pos: escarp.Position{File: root},
				Message: "cannot read the source root", Err: err}
		}
	}
	sort.Strings(paths)
	for _, name := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(p.root, name)
		rel = filepath.ToSlash(rel)
		l, _ := langOf(name)
		info, err := os.Stat(name)
		if err != nil {
			p.notes = append(p.notes, fmt.Sprintf("%s: skipped: %v", rel, err))
			continue
		}
		if info.Size() > maxFileSize {
			p.notes = append(p.notes, fmt.Sprintf("%s: skipped: %d bytes is over the %d-byte limit (generated or bundled code?)", rel, info.Size(), maxFileSize))
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			p.notes = append(p.notes, fmt.Sprintf("%s: skipped: %v", rel, err))
			continue
		}
		f, err := parseFile(ctx, rel, l, src)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			p.notes = append(p.notes, fmt.Sprintf("%s: skipped: %v", rel, err))
			continue
		}
		if e := f.root.firstError(); e != nil {
			p.errors++
			p.notes = append(p.notes, fmt.Sprintf("%s:%d: syntax error; the rest of the file was analysed as far as tree-sitter could recover", rel, e.line))
		}
		if each != nil {
			each(f)
			continue
		}
		p.files = append(p.files, f)
		p.byRel[rel] = f
	}
	return p, nil
}

func parseFile(ctx context.Context, rel string, l lang, src []byte) (*file, error) {
	root, err := parse(ctx, l, src)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, errors.New("no syntax tree")
	}
	return &file{rel: rel, lang: l, src: src, root: root}, nil
}

// lineText returns line n (1-based) of f, trimmed.
func (f *file) lineText(n int) string {
	if f.lines == nil {
		f.lines = append(f.lines, 0)
		for i, b := range f.src {
			if b == '\n' {
				f.lines = append(f.lines, i+1)
			}
		}
	}
	if n < 1 || n > len(f.lines) {
		return ""
	}
	line := f.src[f.lines[n-1]:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return strings.TrimSpace(string(line))
}
