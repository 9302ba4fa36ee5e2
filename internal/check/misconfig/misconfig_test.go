package misconfig_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/misconfig"
)

const api = `
openapi: 3.0.3
info: {title: marina, version: "1"}
paths:
  /health:
    get:
      responses: {"200": {description: ok}}
  /me:
    get:
      security: [{bearer: []}]
      responses: {"200": {description: ok}}
  /bookings/{id}:
    get:
      security: [{bearer: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: integer}, example: 1}]
      responses: {"200": {description: ok}}
  /logout:
    get:
      parameters: [{name: next, in: query, schema: {type: string}, example: /}]
      responses: {"302": {description: bye}}
components:
  securitySchemes: {bearer: {type: http, scheme: bearer}}
`

// marina is a small API; vulnerable selects every misconfiguration.
func marina(vulnerable bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-a" {
			writeJSON(w, 401, map[string]string{"error": "unauthorized"})
			return
		}
		writeJSON(w, 200, map[string]string{"name": "alice"})
	})
	mux.HandleFunc("GET /bookings/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			if vulnerable {
				writeJSON(w, 500, map[string]string{"error": err.Error(), "stack": string(debug.Stack())})
				return
			}
			writeJSON(w, 400, map[string]string{"error": "id must be an integer"})
			return
		}
		writeJSON(w, 200, map[string]int{"id": id})
	})
	if vulnerable {
		// Undocumented, and routed on a documented path.
		mux.HandleFunc("PUT /health", func(w http.ResponseWriter, r *http.Request) {})
	}
	mux.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) {
		next := r.URL.Query().Get("next")
		if !vulnerable && (!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//")) {
			next = "/"
		}
		http.Redirect(w, r, next, http.StatusFound)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if vulnerable {
			h.Set("Server", "Marina/2.4.1")
			h.Set("X-Powered-By", "Go 1.26")
			if o := r.Header.Get("Origin"); o != "" {
				h.Set("Access-Control-Allow-Origin", o)
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			if r.Method == http.MethodTrace {
				h.Set("Content-Type", "message/http")
				r.Write(w)
				return
			}
		} else {
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Cache-Control", "no-store")
			if r.Header.Get("Origin") == "https://app.marina.test" {
				h.Set("Access-Control-Allow-Origin", "https://app.marina.test")
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			if r.Method == http.MethodTrace {
				writeJSON(w, 405, map[string]string{"error": "method not allowed"})
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func TestMisconfigChecks(t *testing.T) {
	a := checktest.API(t, api)
	alice := checktest.Identities(checktest.Bearer("alice", "tok-a"))
	tests := []struct {
		check check.Check
		want  []string // "METHOD /path [param]" of each finding on the vulnerable API
	}{
		{&misconfig.CORS{}, []string{"GET /me [header:Origin]"}},
		{&misconfig.Headers{}, []string{"GET /health [header:X-Content-Type-Options]", "GET /me [header:Cache-Control]"}},
		{&misconfig.Verbose{}, []string{"GET /bookings/{id} [path:id]"}},
		{&misconfig.Methods{}, []string{"GET /health [method:PUT]", "GET /health [method:TRACE]"}},
		{&misconfig.Disclosure{}, []string{"GET /health [header:Server]", "GET /health [header:X-Powered-By]"}},
		{&misconfig.Redirect{}, []string{"GET /logout [query:next]"}},
	}
	for _, tt := range tests {
		id := tt.check.Info().ID
		t.Run(id, func(t *testing.T) {
			got := checktest.Keys(t, id, checktest.Run(t, tt.check, marina(true), a, alice))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("vulnerable: got %q, want %q", got, tt.want)
			}
			if got := checktest.Keys(t, id, checktest.Run(t, tt.check, marina(false), a, alice)); len(got) != 0 {
				t.Errorf("safe twin: got %q", got)
			}
		})
	}
}

// keys returns the findings of id as sorted "METHOD /path [param]".

// TestCORSAny fires on Access-Control-Allow-Origin: * on an authenticated
// operation and stays silent when only anonymous operations carry it.
func TestCORSAny(t *testing.T) {
	a := checktest.API(t, api)
	alice := checktest.Identities(checktest.Bearer("alice", "tok-a"))
	wildcard := func(everywhere bool) http.Handler {
		inner := marina(false)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if everywhere || r.URL.Path == "/health" {
				w.Header().Set("Access-Control-Allow-Origin", "*")
			}
			inner.ServeHTTP(w, r)
		})
	}
	c := &misconfig.CORSAny{}
	id := c.Info().ID
	got := checktest.Keys(t, id, checktest.Run(t, c, wildcard(true), a, alice))
	if fmt.Sprint(got) != fmt.Sprint([]string{"GET /me [header:Origin]"}) {
		t.Errorf("vulnerable: got %q", got)
	}
	if got := checktest.Keys(t, id, checktest.Run(t, c, wildcard(false), a, alice)); len(got) != 0 {
		t.Errorf("safe twin: got %q", got)
	}
}
