package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

func TestDevNullIsNotATerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("/dev/null counts as a terminal")
	}
	a := &app{stderr: f, getenv: func(string) (string, bool) { return "", false }}
	if a.progress() == f || a.status() != f {
		t.Error("on /dev/null progress bars must be discarded and status lines kept")
	}
}

func writeSpec(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(scanTestSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOutputsSayWrote(t *testing.T) {
	dir := writeSpec(t)
	out, stderr, err := runScanCLI(t, dir, nil, "audit", "openapi.yaml", "-o", "out/a.sarif", "-o", "a.html", "--format", "json")
	if escarp.ExitCode(err) > 1 {
		t.Fatalf("audit: %v\n%s", err, stderr)
	}
	for _, f := range []string{"out/a.sarif", "a.html"} {
		if !strings.Contains(stderr, "wrote "+f+"\n") {
			t.Errorf("stderr does not say wrote %s:\n%s", f, stderr)
		}
		if strings.Contains(out, "wrote") {
			t.Errorf("a status line went into the machine output on stdout")
		}
	}
}

func TestScanSlowTargetTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	}))
	defer srv.Close()
	dir := writeSpec(t)
	_, _, err := runScanCLI(t, dir, nil, "scan", "--spec", "openapi.yaml", "--target", srv.URL, "--timeout", "200ms", "--no-store")
	if escarp.ExitCode(err) != 3 || err == nil || !strings.Contains(err.Error(), "timed out after 200ms (raise --timeout)") {
		t.Fatalf("slow target: exit %d, %v", escarp.ExitCode(err), err)
	}
}

func TestScanUnreachableStillWritesReports(t *testing.T) {
	dir := writeSpec(t)
	_, stderr, err := runScanCLI(t, dir, nil, "scan", "--spec", "openapi.yaml", "--target", "http://127.0.0.1:1", "-o", "r.json", "-o", "r.sarif", "--no-store")
	if escarp.ExitCode(err) != 3 {
		t.Fatalf("exit %d, %v", escarp.ExitCode(err), err)
	}
	data, rerr := os.ReadFile(filepath.Join(dir, "r.json"))
	if rerr != nil {
		t.Fatalf("no report written on exit 3: %v\n%s", rerr, stderr)
	}
	var rep escarp.Report
	if err := json.Unmarshal(data, &rep); err != nil || len(rep.Runs) != 1 || !strings.Contains(strings.Join(rep.Runs[0].Notes, "\n"), "unreachable") {
		t.Fatalf("report does not say why the scan stopped: %v %s", err, data)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.sarif")); err != nil {
		t.Error("the SARIF report was not written")
	}
}

func TestVerboseShowsPerCheckTimings(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	dir := writeSpec(t)
	args := []string{"scan", "--spec", "openapi.yaml", "--target", srv.URL, "--max-requests", "300", "--rate", "-1", "--no-store", "--format", "json"}
	_, stderr, err := runScanCLI(t, dir, nil, args...)
	if escarp.ExitCode(err) > 1 {
		t.Fatal(err)
	}
	if strings.Contains(stderr, "ran for") || !strings.Contains(stderr, "scan: ") {
		t.Errorf("without --verbose: want status lines and no per-check timings:\n%s", stderr)
	}
	_, stderr, err = runScanCLI(t, dir, nil, append(args, "--verbose")...)
	if escarp.ExitCode(err) > 1 {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "ran for") {
		t.Errorf("--verbose shows no per-check timings:\n%s", stderr)
	}
}
