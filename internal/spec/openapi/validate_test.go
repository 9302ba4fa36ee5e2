package openapi

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSchemaErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string // "pointer|message substring|line"
	}{
		{"valid 3.0", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n", nil},
		{"valid 2.0", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n", nil},
		{"missing info", "openapi: 3.0.3\npaths: {}\n", []string{"|info|1"}},
		{"bad parameter in", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: a, in: body}\n      responses: {'200': {description: ok}}\n", []string{"/paths/~1a/get/parameters/0||7"}},
		{"wrong type", "openapi: 3.0.3\ninfo: {title: t, version: 1}\npaths: {}\n", []string{"/info/version|string|2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := filepath.Join(t.TempDir(), "api.yaml")
			d, err := Parse(context.Background(), loc, []byte(tt.doc), Options{})
			if err != nil {
				t.Fatalf("Parse: %v (a document that breaks the schema must still load)", err)
			}
			errs, err := SchemaErrors(context.Background(), d)
			if err != nil {
				t.Fatalf("SchemaErrors: %v", err)
			}
			if len(tt.want) == 0 && len(errs) != 0 {
				t.Fatalf("got %v, want none", errs)
			}
			for _, w := range tt.want {
				parts := strings.Split(w, "|")
				found := false
				for _, e := range errs {
					if e.Pointer == parts[0] && strings.Contains(e.Message, parts[1]) && strconv.Itoa(e.Pos.Line) == parts[2] && e.Pos.File == loc {
						found = true
					}
				}
				if !found {
					t.Errorf("no error %q in %v", w, errs)
				}
			}
		})
	}
}

func TestSchemaErrorsCorpusSample(t *testing.T) {
	dir := corpusDir(t)
	for _, name := range []string{"oai-petstore.v30.yaml", "oai-uber.v2.yaml", "oai-tictactoe.v31.json", "oai-tags-example.v32.yaml"} {
		loc := filepath.Join(dir, name)
		data, err := os.ReadFile(loc)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		d, err := Parse(ctx, loc, data, Options{})
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		errs, err := SchemaErrors(ctx, d)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(errs) != 0 {
			t.Errorf("%s: the OAI example breaks its schema? %v", name, errs)
		}
	}
}
