package scan_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/scan"
)

// fake is a configurable check.
type fake struct {
	info check.Info
	run  func(ctx context.Context, p *check.Pass) error
}

func (f *fake) Info() check.Info                             { return f.info }
func (f *fake) Run(ctx context.Context, p *check.Pass) error { return f.run(ctx, p) }

func newFake(id, owasp string, scope check.Scope, run func(ctx context.Context, p *check.Pass) error) *fake {
	return &fake{info: check.Info{ID: id, Title: id, OWASP: owasp, CWE: []string{"CWE-1"}, Scope: scope,
		Severity: escarp.SeverityMedium}, run: run}
}

func ids(cs []check.Check) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Info().ID)
	}
	return out
}

func TestSelect(t *testing.T) {
	nop := func(context.Context, *check.Pass) error { return nil }
	all := []check.Check{
		newFake("ESC-DAST-BOLA-001", "API1:2023", check.PerOperation, nop),
		newFake("ESC-DAST-BOLA-002", "API1:2023", check.PerOperation, nop),
		newFake("ESC-DAST-SSRF-001", "API7:2023", check.PerOperation, nop),
		newFake("ESC-DAST-INV-001", "API10:2023", check.PerAPI, nop),
	}
	for _, tc := range []struct {
		in, out []string
		want    []string
		err     bool
	}{
		{nil, nil, []string{"ESC-DAST-BOLA-001", "ESC-DAST-BOLA-002", "ESC-DAST-SSRF-001", "ESC-DAST-INV-001"}, false},
		{[]string{"API1"}, nil, []string{"ESC-DAST-BOLA-001", "ESC-DAST-BOLA-002"}, false},
		{[]string{"api10:2023"}, nil, []string{"ESC-DAST-INV-001"}, false},
		{[]string{"ESC-DAST-BOLA"}, []string{"ESC-DAST-BOLA-002"}, []string{"ESC-DAST-BOLA-001"}, false},
		{[]string{"esc-dast-ssrf-001"}, nil, []string{"ESC-DAST-SSRF-001"}, false},
		{nil, []string{"API1", "API7"}, []string{"ESC-DAST-INV-001"}, false},
		{[]string{"ESC-DAST-BOL"}, nil, nil, true},
		{[]string{"API4"}, nil, nil, true},
	} {
		got, err := scan.Select(all, tc.in, tc.out)
		if (err != nil) != tc.err {
			t.Errorf("Select(%v, %v) error %v", tc.in, tc.out, err)
			continue
		}
		if err != nil {
			if escarp.KindOf(err) != escarp.Invalid {
				t.Errorf("Select(%v): error kind %v, want invalid", tc.in, escarp.KindOf(err))
			}
			continue
		}
		if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
			t.Errorf("Select(%v, %v) (-want +got):\n%s", tc.in, tc.out, diff)
		}
	}
}

const petsSpec = `
	openapi: 3.0.3
	info: {title: pets, version: "1"}
	security: [{bearer: []}]
	paths:
	  /me:
	    get:
	      responses: {"200": {description: ok}}
	  /pets:
	    post:
	      requestBody:
	        content:
	          application/json:
	            schema:
	              type: object
	              required: [name]
	              properties:
	                name: {type: string}
	                species: {type: string, enum: [cat, dog]}
	                tag: {type: string, pattern: "^[A-Z]{3}-[0-9]{4}$"}
	      responses: {"201": {description: created}}
	  /pets/{petId}:
	    get:
	      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
	      responses: {"200": {description: ok}}
	    delete:
	      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
	      responses: {"204": {description: ok}}
	components:
	  securitySchemes: {bearer: {type: http, scheme: bearer}}
`

// pets requires a tag matching its pattern, which the spec lists as
// optional: escarp must learn it from the 422.
type pets struct {
	mu      sync.Mutex
	next    int
	pets    map[int]string
	creates int
}

func (p *pets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get("Authorization")
	if r.URL.Path != "/" && tok != "Bearer a" && tok != "Bearer b" {
		w.WriteHeader(401)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case r.URL.Path == "/pets" && r.Method == "POST":
		p.creates++
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		tag, _ := body["tag"].(string)
		if len(tag) != 8 {
			w.WriteHeader(422)
			fmt.Fprint(w, `{"errors":[{"field":"tag","message":"tag is required"}]}`)
			return
		}
		p.next++
		p.pets[p.next] = tok
		w.Header().Set("Location", fmt.Sprintf("/pets/%d", p.next))
		w.WriteHeader(201)
	case strings.HasPrefix(r.URL.Path, "/pets/"):
		var id int
		fmt.Sscanf(r.URL.Path, "/pets/%d", &id)
		if p.pets[id] != tok {
			w.WriteHeader(404)
			return
		}
		if r.Method == "DELETE" {
			delete(p.pets, id)
			w.WriteHeader(204)
			return
		}
		fmt.Fprintf(w, `{"id":%d}`, id)
	}
}

