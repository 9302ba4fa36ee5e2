package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/store"
)

// policyApp runs escarp in dir, the way main does, and returns stdout,
// stderr and the exit code.
func policyApp(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, wd: dir,
		getenv: func(string) (string, bool) { return "", false }}
	err := a.run(ctx, args)
	if err != nil {
		stderr.WriteString("escarp: " + err.Error() + "\n")
	}
	return stdout.String(), stderr.String(), escarp.ExitCode(err)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const policySpec = `openapi: 3.0.3
info:
  title: Orders
  version: 1.0.0
  contact: {name: Orders team}
servers:
  - url: https://orders.example.com
paths:
  /orders/{orderId}:
    delete:
      operationId: deleteOrder
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: integer}}
      security: [{bearer: []}]
      responses:
        '204': {description: deleted}
        '404': {description: no such order}
  /old:
    get:
      deprecated: true
      security: [{bearer: []}]
      responses:
        '200': {description: ok}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
`

// The user's policies: one custom deny, and a package whose review date
// has passed.
var policyFiles = map[string]string{
	"openapi.yaml": policySpec,
	"policy/deletes.rego": `# METADATA
# title: Deletes are forbidden
# description: Orders are never deleted, only cancelled.
# custom:
#   owner: orders-team
#   rationale: Auditors need every order.
#   review: 2027-05-01
#   severity: high
#   owasp: API5:2023
#   cwe: [CWE-285]
package acme.orders

deny contains v if {
	some op in input.api.operations
	op.method == "DELETE"
	v := {"msg": sprintf("%s %s deletes orders", [op.method, op.path]), "method": op.method, "path": op.path}
}
`,
	"policy/stale.rego": `# METADATA
# title: Naming
# custom:
#   owner: platform-team
#   rationale: Consistent names.
#   review: 2026-06-30
package acme.naming

warn_title contains "the API has no title" if input.api.title == ""
`,
	".escarp/suppressions.yaml": `suppressions:
  - rule: ESC-POL-LIFE-001
    operation: GET /old
    stage: policy
    reason: removed in the next release
    owner: orders-team
    expires: 2027-01-31
`,
}

