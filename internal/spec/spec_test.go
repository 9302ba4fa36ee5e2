package spec

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

func TestDetect(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"openapi yaml", "# comment\nopenapi: 3.1.0\ninfo: {}\n", escarp.FormatOpenAPI},
		{"openapi yaml quoted", "\"openapi\": \"3.0.0\"\n", escarp.FormatOpenAPI},
		{"swagger yaml", "info:\n  title: x\nswagger: '2.0'\n", escarp.FormatSwagger},
		{"nested openapi key is not enough", "info:\n  openapi: 3.0.0\n", ""},
		{"openapi json", `{"info": {"openapi": "x"}, "openapi": "3.0.0"}`, escarp.FormatOpenAPI},
		{"swagger json", `{"swagger": "2.0"}`, escarp.FormatSwagger},
		{"postman", `{"info": {"_postman_id": "1", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}, "item": []}`, escarp.FormatPostman},
		{"har", `{"log": {"version": "1.2", "entries": []}}`, escarp.FormatHAR},
		{"bom", "\ufeffopenapi: 3.0.0\n", escarp.FormatOpenAPI},
		{"indented openapi yaml", "---\n   openapi: 3.0.3\n   info: {title: t, version: '1'}\n   paths: {}\n", escarp.FormatOpenAPI},
		{"indented swagger yaml", "---\n  info:\n    title: x\n  swagger: '2.0'\n", escarp.FormatSwagger},
		{"indented nested key is not enough", "---\n  info:\n    openapi: 3.0.0\n", ""},
		{"postman yaml", "info: {name: x}\nitem: []\n", escarp.FormatPostman},
		{"other json", `{"name": "x"}`, ""},
		{"garbage", "\x00\x01", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.data)); got != tt.want {
			t.Errorf("%s: Detect = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestLoadIndentedYAML: a valid document whose whole mapping is indented
// loads, rather than being called "not OpenAPI".
func TestLoadIndentedYAML(t *testing.T) {
	doc := "---\n   openapi: 3.0.3\n   info: {title: t, version: '1'}\n   paths:\n     /a:\n       get:\n         responses: {'200': {description: ok}}\n"
	api, _, err := LoadBytes(context.Background(), "indented.yaml", []byte(doc), Options{})
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	if len(api.Operations) != 1 {
		t.Errorf("%d operations, want 1", len(api.Operations))
	}
}

func write(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const rootDoc = `openapi: 3.0.3
info: {title: Remote, version: '1'}
paths:
  /pets:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'schemas/pet.yaml'}
`

func TestLoadFileAndDispatch(t *testing.T) {
	dir := t.TempDir()
	root := write(t, dir, "api.yaml", rootDoc)
	write(t, dir, "schemas/pet.yaml", "type: object\nproperties:\n  name: {type: string}\n")
	har := write(t, dir, "rec.har", `{"log": {"version": "1.2", "entries": [{"request": {"method": "GET", "url": "http://127.0.0.1/a/1"}, "response": {"status": 200}}]}}`)
	pm := write(t, dir, "c.json", `{"info": {"name": "C", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}, "item": [{"name": "a", "request": {"method": "GET", "url": "http://127.0.0.1/a/:id"}}]}`)
	tests := []struct{ loc, format, key string }{
		{root, escarp.FormatOpenAPI, "GET /pets"},
		{har, escarp.FormatHAR, "GET /a/{id}"},
		{pm, escarp.FormatPostman, "GET /a/{id}"},
	}
	for _, tt := range tests {
		api, _, err := Load(context.Background(), tt.loc, Options{})
		if err != nil {
			t.Fatalf("Load(%s): %v", tt.loc, err)
		}
		if api.Format != tt.format || len(api.Operations) != 1 || api.Operations[0].Key() != tt.key {
			t.Errorf("Load(%s): format %q, operations %d", tt.loc, api.Format, len(api.Operations))
		}
	}
	api, _, _ := Load(context.Background(), root, Options{})
	s := api.Operations[0].Response("200").Media("application/json").Schema
	if s == nil || s.Properties["name"] == nil || s.Pos.File != filepath.Join(dir, "schemas", "pet.yaml") {
		t.Errorf("relative $ref not resolved: %+v", s)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	big := write(t, dir, "big.yaml", "openapi: 3.0.0\n"+strings.Repeat("# padding\n", 200))
	unknown := write(t, dir, "x.txt", "hello: world\n")
	empty := write(t, dir, "empty.yaml", "  \n")
	tests := []struct {
		name, loc string
		opts      Options
		msg       string
	}{
		{"missing file", filepath.Join(dir, "nope.yaml"), Options{}, "no such file"},
		{"too big", big, Options{MaxBytes: 100}, "larger than 100 bytes"},
		{"unknown format", unknown, Options{}, "unrecognised"},
		{"empty", empty, Options{}, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(context.Background(), tt.loc, tt.opts)
			var e *escarp.Error
			if !errors.As(err, &e) || escarp.ExitCode(err) != 2 || e.Pos.File != tt.loc || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Load = %v, want an exit-2 error naming %s and saying %q", err, tt.loc, tt.msg)
			}
		})
	}
}

func TestLoadURL(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/specs/api.yaml", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(rootDoc)) })
	mux.HandleFunc("/specs/schemas/pet.yaml", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("type: object\nproperties:\n  name: {type: string}\n"))
	})
	mux.HandleFunc("/big.yaml", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("openapi: 3.0.0\n" + strings.Repeat("# x\n", 1000)))
	})
	mux.HandleFunc("/slow.yaml", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/moved.yaml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/specs/api.yaml", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	api, _, err := Load(ctx, srv.URL+"/specs/api.yaml", Options{})
	if err != nil {
		t.Fatalf("Load(URL): %v", err)
	}
	s := api.Operations[0].Response("200").Media("application/json").Schema
	if s == nil || s.Pos.File != srv.URL+"/specs/schemas/pet.yaml" || s.Properties["name"] == nil {
		t.Errorf("remote relative $ref: %+v", s)
	}
	if api.Location != srv.URL+"/specs/api.yaml" {
		t.Errorf("Location = %q", api.Location)
	}
	for _, tt := range []struct {
		path string
		opts Options
		msg  string
	}{
		{"/missing.yaml", Options{}, "404"},
		{"/big.yaml", Options{MaxBytes: 500}, "larger than"},
		{"/slow.yaml", Options{Timeout: 200 * time.Millisecond}, "timed out after 200ms"},
		{"/moved.yaml", Options{}, "redirects are not followed"},
	} {
		start := time.Now()
		_, _, err := Load(ctx, srv.URL+tt.path, tt.opts)
		if err == nil || escarp.ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), srv.URL+tt.path) {
			t.Errorf("Load(%s) = %v, want an exit-2 error saying %q", tt.path, err, tt.msg)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("Load(%s) took %v: the timeout did not apply", tt.path, time.Since(start))
		}
	}
}
