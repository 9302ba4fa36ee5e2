package openapi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

func TestInvalid(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("a: [1, 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, data string
		line       int
		msg        string
	}{
		{"bad yaml", "openapi: 3.0.0\ninfo:\n  title: x\n   version: 1\npaths: {}\n", 4, "cannot parse"},
		{"bad json", "{\n  \"openapi\": \"3.0.0\",\n  \"info\": {\"title\": \"x\",}\n}\n", 3, "cannot parse JSON"},
		{"not openapi", "foo: bar\n", 1, "not an OpenAPI"},
		{"not a mapping", "- openapi\n", 1, "not"},
		{"wrong version", "openapi: 2.0\ninfo: {title: x, version: '1'}\npaths: {}\n", 1, "unsupported version"},
		{"missing local ref", "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          $ref: '#/components/responses/Nope'\n", 8, "cannot resolve $ref"},
		{"missing file ref", "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    $ref: './nope.yaml'\n", 5, "cannot resolve $ref"},
		{"unparseable file ref", "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    $ref: './broken.yaml'\n", 5, "broken.yaml:1"},
		{"ref cycle", "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    $ref: '#/paths/~1b'\n  /b:\n    $ref: '#/paths/~1a'\n", 0, "chained references"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := filepath.Join(dir, "api.yaml")
			_, _, err := Load(context.Background(), loc, []byte(tt.data), Options{})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			var e *escarp.Error
			if !errors.As(err, &e) || escarp.KindOf(err) != escarp.Invalid {
				t.Fatalf("error %v (%T) is not an Invalid *escarp.Error", err, err)
			}
			if e.Pos.File == "" || e.Pos.Line == 0 {
				t.Errorf("error %q has no file:line", err)
			}
			if tt.line != 0 && e.Pos.Line != tt.line {
				t.Errorf("error %q at line %d, want line %d", err, e.Pos.Line, tt.line)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestExtensionRefIsWarning(t *testing.T) {
	doc := "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      x-codeSamples:\n        - lang: go\n          source:\n            $ref: ./samples/missing.go\n      responses:\n        '200': {description: ok}\n"
	loc := filepath.Join(t.TempDir(), "api.yaml")
	api, warnings, err := Load(context.Background(), loc, []byte(doc), Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(api.Operations) != 1 {
		t.Fatalf("got %d operations, want 1", len(api.Operations))
	}
	if len(warnings) != 1 || warnings[0].Pos.Line != 9 || warnings[0].Pos.File != loc || !strings.Contains(warnings[0].Message, "missing.go") {
		t.Fatalf("warnings = %v, want one at %s:9 naming missing.go", warnings, loc)
	}
}
