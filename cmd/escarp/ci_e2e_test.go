package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/gate"
	"github.com/escarp/escarp/internal/report"
)

// ciSpecV1 is a tiny API: one item lookup.
const ciSpecV1 = `openapi: 3.1.0
info: {title: Items, version: "1.0"}
servers:
  - url: /
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, maxLength: 10, pattern: "^[a-z]+$"}}
      responses:
        "200":
          description: the item
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                properties:
                  id: {type: string, maxLength: 10}
        "404": {description: unknown item}
`

// ciSearch adds a search operation whose query reaches SQL unescaped.
const ciSearch = `  /search:
    get:
      operationId: search
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
      responses:
        "200": {description: matches, content: {application/json: {schema: {type: array, items: {type: string}}}}}
`

// ciAPI serves the tiny API; search answers only once enabled (commit 2),
// with a database error when the query breaks out of its quotes.
func ciAPI(search *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "apple" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"apple"}`)
	})
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		if !search.Load() {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query().Get("q")
		if strings.Count(q, "'")%2 == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `SQL logic error: near "%s": syntax error`, q)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `["apple"]`)
	})
	return mux
}

const ciConfig = `spec: openapi.yaml
scan:
  rate: -1
  concurrency: 4
  max_duration: 60s
  checks: [ESC-DAST-INJ-001]
ci:
  stages:
    - audit
    - {name: scan, fail_on: high}
