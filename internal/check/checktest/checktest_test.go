package checktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
)

const ordersSpec = `
	openapi: 3.0.3
	info: {title: orders, version: "1"}
	security: [{bearer: []}]
	paths:
	  /me:
	    get:
	      responses: {"200": {description: ok}}
	  /orders:
	    post:
	      requestBody:
	        content:
	          application/json:
	            schema:
	              type: object
	              required: [item, quantity]
	              properties:
	                item: {type: string, minLength: 3}
	                quantity: {type: integer, minimum: 1, maximum: 10}
	                note: {type: string}
	      responses: {"201": {description: created}}
	    get:
	      responses: {"200": {description: ok}}
	  /orders/{orderId}:
	    get:
	      parameters: [{name: orderId, in: path, required: true, schema: {type: integer}}]
	      responses: {"200": {description: ok}, "404": {description: no}}
	    delete:
	      parameters: [{name: orderId, in: path, required: true, schema: {type: integer}}]
	      responses: {"204": {description: deleted}}
	components:
	  securitySchemes: {bearer: {type: http, scheme: bearer}}
`

// orders is a small API: bearer tokens name the user; orders belong to
// their creator. When vulnerable, GET /orders/{id} does not check the owner.
type orders struct {
	vulnerable bool
	mu         sync.Mutex
	next       int
	owner      map[int]string
	deleted    int
}

func (o *orders) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user := map[string]string{"Bearer tok-a": "alice", "Bearer tok-b": "bob"}[r.Header.Get("Authorization")]
	if r.URL.Path == "/" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if user == "" {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/me":
		fmt.Fprintf(w, `{"name":%q}`, user)
	case r.URL.Path == "/orders" && r.Method == "POST":
		var body struct {
			Item     string `json:"item"`
			Quantity int    `json:"quantity"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Item) < 3 || body.Quantity < 1 {
			http.Error(w, `{"error":"invalid order"}`, http.StatusBadRequest)
			return
		}
		o.next++
		o.owner[o.next] = user
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%d,"owner":%q}`, o.next, user)
	case r.URL.Path == "/orders":
		var ids []string
		for id, u := range o.owner {
			if u == user {
				ids = append(ids, fmt.Sprintf(`{"id":%d}`, id))
			}
		}
		fmt.Fprintf(w, `[%s]`, strings.Join(ids, ","))
	case strings.HasPrefix(r.URL.Path, "/orders/"):
		var id int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/orders/"), "%d", &id)
		owner, ok := o.owner[id]
		if !ok || (!o.vulnerable && owner != user) {
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		}
		if r.Method == "DELETE" {
			delete(o.owner, id)
			o.deleted++
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fmt.Fprintf(w, `{"id":%d,"owner":%q}`, id, owner)
	default:
		http.NotFound(w, r)
	}
}

// swapCheck is a minimal BOLA check: alice's request replayed as bob.
type swapCheck struct{}

func (swapCheck) Info() check.Info {
	return check.Info{ID: "ESC-DAST-TEST-001", Title: "Object readable by another identity",
		Severity: escarp.SeverityHigh, OWASP: "API1:2023", CWE: []string{"CWE-639"},
		Scope: check.PerOperation, Requires: check.Requirements{Identities: 2}}
}

func (c swapCheck) Run(ctx context.Context, p *check.Pass) error {
	if p.Op.Method != "GET" || !strings.Contains(p.Op.Path, "{") {
		return nil
	}
	owner, other := p.Identities[0].Name, p.Identities[1].Name
	req, err := p.Session.Prepare(ctx, p.Op, owner)
	if err != nil {
		return err
	}
	base, err := p.Session.Do(ctx, req)
	if err != nil || !base.OK() {
		return err
	}
	swapped := req.Clone()
	swapped.Identity = other
	resp, err := p.Session.Do(ctx, swapped)
	if err != nil {
		return err
	}
	if resp.OK() && string(resp.Body) == string(base.Body) {
		p.Report(check.NewFinding(c.Info(), resp, other+" read "+owner+"'s object"))
	}
	return nil
}

func TestRunFindsAndClearsBOLA(t *testing.T) {
	api := checktest.API(t, ordersSpec)
	ids := checktest.Identities(checktest.Bearer("alice", "tok-a"), checktest.Bearer("bob", "tok-b"))
	for _, tc := range []struct {
		vulnerable bool
		want       int
	}{{true, 1}, {false, 0}} {
		t.Run(fmt.Sprint("vulnerable=", tc.vulnerable), func(t *testing.T) {
			h := &orders{vulnerable: tc.vulnerable, owner: map[int]string{}}
			got := checktest.Run(t, swapCheck{}, h, api, ids)
			if len(got) != tc.want {
				t.Fatalf("got %d findings, want %d: %+v", len(got), tc.want, got)
			}
			if tc.want == 1 {
				f := got[0]
				if f.Location.Operation() != "GET /orders/{orderId}" || f.Fingerprint == "" {
					t.Errorf("finding on %q fingerprint %q", f.Location.Operation(), f.Fingerprint)
				}
				if strings.Contains(f.Reproducer, "tok-b") || strings.Contains(fmt.Sprint(f.Evidence.Request.Header), "tok-b") {
					t.Errorf("token leaked into the finding: %s", f.Reproducer)
				}
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if len(h.owner) != 0 {
				t.Errorf("%d orders escarp created were not deleted", len(h.owner))
			}
		})
	}
}

func TestRunFailsWhenGated(t *testing.T) {
	api := checktest.API(t, ordersSpec)
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		checktest.Run(ft, swapCheck{}, &orders{owner: map[int]string{}}, api,
			checktest.Identities(checktest.Bearer("alice", "tok-a")))
	}()
	if !strings.Contains(ft.msg, "needs 2 working identities") {
		t.Fatalf("Run did not fail with the gate reason: %q", ft.msg)
	}
}

// fakeT records Fatalf instead of stopping the real test.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
func (f *fakeT) Helper()           {}
func (f *fakeT) Log(args ...any)   {}
func (f *fakeT) Cleanup(fn func()) { f.TB.Cleanup(fn) }
