package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/audit/specload"
	"github.com/escarp/escarp/internal/server"
	"github.com/escarp/escarp/internal/sqlite"
	"github.com/escarp/escarp/internal/sqlstore"
)

// env is a server on a fresh SQLite store with one token per role.
type env struct {
	t      *testing.T
	srv    *server.Server
	db     *sqlstore.DB
	ts     *httptest.Server
	tokens map[string]string // role → secret
}

func openSQLite(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir()+"/escarp.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newEnv(t *testing.T, cfg server.Config) *env {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = openSQLite(t)
	}
	if cfg.Workers == 0 {
		cfg.Workers = -1
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, db: cfg.Store.(*sqlstore.DB), tokens: map[string]string{}}
	admin, err := srv.Bootstrap(context.Background(), "")
	if err != nil || admin == "" {
		t.Fatalf("Bootstrap: %q, %v", admin, err)
	}
	e.tokens["admin"] = admin
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	for _, role := range []string{"viewer", "editor"} {
		var out struct{ Secret string }
		e.json("admin", "POST", "/api/v1/tokens", map[string]string{"name": role, "role": role}, 201, &out)
		e.tokens[role] = out.Secret
	}
	return e
}

func (e *env) do(role, method, path string, body any) *http.Response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func (e *env) json(role, method, path string, body any, want int, out any) {
	e.t.Helper()
	resp := e.do(role, method, path, body)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s as %s: %d %s, want %d", method, path, role, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// TestRoutesAreTheOpenAPIOperations: every /api/v1 route is an operation
// of the document and every operation is a route, with the same id.
func TestRoutesAreTheOpenAPIOperations(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(server.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]string{}
	for p, item := range doc.Paths {
		for m, raw := range item {
			if m == "parameters" {
				continue
			}
			var op struct{ OperationID string }
			_ = json.Unmarshal(raw, &op)
			ops[strings.ToUpper(m)+" /api/v1"+p] = op.OperationID
		}
	}
	e := newEnv(t, server.Config{})
	routes := map[string]string{}
	for _, rt := range e.srv.Routes() {
		if strings.HasPrefix(rt.Path, "/api/v1/") {
			if rt.OperationID == "" {
				t.Errorf("route %s %s has no operation id", rt.Method, rt.Path)
			}
			routes[rt.Method+" "+rt.Path] = rt.OperationID
		}
	}
	for k, id := range routes {
		if got, ok := ops[k]; !ok {
			t.Errorf("route %s is not in openapi.json", k)
		} else if got != id {
			t.Errorf("route %s: operationId %q in the document, %q in the route table", k, got, id)
		}
	}
	for k := range ops {
		if _, ok := routes[k]; !ok {
			t.Errorf("openapi.json operation %s has no route", k)
		}
	}
	if len(routes) < 20 {
		t.Errorf("only %d API routes", len(routes))
	}
}

// TestRouteByRole walks every route as anonymous and as every role:
// below the route's role it is refused (401 anonymous, 403 under-
// privileged); at or above it is not.
func TestRouteByRole(t *testing.T) {
	// The login limiter is tested on its own; here it must not answer
	// before the role check does.
	e := newEnv(t, server.Config{LoginRate: 1e6})
	roles := []string{"", "viewer", "editor", "admin"}
	rank := map[string]int{"": 0, "viewer": 1, "editor": 2, "admin": 3}
	fill := regexp.MustCompile(`\{[^}]+\}`)
	n := 0
	for _, rt := range e.srv.Routes() {
		path := fill.ReplaceAllString(strings.ReplaceAll(rt.Path, "{$}", ""), "0123456789abcdef")
		for _, role := range roles {
			resp := e.do(role, rt.Method, path, map[string]string{})
			resp.Body.Close()
			n++
			code := resp.StatusCode
			switch rt.Access {
			case server.Anonymous:
				// (The login form answers 403 to a post without its CSRF
				// token, which is not an access refusal.)
				if code == 401 || code >= 500 || (code == 403 && rt.Path != "/ui/login") {
					t.Errorf("%s %s (anonymous route) as %q: %d", rt.Method, rt.Path, role, code)
				}
			case server.Webhook:
				if code != 401 {
					t.Errorf("%s %s (webhook) without a signature as %q: %d, want 401", rt.Method, rt.Path, role, code)
				}
			default:
				need := rank[string(rt.Access)]
				switch {
				case role == "":
					if code != 401 && !(rt.UI && rt.Method == "GET" && code == 303) {
						t.Errorf("%s %s anonymous: %d, want 401", rt.Method, rt.Path, code)
					}
				case rank[role] < need:
					if code != 403 {
						t.Errorf("%s %s as %s (needs %s): %d, want 403", rt.Method, rt.Path, role, rt.Access, code)
					}
				default:
					if code == 401 || code == 403 {
						t.Errorf("%s %s as %s (needs %s): refused with %d", rt.Method, rt.Path, role, rt.Access, code)
					}
				}
			}
		}
	}
	t.Logf("%d routes, %d requests", len(e.srv.Routes()), n)
}

// TestOpenAPIAudit is escarp's own audit of its API: at least 90 and no
// unsuppressed finding of high severity or above.
func TestOpenAPIAudit(t *testing.T) {
	ctx := context.Background()
	in, _, err := specload.LoadBytes(ctx, "openapi.json", server.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	run, err := audit.RunInput(ctx, in, rules.All(), audit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if run.Score == nil || run.Score.Overall < 90 {
		t.Errorf("score %v, want at least 90", run.Score)
	}
	for _, f := range run.Findings {
		if f.Suppressed == nil && f.Severity >= escarp.SeverityHigh {
			t.Errorf("%s %s: %s", f.Severity, f.RuleID, f.Message)
		}
	}
	t.Logf("score %d, %d findings", run.Score.Overall, len(run.Findings))
}

func TestTokensAreHashedAndSecretsNeverReturned(t *testing.T) {
	e := newEnv(t, server.Config{})
	var created struct {
		Project       escarp.Project
		WebhookSecret string
	}
	e.json("editor", "POST", "/api/v1/projects", map[string]any{"name": "shop", "target": "http://127.0.0.1:9", "spec": "openapi.yaml",
		"identities": "env:SHOP_IDENTITIES"}, 201, &created)
	if !strings.HasPrefix(created.WebhookSecret, "whsec_") {
		t.Fatalf("webhook secret %q", created.WebhookSecret)
	}
	for _, path := range []string{"/api/v1/projects", "/api/v1/projects/" + created.Project.ID, "/api/v1/tokens", "/api/v1/audit-log"} {
		resp := e.do("admin", "GET", path, nil)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for name, secret := range map[string]string{"webhook secret": created.WebhookSecret, "admin token": e.tokens["admin"], "viewer token": e.tokens["viewer"]} {
			if strings.Contains(string(b), secret) {
				t.Errorf("GET %s returns the %s", path, name)
			}
		}
	}
	// The store holds hashes only.
	var hashes []string
	rows, err := e.db.SQL().Query(`SELECT hash FROM serve_tokens`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		_ = rows.Scan(&h)
		hashes = append(hashes, h)
	}
	rows.Close()
	for _, secret := range e.tokens {
		if slices.Contains(hashes, secret) || !slices.Contains(hashes, server.HashToken(secret)) {
			t.Errorf("token not stored as its hash")
		}
	}
	// A literal secret where a reference belongs is refused.
	resp := e.do("editor", "POST", "/api/v1/projects", map[string]any{"name": "bad", "identities": "Authorization: Bearer abc"})
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("identities given as a secret: %d, want 400", resp.StatusCode)
	}
	resp = e.do("editor", "POST", "/api/v1/projects", map[string]any{"name": "cron", "schedule": "every tuesday"})
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("a bad cron expression: %d, want 400", resp.StatusCode)
	}
	var log struct{ Items []escarp.AuditEntry }
	e.json("admin", "GET", "/api/v1/audit-log", nil, 200, &log)
	found := false
	for _, en := range log.Items {
		if en.Action == "project.create" && strings.HasPrefix(en.Actor, "editor") {
			found = true
		}
	}
	if !found {
		t.Errorf("the audit log does not say the editor created the project: %+v", log.Items)
	}
}

func TestSecurityHeadersAndErrors(t *testing.T) {
	e := newEnv(t, server.Config{})
	for _, path := range []string{"/healthz", "/api/v1/projects", "/ui/login", "/nope"} {
		resp := e.do("viewer", "GET", path, nil)
		resp.Body.Close()
		h := resp.Header
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if h.Get(k) != want {
				t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), want)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
	resp := e.do("viewer", "GET", "/api/v1/projects/0123456789abcdef/findings?limit=100000", nil)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("limit beyond the maximum: %d", resp.StatusCode)
	}
	resp = e.do("editor", "POST", "/api/v1/projects", map[string]any{"name": "x", "unknown": 1})
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("unknown field: %d", resp.StatusCode)
	}
}

