package main

import (
	"bytes"
	"context"
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

const scanTestSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      responses: {"200": {description: ok}}
`

// runScanCLI runs escarp in-process in dir with env.
func runScanCLI(t *testing.T, dir string, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, wd: dir,
		getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := a.run(ctx, args)
	return out.String(), errb.String(), err
}

func TestScanCommand(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(scanTestSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	// The target comes from the environment, the spec from the flag.
	out, _, err := runScanCLI(t, dir, map[string]string{"ESCARP_TARGET": srv.URL},
		"scan", "--spec", "openapi.yaml", "--format", "json", "--max-requests", "500", "--rate", "-1")
	if err != nil && escarp.ExitCode(err) != 0 {
		t.Fatalf("scan: %v\n%s", err, out)
	}
	var rep escarp.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, out)
	}
	if len(rep.Runs) != 1 || rep.Runs[0].Engine != "scan" || rep.Runs[0].Stats["requests"] == 0 {
		t.Fatalf("report runs = %+v", rep.Runs)
	}
	if hits == 0 {
		t.Fatal("the target was never requested")
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no target", nil, []string{"scan", "--spec", "openapi.yaml"}, 2, "no target"},
		{"no spec", nil, []string{"scan", "--target", srv.URL}, 2, "no API description"},
		{"bad selector", nil, []string{"scan", "--spec", "openapi.yaml", "--target", srv.URL, "--checks", "API99"}, 2, "matches no check"},
		{"bad rate", nil, []string{"scan", "--spec", "openapi.yaml", "--target", srv.URL}, 2, `ESCARP_RATE "fast"`},
		{"unreachable", nil, []string{"scan", "--spec", "openapi.yaml", "--target", "http://127.0.0.1:1"}, 3, "unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			if tc.name == "bad rate" {
				env = map[string]string{"ESCARP_RATE": "fast"}
			}
			_, _, err := runScanCLI(t, dir, env, tc.args...)
			if escarp.ExitCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v (exit %d), want exit %d containing %q", err, escarp.ExitCode(err), tc.code, tc.want)
			}
		})
	}
}
