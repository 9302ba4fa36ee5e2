package coderoutes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory/routes"
)

// r is one expected route: method, path, handler, file, line, framework, auth.
type r struct {
	Method, Path, Handler, File string
	Line                        int
	Framework                   string
	Auth                        bool
}

func flatten(t *testing.T, rs []routes.Route) []r {
	t.Helper()
	out := make([]r, len(rs))
	for i, x := range rs {
		if x.Auth == nil {
			t.Fatalf("route %s %s has no auth value", x.Method, x.Path)
		}
		out[i] = r{x.Method, x.Path, x.Handler, x.File, x.Line, x.Framework, *x.Auth}
	}
	return out
}

// fixtures are the expected routes of each project under testdata.
var fixtures = map[string]struct {
	routes []r
	notes  []string
}{
	"goapi": {routes: []r{
		{"DELETE", "/api/v1/admin/users/:id", "handlers.DeleteUser", "main.go", 23, "gin", true},
		{"GET", "/health", "handlers.Health", "main.go", 33, "gin", false},
		{"ANY", "/debug/*path", "main.newEngine.func1", "main.go", 34, "gin", false},
		{"GET", "/debug/vars", "expvar.Handler", "ops/ops.go", 12, "net/http", false},
		{"GET", "/metrics", "ops.metrics", "ops/ops.go", 13, "net/http", false},
		{"GET", "/api/v1/admin/stats", "routes.stats", "routes/admin.go", 15, "gin", true},
		{"GET", "/api/v1/orders", "handlers.(*Orders).List", "routes_orders.go", 11, "gin", true},
		{"GET", "/api/v1/orders/:orderId", "handlers.(*Orders).Get", "routes_orders.go", 12, "gin", true},
		{"POST", "/api/v1/orders/:orderId/refund", "handlers.(*Orders).Refund", "routes_orders.go", 13, "gin", false},
		{"GET", "/api/v1/users", "handlers.ListUsers", "routes_users.go", 10, "gin", false},
		{"GET", "/api/v1/users/:id", "handlers.GetUser", "routes_users.go", 11, "gin", false},
		{"POST", "/api/v1/users", "handlers.CreateUser", "routes_users.go", 13, "gin", true},
		{"PUT", "/api/v1/users/:id", "handlers.UpdateUser", "routes_users.go", 14, "gin", true},
		{"POST", "/api/v1/login", "handlers.Login", "routes_users.go", 15, "gin", false},
	}},
	"chiapi": {routes: []r{
		{"GET", "/articles/", "main.listArticles", "articles.go", 11, "chi", false},
		{"POST", "/articles/", "main.createArticle", "articles.go", 12, "chi", true},
		{"GET", "/articles/{articleID}/", "main.getArticle", "articles.go", 14, "chi", false},
		{"PUT", "/articles/{articleID}/", "main.updateArticle", "articles.go", 15, "chi", false},
		{"GET", "/", "main.index", "main.go", 17, "chi", false},
		{"GET", "/account", "main.account", "main.go", 21, "chi", true},
		{"PATCH", "/settings", "main.settings", "main.go", 24, "chi", false},
		{"ANY", "/static/*", "http.FileServer", "main.go", 25, "chi", false},
		{"GET", "/admin/", "main.adminIndex", "main.go", 32, "chi", true},
		{"GET", "/admin/users/{userID:[0-9]+}", "main.adminUser", "main.go", 33, "chi", true},
	}},
	"echoapi": {routes: []r{
		{"GET", "/", "main.hello", "main.go", 15, "echo", false},
		{"GET", "/api/public", "main.public", "main.go", 17, "echo", false},
		{"GET", "/api/restricted/me", "main.me", "main.go", 19, "echo", true},
		{"POST", "/api/items", "main.createItem", "main.go", 21, "echo", true},
		{"GET", "/ping", "main.ping", "main.go", 22, "echo", false},
		{"HEAD", "/ping", "main.ping", "main.go", 22, "echo", false},
		{"GET", "/assets/*", "echo.Static", "main.go", 23, "echo", false},
		{"GET", "/dashboard", "main.dashboard", "main.go", 32, "echo", true},
	}},
	"muxapi": {routes: []r{
		{"ANY", "/", "main.home", "main.go", 12, "gorilla/mux", false},
		{"GET", "/products/{id:[0-9]+}", "main.getProduct", "main.go", 13, "gorilla/mux", false},
		{"POST", "/products", "main.createProduct", "main.go", 14, "gorilla/mux", false},
		{"GET", "/api/orders", "main.listOrders", "main.go", 17, "gorilla/mux", true},
		{"HEAD", "/api/orders", "main.listOrders", "main.go", 17, "gorilla/mux", true},
		{"DELETE", "/api/orders/{id}", "main.deleteOrder", "main.go", 19, "gorilla/mux", true},
		{"ANY", "/dashboard", "main.dashboard", "main.go", 21, "gorilla/mux", false},
		{"ANY", "/static/", "http.FileServer", "main.go", 22, "gorilla/mux", false},
	}},
	"fiberapi": {routes: []r{
		{"GET", "/", "main.index", "main.go", 12, "fiber", false},
		{"GET", "/api/v1/list", "main.list", "main.go", 15, "fiber", false},
		{"POST", "/api/v1/item/:id?", "main.saveItem", "main.go", 16, "fiber", false},
		{"GET", "/admin/panel", "main.panel", "main.go", 18, "fiber", true},
		{"GET", "/about", "main.about", "main.go", 19, "fiber", false},
		{"GET", "/books/:id", "main.getBook", "main.go", 21, "fiber", false},
		{"ANY", "/proxy/*", "main.proxy", "main.go", 23, "fiber", false},
	}},
	"mixed": {routes: []r{
		{"GET", "/v3/ok", "api.ok", "api/api.go", 7, "chi", false},
		{"GET", "/init", "main.hInit", "main.go", 18, "gin", false},
		{"PUT", "/m/{id}", "main.hm", "main.go", 28, "gorilla/mux", false},
		{"POST", "/v/a", "main.hInit", "main.go", 32, "gin", false},
		{"GET", "/p1", "main.hInit", "main.go", 36, "gin", false},
		{"GET", "/p2", "main.hInit", "main.go", 36, "gin", false},
		{"GET", "/private/me", "main.hInit", "main.go", 40, "gin", true},
		{"GET", "/once", "main.hInit", "main.go", 46, "gin", false},
	}},
	"stdapi": {routes: []r{
		{"GET", "/users/{id}", "main.getUser", "main.go", 11, "net/http", false},
		{"POST", "/users", "main.createUser", "main.go", 12, "net/http", true},
		{"GET", "/files/{path...}", "main.files", "main.go", 13, "net/http", false},
		{"ANY", "/{$}", "main.index", "main.go", 14, "net/http", false},
		{"GET", "/reports/{os.Getenv}", "main.report", "main.go", 16, "net/http", false},
		{"ANY", "/legacy", "main.legacy", "main.go", 17, "net/http", false},
		{"ANY", "/app/", "main.(*server).ServeHTTP", "main.go", 19, "net/http", false},
		{"DELETE", "/v2/users/{id}", "main.deleteUser", "main.go", 25, "net/http", false},
		{"GET", "/app/status", "main.(*server).handleStatus", "server.go", 17, "net/http", false},
		{"POST", "/app/tokens", "main.(*server).handleTokens", "server.go", 18, "net/http", true},
	}, notes: []string{
		"broken.go:3: skipped: does not parse: expected ')', found '{'",
		`main.go:16: route path built at run time, reported as "/reports/{os.Getenv}"`,
	}},
}

