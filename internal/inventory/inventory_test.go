package inventory_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory"
	"github.com/escarp/escarp/internal/sqlite"
	"github.com/escarp/escarp/internal/traffic"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func testAPI() *escarp.API {
	return &escarp.API{Title: "Shop API", Location: "shop.yaml",
		Servers: []*escarp.Server{{URL: "http://127.0.0.1:8080/"}},
		Operations: []*escarp.Operation{
			{Method: "GET", Path: "/users/{id}", ID: "getUser", Security: []escarp.SecurityRequirement{{"bearer": nil}}},
			{Method: "GET", Path: "/users/me"},
			{Method: "GET", Path: "/legacy/report", Deprecated: true},
			{Method: "POST", Path: "/orders"},
			{Method: "GET", Path: "/unused"},
		},
		SecuritySchemes: map[string]*escarp.SecurityScheme{"bearer": {Name: "bearer", Type: "http", Scheme: "bearer"}},
	}
}

func x(method, url string, status int, at time.Time, auth bool, body string) *escarp.Exchange {
	h := map[string][]string{"Accept": {"application/json"}}
	if auth {
		h["Authorization"] = []string{"Bearer REDACTED"}
	}
	return &escarp.Exchange{Method: method, URL: url, Status: status, Time: at.Format(time.RFC3339Nano),
		RequestHeader: h, ResponseBody: body, ClientIP: "203.0.113.9"}
}

func open(t *testing.T) inventory.Store {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "inv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func classes(t *testing.T, st inventory.Store) map[string]string {
	t.Helper()
	eps, err := st.Endpoints(context.Background(), escarp.EndpointFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range eps {
		out[e.Key()] = e.Classification
	}
	return out
}

func TestClassification(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	clock := now
	inv := inventory.New(st, inventory.Options{Now: func() time.Time { return clock }})
	api := testAPI()
	svc := inventory.ServiceForSpec(api, "")
	if svc.Name != "shop-api" || len(svc.Hosts) != 1 || svc.Hosts[0] != "127.0.0.1:8080" {
		t.Fatalf("ServiceForSpec = %+v", svc)
	}
	if _, err := inv.Import(ctx, []inventory.SpecService{svc}, inventory.SpecObservations(api, svc.Name, now), ""); err != nil {
		t.Fatal(err)
	}
	seen := now.Add(-time.Hour)
	var obs []escarp.Observation
	for _, ex := range []*escarp.Exchange{
		x("GET", "http://127.0.0.1:8080/users/17", 200, seen, true, `{"id":17,"email":"bob@example.com"}`),
		x("GET", "http://localhost:8080/users/18", 200, seen, true, `{"id":18,"email":"eve@example.com"}`),
		x("GET", "http://127.0.0.1:8080/users/me", 200, seen, true, `{"id":1}`),
		x("GET", "http://127.0.0.1:8080/legacy/report", 200, seen, false, `{}`),
		x("GET", "http://127.0.0.1:8080/debug/vars", 200, seen, false, `{"cmdline":["x"]}`),
		x("GET", "http://127.0.0.1:8080/nope/404", 404, seen, false, ``),
		x("GET", "http://10.9.9.9:9000/internal/jobs/5", 200, seen, false, `[]`),
	} {
		obs = append(obs, traffic.Observe(ex, ""))
	}
	res, err := inv.Import(ctx, nil, obs, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Ignored != 1 {
		t.Errorf("Ignored = %d, want 1 (the 404 on an unknown path)", res.Ignored)
	}
	want := map[string]string{
		"shop-api GET /users/{id}":                       escarp.ClassDocumented,
		"shop-api GET /users/me":                         escarp.ClassDocumented,
		"shop-api GET /legacy/report":                    escarp.ClassZombie,
		"shop-api POST /orders":                          escarp.ClassDocumented,
		"shop-api GET /unused":                           escarp.ClassDocumented, // watched for only an hour
		"shop-api GET /debug/vars":                       escarp.ClassShadow,
		"rogue-10-9-9-9-9000 GET /internal/jobs/{jobId}": escarp.ClassRogue,
	}
	got := classes(t, st)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("endpoints = %v", got)
	}
	eps, _ := st.Endpoints(ctx, escarp.EndpointFilter{Service: "shop-api"})
	for _, e := range eps {
		if e.Template == "/users/{id}" {
			if e.Hits != 2 || !e.InternetFacing || len(e.DataClasses) != 1 || e.DataClasses[0] != "email" {
				t.Errorf("/users/{id} attributes: %+v", e)
			}
			if e.ResponseSchema == "" {
				t.Error("no response schema inferred")
			}
		}
	}

	// Thirty-one days later, what was never seen is an orphan.
	clock = now.Add(31 * 24 * time.Hour)
	if _, err := inv.Reclassify(ctx); err != nil {
		t.Fatal(err)
	}
	got = classes(t, st)
	if got["shop-api GET /unused"] != escarp.ClassOrphan || got["shop-api POST /orders"] != escarp.ClassOrphan {
		t.Errorf("after 31 days: %v", got)
	}
	if got["shop-api GET /users/{id}"] != escarp.ClassOrphan {
		t.Errorf("seen 31 days ago: %q, want orphan", got["shop-api GET /users/{id}"])
	}
}

func TestNamedServiceAndPathMatch(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	inv := inventory.New(st, inventory.Options{Now: func() time.Time { return now }})
	api := testAPI()
	api.Servers = nil // no host to match
	svc := inventory.ServiceForSpec(api, "shop")
	if _, err := inv.Import(ctx, []inventory.SpecService{svc}, inventory.SpecObservations(api, "shop", now), ""); err != nil {
		t.Fatal(err)
	}
	// Unknown host, documented path: joins the service whose paths it matches.
	o := traffic.Observe(x("GET", "http://api.internal/users/5", 200, now, true, ""), "")
	// Unknown host, unknown path, but a service named on import.
	o2 := traffic.Observe(x("GET", "http://gw.internal/metrics", 200, now, false, ""), "")
	if _, err := inv.Import(ctx, nil, []escarp.Observation{o}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Import(ctx, nil, []escarp.Observation{o2}, "shop"); err != nil {
		t.Fatal(err)
	}
	got := classes(t, st)
	if got["shop GET /users/{id}"] != escarp.ClassDocumented || got["shop GET /metrics"] != escarp.ClassShadow {
		t.Errorf("got %v", got)
	}
}

type ruleStore interface {
	inventory.Store
	PutTemplateRule(ctx context.Context, r *escarp.TemplateRule) error
}

func TestTemplateRulesPersist(t *testing.T) {
	ctx := context.Background()
	st := open(t).(ruleStore)
	inv := inventory.New(st, inventory.Options{Now: func() time.Time { return now }})
	if err := st.PutTemplateRule(ctx, &escarp.TemplateRule{Service: "files", Template: "/files/{name}"}); err != nil {
		t.Fatal(err)
	}
	var obs []escarp.Observation
	for _, p := range []string{"/files/report", "/files/summary"} {
		obs = append(obs, traffic.Observe(x("GET", "http://files.local"+p, 200, now, false, ""), "files"))
	}
	if _, err := inv.Import(ctx, nil, obs, "files"); err != nil {
		t.Fatal(err)
	}
	got := classes(t, st)
	if _, ok := got["files GET /files/{name}"]; !ok || len(got) != 1 {
		t.Errorf("the persisted template was not applied: %v", got)
	}
}
