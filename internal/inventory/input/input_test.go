package input

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escarp/escarp/internal/inventory"
)

// observe collects what a source adds.
func observe(t *testing.T, src inventory.Source) []inventory.Batch {
	t.Helper()
	var got []inventory.Batch
	if _, err := src.Observe(context.Background(), func(b inventory.Batch) error {
		b.Observations = append(b.Observations[:0:0], b.Observations...)
		got = append(got, b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"openapi.yaml": "openapi: 3.0.3\ninfo: {title: Shop API, version: '1'}\npaths:\n  /items/{id}:\n    get:\n      responses: {'200': {description: ok}}\n",
		"access.log":   `10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /items/42 HTTP/1.1" 200 12 "-" "curl/8"` + "\n" + `10.0.0.1 - - [10/Oct/2026:13:55:37 +0000] "GET /items/43 HTTP/1.1" 200 12 "-" "curl/8"` + "\n",
		"routes.json":  `{"routes": [{"method": "GET", "path": "/items/{id}", "file": "main.go", "line": 3}]}`,
		"rec.har":      `{"log": {"version": "1.2", "entries": [{"request": {"method": "GET", "url": "http://shop.test/items/7", "headers": []}, "response": {"status": 200, "headers": [], "content": {"text": "{}"}}}]}}`,
		"notes.json":   `{"hello": "world"}`,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for _, tt := range []struct {
		file     string
		specs    int
		obs      int
		service  string
		specName string
	}{
		{"openapi.yaml", 1, 1, "", "shop-api"},
		{"access.log", 0, 2, "shop", ""},
		{"routes.json", 1, 1, "shop", "shop"},
		{"rec.har", 0, 1, "shop", ""},
	} {
		svc := tt.service
		src, err := Open(ctx, filepath.Join(dir, tt.file), Options{Service: svc, Host: "shop.test"})
		if err != nil {
			t.Fatalf("Open(%s): %v", tt.file, err)
		}
		got := observe(t, src)
		specs, obs := 0, 0
		for _, b := range got {
			specs += len(b.Specs)
			obs += len(b.Observations)
			if len(b.Specs) > 0 && b.Specs[0].Name != tt.specName {
				t.Errorf("Open(%s): spec service %q, want %q", tt.file, b.Specs[0].Name, tt.specName)
			}
		}
		if specs != tt.specs || obs != tt.obs {
			t.Errorf("Open(%s): %d specs, %d observations; want %d, %d", tt.file, specs, obs, tt.specs, tt.obs)
		}
	}
	if _, err := Open(ctx, filepath.Join(dir, "notes.json"), Options{}); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("Open(notes.json) = %v, want ErrUnknownKind", err)
	}
	if _, err := Open(ctx, filepath.Join(dir, "missing.yaml"), Options{}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Open(missing) = %v, want an error naming the file", err)
	}

	// A directory expands to its importable files, skipping dot directories.
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".git", "config.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# shop"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Expand(dir)
	if err != nil || len(got) != len(files) {
		t.Errorf("Expand(dir) = %q, %v; want the %d importable files", got, err, len(files))
	}
}