func TestExtractFixtures(t *testing.T) {
	for name, want := range fixtures {
		t.Run(name, func(t *testing.T) {
			rs, notes, err := Extract(context.Background(), filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.routes, flatten(t, rs)); diff != "" {
				t.Errorf("Extract(%s) routes (-want +got):\n%s", name, diff)
			}
			if diff := cmp.Diff(want.notes, notes); diff != "" {
				t.Errorf("Extract(%s) notes (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestExtractWholeTree scans testdata itself: every project at once, with
// file paths relative to the root and nothing from vendor/ or _test.go.
func TestExtractWholeTree(t *testing.T) {
	rs, _, err := Extract(context.Background(), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fixtures {
		n += len(f.routes)
	}
	if len(rs) != n {
		t.Errorf("Extract(testdata) = %d routes, want %d", len(rs), n)
	}
	for _, x := range rs {
		if strings.Contains(x.Path, "vendored") || strings.Contains(x.Path, "test-only") || strings.Contains(x.Path, "never") {
			t.Errorf("route %s %s should have been skipped", x.Method, x.Path)
		}
		if x.File == "" || strings.Contains(x.File, `\`) || !strings.Contains(x.File, "/") {
			t.Errorf("route file %q is not a slash path relative to testdata", x.File)
		}
	}
}

func TestExtractErrors(t *testing.T) {
	_, _, err := Extract(context.Background(), filepath.Join(t.TempDir(), "missing"))
	var e *escarp.Error
	if !errors.As(err, &e) || e.Kind != escarp.Invalid {
		t.Errorf("Extract(missing dir) error = %v, want an Invalid *escarp.Error", err)
	}
	f := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(f, []byte("package main\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Extract(context.Background(), f); !errors.As(err, &e) || e.Kind != escarp.Invalid {
		t.Errorf("Extract(file) error = %v, want an Invalid *escarp.Error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Extract(ctx, "testdata"); !errors.Is(err, context.Canceled) {
		t.Errorf("Extract(cancelled) error = %v, want context.Canceled", err)
	}
}

// TestExtractHostileCode: recursion, cycles and self-mounts end, and still
// give what can be known.
func TestExtractHostileCode(t *testing.T) {
	dir := t.TempDir()
	src := `package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/gin-gonic/gin"
)

func main() {
	r := gin.New()
	loop(r.Group("/a"))
	ping(r, 0)
	c := chi.NewRouter()
	c.Mount("/self", c)
	d := chi.NewRouter()
	c.Mount("/d", d)
	d.Mount("/c", c)
	d.Get("/x", h)
	var f func(g *gin.RouterGroup)
	f = func(g *gin.RouterGroup) { f(g.Group("/deeper")); g.GET("/f", nil) }
	f(r.Group("/f"))
	http.HandleFunc(prefix()+"/y", h)
}

func loop(g *gin.RouterGroup) { loop(g.Group("/again")); g.GET("/loop", hg) }
func ping(r *gin.Engine, n int) { pong(r, n+1); r.GET("/ping", hg) }
func pong(r *gin.Engine, n int) { ping(r, n+1) }
func prefix() string { return prefix() }
func h(w http.ResponseWriter, r *http.Request) {}
func hg(c *gin.Context) {}
`
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rs, _, err := Extract(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, x := range rs {
		got[x.Method+" "+x.Path] = true
	}
	if len(rs) > 8 {
		t.Errorf("Extract(hostile) = %d routes, want at most 8: recursion was followed too far", len(rs))
	}
	for _, w := range []string{"GET /a/loop", "GET /ping", "GET /d/x", "GET /f/f", "ANY /{prefix}/y"} {
		if !got[w] {
			t.Errorf("Extract(hostile) misses %s; got %v", w, got)
		}
	}
}

// TestExtractBudget: code whose interpretation grows exponentially stops
// at the step budget, with a note, and keeps the routes found.
func TestExtractBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("package main\n\nimport \"github.com/gin-gonic/gin\"\n\n")
	b.WriteString("func main() { r := gin.New(); r.GET(\"/first\", h); f0(r.Group(\"/g\"), nil) }\n")
	b.WriteString("func h(c *gin.Context) {}\n")
	const levels = 40
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, "func f%d(g *gin.RouterGroup, x func()) { f%d(g, func() {}); f%d(g, func() {}); g.GET(\"/l%d\", h) }\n", i, i+1, i+1, i)
	}
	fmt.Fprintf(&b, "func f%d(g *gin.RouterGroup, x func()) {}\n", levels)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rs, notes, err := Extract(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 || rs[0].Path != "/first" {
		t.Errorf("Extract(exponential) lost the routes found before the budget ran out: %v", rs)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "budget") {
		t.Errorf("Extract(exponential) notes = %q, want the budget note", notes)
	}
	t.Logf("exponential code: %d routes, %v", len(rs), time.Since(start))
}

func FuzzExtract(f *testing.F) {
	var seeds []string
	err := filepath.WalkDir("testdata", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			seeds = append(seeds, p)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rs, _, err := Extract(ctx, dir)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		for _, x := range rs {
			if x.Method == "" || x.Path == "" || x.Auth == nil || x.File != "main.go" || x.Line < 1 {
				t.Fatalf("bad route %+v", x)
			}
			if k := escarp.ParsePathTemplate(x.Path).Key(); !strings.HasPrefix(k, "/") {
				t.Fatalf("ParsePathTemplate(%q).Key() = %q", x.Path, k)
			}
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	ctx := context.Background()
	n := 0
	for b.Loop() {
		rs, _, err := Extract(ctx, "testdata")
		if err != nil {
			b.Fatal(err)
		}
		n += len(rs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "routes/s")
}

// TestExtractNotes: what the interpreter cannot report is noted once per
// place, however often it passes there: a gorilla/mux route given no
// handler, and a path built at run time in a helper called twice.
func TestExtractNotes(t *testing.T) {
	src := `package main

import (
	"net/http"
	"os"

	"github.com/gorilla/mux"
)

func main() {
	r := mux.NewRouter()
	r.Path("/orphan").Methods("GET")
	r.HandleFunc("/ok", h).Methods("GET")
	m := http.NewServeMux()
	reg(m)
	reg(m)
}

func reg(m *http.ServeMux) { m.HandleFunc("/r/"+os.Getenv("X"), h) }

func h(w http.ResponseWriter, r *http.Request) {}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	rs, notes, err := Extract(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`main.go:12: route /orphan registered without a handler: not reported`,
		`main.go:19: route path built at run time, reported as "/r/{os.Getenv}"`,
	}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	for _, r := range rs {
		if r.Path == "/orphan" {
			t.Errorf("a route without a handler was reported: %+v", r)
		}
	}
	// The safe twin: every route has a handler and a constant path.
	safe := strings.NewReplacer(`r.Path("/orphan").Methods("GET")`, `r.Path("/orphan").Methods("GET").HandlerFunc(h)`,
		`"/r/"+os.Getenv("X")`, `"/r/x"`, `"os"`, ``).Replace(src)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(safe), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, notes, err := Extract(context.Background(), dir); err != nil || len(notes) != 0 {
		t.Errorf("safe twin: notes %q, err %v; want none", notes, err)
	}
}