func TestEngineLearnsCreatesAndCleansUp(t *testing.T) {
	api := checktest.API(t, petsSpec)
	h := &pets{pets: map[int]string{}}
	var prepared atomic.Value
	c := newFake("ESC-DAST-TEST-001", "API1:2023", check.PerOperation, func(ctx context.Context, p *check.Pass) error {
		if p.Op.Key() != "GET /pets/{petId}" {
			return nil
		}
		req, err := p.Session.Prepare(ctx, p.Op, "alice")
		if err != nil {
			return err
		}
		resp, err := p.Session.Do(ctx, req)
		if err != nil {
			return err
		}
		prepared.Store(fmt.Sprintf("%s %d", req.Path, resp.Status))
		return nil
	})
	run := checktest.Scan(t, c, h, api, checktest.Identities(checktest.Bearer("alice", "a")))
	if got, _ := prepared.Load().(string); got != "/pets/1 200" {
		t.Fatalf("prepared request: %q, want /pets/1 answered 200 (notes: %v)", got, run.Notes)
	}
	if h.creates != 2 {
		t.Errorf("%d creation attempts, want 2 (one 422 naming tag, then a valid tag)", h.creates)
	}
	if len(h.pets) != 0 {
		t.Errorf("pets escarp created were not deleted: %v", h.pets)
	}
	if run.Stats["created"] != 1 || run.Stats["identities"] != 1 {
		t.Errorf("stats = %v", run.Stats)
	}
}

func TestEngineReportsOnceInScope(t *testing.T) {
	api := checktest.API(t, petsSpec)
	c := newFake("ESC-DAST-TEST-002", "API8:2023", check.PerAPI, func(ctx context.Context, p *check.Pass) error {
		resp, err := p.Session.Do(ctx, &check.Request{Method: "GET", Path: "/me", Identity: "alice"})
		if err != nil {
			return err
		}
		info := check.Info{ID: "ESC-DAST-TEST-002", Title: "t", Severity: escarp.SeverityLow, OWASP: "API8:2023"}
		for i := 0; i < 3; i++ {
			f := check.NewFinding(info, resp, "same")
			f.Location.Method, f.Location.Path = "GET", "/me"
			p.Report(f)
		}
		off := check.NewFinding(info, resp, "elsewhere")
		off.Location.URL = "http://example.com/me"
		p.Report(off)
		return nil
	})
	run := checktest.Scan(t, c, &pets{pets: map[int]string{}}, api, checktest.Identities(checktest.Bearer("alice", "a")))
	if len(run.Findings) != 1 {
		t.Fatalf("%d findings, want 1 (3 duplicates, 1 out of scope): %+v", len(run.Findings), run.Findings)
	}
	f := run.Findings[0]
	if f.Fingerprint != escarp.Fingerprint(&f) || f.Kind != escarp.KindDAST {
		t.Errorf("fingerprint %q kind %q", f.Fingerprint, f.Kind)
	}
}

func TestEngineIdentityFailures(t *testing.T) {
	api := checktest.API(t, petsSpec)
	nop := newFake("ESC-DAST-TEST-003", "API1:2023", check.PerOperation, func(context.Context, *check.Pass) error { return nil })
	srv := httptest.NewServer(&pets{pets: map[int]string{}})
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := scan.Config{Rate: -1, Identities: []scan.Identity{
		{Name: "alice", Headers: map[string]string{"Authorization": "Bearer a"}},
		{Name: "eve", Headers: map[string]string{"Authorization": "Bearer wrong"}},
	}}
	run, err := scan.Run(ctx, api, srv.URL, cfg, []check.Check{nop})
	if err != nil {
		t.Fatal(err)
	}
	if run.Stats["identities"] != 1 || !strings.Contains(strings.Join(run.Notes, "\n"), "identity eve failed") {
		t.Errorf("eve not reported as failed: stats %v notes %v", run.Stats, run.Notes)
	}
	cfg.Identities = cfg.Identities[1:]
	_, err = scan.Run(ctx, api, srv.URL, cfg, []check.Check{nop})
	if escarp.ExitCode(err) != 3 || !strings.Contains(fmt.Sprint(err), "eve") {
		t.Errorf("no working identity: %v (exit %d), want exit 3 naming eve", err, escarp.ExitCode(err))
	}
}

func TestEngineUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	api := checktest.API(t, petsSpec)
	_, err := scan.Run(context.Background(), api, url, scan.Config{Timeout: time.Second}, nil)
	if escarp.ExitCode(err) != 3 || !strings.Contains(fmt.Sprint(err), "unreachable") {
		t.Fatalf("unreachable target: %v", err)
	}
	_, err = scan.Run(context.Background(), api, "ftp://x", scan.Config{}, nil)
	if escarp.ExitCode(err) != 2 {
		t.Fatalf("bad target URL: %v", err)
	}

	// A target that answers too slowly has timed out, which is not being
	// unreachable: the message says how long and how to wait longer.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	_, err = scan.Run(context.Background(), api, slow.URL, scan.Config{Timeout: 200 * time.Millisecond}, nil)
	if escarp.ExitCode(err) != 3 || !strings.Contains(fmt.Sprint(err), "timed out after 200ms (raise --timeout)") || strings.Contains(fmt.Sprint(err), "unreachable") {
		t.Fatalf("slow target: %v, want exit 3 and \"timed out after 200ms (raise --timeout)\"", err)
	}
}

