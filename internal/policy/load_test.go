package policy

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

const conftestV0 = `package main

deny[msg] {
	input.api.title == "Orders"
	msg := "the Orders API is frozen"
}

warn_version[msg] {
	not input.api.version
	msg := "no version"
}
`

const userV1 = `package acme.v1

violation contains {"msg": "GET /x exists", "method": "GET", "path": "/x"} if {
	some op in input.api.operations
	op.path == "/x"
}
`

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRegoV0PerDirectory: Rego v1 by default; a directory is v0 through
// its .manifest or the RegoV0 option; v0 syntax elsewhere is an input
// error naming file and line.
func TestRegoV0PerDirectory(t *testing.T) {
	ctx := context.Background()
	api := &escarp.API{Title: "Orders", Version: "1.0.0", Location: "o.yaml", Pos: escarp.Position{File: "o.yaml", Line: 1},
		Operations: []*escarp.Operation{{Method: "GET", Path: "/x", Pos: escarp.Position{File: "o.yaml", Line: 7}}}}
	for _, mode := range []string{"manifest", "option"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "conftest", "main.rego"), conftestV0)
			write(t, filepath.Join(dir, "v1", "x.rego"), userV1)
			opts := Options{Dirs: []string{dir}, NoBuiltin: true}
			if mode == "manifest" {
				write(t, filepath.Join(dir, "conftest", ".manifest"), `{"rego_version": 0}`)
			} else {
				opts.RegoV0 = []string{filepath.Join(dir, "conftest")}
			}
			set, err := Load(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := set.Eval(ctx, &Input{API: api})
			if err != nil {
				t.Fatal(err)
			}
			if got := ruleIDs(fs); !slices.Equal(got, []string{"policy:acme.v1.violation", "policy:main.deny"}) {
				t.Errorf("got %v", got)
			}
			for _, f := range fs {
				switch f.RuleID {
				case "policy:acme.v1.violation":
					if f.Location.Line != 7 || f.Severity != escarp.SeverityHigh {
						t.Errorf("violation at line %d severity %s, want the operation's line 7, high", f.Location.Line, f.Severity)
					}
				case "policy:main.deny":
					if f.Location.File != "o.yaml" || f.Location.Line != 1 || f.Message != "the Orders API is frozen" {
						t.Errorf("deny %+v", f)
					}
				}
			}
		})
	}
	t.Run("v0 without a manifest", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "main.rego"), conftestV0)
		_, err := Load(ctx, Options{Dirs: []string{dir}})
		if escarp.KindOf(err) != escarp.Invalid || !strings.Contains(err.Error(), "main.rego:3") {
			t.Errorf("v0 file parsed as v1: %v, want an input error at main.rego:3", err)
		}
	})
	t.Run("bad metadata", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "m.rego"), "# METADATA\n# custom:\n#   severity: urgent\npackage m\n\ndeny contains \"x\" if false\n")
		_, err := Load(ctx, Options{Dirs: []string{dir}})
		if escarp.KindOf(err) != escarp.Invalid || !strings.Contains(err.Error(), "m.rego:6") || !strings.Contains(err.Error(), "severity") {
			t.Errorf("bad severity: %v", err)
		}
	})
}

// FuzzLoad: arbitrary policy text never panics or hangs the loader; it
// loads or is an input error.
func FuzzLoad(f *testing.F) {
	f.Add(conftestV0)
	f.Add(userV1)
	f.Add("# METADATA\n# custom:\n#   review: 2020-01-01\npackage p\ndeny contains 1 if true\n")
	f.Add("package p\ndeny := {\"msg\": 3}\n")
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "p.rego"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		set, err := Load(context.Background(), Options{Dirs: []string{dir}, NoBuiltin: true})
		if err != nil {
			if k := escarp.KindOf(err); k != escarp.Invalid {
				t.Fatalf("error of kind %v: %v", k, err)
			}
			return
		}
		_, _ = set.Eval(context.Background(), &Input{API: &escarp.API{Title: "t"}})
	})
}
