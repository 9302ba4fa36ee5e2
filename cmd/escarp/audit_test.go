package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

const auditTestDoc = `openapi: 3.1.0
info: {title: Orders, version: 1.0.0}
servers: [{url: 'https://api.acme.io'}]
paths:
  /orders:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {note: {type: string}}}
      responses: {'201': {description: created}}
  /health:
    get:
      x-escarp-ignore: [{rule: ESC-AUTH-003, reason: public health check}]
      responses: {'200': {description: ok}}
`

func runAuditCmd(t *testing.T, dir string, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, wd: dir,
		getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := a.run(ctx, append([]string{"audit"}, args...))
	if err != nil {
		errb.WriteString("escarp: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), escarp.ExitCode(err)
}

func TestAuditCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("api.yaml", auditTestDoc)
	write("bad.yaml", "openapi: 3.1.0\ninfo:\n  title: x\n   version: 1\n")
	write("escarp.yaml", "spec: api.yaml\naudit:\n  disable: [ESC-INV-008]\n")
	write("badconf.yaml", "audit:\n  severity: {ESC-AUTH-002: urgent}\n")

	t.Run("json report", func(t *testing.T) {
		out, stderr, code := runAuditCmd(t, dir, nil, "api.yaml", "--format", "json", "--no-store", "-o", "audit.sarif")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var rep escarp.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("stdout is not a JSON report: %v\n%s", err, out)
		}
		if len(rep.Runs) != 1 || rep.Runs[0].Engine != "audit" || rep.Runs[0].Score == nil || len(rep.Runs[0].Rules) < 60 {
			t.Fatalf("unexpected report: %+v", rep.Runs)
		}
		var auth2, suppressed bool
		for _, f := range rep.Runs[0].Findings {
			if f.RuleID == "ESC-AUTH-002" && f.Location.Line == 6 && strings.HasSuffix(f.Location.File, "api.yaml") {
				auth2 = true
			}
			if f.RuleID == "ESC-AUTH-003" && f.Suppressed != nil && f.Suppressed.Reason == "public health check" {
				suppressed = true
			}
		}
		if !auth2 || !suppressed {
			t.Errorf("want ESC-AUTH-002 at api.yaml:6 (%v) and a suppressed ESC-AUTH-003 (%v)", auth2, suppressed)
		}
		if _, err := os.Stat(filepath.Join(dir, "audit.sarif")); err != nil {
			t.Errorf("-o audit.sarif: %v", err)
		}
	})
	t.Run("fail-on", func(t *testing.T) {
		if _, stderr, code := runAuditCmd(t, dir, nil, "api.yaml", "--no-store", "--fail-on", "critical"); code != 1 {
			t.Errorf("--fail-on critical: exit %d, want 1: %s", code, stderr)
		}
		if _, stderr, code := runAuditCmd(t, dir, nil, "api.yaml", "--no-store", "--fail-on", "critical", "--disable", "owasp:api2:2023-write-restricted"); code != 0 {
			t.Errorf("--fail-on critical with the rule disabled by alias: exit %d, want 0: %s", code, stderr)
		}
		if _, stderr, code := runAuditCmd(t, dir, map[string]string{"ESCARP_MIN_SCORE": "99"}, "api.yaml", "--no-store"); code != 1 || !strings.Contains(stderr, "below the minimum") {
			t.Errorf("ESCARP_MIN_SCORE=99: exit %d, want 1: %s", code, stderr)
		}
		if _, stderr, code := runAuditCmd(t, dir, nil, "api.yaml", "--no-store", "--fail-on", "critical", "--severity", "ESC-AUTH-002=low"); code != 0 {
			t.Errorf("--severity ESC-AUTH-002=low: exit %d, want 0: %s", code, stderr)
		}
	})
	t.Run("input errors", func(t *testing.T) {
		if _, stderr, code := runAuditCmd(t, dir, nil, "bad.yaml", "--no-store"); code != 2 || !strings.Contains(stderr, "bad.yaml:") {
			t.Errorf("unparseable spec: exit %d, want 2 with file:line: %s", code, stderr)
		}
		if _, stderr, code := runAuditCmd(t, dir, nil, "missing.yaml", "--no-store"); code != 2 {
			t.Errorf("missing spec: exit %d, want 2: %s", code, stderr)
		}
		if _, stderr, code := runAuditCmd(t, dir, nil, "api.yaml", "--no-store", "--severity", "ESC-AUTH-002"); code != 2 {
			t.Errorf("bad --severity: exit %d, want 2: %s", code, stderr)
		}
		if _, stderr, code := runAuditCmd(t, dir, nil, "api.yaml", "--no-store", "--config", "badconf.yaml"); code != 2 || !strings.Contains(stderr, "urgent") {
			t.Errorf("bad config severity: exit %d, want 2: %s", code, stderr)
		}
	})
	t.Run("spec from config and store", func(t *testing.T) {
		out, stderr, code := runAuditCmd(t, dir, nil, "--format", "json", "--store", filepath.Join(dir, "state.db"))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if strings.Contains(out, "ESC-INV-008") && strings.Contains(out, `"ruleId": "ESC-INV-008"`) {
			t.Errorf("ESC-INV-008 is disabled in escarp.yaml but reported")
		}
		if _, err := os.Stat(filepath.Join(dir, "state.db")); err != nil {
			t.Errorf("findings not stored: %v", err)
		}
	})
	t.Run("previous", func(t *testing.T) {
		write("old.yaml", strings.Replace(auditTestDoc, "  /health:", "  /legacy:\n    get:\n      responses: {'200': {description: ok}}\n  /health:", 1))
		out, stderr, code := runAuditCmd(t, dir, nil, "api.yaml", "--no-store", "--format", "json", "--previous", "old.yaml")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(out, "operation GET /legacy was removed") {
			t.Errorf("--previous: no ESC-INV-005 finding for the removed operation")
		}
	})
	t.Run("list rules", func(t *testing.T) {
		out, _, code := runAuditCmd(t, dir, nil, "--list-rules")
		if code != 0 || !strings.Contains(out, "ESC-AUTH-002") || !strings.Contains(out, "owasp:api2:2023-write-restricted") {
			t.Errorf("--list-rules: exit %d:\n%s", code, out)
		}
	})
}
