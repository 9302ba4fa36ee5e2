package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

// env is a fixed environment for the tests.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

var fullEnv = env(map[string]string{
	"ALICE_TOKEN": "a", "BOB_PASSWORD": "b", "CAROL_PASSWORD": "c", "CLIENT_SECRET": "s",
	"ADMIN_TOKEN": "t", "RATE": "12.5",
})

func TestSchemaIsValidJSON(t *testing.T) {
	var v map[string]any
	if err := json.Unmarshal(escarp.ConfigSchema, &v); err != nil {
		t.Fatalf("escarp.ConfigSchema: %v", err)
	}
	if got, want := v["$schema"], "https://json-schema.org/draft/2020-12/schema"; got != want {
		t.Errorf("$schema = %v, want %v", got, want)
	}
	if _, err := compiled(); err != nil {
		t.Fatalf("compiling the schema: %v", err)
	}
}

func TestValidateFull(t *testing.T) {
	path := filepath.Join("testdata", "full.yaml")
	if errs := ValidateFile(path, path, fullEnv); len(errs) > 0 {
		t.Fatalf("ValidateFile(%s) = %v, want no errors", path, errs)
	}
	// The same file loads, and the escape and the typed expansion hold.
	f, err := Load(path, fullEnv)
	if err != nil {
		t.Fatal(err)
	}
	var ids []struct {
		Name    string            `yaml:"name"`
		Headers map[string]string `yaml:"headers"`
		Other   map[string]any    `yaml:",inline"`
	}
	if err := f.Section("identities", &ids); err != nil {
		t.Fatal(err)
	}
	if got, want := ids[4].Headers["X-Literal"], "${NOT_A_VAR}"; got != want {
		t.Errorf("X-Literal = %q, want %q ($${ is a literal ${)", got, want)
	}
	if got, want := ids[4].Headers["Authorization"], "Bearer t"; got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	var scan struct {
		Rate float64        `yaml:"rate"`
		Rest map[string]any `yaml:",inline"`
	}
	if err := f.Section("scan", &scan); err != nil {
		t.Fatal(err)
	}
	if scan.Rate != 12.5 {
		t.Errorf("scan.rate = %v, want 12.5 (an unquoted ${RATE} takes the type of its value)", scan.Rate)
	}
}

