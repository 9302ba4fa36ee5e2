package openapi

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

// FuzzLoadOpenAPI checks that no input crashes the loader, that every
// failure is an Invalid error with a position, and that every loaded model
// encodes to JSON.
func FuzzLoadOpenAPI(f *testing.F) {
	// Seeds: the small documents of the shared corpus (when present) and
	// hand-written edge cases.
	if dir := corpusDirOrEmpty(); dir != "" {
		matches, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() && fi.Size() < 12<<10 && filepath.Ext(m) != ".tsv" && filepath.Ext(m) != ".md" {
				if data, err := os.ReadFile(m); err == nil {
					f.Add(data)
				}
			}
		}
	}
	for _, s := range []string{
		"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
		"swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {parameters: [{in: formData, name: f, type: file}], responses: {default: {description: x}}}}}\n",
		"openapi: 3.0.0\npaths:\n  /a:\n    $ref: '#/paths/~1a'\n",
		"openapi: 3.0.0\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
		"openapi: 3.0.0\nx: &a [*a]\n",
		"openapi: 3.0.0\npaths:\n  /a:\n    post:\n      callbacks:\n        c:\n          '{$url}':\n            $ref: '#/paths/~1a'\n",
		"openapi: 3.0.0\ncomponents:\n  schemas:\n    A: &s {properties: {b: *s}}\n",
		"a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nopenapi: 3.0.0\nx-c: [*c, *c]\n",
		`{"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {"content": {"a/b": {"schema": {"minimum": "1e999"}}}}}}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Only in-memory documents: no file reads from fuzzed $refs.
		opts := Options{Fetch: func(context.Context, string) ([]byte, error) { return nil, os.ErrNotExist }}
		api, _, err := Load(ctx, "fuzz.yaml", data, opts)
		if err != nil {
			if escarp.KindOf(err) != escarp.Invalid {
				t.Fatalf("error of kind %v: %v", escarp.KindOf(err), err)
			}
			return
		}
		if _, err := json.Marshal(api); err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
	})
}

func corpusDirOrEmpty() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for i := 0; i < 10; i++ {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "corpus", "openapi")
			if _, err := os.Stat(c); err == nil {
				return c
			}
			return ""
		}
		dir = filepath.Dir(dir)
	}
	return ""
}
