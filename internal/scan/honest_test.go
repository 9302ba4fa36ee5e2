package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/spec"
)

// TestHonestRun: a target that redirects every request, or asks escarp to
// wait past its budget, gives an Unavailable error (exit 3) with the
// counts, the likely reason and the report still written; a healthy twin
// does not.
func TestHonestRun(t *testing.T) {
	const doc = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      parameters: [{name: q, in: query, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /items/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
`
	api, _, err := spec.LoadBytes(context.Background(), "openapi.yaml", []byte(doc), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		h       http.HandlerFunc
		want    string
		timeout time.Duration
	}{
		{"redirects", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://login.example/sso", http.StatusFound)
		}, "most answers were redirects", 0},
		{"retry-after", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		}, "Retry-After", 0},
		{"healthy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			_, _ = w.Write([]byte(`[{"id": 1}]`))
		}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			run, err := scan.Run(ctx, api, srv.URL, scan.Config{MaxDuration: 20 * time.Second, Checks: []string{"API8", "API4:2023"}}, list.All())
			if run == nil {
				t.Fatalf("no run: %v", err)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("healthy target: %v", err)
				}
				return
			}
			if err == nil || escarp.KindOf(err) != escarp.Unavailable || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want Unavailable mentioning %q", err, tc.want)
			}
			if !strings.Contains(strings.Join(run.Notes, "\n"), tc.want) && tc.name == "redirects" {
				t.Errorf("notes do not say why: %q", run.Notes)
			}
			t.Logf("%s: %v (stats %v)", tc.name, err, run.Stats)
		})
	}
}
