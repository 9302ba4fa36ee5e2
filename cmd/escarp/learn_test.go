package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/learn"
)

func serveLab(t *testing.T, secure bool) string {
	t.Helper()
	l, err := lab.New(lab.Options{Secure: secure, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(func() { srv.Close(); l.Close() })
	return srv.URL
}

// TestLearnVerify walks each lesson's last step end to end through the CLI:
// `escarp learn verify` passes on the secure twin (the exploit fails and the
// verify scan is clean) and fails on the vulnerable lab (exit 1, the
// lesson's check finds the flaw). Progress lands in the store.
func TestLearnVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("scans the lab twice per lesson")
	}
	dir := t.TempDir()
	for _, l := range learn.Lessons() {
		t.Run(l.ID, func(t *testing.T) {
			twin, vuln := serveLab(t, true), serveLab(t, false)
			out, errOut, err := runScanCLI(t, dir, nil, "learn", "verify", l.ID, "--url", twin)
			if err != nil {
				t.Fatalf("verify on the twin: %v\n%s\n%s", err, out, errOut)
			}
			if !strings.Contains(out, "0 finding(s)") || !strings.Contains(out, "Verified") {
				t.Errorf("verify on the twin:\n%s", out)
			}
			out, _, err = runScanCLI(t, dir, nil, "learn", "verify", l.ID, "--url", vuln)
			if escarp.KindOf(err) != escarp.Threshold {
				t.Fatalf("verify on the vulnerable lab: %v, want the flaw reported (exit 1)\n%s", err, out)
			}
			if !strings.Contains(out, l.Checks[0]) {
				t.Errorf("verify on the vulnerable lab names no %s finding:\n%s", l.Checks[0], out)
			}
		})
	}
	out, _, err := runScanCLI(t, dir, nil, "learn", "status")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "11 of 11 lessons verified") {
		t.Errorf("status after verifying every lesson:\n%s", out)
	}
}

func TestLearnCommands(t *testing.T) {
	dir := t.TempDir()
	vuln := serveLab(t, false)
	out, _, err := runScanCLI(t, dir, nil, "learn", "show", "ssrf", "--url", vuln)
	if err != nil || !strings.Contains(out, "handleWebhookTest") || !strings.Contains(out, "checkPublicURL") ||
		!strings.Contains(out, "LAB="+vuln) || !strings.Contains(out, "escarp scan --checks ESC-DAST-SSRF-002") {
		t.Fatalf("show ssrf: %v\n%s", err, out)
	}
	out, _, err = runScanCLI(t, dir, nil, "learn", "try", "bola", "--url", vuln)
	if err != nil || !strings.Contains(out, "Exploited") || !strings.Contains(out, "Mistral") {
		t.Fatalf("try bola: %v\n%s", err, out)
	}
	out, _, _ = runScanCLI(t, dir, nil, "learn", "status")
	if !strings.Contains(out, "bola") || !strings.Contains(out, "exploited") || !strings.Contains(out, "read") {
		t.Errorf("status after show and try:\n%s", out)
	}
	if _, _, err := runScanCLI(t, dir, nil, "learn", "try", "bola", "--url", "http://192.0.2.10:8888"); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("a lab off loopback: %v, want refused (exit 2)", err)
	}
	if _, _, err := runScanCLI(t, dir, nil, "learn", "show", "nope"); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("unknown lesson: %v, want exit 2", err)
	}
	// The lab's address comes from .escarp/lab.json when --url is not given.
	if err := os.MkdirAll(filepath.Join(dir, ".escarp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".escarp", "lab.json"), []byte(`{"url":"`+vuln+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runScanCLI(t, dir, nil, "learn", "try", "inventory")
	if err != nil || !strings.Contains(out, "Exploited") {
		t.Errorf("try with lab.json: %v\n%s", err, out)
	}
	page := filepath.Join(dir, "course.html")
	if _, _, err := runScanCLI(t, dir, nil, "learn", "course", "-o", page); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(page)
	if n := strings.Count(string(data), `<section class="lesson"`); n != len(learn.Lessons()) {
		t.Errorf("course page has %d lessons, want %d", n, len(learn.Lessons()))
	}
}
