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

const specTestDoc = `openapi: 3.0.3
info: {title: Pets, version: 2.1.0}
servers: [{url: 'https://user:hunter2@api.example.com/v1'}]
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
    jwt: {type: http, scheme: bearer, bearerFormat: JWT}
paths:
  /pets:
    get:
      operationId: listPets
      security: []
      responses: {'200': {description: ok}}
    post:
      responses: {'201': {description: created}}
  /pets/{id}:
    delete:
      deprecated: true
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: gone}}
`

func runSpec(t *testing.T, dir string, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, wd: dir,
		getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := a.run(ctx, append([]string{"spec"}, args...))
	if err != nil {
		errb.WriteString("escarp: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), escarp.ExitCode(err)
}

func TestSpecCommand(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "api.yaml"), []byte(specTestDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("openapi: 3.0.0\ninfo:\n  title: x\n   version: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "escarp.yaml"), []byte("spec: api.yaml\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := runSpec(t, dir, nil, "api.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Pets 2.1.0", "OpenAPI 3.0.3", "operations   3 (GET 1, POST 1, DELETE 1)", "deprecated   1",
		"1 of 3 operations need no credentials", `key: API key in header "X-Key"`, "jwt: http bearer (JWT)", "default auth key"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("server credentials not redacted:\n%s", out)
	}

	out, _, code = runSpec(t, dir, nil, "--operations")
	if code != 0 || !strings.Contains(out, "listPets") || !strings.Contains(out, "api.yaml:11:5") || !strings.Contains(out, "auth: none") {
		t.Errorf("--operations from the config's spec: exit %d\n%s", code, out)
	}

	out, _, code = runSpec(t, dir, nil, "--format", "json", "api.yaml")
	var model struct {
		Title      string            `json:"title"`
		Operations []json.RawMessage `json:"operations"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &model) != nil || model.Title != "Pets" || len(model.Operations) != 3 {
		t.Errorf("--format json: exit %d, %.200s", code, out)
	}

	_, errOut, code = runSpec(t, dir, nil, "bad.yaml")
	if code != 2 || !strings.Contains(errOut, "bad.yaml:4:") {
		t.Errorf("bad document: exit %d, stderr %q; want 2 and file:line", code, errOut)
	}
	_, errOut, code = runSpec(t, dir, nil, "missing.yaml")
	if code != 2 || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
	_, _, code = runSpec(t, dir, nil, "--format", "xml", "api.yaml")
	if code != 2 {
		t.Errorf("--format xml: exit %d, want 2", code)
	}
	out, _, code = runSpec(t, t.TempDir(), map[string]string{"ESCARP_SPEC": filepath.Join(dir, "api.yaml")})
	if code != 0 || !strings.Contains(out, "Pets") {
		t.Errorf("ESCARP_SPEC: exit %d\n%s", code, out)
	}
	_, _, code = runSpec(t, t.TempDir(), nil)
	if code != 2 {
		t.Errorf("no description: exit %d, want 2", code)
	}
}
