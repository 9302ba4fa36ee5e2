package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory/routes"
)

// goapiFixture is the gin + net/http project of internal/coderoutes.
var goapiFixture = filepath.Join("..", "..", "internal", "coderoutes", "testdata", "goapi")

func runCodeRoutes(t *testing.T, wd string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, wd: wd,
		getenv: func(string) (string, bool) { return "", false }}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := a.run(ctx, append([]string{"code", "routes"}, args...))
	if err != nil {
		errb.WriteString("escarp: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), escarp.ExitCode(err)
}

// TestCodeRoutesJSONImports proves the inventory can import what
// `escarp code routes --format json` prints.
func TestCodeRoutesJSONImports(t *testing.T) {
	wd, err := filepath.Abs(goapiFixture)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCodeRoutes(t, wd, "--format", "json", "--service", "shop", "--spec", "openapi.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if !routes.Detect([]byte(out)) {
		t.Fatalf("routes.Detect rejects the output:\n%s", out)
	}
	obs, err := routes.Parse("routes.json", []byte(out), "", at)
	if err != nil {
		t.Fatalf("routes.Parse: %v", err)
	}
	if len(obs) != 14 {
		t.Fatalf("routes.Parse = %d observations, want 14", len(obs))
	}
	found := false
	for _, o := range obs {
		if o.Service != "shop" || o.Source != escarp.SourceCode || o.Where == "" {
			t.Errorf("observation %s %s: service %q source %q where %q", o.Method, o.Path, o.Service, o.Source, o.Where)
		}
		if o.Method == "DELETE" && o.Template == "/api/v1/admin/users/:id" {
			found = true
			if o.Where != "main.go:23 handlers.DeleteUser" || len(o.Auth) != 1 {
				t.Errorf("DELETE admin user: where %q auth %v, want main.go:23 handlers.DeleteUser, guarded", o.Where, o.Auth)
			}
		}
	}
	if !found {
		t.Error("no observation for DELETE /api/v1/admin/users/:id")
	}
	var doc struct {
		Diff struct {
			Undocumented  []routes.Route `json:"undocumented"`
			Unimplemented []struct {
				Method, Path, File string
				Line               int
			} `json:"unimplemented"`
			Matched int `json:"matched"`
		} `json:"diff"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Diff.Undocumented) != 5 || doc.Diff.Matched != 9 || len(doc.Diff.Unimplemented) != 1 {
		t.Fatalf("diff = %d undocumented, %d matched, %d unimplemented; want 5, 9, 1", len(doc.Diff.Undocumented), doc.Diff.Matched, len(doc.Diff.Unimplemented))
	}
	if u := doc.Diff.Unimplemented[0]; u.Method != "GET" || u.Path != "/reports" || u.File != "openapi.yaml" || u.Line != 52 {
		t.Errorf("unimplemented = %+v, want GET /reports at openapi.yaml:52", u)
	}
}

func TestCodeRoutesText(t *testing.T) {
	wd, err := filepath.Abs(goapiFixture)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCodeRoutes(t, filepath.Dir(wd), "goapi", "--spec", filepath.Join("goapi", "openapi.yaml"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"METHOD  PATH",
		"POST    /api/v1/users                   handlers.CreateUser        routes_users.go:13   yes",
		"14 routes (gin 12, net/http 2)",
		"Undocumented: 5 route(s) served by the code but not in openapi.yaml",
		"GET     /metrics                        ops.metrics                ops/ops.go:13",
		"Unimplemented: 1 operation(s) in openapi.yaml with no route in the code",
		"GET  /reports  goapi/openapi.yaml:52",
		"Matched: 9 of 14 routes (server base path /api/v1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runCodeRoutes(t, filepath.Dir(wd), "stdapi")
	if code != 0 || strings.Contains(out, "Undocumented") || !strings.Contains(out, "10 routes (net/http 10)") {
		t.Errorf("code routes stdapi: exit %d\n%s", code, out)
	}
}

func TestCodeRoutesErrors(t *testing.T) {
	wd, err := filepath.Abs(goapiFixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "yaml"}, `--format "yaml": want text or json`},
		{[]string{"--spec", "missing.yaml"}, "missing.yaml"},
		{[]string{"no/such/dir"}, "no/such/dir"},
		{[]string{"a", "b"}, "accepts at most 1 arg"},
	} {
		_, errOut, code := runCodeRoutes(t, wd, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("code routes %v: exit %d, stderr %q; want exit 2 mentioning %q", tt.args, code, errOut, tt.want)
		}
	}
}