// TestPolicyEvalGovernance: a user policy directory with one custom deny,
// one waiver and one stale review date gives exactly the expected
// violation, suppression and review warning.
func TestPolicyEvalGovernance(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, policyFiles)
	stdout, stderr, code := policyApp(t, dir, "policy", "eval", "openapi.yaml", "--no-store", "--today", "2026-12-08", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var rep escarp.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if len(rep.Runs) != 1 || rep.Runs[0].Engine != escarp.EnginePolicy {
		t.Fatalf("runs %+v", rep.Runs)
	}
	run := rep.Runs[0]
	var active, waived []string
	for _, f := range run.Findings {
		if f.Kind != escarp.KindPolicy {
			t.Errorf("%s: kind %s", f.RuleID, f.Kind)
		}
		if f.Suppressed != nil {
			waived = append(waived, f.RuleID+" "+f.Location.Operation())
		} else {
			active = append(active, f.RuleID+" "+f.Location.Operation())
		}
		if f.Location.File != "openapi.yaml" || f.Location.Line < 9 {
			t.Errorf("%s at %s:%d, want its line in openapi.yaml", f.RuleID, f.Location.File, f.Location.Line)
		}
	}
	if want := []string{"policy:acme.orders.deny DELETE /orders/{orderId}"}; !slices.Equal(active, want) {
		t.Errorf("violations %q, want %q", active, want)
	}
	if want := []string{"ESC-POL-LIFE-001 GET /old"}; !slices.Equal(waived, want) {
		t.Errorf("waived %q, want %q", waived, want)
	}
	var reviews []string
	for _, n := range run.Notes {
		if strings.HasPrefix(n, "review: ") {
			reviews = append(reviews, n)
		}
	}
	if len(reviews) != 1 || !strings.Contains(reviews[0], "acme.naming") || !strings.Contains(reviews[0], "2026-06-30") ||
		!strings.Contains(reviews[0], "policy/stale.rego:") {
		t.Errorf("review notes %q, want one for acme.naming due 2026-06-30", reviews)
	}

	// review lists it and exits 1; a month before its date nothing is due.
	out, _, code := policyApp(t, dir, "policy", "review", "--today", "2026-12-08")
	if code != 1 || !strings.Contains(out, "policy acme.naming (owner platform-team) was due for review on 2026-06-30") {
		t.Errorf("review: exit %d\n%s", code, out)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("review listed more than one item:\n%s", out)
	}
	// After the waiver's expiry the waiver is listed too, and the
	// violation is no longer waived.
	out, _, code = policyApp(t, dir, "policy", "review", "--today", "2027-02-01")
	if code != 1 || !strings.Contains(out, "waiver ESC-POL-LIFE-001 at GET /old (expires 2027-01-31) (owner orders-team) expired on 2027-01-31") {
		t.Errorf("review after expiry: exit %d\n%s", code, out)
	}
	_, _, code = policyApp(t, dir, "policy", "eval", "openapi.yaml", "--no-store", "--today", "2027-02-01", "--fail-on", "medium")
	if code != 1 {
		t.Errorf("eval --fail-on medium after the waiver expired: exit %d, want 1", code)
	}

	// Every report format goes through internal/report.
	_, stderr, code = policyApp(t, dir, "policy", "eval", "openapi.yaml", "--no-store", "--today", "2026-12-08",
		"-o", "p.sarif", "-o", "p.xml", "-o", "p.md", "-o", "p.html", "-o", "p.json")
	if code != 0 {
		t.Fatalf("eval -o: exit %d\n%s", code, stderr)
	}
	for _, name := range []string{"p.sarif", "p.xml", "p.md", "p.html", "p.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !strings.Contains(string(data), "policy:acme.orders.deny") {
			t.Errorf("%s: %v, or the violation is missing", name, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "p.sarif")); !strings.Contains(string(data), `"escarp/policy/"`) {
		t.Error("the SARIF has no escarp/policy/ run")
	}

	// The policy stage of escarp ci gates on the custom deny (high), with
	// the waiver applied by the gate.
	out, stderr, code = policyApp(t, dir, "ci", "--stages", "policy", "--spec", "openapi.yaml", "--no-store", "--today", "2026-12-08")
	if code != 1 || !strings.Contains(out+stderr, "policy:acme.orders.deny") || strings.Contains(out+stderr, "ESC-POL-LIFE-001 GET /old") {
		t.Errorf("ci --stages policy: exit %d, want 1 on the custom deny only\n%s%s", code, out, stderr)
	}

	// list shows every policy with its state.
	out, _, code = policyApp(t, dir, "policy", "list", "--today", "2026-12-08", "--format", "json")
	if code != 0 {
		t.Fatalf("list: exit %d", code)
	}
	var rows []listedPolicy
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	state := map[string]listedPolicy{}
	for _, r := range rows {
		state[r.ID] = r
	}
	if r := state["policy:acme.naming.warn_title"]; r.State != "review-overdue" || r.Owner != "platform-team" {
		t.Errorf("naming: %+v", r)
	}
	if r := state["ESC-POL-LIFE-001"]; r.State != "enabled" || r.Waivers != 1 {
		t.Errorf("ESC-POL-LIFE-001: %+v", r)
	}
	if r := state["policy:acme.orders.deny"]; r.State != "enabled" || r.Severity != "high" {
		t.Errorf("custom deny: %+v", r)
	}
}