// TestHostileTarget scans a target that is slow, sends huge bodies,
// redirects in loops and off scope, with a check that follows every
// Location it is given: the scan stays within its budgets, bounded memory,
// and never reaches the off-scope server.
func TestHostileTarget(t *testing.T) {
	var offHits atomic.Int64
	off := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { offHits.Add(1) }))
	defer off.Close()
	hostile := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			w.WriteHeader(200)
		case strings.HasPrefix(r.URL.Path, "/slow"):
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		case strings.HasPrefix(r.URL.Path, "/huge"):
			chunk := strings.Repeat("x", 1<<16)
			for i := 0; i < 4096; i++ { // 256 MiB if read
				if _, err := fmt.Fprint(w, chunk); err != nil {
					return
				}
			}
		case strings.HasPrefix(r.URL.Path, "/loop"):
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		default:
			http.Redirect(w, r, off.URL+"/steal", http.StatusFound)
		}
	})
	api := checktest.API(t, `
		openapi: 3.0.3
		info: {title: hostile, version: "1"}
		paths:
		  /slow: {get: {responses: {"200": {description: ok}}}}
		  /huge: {get: {responses: {"200": {description: ok}}}}
		  /loop: {get: {responses: {"200": {description: ok}}}}
		  /away: {get: {responses: {"200": {description: ok}}}}
	`)
	follow := newFake("ESC-DAST-TEST-004", "API8:2023", check.PerOperation, func(ctx context.Context, p *check.Pass) error {
		path := p.Op.Path
		for i := 0; i < 100; i++ {
			resp, err := p.Session.Do(ctx, &check.Request{Method: "GET", Path: path, Op: p.Op})
			if err != nil {
				if errors.Is(err, check.ErrBudget) {
					return err
				}
				continue
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				path = loc // a careless check: the engine must refuse off-scope
			}
		}
		return nil
	})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	srv := httptest.NewServer(hostile)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	run, err := scan.Run(ctx, api, srv.URL, scan.Config{Rate: -1, Timeout: 200 * time.Millisecond,
		MaxRequests: 120, MaxDuration: 20 * time.Second, Concurrency: 4}, []check.Check{follow})
	if escarp.ExitCode(err) != 3 || run == nil {
		t.Fatalf("a scan that spends its budget: %v, want exit 3 and a run", err)
	}
	elapsed := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if offHits.Load() != 0 {
		t.Errorf("the off-scope server got %d requests", offHits.Load())
	}
	if run.Stats["requests"] > 120 {
		t.Errorf("%d requests with a budget of 120", run.Stats["requests"])
	}
	if elapsed > 20*time.Second {
		t.Errorf("the scan took %s", elapsed)
	}
	if grow := int64(after.HeapInuse) - int64(before.HeapInuse); grow > 64<<20 {
		t.Errorf("heap grew by %d MiB", grow>>20)
	}
	t.Logf("hostile scan: %d requests, %d errors, %s", run.Stats["requests"], run.Stats["errors"], elapsed)
}

// TestAnonymousScanCreates: an API without authentication, scanned without
// identities, still gets real ids (created anonymously).
func TestAnonymousScanCreates(t *testing.T) {
	api := checktest.API(t, `
		openapi: 3.0.3
		info: {title: notes, version: "1"}
		paths:
		  /notes:
		    post:
		      requestBody: {content: {application/json: {schema: {type: object, required: [text], properties: {text: {type: string}}}}}}
		      responses: {"201": {description: ok}}
		  /notes/{id}:
		    get:
		      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
		      responses: {"200": {description: ok}}
	`)
	var mu sync.Mutex
	notes := map[string]bool{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == "POST" && r.URL.Path == "/notes" {
			id := fmt.Sprintf("n%d", len(notes)+1)
			notes[id] = true
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"id":%q}`, id)
			return
		}
		if !notes[strings.TrimPrefix(r.URL.Path, "/notes/")] {
			w.WriteHeader(404)
		}
	})
	var got atomic.Value
	c := newFake("ESC-DAST-TEST-005", "API8:2023", check.PerOperation, func(ctx context.Context, p *check.Pass) error {
		if p.Op.Method != "GET" {
			return nil
		}
		req, err := p.Session.Prepare(ctx, p.Op, "")
		if err != nil {
			return err
		}
		resp, err := p.Session.Do(ctx, req)
		if err != nil {
			return err
		}
		got.Store(fmt.Sprintf("%s %d", req.Path, resp.Status))
		return nil
	})
	checktest.Scan(t, c, h, api)
	if s, _ := got.Load().(string); s != "/notes/n1 200" {
		t.Fatalf("anonymous prepared request: %q, want /notes/n1 200", s)
	}
}
