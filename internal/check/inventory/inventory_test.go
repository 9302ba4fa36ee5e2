package inventory_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/inventory"
)

const api = `
openapi: 3.0.3
info: {title: marina, version: "2"}
paths:
  /api/v2/users/me:
    get:
      responses: {"200": {description: ok}}
  /api/v2/boats/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}, example: 1}]
      responses: {"200": {description: ok}}
  /api/v2/bookings/export:
    get:
      deprecated: true
      responses: {"200": {description: csv}, "410": {description: gone}}
`

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func marina(vulnerable bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/users/me", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"name": "alice"})
	})
	mux.HandleFunc("GET /api/v2/boats/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"id": r.PathValue("id")})
	})
	mux.HandleFunc("GET /api/v2/bookings/export", func(w http.ResponseWriter, r *http.Request) {
		if !vulnerable {
			writeJSON(w, 410, map[string]string{"error": "retired"})
			return
		}
		w.Write([]byte("id,user\n1,alice\n"))
	})
	if vulnerable {
		mux.HandleFunc("GET /debug/vars", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"cmdline": []string{"marina"}, "config": map[string]string{"jwt_secret": "s3cr3t"}})
		})
		mux.HandleFunc("GET /api/v1/users/me", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]string{"name": "alice", "version": "1"})
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]string{"error": "no route for " + r.URL.Path})
	})
	return mux
}

// everything answers 200 with the same page to any path: a soft 404.
func everything() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<html><body><h1>Marina</h1><p>Welcome aboard. You asked for %s.</p></body></html>", r.URL.Path)
	})
}

func TestInventoryChecks(t *testing.T) {
	a := checktest.API(t, api)
	tests := []struct {
		check check.Check
		want  string
	}{
		{&inventory.Undocumented{}, "[GET /debug/vars high]"},
		{&inventory.Deprecated{}, "[GET /api/v2/bookings/export low]"},
		{&inventory.Versions{}, "[GET /api/v1/users/me medium]"},
	}
	for _, tt := range tests {
		id := tt.check.Info().ID
		t.Run(id, func(t *testing.T) {
			if got := keys(t, id, checktest.Run(t, tt.check, marina(true), a)); fmt.Sprint(got) != tt.want {
				t.Errorf("vulnerable: got %q, want %s", got, tt.want)
			}
			if got := keys(t, id, checktest.Run(t, tt.check, marina(false), a)); len(got) != 0 {
				t.Errorf("safe twin: got %q", got)
			}
			if got := keys(t, id, checktest.Run(t, tt.check, everything(), a)); len(got) != 0 && id != "ESC-DAST-INV-002" {
				t.Errorf("server answering 200 to everything: got %q", got)
			}
		})
	}
}

func TestWordlistFile(t *testing.T) {
	a := checktest.API(t, api)
	path := filepath.Join(t.TempDir(), "words.txt")
	if err := os.WriteFile(path, []byte("# extra\n/api/v1/users/me low\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := keys(t, "ESC-DAST-INV-001", checktest.Run(t, &inventory.Undocumented{Wordlist: path}, marina(true), a))
	if fmt.Sprint(got) != "[GET /api/v1/users/me low GET /debug/vars high]" {
		t.Errorf("got %q", got)
	}
}

func keys(t *testing.T, id string, fs []escarp.Finding) []string {
	t.Helper()
	var out []string
	for _, f := range fs {
		if f.RuleID != id || f.Evidence == nil {
			t.Errorf("unexpected finding %s or no evidence", f.RuleID)
			continue
		}
		out = append(out, fmt.Sprintf("%s %s %s", f.Location.Method, f.Location.Path, f.Severity))
	}
	sort.Strings(out)
	return out
}