// TestLoginSessionCSRFAndRateLimit drives the dashboard's login form over
// HTTP: cookie attributes, CSRF on changes, and the login rate limit.
func TestLoginSessionCSRFAndRateLimit(t *testing.T) {
	e := newEnv(t, server.Config{LoginRate: 0.01})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	loginCSRF := func() (string, *http.Cookie) {
		resp, err := c.Get(e.ts.URL + "/ui/login")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(b)
		if m == nil {
			t.Fatal("no CSRF field on the login page")
		}
		return string(m[1]), resp.Cookies()[0]
	}
	post := func(path string, form url.Values, cookies ...*http.Cookie) *http.Response {
		req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	tok, ck := loginCSRF()
	resp := post("/ui/login", url.Values{"csrf": {tok}, "token": {e.tokens["editor"]}}, ck)
	if resp.StatusCode != 303 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var session *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == "escarp_session" && k.Value != "" {
			session = k
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict", session)
	}
	// A change without the session's CSRF token is refused.
	resp = post("/ui/projects", url.Values{"name": {"p1"}}, session)
	if resp.StatusCode != 403 {
		t.Errorf("form post without CSRF: %d, want 403", resp.StatusCode)
	}
	// With it, it goes through.
	req, _ := http.NewRequest("GET", e.ts.URL+"/ui/projects/new", nil)
	req.AddCookie(session)
	r2, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no CSRF on the form: %d", r2.StatusCode)
	}
	resp = post("/ui/projects", url.Values{"name": {"p1"}, "csrf": {string(m[1])}}, session)
	if resp.StatusCode != 200 {
		t.Errorf("form post with CSRF: %d", resp.StatusCode)
	}
	// Wrong tokens: a burst of 5, then 429.
	got429 := false
	for i := 0; i < 8; i++ {
		tok, ck := loginCSRF()
		if post("/ui/login", url.Values{"csrf": {tok}, "token": {"esc_wrong"}}, ck).StatusCode == 429 {
			got429 = true
			break
		}
	}
	if !got429 {
		t.Error("wrong logins were never rate limited")
	}
}

