package coderoutes

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory/routes"
	"github.com/escarp/escarp/internal/spec"
)

func loadGoapi(t *testing.T) ([]routes.Route, *escarp.API, string) {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join("testdata", "goapi")
	rs, _, err := Extract(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	specFile := filepath.Join(dir, "openapi.yaml")
	api, _, err := spec.Load(ctx, specFile, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rs, api, specFile
}

func TestDiffGoapi(t *testing.T) {
	rs, api, _ := loadGoapi(t)
	d := Diff(rs, api)
	type key struct {
		Method, Path, File string
		Line               int
	}
	var undoc []key
	for _, r := range d.Undocumented {
		undoc = append(undoc, key{r.Method, r.Path, r.File, r.Line})
	}
	wantUndoc := []key{
		{"DELETE", "/api/v1/admin/users/:id", "main.go", 23},
		{"ANY", "/debug/*path", "main.go", 34},
		{"GET", "/debug/vars", "ops/ops.go", 12},
		{"GET", "/metrics", "ops/ops.go", 13},
		{"POST", "/api/v1/orders/:orderId/refund", "routes_orders.go", 13},
	}
	if diff := cmp.Diff(wantUndoc, undoc); diff != "" {
		t.Errorf("Diff undocumented (-want +got):\n%s", diff)
	}
	var unimpl []key
	for _, o := range d.Unimplemented {
		unimpl = append(unimpl, key{o.Method, o.Path, filepath.Base(o.File), o.Line})
	}
	if diff := cmp.Diff([]key{{"GET", "/reports", "openapi.yaml", 52}}, unimpl); diff != "" {
		t.Errorf("Diff unimplemented (-want +got):\n%s", diff)
	}
	if d.Matched != 9 {
		t.Errorf("Diff matched = %d, want 9", d.Matched)
	}
	if diff := cmp.Diff([]string{"/api/v1"}, d.BasePaths); diff != "" {
		t.Errorf("Diff base paths (-want +got):\n%s", diff)
	}
}

func TestDiffMatching(t *testing.T) {
	api := &escarp.API{
		Servers: []*escarp.Server{{URL: "/v2/"}, {URL: "https://x.example/"}, {URL: "::bad"}},
		Operations: []*escarp.Operation{
			{Method: "GET", Path: "/files/{name}"},
			{Method: "DELETE", Path: "/files/{name}"},
			{Method: "POST", Path: "/items"},
			{Method: "GET", Path: "/users/{id}/orders/{orderId}"},
			{Method: "PUT", Path: "/nothing"},
		},
	}
	rs := []routes.Route{
		{Method: "ANY", Path: "/v2/files/*name"},          // any method: GET and DELETE
		{Method: "POST", Path: "/items/"},                 // trailing slash ignored
		{Method: "GET", Path: "/users/<int:u>/orders/:o"}, // parameter syntax ignored
		{Method: "GET", Path: "/items"},                   // method differs
		{Method: "ANY", Path: "/other"},
	}
	d := Diff(rs, api)
	if diff := cmp.Diff([]routes.Route{rs[3], rs[4]}, d.Undocumented); diff != "" {
		t.Errorf("undocumented (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Operation{{Method: "PUT", Path: "/nothing"}}, d.Unimplemented); diff != "" {
		t.Errorf("unimplemented (-want +got):\n%s", diff)
	}
	if d.Matched != 3 {
		t.Errorf("matched = %d, want 3", d.Matched)
	}
	if e := Diff(rs, nil); len(e.Undocumented) != len(rs) || len(e.Unimplemented) != 0 {
		t.Errorf("Diff(nil api) = %+v, want every route undocumented", e)
	}
}

func TestDiffFindings(t *testing.T) {
	rs, api, specFile := loadGoapi(t)
	fs := DiffFindings(Diff(rs, api), specFile)
	type key struct {
		Rule, File string
		Line       int
		Severity   escarp.Severity
		Op         string
	}
	var got []key
	seen := map[string]bool{}
	for _, f := range fs {
		got = append(got, key{f.RuleID, filepath.ToSlash(f.Location.File), f.Location.Line, f.Severity, f.Location.Operation()})
		if f.Kind != escarp.KindSAST || f.OWASP != "API9:2023" || f.Hash == "" || f.Message == "" || f.Remediation == "" {
			t.Errorf("finding %s %s is incomplete: %+v", f.RuleID, f.Location.Operation(), f)
		}
		if f.Fingerprint != escarp.Fingerprint(&f) || seen[f.Fingerprint] {
			t.Errorf("finding %s %s: fingerprint %q not set or not unique", f.RuleID, f.Location.Operation(), f.Fingerprint)
		}
		seen[f.Fingerprint] = true
	}
	sf := filepath.ToSlash(specFile)
	want := []key{
		{RuleUndocumented, "main.go", 23, escarp.SeverityMedium, "DELETE /api/v1/admin/users/{id}"},
		{RuleUndocumented, "main.go", 34, escarp.SeverityMedium, "ANY /debug/{path}"},
		{RuleUndocumented, "ops/ops.go", 12, escarp.SeverityMedium, "GET /debug/vars"},
		{RuleUndocumented, "ops/ops.go", 13, escarp.SeverityMedium, "GET /metrics"},
		{RuleUndocumented, "routes_orders.go", 13, escarp.SeverityMedium, "POST /api/v1/orders/{orderId}/refund"},
		{RuleUnimplemented, sf, 52, escarp.SeverityLow, "GET /reports"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DiffFindings (-want +got):\n%s", diff)
	}
	ids := map[string]bool{}
	for _, r := range Rules() {
		ids[r.ID] = r.Title != "" && r.OWASP == "API9:2023" && r.Remediation != ""
	}
	if !ids[RuleUndocumented] || !ids[RuleUnimplemented] || len(ids) != 2 {
		t.Errorf("Rules() = %v, want the two complete route rules", ids)
	}
}
