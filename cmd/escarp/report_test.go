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

// savedReport writes a small JSON report into dir and returns its path.
func savedReport(t *testing.T, dir string) string {
	t.Helper()
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	rep := escarp.Report{SchemaVersion: escarp.ReportSchemaVersion, Tool: escarp.Tool{Name: "escarp", Version: "1.0.0"},
		StartedAt: t0, FinishedAt: t0.Add(time.Second),
		Runs: []*escarp.Run{{Engine: escarp.EngineScan, Target: "http://127.0.0.1:8080", Spec: "openapi.yaml", StartedAt: t0, FinishedAt: t0.Add(time.Second),
			Rules: []escarp.RuleInfo{{ID: "ESC-DAST-BOLA-001", Title: "Broken object level authorization", Severity: escarp.SeverityCritical, OWASP: "API1:2023", CWE: []string{"CWE-639"}},
				{ID: "ESC-DAST-HDR-001", Title: "Missing security headers", Severity: escarp.SeverityLow}},
			Findings: []escarp.Finding{{RuleID: "ESC-DAST-BOLA-001", Title: "Broken object level authorization", Kind: escarp.KindDAST,
				Severity: escarp.SeverityCritical, Confidence: escarp.ConfidenceHigh, Message: "bob read alice's user 17",
				Location: escarp.Location{File: "openapi.yaml", Line: 30, Method: "GET", Path: "/users/{id}"},
				Evidence: &escarp.Evidence{Request: &escarp.HTTPMessage{Method: "GET", URL: "http://127.0.0.1:8080/users/17",
					Header: map[string][]string{"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlMTIz"}}}}}}}}}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "scan.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runIn runs escarp with args in dir and returns stdout, stderr and the error.
func runIn(t *testing.T, dir string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	a := &app{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, wd: dir,
		getenv: func(string) (string, bool) { return "", false }}
	err := a.run(ctx, args)
	return stdout.String(), stderr.String(), err
}

func TestReportRendersEveryOutput(t *testing.T) {
	dir := t.TempDir()
	savedReport(t, dir)
	stdout, _, err := runIn(t, dir, "", "report", "scan.json",
		"-o", "out/r.html", "-o", "out/r.sarif", "-o", "out/junit.xml", "-o", "out/r.md", "-o", "out/r.txt", "-o", "sarif:out/code-scanning.json", "-o", "out/copy.json")
	if err != nil {
		t.Fatalf("escarp report: %v", err)
	}
	if stdout != "" {
		t.Errorf("with -o and no --format, stdout = %q, want nothing", stdout)
	}
	checks := map[string]string{
		"r.html":             "<svg",
		"r.sarif":            `"escarp/scan/"`,
		"code-scanning.json": `"version": "2.1.0"`,
		"junit.xml":          `<testsuite name="escarp scan" tests="2" failures="1"`,
		"r.md":               "| 🟥 Critical | 1 |",
		"r.txt":              "ESC-DAST-BOLA-001",
		"copy.json":          `"schemaVersion": "1.1"`,
	}
	for file, want := range checks {
		data, err := os.ReadFile(filepath.Join(dir, "out", file))
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q", file, want)
		}
		if strings.Contains(string(data), "eyJzdWIiOiJib2IifQ") {
			t.Errorf("%s leaks the token", file)
		}
	}
}

func TestReportStdout(t *testing.T) {
	dir := t.TempDir()
	path := savedReport(t, dir)
	stdout, _, err := runIn(t, dir, "", "report", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "CRITICAL") || strings.Contains(stdout, "\x1b[") {
		t.Errorf("text on stdout = %q", stdout)
	}
	data, _ := os.ReadFile(path)
	stdout, _, err = runIn(t, dir, string(data), "report", "-", "--format", "markdown")
	if err != nil || !strings.Contains(stdout, "## escarp: 1 finding") {
		t.Errorf("markdown from stdin: %v\n%s", err, stdout)
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	savedReport(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{\n  \"schemaVersion\": \"1.0\",\n  \"runs\": [}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "v2.json"), []byte(`{"schemaVersion": "2.0", "runs": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"report", "missing.json"}, "read report missing.json"},
		{[]string{"report", "bad.json"}, "bad.json:3:12: invalid JSON"},
		{[]string{"report", "v2.json"}, `unsupported schemaVersion "2.0"`},
		{[]string{"report", "scan.json", "-o", "out.pdf"}, "cannot tell the format"},
		{[]string{"report", "scan.json", "-o", "pdf:out"}, `unknown format "pdf"`},
		{[]string{"report", "scan.json", "--format", "yaml"}, `unknown format "yaml"`},
		{[]string{"report"}, "accepts 1 arg"},
	}
	for _, tt := range tests {
		_, _, err := runIn(t, dir, "", tt.args...)
		if code := escarp.ExitCode(err); code != 2 {
			t.Errorf("escarp %s: exit %d (%v), want 2", strings.Join(tt.args, " "), code, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("escarp %s: error %q does not say %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}
