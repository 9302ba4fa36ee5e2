package lab

import (
	"embed"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// source is an excerpt of the marina's source code with flaws planted for
// escarp code: SQL injection through a helper in another package, command
// injection, SSRF, SQL injection in the JavaScript front end, a vulnerable
// npm dependency and a committed secret. go.mod is stored as go.mod.txt so
// the excerpt is not a module of its own inside escarp's.
//
//go:embed all:_source
var source embed.FS

// osvRecords are the OSV advisories the excerpt's dependencies match, for
// an offline dependency check.
//
//go:embed _osv
var osvRecords embed.FS

// SourceFlaw is a flaw planted in the source excerpt: the rule escarp code
// reports it under, and the file (a slash path relative to the excerpt).
type SourceFlaw struct{ Rule, File string }

// SourceFlaws are the flaws planted in the source excerpt.
var SourceFlaws = []SourceFlaw{
	{"ESC-SAST-SQLI-001", "store/store.go"},
	{"ESC-SAST-CMDI-001", "main.go"},
	{"ESC-SAST-SSRF-001", "main.go"},
	{"ESC-SAST-SQLI-002", "web/server.js"},
	{"GHSA-3h5v-q93c-6h6q", "web/package-lock.json"},
	{"gitleaks:stripe-access-token", "deploy/.env"},
}

// WriteSource writes the source excerpt into dir/src and the OSV records
// its dependencies match into dir/osv, and returns both directories.
func WriteSource(dir string) (src, osv string, err error) {
	src, osv = filepath.Join(dir, "src"), filepath.Join(dir, "osv")
	for _, d := range []struct {
		fsys fs.FS
		root string
		to   string
	}{{source, "_source", src}, {osvRecords, "_osv", osv}} {
		err := fs.WalkDir(d.fsys, d.root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(p, d.root), "/")
			if path.Base(rel) == "go.mod.txt" {
				rel = strings.TrimSuffix(rel, ".txt")
			}
			target := filepath.Join(d.to, filepath.FromSlash(rel))
			if e.IsDir() {
				return os.MkdirAll(target, 0o750)
			}
			data, err := fs.ReadFile(d.fsys, p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o600)
		})
		if err != nil {
			return "", "", err
		}
	}
	return src, osv, nil
}
