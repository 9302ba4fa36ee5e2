package probe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory/probe"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/spec"
)

func loadSpec(url string, data []byte) (*escarp.API, error) {
	api, _, err := spec.LoadBytes(context.Background(), url, data, spec.Options{})
	return api, err
}

func cfg(target string) probe.Config {
	return probe.Config{Target: target, Rate: 2000, Concurrency: 4, MaxDuration: 60 * time.Second, ParseSpec: loadSpec}
}

func TestDiscoverLab(t *testing.T) {
	l, err := lab.New(lab.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	res, err := probe.Discover(context.Background(), cfg(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if res.Wildcard {
		t.Fatalf("the lab was taken for a wildcard host: %+v", res)
	}
	if len(res.Specs) == 0 || !strings.HasSuffix(res.Specs[0].URL, "/openapi.json") && !strings.HasSuffix(res.Specs[0].URL, "/openapi.yaml") {
		t.Errorf("spec not found: %+v", res.Specs)
	}
	undocumented := map[string]bool{}
	for _, r := range res.Routes {
		if !r.Documented {
			undocumented[r.Method+" "+r.Path] = true
		}
	}
	for _, want := range []string{"GET /debug/vars", "GET /api/v1/users/me"} {
		if !undocumented[want] {
			t.Errorf("undocumented %s not found; routes: %+v", want, res.Routes)
		}
	}
	for k := range undocumented {
		if strings.Contains(k, "/api/v2/admin") {
			continue
		}
		if !strings.HasPrefix(k, "GET /debug") && !strings.HasPrefix(k, "GET /api/v1") && !strings.HasPrefix(k, "GET /openapi") {
			t.Logf("also reported: %s", k)
		}
	}
	obs := res.Observations("marina")
	if len(obs) == 0 || obs[0].Source != escarp.SourceProbe {
		t.Errorf("observations = %+v", obs)
	}
}

// A server that answers 200 to everything must yield no routes.
func TestWildcardYieldsNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"path":%q}`, r.URL.Path)
	}))
	defer srv.Close()
	res, err := probe.Discover(context.Background(), cfg(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Routes) != 0 || len(res.Specs) != 0 {
		t.Errorf("wildcard server yielded routes %+v specs %+v", res.Routes, res.Specs)
	}
}

// A soft-404 page (200 with a "not found" body that varies slightly)
// yields nothing but the real routes.
func TestSoft404(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/", "/health":
			fmt.Fprint(w, `{"status":"healthy","uptime":12345,"checks":["db","cache","queue"]}`)
			return
		case "/admin":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"login required"}`)
			return
		}
		fmt.Fprintf(w, "<html><body><h1>Page not found</h1><p>We could not find %s.</p></body></html>", r.URL.Path)
	}))
	defer srv.Close()
	res, err := probe.Discover(context.Background(), cfg(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Routes {
		got = append(got, r.Path)
	}
	if strings.Join(got, ",") != "/admin,/health" {
		t.Errorf("routes = %v, want [/admin /health]", got)
	}
}

// Discovery never leaves the target: redirects are not followed.
func TestScope(t *testing.T) {
	var offScope atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { offScope.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	if _, err := probe.Discover(context.Background(), cfg(srv.URL)); err != nil {
		t.Fatal(err)
	}
	if n := offScope.Load(); n != 0 {
		t.Errorf("%d requests left the scope", n)
	}
}

func TestBudget(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c := cfg(srv.URL)
	c.MaxRequests = 30
	res, err := probe.Discover(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() > 30 || res.Requests > 30 {
		t.Errorf("sent %d requests (result says %d), budget 30", hits.Load(), res.Requests)
	}
	if _, err := probe.Discover(context.Background(), probe.Config{Target: "ftp://x"}); escarp.ExitCode(err) != 2 {
		t.Errorf("bad target: %v", err)
	}
	if _, err := probe.Discover(context.Background(), probe.Config{Target: "http://127.0.0.1:1", Timeout: time.Second}); escarp.ExitCode(err) != 3 {
		t.Errorf("unreachable target: %v", err)
	}
}

func TestVersionSiblings(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/users/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"id":1}`) })
	mux.HandleFunc("GET /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"token required"}`)
	})
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /api/v2/users/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses: {'200': {description: ok}}\n")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := probe.Discover(context.Background(), cfg(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Routes {
		got = append(got, fmt.Sprintf("%s %s %d %s documented=%v", r.Method, r.Path, r.Status, r.Reason, r.Documented))
	}
	// The wordlist's /users/export lands on the documented /api/v2/users/{id}.
	want := "GET /api/v1/users/1 401 version-sibling documented=false|GET /api/v2/users/export 200 wordlist documented=true|GET /openapi.yaml 200 spec documented=false"
	if strings.Join(got, "|") != want {
		t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
}