func TestWebhookHMAC(t *testing.T) {
	e := newEnv(t, server.Config{LoginRate: 1e6})
	var created struct {
		Project       escarp.Project
		WebhookSecret string
	}
	e.json("editor", "POST", "/api/v1/projects", map[string]any{"name": "ci", "spec": "openapi.yaml", "jobs": []string{"audit"}}, 201, &created)
	body := []byte(`{"ref":"refs/heads/main"}`)
	sign := func(secret string) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		return "sha256=" + hex.EncodeToString(m.Sum(nil))
	}
	for name, c := range map[string]struct {
		sig  string
		want int
	}{"right": {sign(created.WebhookSecret), 202}, "wrong secret": {sign("whsec_other"), 401}, "none": {"", 401}, "garbage": {"sha256=zz", 401}} {
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/projects/"+created.Project.ID+"/hooks", bytes.NewReader(body))
		if c.sig != "" {
			req.Header.Set("X-Escarp-Signature", c.sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s signature: %d, want %d", name, resp.StatusCode, c.want)
		}
	}
	var jobs struct{ Items []escarp.Job }
	e.json("viewer", "GET", "/api/v1/projects/"+created.Project.ID+"/jobs", nil, 200, &jobs)
	if len(jobs.Items) != 1 || jobs.Items[0].Trigger != "webhook" || jobs.Items[0].Kind != "audit" {
		t.Errorf("jobs after the webhook: %+v", jobs.Items)
	}
}

// fakeScan is a runner whose findings the test controls: the engine is
// real elsewhere; here the history and triage logic is under test.
type fakeScan struct{ findings atomic.Value }

func (f *fakeScan) Run(ctx context.Context, p *escarp.Project) (*escarp.Run, error) {
	fs := f.findings.Load().([]escarp.Finding)
	now := time.Now()
	return &escarp.Run{Engine: escarp.EngineScan, Target: p.Target, StartedAt: now, FinishedAt: now, Findings: slices.Clone(fs)}, nil
}

func finding(rule string, sev escarp.Severity, path string) escarp.Finding {
	f := escarp.Finding{RuleID: rule, Title: rule, Kind: escarp.KindDAST, Severity: sev, Message: "m",
		Location: escarp.Location{Method: "GET", Path: path}}
	f.SetFingerprint()
	return f
}

func waitJob(t *testing.T, e *env, id string) escarp.Job {
	t.Helper()
	var j escarp.Job
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		e.json("viewer", "GET", "/api/v1/jobs/"+id, nil, 200, &j)
		if j.State == escarp.JobDone || j.State == escarp.JobFailed {
			return j
		}
	}
	t.Fatalf("job %s still %s", id, j.State)
	return j
}

