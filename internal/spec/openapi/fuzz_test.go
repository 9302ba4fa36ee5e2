package openapi

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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
		// Alias bomb and deep nesting: rejected before anything expands them.
		"openapi: 3.0.0\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nx-g: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n",
		"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-deep: " + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + "\n",
		`{"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {"content": {"a/b": {"schema": {"minimum": "1e999"}}}}}}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Only in-memory documents: no file reads from fuzzed $refs.
		opts := Options{Fetch: func(context.Context, string) ([]byte, error) { return nil, os.ErrNotExist }}
		var api *escarp.API
		var err error
		if got, ceiling := allocated(func() { api, _, err = Load(ctx, "fuzz.yaml", data, opts) }), memoryCeiling(data); got > ceiling {
			t.Fatalf("loading %d bytes allocated %d bytes, over the ceiling of %d", len(data), got, ceiling)
		}
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

// allocated returns the bytes fn allocates on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// memoryCeiling is what loading data may allocate in total: a fixed 32 MB
// plus 400 bytes per input byte. The parsed tree costs about 100 bytes per
// input byte; an alias bomb or deep nesting that slipped past the limits
// would cost thousands of times its size.
func memoryCeiling(data []byte) uint64 { return 32<<20 + 400*uint64(len(data)) }