func TestValidateErrors(t *testing.T) {
	vars := env(map[string]string{"TOKEN": "x", "RATE": "fast"})
	tests := []struct {
		name string
		yaml string
		want []string // error strings, in order
	}{
		{
			name: "empty",
			yaml: "",
		},
		{
			name: "minimal",
			yaml: "target: http://127.0.0.1:8080\nspec: api.yaml\n",
		},
		{
			name: "unknown top-level key",
			yaml: "target: http://127.0.0.1:8080\ntargets: [x]\n",
			want: []string{"c.yaml:2:1: targets: unknown field (did you mean target?)"},
		},
		{
			name: "unknown key in a section",
			yaml: "scan:\n  rate: 5\n  concurency: 2\n",
			want: []string{"c.yaml:3:3: scan.concurency: unknown field (did you mean concurrency?)"},
		},
		{
			name: "wrong type",
			yaml: "scan:\n  concurrency: many\n  allow_destructive: 1\n",
			want: []string{
				`c.yaml:2:16: scan.concurrency: got string, want integer`,
				`c.yaml:3:22: scan.allow_destructive: got number, want boolean`,
			},
		},
		{
			name: "expanded value of the wrong type",
			yaml: "scan:\n  rate: ${RATE}\n",
			want: []string{`c.yaml:2:9: scan.rate: got string, want number`},
		},
		{
			name: "quoted number stays a string",
			yaml: "scan:\n  concurrency: \"4\"\n",
			want: []string{`c.yaml:2:16: scan.concurrency: got string, want integer`},
		},
		{
			name: "missing identity name",
			yaml: "identities:\n  - name: a\n  - headers: {X-Key: \"${TOKEN}\"}\n",
			want: []string{"c.yaml:3:5: identities[1]: missing required field name"},
		},
		{
			name: "bad severity",
			yaml: "ci:\n  fail_on: severe\n",
			want: []string{`c.yaml:2:12: ci.fail_on: got "severe", want one of critical, high, medium, low, info`},
		},
		{
			name: "bad duration",
			yaml: "scan:\n  timeout: 30 seconds\n",
			want: []string{`c.yaml:2:12: scan.timeout: got "30 seconds", want a duration such as 500ms, 30s, 5m or 1h30m`},
		},
		{
			name: "token needs exactly one source",
			yaml: "identities:\n  - name: bob\n    login:\n      request: {path: /login}\n      token: {json: /t, header: X-T}\n",
			want: []string{"c.yaml:5:14: identities[0].login.token: give exactly one of cookie, header, json"},
		},
		{
			name: "login and oauth2 exclude each other",
			yaml: "identities:\n  - name: bob\n    login: {request: {path: /login}, token: {json: /t}}\n    oauth2: {token_url: /token, client_id: x}\n",
			want: []string{"c.yaml:4:5: identities[0].oauth2: cannot be used together with login"},
		},
		{
			name: "json and form exclude each other",
			yaml: "identities:\n  - name: bob\n    login:\n      request: {path: /login, json: {a: 1}, form: {a: 1}}\n      token: {json: /t}\n",
			want: []string{"c.yaml:4:45: identities[0].login.request.form: cannot be used together with json"},
		},
		{
			name: "bad stage",
			yaml: "ci:\n  stages: [audit, deploy]\n",
			want: []string{`c.yaml:2:19: ci.stages[1]: got "deploy", want one of audit, scan, code, inventory, policy, threat`},
		},
		{
			name: "sections other engines own are objects",
			yaml: "code: [x]\nstore: 3\n",
			want: []string{"c.yaml:1:7: code: got array, want object", "c.yaml:2:8: store: got number, want string"},
		},
		{
			name: "several errors sorted by line",
			yaml: "audit:\n  min_score: 120\n  disable: [ESC-AUTH-002]\nfoo: 1\n",
			want: []string{"c.yaml:2:14: audit.min_score: maximum: got 120, want 100", "c.yaml:4:1: foo: unknown field (known: audit, bus, ci, code, identities, inventory, monitor, policy, scan, serve, spec, store, target)"},
		},
		{
			name: "top level is not a mapping",
			yaml: "- a\n- b\n",
			want: []string{"c.yaml:1:1: the config must be a mapping of sections (target, spec, identities, scan, ...)"},
		},
		{
			name: "unset variables are all named",
			yaml: "identities:\n  - name: a\n    headers: {Authorization: \"Bearer ${A_TOKEN}\"}\n  - name: b\n    headers: {Authorization: \"Bearer ${B_TOKEN}\"}\n",
			want: []string{
				"c.yaml:3:30: identities[0].headers.Authorization: environment variable A_TOKEN is not set",
				"c.yaml:5:30: identities[1].headers.Authorization: environment variable B_TOKEN is not set",
			},
		},
		{
			name: "escaped reference is not expanded",
			yaml: "identities:\n  - name: a\n    headers: {X-Template: \"$${A_TOKEN}\"}\n",
		},
		{
			name: "yaml syntax error",
			yaml: "scan:\n  rate: [1,\n",
			want: []string{"c.yaml:2: did not find expected node content"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := ValidateData("c.yaml", []byte(tt.yaml), vars)
			var got []string
			for _, err := range errs {
				got = append(got, err.Error())
				if k := escarp.KindOf(err); k != escarp.Invalid {
					t.Errorf("KindOf(%v) = %v, want invalid", err, k)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidateData(%q) mismatch (-want +got):\n%s", tt.yaml, diff)
			}
		})
	}
}

func TestValidateFileMissing(t *testing.T) {
	errs := ValidateFile(filepath.Join(t.TempDir(), "nope.yaml"), "nope.yaml", env(nil))
	if len(errs) != 1 || escarp.ExitCode(errs[0]) != 2 || !strings.Contains(errs[0].Error(), "nope.yaml") {
		t.Fatalf("ValidateFile(missing) = %v, want one exit-2 error naming nope.yaml", errs)
	}
}

// TestLoadKeepsWorking checks that Load still stops at the first unset
// variable and still decodes target and spec.
func TestLoadKeepsWorking(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, DefaultName)
	if err := os.WriteFile(p, []byte("target: ${T}\nspec: api.yaml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p, env(nil)); err == nil || !strings.Contains(err.Error(), "T is not set") {
		t.Errorf("Load with unset T = %v, want an error naming T", err)
	}
	f, err := Load(p, env(map[string]string{"T": "http://127.0.0.1:1"}))
	if err != nil {
		t.Fatal(err)
	}
	if f.Target != "http://127.0.0.1:1" || f.Spec != "api.yaml" || f.Dir != dir {
		t.Errorf("Load = {Target %q, Spec %q, Dir %q}", f.Target, f.Spec, f.Dir)
	}
	if errs := Validate(f); len(errs) > 0 {
		t.Errorf("Validate = %v", errs)
	}
	if errs := Validate(Empty(dir)); errs != nil {
		t.Errorf("Validate(Empty) = %v, want nil", errs)
	}
}
