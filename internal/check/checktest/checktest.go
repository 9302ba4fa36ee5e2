// Package checktest runs a DAST check against an http.Handler through the
// real scan engine, for the check's tests.
//
// A check test is three steps: describe the API, write a handler that is
// vulnerable (or not), and run the check:
//
//	api := checktest.API(t, `
//	openapi: 3.0.3
//	info: {title: t, version: "1"}
//	paths:
//	  /orders/{id}:
//	    get:
//	      security: [{bearer: []}]
//	      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
//	      responses: {"200": {description: ok}}
//	components:
//	  securitySchemes: {bearer: {type: http, scheme: bearer}}
//	`)
//	findings := checktest.Run(t, bola.New(), handler, api,
//		checktest.Identities(checktest.Bearer("alice", "tok-a"), checktest.Bearer("bob", "tok-b")))
//	if len(findings) != 1 { ... }
//
// [Run] starts an httptest server (127.0.0.1) serving the handler and runs
// the engine exactly as `escarp scan` does, with only the given check:
//   - GET / is sent first (reachability), then every identity's
//     authentication self-test: a protected GET without path parameters
//     (preferring /me, /profile, /user...) is called with the identity's
//     credentials; 401 or 403 drops the identity. Make your handler accept
//     the identities' credentials there, or the check is skipped for lack
//     of identities and Run fails the test saying so.
//   - the check's Requirements gate it as in a real scan (Identities,
//     Privileged, Destructive needs [AllowDestructive], Callback: the
//     callback listener is always on, on a random loopback port).
//   - PerAPI checks run once; PerOperation checks run once per operation
//     (restrict with [Operations]).
//   - Session.Prepare builds real requests: path ids come from resources
//     the identity created through the spec's POST on the collection
//     (POST /orders for /orders/{id}), or from ids listed by GET /orders,
//     or from the identity's own id learnt at login; request bodies are
//     generated from the schemas. If your handler has no producer for an
//     id, put an `example` on the path parameter.
//   - at the end, the engine DELETEs what it created (when the spec has
//     DELETE /orders/{id}).
//
// Boundary and invalid values for a schema (min-1, maxLength+1, wrong
// type, not in the enum) come from internal/value: value.Variants.
//
// Run returns the deduplicated findings (fingerprints filled) and fails the
// test when the engine could not run or the check was gated out. Notes of
// the run (a check that returned an error, an identity that failed) are
// logged with t.Log. [Scan] returns the whole run (stats, notes, rules)
// instead, without failing on a gated check.
package checktest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/spec"
)

// Identity is a static-credential identity for tests: headers sent with
// each of its requests.
type Identity struct {
	Name       string
	Header     map[string]string
	Privileged bool
}

// Bearer returns an identity that sends "Authorization: Bearer token".
func Bearer(name, token string) Identity {
	return Identity{Name: name, Header: map[string]string{"Authorization": "Bearer " + token}}
}

// Admin returns a privileged identity that sends "Authorization: Bearer
// token".
func Admin(name, token string) Identity {
	id := Bearer(name, token)
	id.Privileged = true
	return id
}

// Option configures a test run.
type Option func(*options)

type options struct {
	cfg scan.Config
}

// Identities sets the identities of the run, in order.
func Identities(ids ...Identity) Option {
	return func(o *options) {
		for _, id := range ids {
			o.cfg.Identities = append(o.cfg.Identities, scan.Identity{Name: id.Name, Headers: id.Header, Privileged: id.Privileged})
		}
	}
}

// WithIdentity adds an identity configured as in escarp.yaml (login flow,
// cookies, OAuth2).
func WithIdentity(id scan.Identity) Option {
	return func(o *options) { o.cfg.Identities = append(o.cfg.Identities, id) }
}

// Operations limits the per-operation runs to these operations ("GET
// /orders/{id}" or operationIds).
func Operations(keys ...string) Option {
	return func(o *options) { o.cfg.Operations = append(o.cfg.Operations, keys...) }
}

// AllowDestructive lets destructive checks run (--allow-destructive).
func AllowDestructive() Option {
	return func(o *options) { o.cfg.AllowDestructive = true }
}

// Configure changes any other engine setting (budgets, timeout, rate).
func Configure(f func(*scan.Config)) Option {
	return func(o *options) { f(&o.cfg) }
}

// Run runs check c against h and returns its findings; see the package
// documentation.
func Run(t testing.TB, c check.Check, h http.Handler, api *escarp.API, opts ...Option) []escarp.Finding {
	t.Helper()
	run := Scan(t, c, h, api, opts...)
	id := c.Info().ID
	ran := false
	for _, r := range run.Rules {
		ran = ran || r.ID == id
	}
	if !ran {
		t.Fatalf("checktest: %s did not run:\n  %s", id, strings.Join(run.Notes, "\n  "))
	}
	return run.Findings
}

// Scan runs check c against h and returns the whole run. It fails the test
// only when the engine could not complete the run.
func Scan(t testing.TB, c check.Check, h http.Handler, api *escarp.API, opts ...Option) *escarp.Run {
	t.Helper()
	o := options{cfg: scan.Config{
		Rate:        -1,
		Concurrency: 2,
		MaxRequests: 5000,
		MaxDuration: time.Minute,
		Timeout:     10 * time.Second,
	}}
	for _, opt := range opts {
		opt(&o)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), o.cfg.MaxDuration+30*time.Second)
	defer cancel()
	run, err := scan.Run(ctx, api, srv.URL, o.cfg, []check.Check{c})
	if run != nil {
		for _, n := range run.Notes {
			t.Log("checktest: note: " + n)
		}
	}
	if err != nil {
		t.Fatalf("checktest: scan of %s failed: %v", c.Info().ID, err)
	}
	return run
}

// API parses an OpenAPI (or Swagger 2.0) document given inline, failing
// the test on any error.
func API(t testing.TB, yaml string) *escarp.API {
	t.Helper()
	api, _, err := spec.LoadBytes(context.Background(), "openapi.yaml", []byte(dedent(yaml)), spec.Options{})
	if err != nil {
		t.Fatalf("checktest: parsing API: %v", err)
	}
	return api
}

// dedent removes the common leading indentation of a raw string literal,
// so specs can be indented inside test code.
func dedent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
			continue
		}
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// Keys returns "METHOD /path [param]" for each finding, sorted, so a test
// can compare what a check found with one string. It fails the test for a
// finding of another rule than id, or one without evidence or message.
func Keys(t testing.TB, id string, fs []escarp.Finding) []string {
	t.Helper()
	var out []string
	for _, f := range fs {
		if f.RuleID != id {
			t.Errorf("finding of another check: %s", f.RuleID)
			continue
		}
		if f.Evidence == nil || f.Message == "" {
			t.Errorf("%s at %s %s: no evidence or message", f.RuleID, f.Location.Method, f.Location.Path)
		}
		out = append(out, fmt.Sprintf("%s %s [%s]", f.Location.Method, f.Location.Path, f.Location.Param))
	}
	sort.Strings(out)
	return out
}