`

type ciRepo struct {
	t   *testing.T
	dir string
	env map[string]string
}

func (r *ciRepo) git(args ...string) string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", r.dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (r *ciRepo) write(name, data string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// escarp runs the CLI in the repository and returns stdout, stderr (with
// the error as main prints it), the exit code and the error.
func (r *ciRepo) escarp(args ...string) (string, string, int, error) {
	r.t.Helper()
	var stdout, stderr bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, wd: r.dir,
		getenv: func(k string) (string, bool) { v, ok := r.env[k]; return v, ok }}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := a.run(ctx, args)
	if err != nil {
		fmt.Fprintf(&stderr, "escarp: %v\n", err)
	}
	return stdout.String(), stderr.String(), escarp.ExitCode(err), err
}

func readReport(t *testing.T, path string) *escarp.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := report.Read(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rep
}

// TestCIEndToEnd drives escarp ci through a repository's life: a baseline
// on commit 1, a vulnerable endpoint in commit 2, a suppression, its
// expiry, and a breaking change.
func TestCIEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	var search atomic.Bool
	srv := httptest.NewServer(ciAPI(&search))
	defer srv.Close()

	r := &ciRepo{t: t, dir: t.TempDir()}
	ghSummary := filepath.Join(t.TempDir(), "step-summary.md")
	r.env = map[string]string{"ESCARP_TARGET": srv.URL, "ESCARP_STORE": filepath.Join(t.TempDir(), "escarp.db")}
	r.git("init", "-q", "-b", "main")
	r.write("openapi.yaml", ciSpecV1)
	r.write("escarp.yaml", ciConfig)
	r.git("add", ".")
	r.git("commit", "-qm", "v1")

	// Commit 1: record the baseline, then the gate passes.
	out, errOut, code, _ := r.escarp("baseline", "create")
	if code != 0 {
		t.Fatalf("baseline create: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "baseline written to .escarp/baseline.json") {
		t.Errorf("baseline create output:\n%s", out)
	}
	base, ok, err := gate.LoadBaseline(filepath.Join(r.dir, ".escarp", "baseline.json"))
	if err != nil || !ok {
		t.Fatalf("baseline: %v %v", ok, err)
	}
	if _, ok := base.Stages["scan"]; !ok {
		t.Errorf("baseline has no scan stage: %v", base.Stages)
	}
	out, errOut, code, _ = r.escarp("ci", "--no-store")
	if code != 0 {
		t.Fatalf("ci on commit 1: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "escarp ci: passed") {
		t.Errorf("ci on commit 1:\n%s", out)
	}
	r.git("add", ".escarp/baseline.json")
	r.git("commit", "-qm", "baseline")

	// Commit 2: a search endpoint whose query reaches SQL.
	r.write("openapi.yaml", ciSpecV1+ciSearch)
	search.Store(true)
	r.git("commit", "-qam", "add search")
	r.env["GITHUB_STEP_SUMMARY"] = ghSummary
	outDir := filepath.Join(r.dir, "out")
	out, errOut, code, err = r.escarp("ci", "--base-ref", "HEAD~1",
		"-o", "out/r.json", "-o", "out/r.sarif", "-o", "junit:out/junit.xml", "-o", "out/r.md", "-o", "out/r.html",
		"-o", "gitlab-dast:out/gl-dast.json", "-o", "gitlab-sast:out/gl-sast.json", "--summary", "out/summary.md")
	if code != 1 {
		t.Fatalf("ci on commit 2: exit %d, want 1\n%s%s", code, out, errOut)
	}
	var ee *escarp.Error
	if !errors.As(err, &ee) || ee.Kind != escarp.Threshold {
		t.Fatalf("ci on commit 2: error %#v, want an *escarp.Error of kind Threshold", err)
	}
	if !strings.Contains(ee.Message, "ESC-DAST-INJ-001 at GET /search") {
		t.Errorf("the gate error does not name the new SQL injection: %s", ee.Message)
	}
	if strings.Contains(ee.Message, "/items/{id}") {
		t.Errorf("the gate error names findings of the baseline: %s", ee.Message)
	}
	for _, want := range []string{"spec drift against HEAD~1:openapi.yaml: 1 new", "new GET /search", "NEW critical ESC-DAST-INJ-001 at GET /search"} {
		if !strings.Contains(out, want) {
			t.Errorf("ci stdout lacks %q:\n%s", want, out)
		}
	}

	// Every output format.
	rep := readReport(t, filepath.Join(outDir, "r.json"))
	var newHigh []escarp.Finding
	for _, run := range rep.Runs {
		for _, f := range run.Findings {
			if f.Suppressed == nil {
				if f.Location.Path != "/search" {
					t.Errorf("unsuppressed finding outside the new endpoint: %s", gate.Describe(&f))
				}
				if f.Severity >= escarp.SeverityHigh {
					newHigh = append(newHigh, f)
				}
			}
		}
	}
	if len(newHigh) == 0 {
		t.Fatal("the JSON report has no new high finding")
	}
	checkSARIF(t, filepath.Join(outDir, "r.sarif"))
	checkJUnit(t, filepath.Join(outDir, "junit.xml"))
	checkGitLab(t, filepath.Join(outDir, "gl-dast.json"), "dast", "ESC-DAST-INJ-001")
	checkGitLab(t, filepath.Join(outDir, "gl-sast.json"), "sast", "")
	for _, p := range []string{filepath.Join(outDir, "summary.md"), ghSummary} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"escarp ci: failed", "### New in scan", "ESC-DAST-INJ-001", "new `GET /search`"} {
			if !strings.Contains(string(data), want) {
				t.Errorf("%s lacks %q:\n%s", filepath.Base(p), want, data)
			}
		}
	}
	for _, name := range []string{"r.md", "r.html"} {
		if data, err := os.ReadFile(filepath.Join(outDir, name)); err != nil || !strings.Contains(string(data), "ESC-DAST-INJ-001") {
			t.Errorf("%s lacks the SQL injection (%v)", name, err)
		}
	}

	// A suppression with a reason makes the gate pass until it expires.
	var sup strings.Builder
	sup.WriteString("suppressions:\n")
	for _, f := range newHigh {
		fmt.Fprintf(&sup, "  - rule: %s\n    operation: %q\n    reason: the search goes behind the new query builder next sprint\n    owner: search-team\n    expires: 2026-12-31\n",
			f.RuleID, f.Location.Operation())
	}
	r.write(".escarp/suppressions.yaml", sup.String())
	delete(r.env, "GITHUB_STEP_SUMMARY")
	out, errOut, code, _ = r.escarp("ci", "--no-store", "--today", "2026-06-01", "-o", "out/suppressed.json")
	if code != 0 {
		t.Fatalf("ci with the suppression: exit %d\n%s%s", code, out, errOut)
	}
	rep = readReport(t, filepath.Join(outDir, "suppressed.json"))
	suppressed := 0
	for _, f := range rep.Findings() {
		if f.Suppressed != nil && f.Suppressed.Kind == "file" {
			suppressed++
			if f.Suppressed.Reason == "" || f.Suppressed.Owner != "search-team" || f.Suppressed.Expires != "2026-12-31" {
				t.Errorf("suppression not recorded on the finding: %+v", f.Suppressed)
			}
		}
	}
	if suppressed < len(newHigh) {
		t.Errorf("%d findings suppressed by the file, want at least %d", suppressed, len(newHigh))
	}
	out, errOut, code, _ = r.escarp("ci", "--no-store", "--today", "2027-01-15")
	if code != 1 {
		t.Fatalf("ci after the expiry: exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "expired suppression") || !strings.Contains(errOut, "ESC-DAST-INJ-001 at GET /search") {
		t.Errorf("ci after the expiry does not report it:\n%s%s", out, errOut)
	}

	// A suppression without a reason is an input error.
	r.write(".escarp/suppressions.yaml", "suppressions:\n  - rule: ESC-DAST-INJ-001\n    operation: GET /search\n")
	_, errOut, code, _ = r.escarp("ci", "--no-store")
	if code != 2 || !strings.Contains(errOut, "suppressions.yaml:2") || !strings.Contains(errOut, "reason") {
		t.Errorf("suppression without reason: exit %d, %s", code, errOut)
	}
	if err := os.Remove(filepath.Join(r.dir, ".escarp", "suppressions.yaml")); err != nil {
		t.Fatal(err)
	}

	// --update-baseline accepts the new findings: the gate passes again
	// and the store records the stages.
	out, errOut, code, _ = r.escarp("ci", "--update-baseline")
	if code != 0 || !strings.Contains(out, "baseline updated") {
		t.Fatalf("ci --update-baseline: exit %d\n%s%s", code, out, errOut)
	}
	r.git("commit", "-qam", "accept search for now")

	// Commit 3: a breaking change (the item id becomes an integer, search
	// is removed) is reported.
	r.write("openapi.yaml", strings.Replace(ciSpecV1, "{type: string, maxLength: 10, pattern: \"^[a-z]+$\"}", "{type: integer, maximum: 1000}", 1))
	r.git("commit", "-qam", "break clients")
	out, errOut, code, _ = r.escarp("ci", "--no-store", "--stages", "audit", "--base-ref", "HEAD~1")
	if code > 1 {
		t.Fatalf("ci on commit 3: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"1 removed", "BREAKING GET /search: operation removed", "BREAKING GET /items/{id}"} {
		if !strings.Contains(out, want) {
			t.Errorf("breaking change not reported (%q):\n%s", want, out)
		}
	}
	if !strings.Contains(out, "fixed") {
		t.Errorf("the removed search's findings are not reported fixed:\n%s", out)
	}

	// Bad input: an unknown ref is exit 2.
	_, errOut, code, _ = r.escarp("ci", "--no-store", "--stages", "audit", "--base-ref", "no-such-ref")
	if code != 2 {
		t.Errorf("unknown ref: exit %d, %s", code, errOut)
	}
	// An unreachable target is exit 3.
	r.env["ESCARP_TARGET"] = "http://127.0.0.1:1"
	_, errOut, code, _ = r.escarp("ci", "--no-store", "-o", "unreachable.json")
	if code != 3 {
		t.Errorf("unreachable target: exit %d, %s", code, errOut)
	}
	// It still writes the report, with the scan run and why it stopped.
	rep = readReport(t, filepath.Join(r.dir, "unreachable.json"))
	var why string
	for _, run := range rep.Runs {
		if run.Engine == escarp.EngineScan {
			why = strings.Join(run.Notes, "\n")
		}
	}
	if !strings.Contains(why, "unreachable") {
		t.Errorf("the exit-3 report does not say the scan stopped early: runs %d, notes %q", len(rep.Runs), why)
	}
}

func checkSARIF(t *testing.T, path string) {
	t.Helper()
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			AutomationDetails struct {
				ID string `json:"id"`
			} `json:"automationDetails"`
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("SARIF: %v", err)
	}
	var ids []string
	found := false
	for _, run := range doc.Runs {
		ids = append(ids, run.AutomationDetails.ID)
		for _, res := range run.Results {
			found = found || res.RuleID == "ESC-DAST-INJ-001"
		}
	}
	if doc.Version != "2.1.0" || !slices.Equal(ids, []string{"escarp/audit/", "escarp/scan/"}) || !found {
		t.Errorf("SARIF: version %q, runs %v, SQL injection result %v", doc.Version, ids, found)
	}
}

func checkJUnit(t *testing.T, path string) {
	t.Helper()
	var doc struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit: %v", err)
	}
	failing, passing := false, 0
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if strings.Contains(c.Name, "ESC-DAST-INJ-001") && c.Failure != nil {
				failing = true
			}
			if c.Failure == nil {
				passing++
			}
		}
	}
	if !failing || passing == 0 {
		t.Errorf("JUnit: failing SQL injection case %v, %d passing cases", failing, passing)
	}
}

// checkGitLab validates a GitLab security report's structure (the fields
// the 15.x schemas require) and that it holds rule, when given.
func checkGitLab(t *testing.T, path, typ, rule string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if errs := report.ValidateGitLab(doc, typ); len(errs) > 0 {
		t.Errorf("%s: %v", filepath.Base(path), errs)
	}
	if rule != "" && !strings.Contains(string(data), `"value": "`+rule+`"`) {
		t.Errorf("%s lacks %s", filepath.Base(path), rule)
	}
}