// TestPolicyTestExitCodes: escarp policy test exits 0 when the Rego tests
// pass and 1 when one fails.
func TestPolicyTestExitCodes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, policyFiles)
	writeFiles(t, dir, map[string]string{"policy/deletes_test.rego": `package acme.orders_test

import data.acme.orders

test_delete_denied if {
	count(orders.deny) == 1 with input as {"api": {"operations": [{"method": "DELETE", "path": "/x"}]}}
}

test_get_allowed if {
	count(orders.deny) == 0 with input as {"api": {"operations": [{"method": "GET", "path": "/x"}]}}
}
`})
	out, stderr, code := policyApp(t, dir, "policy", "test", "policy")
	if code != 0 || !strings.Contains(out, "PASS  data.acme.orders_test.test_delete_denied") {
		t.Fatalf("passing tests: exit %d\n%s%s", code, out, stderr)
	}
	writeFiles(t, dir, map[string]string{"policy/broken_test.rego": `package acme.orders_test

import data.acme.orders

test_get_denied if {
	count(orders.deny) == 1 with input as {"api": {"operations": [{"method": "GET", "path": "/x"}]}}
}
`})
	out, stderr, code = policyApp(t, dir, "policy", "test", "policy")
	if code != 1 || !strings.Contains(out, "FAIL  data.acme.orders_test.test_get_denied (policy/broken_test.rego:5)") {
		t.Fatalf("failing test: exit %d, want 1\n%s%s", code, out, stderr)
	}
	// Bad Rego is an input error naming file and line.
	writeFiles(t, dir, map[string]string{"policy/bad.rego": "package acme.bad\n\ndeny contains x if {\n"})
	_, stderr, code = policyApp(t, dir, "policy", "test", "policy")
	if code != 2 || !strings.Contains(stderr, "bad.rego:") {
		t.Fatalf("bad Rego: exit %d, want 2\n%s", code, stderr)
	}
}

// TestPolicyInAuditAndExplain: a user's Rego rule appears in escarp audit
// with its id; escarp explain knows every built-in policy.
func TestPolicyInAuditAndExplain(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, policyFiles)
	out, stderr, code := policyApp(t, dir, "audit", "openapi.yaml", "--rego", "policy", "--no-store", "--format", "json")
	if code != 0 {
		t.Fatalf("audit: exit %d\n%s", code, stderr)
	}
	var rep escarp.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Runs[0].Findings {
		if f.RuleID == "policy:acme.orders.deny" {
			found = true
			if f.Kind != escarp.KindAudit || f.Location.Method != "DELETE" || f.Location.Line == 0 {
				t.Errorf("audit finding %+v", f)
			}
		}
	}
	if !found {
		t.Error("the Rego rule policy:acme.orders.deny did not report in escarp audit")
	}
	out, _, code = policyApp(t, dir, "explain", "ESC-POL-ENC-002")
	if code != 0 || !strings.Contains(out, "TLS 1.2 or newer") || !strings.Contains(out, "engine    policy") {
		t.Errorf("explain ESC-POL-ENC-002: exit %d\n%s", code, out)
	}
}

// TestPolicyEvalStoreAndProbe: eval records its run in the store; with
// --tls-probe it reads TLS facts of a real loopback server, and a target
// that does not answer is an incomplete run (exit 3) whose report is
// still written.
func TestPolicyEvalStoreAndProbe(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, policyFiles)
	if _, stderr, code := policyApp(t, dir, "policy", "eval", "openapi.yaml", "--today", "2026-12-08"); code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	db, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	scans, _, err := db.FindScans(context.Background(), escarp.ScanFilter{Engine: escarp.EnginePolicy})
	db.Close()
	if err != nil || len(scans) != 1 || scans[0].Counts[escarp.SeverityHigh] != 1 {
		t.Fatalf("stored policy scans %+v, %v", scans, err)
	}

	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	defer srv.Close()
	out, stderr, code := policyApp(t, dir, "policy", "eval", "--no-store", "--pack", "encryption", "--tls-probe", "--target", srv.URL, "--format", "json")
	if code != 0 {
		t.Fatalf("probe: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, `"ESC-POL-ENC-005"`) || !strings.Contains(out, srv.URL) {
		t.Errorf("no HSTS violation for %s:\n%s", srv.URL, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + ln.Addr().String()
	ln.Close()
	_, stderr, code = policyApp(t, dir, "policy", "eval", "--no-store", "--tls-probe", "--target", closed, "-o", "probe.json")
	if code != 3 {
		t.Errorf("probe of a closed port: exit %d, want 3\n%s", code, stderr)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "probe.json")); err != nil || !strings.Contains(string(data), "incomplete") {
		t.Errorf("report of the incomplete run: %v\n%s", err, data)
	}
}