// TestTriageSurvivesRuns: a finding accepted over the API stays accepted
// on the next run and stops counting; an unseen one is fixed; the export
// is in the suppressions file's format; retention drops old evidence.
func TestTriageSurvivesRuns(t *testing.T) {
	fake := &fakeScan{}
	a, b := finding("ESC-DAST-BOLA-001", escarp.SeverityHigh, "/a/{id}"), finding("ESC-DAST-CONF-001", escarp.SeverityMedium, "/b")
	fake.findings.Store([]escarp.Finding{a, b})
	e := newEnv(t, server.Config{Workers: 1, Poll: 50 * time.Millisecond, Retention: 1, NoScheduler: true,
		Runners: map[string]server.Runner{"scan": fake}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.srv.Background(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	var created struct{ Project escarp.Project }
	e.json("editor", "POST", "/api/v1/projects", map[string]any{"name": "p", "target": "http://127.0.0.1:9", "spec": "s.yaml"}, 201, &created)
	pid := created.Project.ID
	run := func() escarp.Job {
		var j escarp.Job
		e.json("editor", "POST", "/api/v1/projects/"+pid+"/jobs", map[string]string{"kind": "scan"}, 202, &j)
		return waitJob(t, e, j.ID)
	}
	j1 := run()
	if j1.Counts[escarp.SeverityHigh] != 1 || j1.Counts[escarp.SeverityMedium] != 1 {
		t.Fatalf("run 1 counts %v", j1.Counts)
	}
	resp := e.do("viewer", "PUT", "/api/v1/projects/"+pid+"/findings/"+a.Fingerprint+"/triage", escarp.Triage{State: "accepted", Reason: "r"})
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("viewer triage: %d", resp.StatusCode)
	}
	resp = e.do("editor", "PUT", "/api/v1/projects/"+pid+"/findings/"+a.Fingerprint+"/triage", escarp.Triage{State: "accepted"})
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("accepting without a reason: %d, want 400", resp.StatusCode)
	}
	e.json("editor", "PUT", "/api/v1/projects/"+pid+"/findings/"+a.Fingerprint+"/triage",
		escarp.Triage{State: "accepted", Reason: "behind the VPN", Expires: "2099-12-31", Ticket: "SEC-1"}, 200, nil)
	fake.findings.Store([]escarp.Finding{a})
	j2 := run()
	if j2.Counts[escarp.SeverityHigh] != 0 {
		t.Errorf("run 2 counts the accepted finding: %v", j2.Counts)
	}
	var ta, tb escarp.TrackedFinding
	e.json("viewer", "GET", "/api/v1/projects/"+pid+"/findings/"+a.Fingerprint, nil, 200, &ta)
	e.json("viewer", "GET", "/api/v1/projects/"+pid+"/findings/"+b.Fingerprint, nil, 200, &tb)
	if ta.State != "accepted" || ta.LastRun != j2.Seq {
		t.Errorf("accepted finding after run 2: %+v", ta)
	}
	if tb.State != "fixed" || tb.FixedRun != j2.Seq {
		t.Errorf("unseen finding after run 2: %+v", tb)
	}
	var list struct {
		Items []escarp.TrackedFinding
		Total int
	}
	e.json("viewer", "GET", "/api/v1/projects/"+pid+"/findings?state=fixed", nil, 200, &list)
	if list.Total != 1 || list.Items[0].Fingerprint != b.Fingerprint {
		t.Errorf("state=fixed filter: %+v", list)
	}
	resp = e.do("viewer", "GET", "/api/v1/projects/"+pid+"/suppressions", nil)
	y, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"fingerprint: " + a.Fingerprint, "state: accepted", "reason: behind the VPN", "ticket: SEC-1", "stage: scan", "expires: \"2099-12-31\""} {
		if !strings.Contains(string(y), want) {
			t.Errorf("export lacks %q:\n%s", want, y)
		}
	}
	// Retention 1: only the last run keeps raw findings.
	_, n, _ := e.db.FindFindings(context.Background(), escarp.FindingFilter{})
	if n != 1 {
		t.Errorf("%d raw findings kept with retention 1, want the last run's 1", n)
	}
	var rep escarp.Report
	e.json("viewer", "GET", "/api/v1/jobs/"+j2.ID+"/report", nil, 200, &rep)
	if len(rep.Runs) != 1 || len(rep.Runs[0].Findings) != 1 || rep.Runs[0].Findings[0].Suppressed == nil {
		t.Errorf("run 2's report: %+v", rep.Runs)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, server.Config{})
	for path, role := range map[string]string{"/healthz": "", "/readyz": "", "/metrics": "viewer"} {
		resp := e.do(role, "GET", path, nil)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
		if path == "/metrics" && !strings.Contains(string(b), "escarp_http_requests_total") {
			t.Errorf("metrics lack escarp_http_requests_total")
		}
	}
	ms := httptest.NewServer(e.srv.MetricsHandler())
	defer ms.Close()
	resp, err := http.Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("anonymous metrics listener: %d", resp.StatusCode)
	}
}

var _ = fmt.Sprint
var _ = os.Getenv

func openSQLiteB(b *testing.B) *sqlstore.DB {
	db, err := sqlite.Open(context.Background(), b.TempDir()+"/escarp.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func newHTTPServer(b *testing.B, h http.Handler) string {
	ts := httptest.NewServer(h)
	b.Cleanup(ts.Close)
	return ts.URL
}
