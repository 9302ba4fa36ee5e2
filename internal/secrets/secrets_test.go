package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

// fakeSecrets are credential-shaped values made at run time from a fixed
// seed, so that this repository holds no literal secret for scanners to
// flag. The fixtures under testdata/ name them as {{NAME}}.
func fakeSecrets() map[string]string {
	rng := rand.New(rand.NewPCG(798, 2023))
	pick := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	const (
		base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
		alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		b64    = alnum + "+/"
	)
	aws := "AK" + "IA"
	gh := "gh" + "p_"
	return map[string]string{
		"AWS_KEY_ID":         aws + pick(base32, 16),
		"AWS_KEY_ID_2":       aws + pick(base32, 16),
		"AWS_KEY_ID_EXAMPLE": aws + "IOSFODNN7" + "EXAMPLE",
		"AWS_SECRET":         pick(b64, 40),
		"GH_TOKEN":           gh + pick(alnum, 36),
		"GH_TOKEN_3":         gh + pick(alnum, 36),
		"GH_TOKEN_SPEC":      gh + pick(alnum, 36),
		"API_KEY":            pick(alnum, 32),
	}
}

// expand replaces the {{NAME}} placeholders of a fixture.
func expand(s string, secrets map[string]string) string {
	for k, v := range secrets {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

// gitEnv is a git environment without user or system configuration.
func gitEnv(t testing.TB) {
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_TERMINAL_PROMPT", "0")
}

func runGit(t testing.TB, dir string, date time.Time, args ...string) string {
	t.Helper()
	base := []string{"-C", dir, "-c", "user.name=Escarp Test", "-c", "user.email=test@escarp.invalid",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}
	cmd := exec.Command("git", append(base, args...)...)
	d := date.Format(time.RFC3339)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// buildRepo makes a git repository in a temporary directory with one commit
// per step directory of testdata/<fixture>/ (1, 2, ...): each step is the
// whole tree at that commit, placeholders expanded. It returns the
// repository and the commit SHAs in order.
func buildRepo(t testing.TB, fixture string, secrets map[string]string) (string, []string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not installed")
	}
	gitEnv(t)
	repo := t.TempDir()
	runGit(t, repo, time.Time{}, "init", "-q")
	steps, err := filepath.Glob(filepath.Join("testdata", fixture, "[0-9]"))
	if err != nil || len(steps) == 0 {
		t.Fatalf("no steps in testdata/%s", fixture)
	}
	sort.Strings(steps)
	var commits []string
	date := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, step := range steps {
		// The tree of this step replaces the previous one.
		entries, _ := os.ReadDir(repo)
		for _, e := range entries {
			if e.Name() != ".git" {
				if err := os.RemoveAll(filepath.Join(repo, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
		err := filepath.WalkDir(step, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(step, p)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			dst := filepath.Join(repo, rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, []byte(expand(string(b), secrets)), 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
		when := date.Add(time.Duration(i) * time.Hour)
		runGit(t, repo, when, "add", "-A")
		runGit(t, repo, when, "commit", "-q", "-m", fmt.Sprintf("step %d", i+1))
		commits = append(commits, runGit(t, repo, when, "rev-parse", "HEAD"))
	}
	return repo, commits
}

// result is what the fixture tests compare for each finding.
type result struct {
	Rule    string
	File    string
	Line    int
	Column  int
	Commit  string // short SHA, or ""
	History bool
}

func results(run *escarp.Run) []result {
	var out []result
	for _, f := range run.Findings {
		out = append(out, result{
			Rule: f.RuleID, File: f.Location.File, Line: f.Location.Line, Column: f.Location.Column,
			Commit: f.Properties["commit"], History: f.Properties["history"] == "true",
		})
	}
	return out
}

func TestScanLeakyRepository(t *testing.T) {
	secrets := fakeSecrets()
	repo, commits := buildRepo(t, "leaky", secrets)
	c1, c2 := commits[0][:7], commits[1][:7]

	run, err := Scan(context.Background(), repo, Options{History: true, Specs: []string{"openapi.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []result{
		{Rule: "gitleaks:github-pat", File: ".env", Line: 3, Column: 14, Commit: c1, History: true},
		{Rule: "gitleaks:aws-access-token", File: "config.go", Line: 5, Column: 24, Commit: c1},
		{Rule: "gitleaks:generic-api-key", File: "config.go", Line: 6, Column: 24, Commit: c1},
		{Rule: "ESC-SECRET-SPEC-001", File: "openapi.yaml", Line: 16, Column: 21},
		{Rule: "gitleaks:github-pat", File: "openapi.yaml", Line: 28, Column: 31, Commit: c2},
	}
	if diff := cmp.Diff(want, results(run)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	for _, f := range run.Findings {
		if f.Kind != escarp.KindSecret || f.Fingerprint == "" || f.Hash == "" || f.Message == "" ||
			f.Remediation == "" || !cmp.Equal(f.CWE, []string{"CWE-798"}) {
			t.Errorf("%s at %s:%d: incomplete finding %+v", f.RuleID, f.Location.File, f.Location.Line, f)
		}
		if !strings.Contains(f.Message, f.Location.File) {
			t.Errorf("%s: message %q does not name the file", f.RuleID, f.Message)
		}
		if f.Properties["history"] == "true" && !strings.Contains(f.Message, "committed in "+c1) {
			t.Errorf("%s: history message %q does not name the commit", f.RuleID, f.Message)
		}
	}
	sev := map[string]escarp.Severity{}
	for _, f := range run.Findings {
		sev[f.RuleID] = f.Severity
	}
	wantSev := map[string]escarp.Severity{
		"gitleaks:aws-access-token": escarp.SeverityCritical,
		"gitleaks:github-pat":       escarp.SeverityHigh,
		"gitleaks:generic-api-key":  escarp.SeverityMedium,
		SpecRuleID:                  escarp.SeverityMedium,
	}
	if diff := cmp.Diff(wantSev, sev); diff != "" {
		t.Errorf("severities (-want +got):\n%s", diff)
	}
	assertNoSecret(t, run, secrets)

	// The snippet is the source line with the secret masked.
	for _, f := range run.Findings {
		if f.RuleID == "gitleaks:aws-access-token" {
			if want := `awsAccessKeyID     = "AKIA****"`; f.Location.Snippet != want {
				t.Errorf("snippet = %q, want %q", f.Location.Snippet, want)
			}
			if f.Hash != hashSecret(secrets["AWS_KEY_ID"]) {
				t.Errorf("hash = %s, want the hash of the key", f.Hash)
			}
		}
	}
	if run.Stats["commits"] != 2 || run.Stats["files"] != 2 || run.Stats["specs"] != 1 {
		t.Errorf("stats = %v, want 2 commits, 2 files, 1 spec", run.Stats)
	}
	if run.Engine != escarp.EngineCode || run.Target != repo || len(run.Rules) < 200 {
		t.Errorf("run header: engine %q target %q, %d rules", run.Engine, run.Target, len(run.Rules))
	}

	// A commit fingerprint in .gitleaksignore silences the history finding
	// of that commit only.
	ignore := commits[0] + ":.env:github-pat:3\n" + commits[1] + ":config.go:aws-access-token:5\n"
	if err := os.WriteFile(filepath.Join(repo, ".gitleaksignore"), []byte(ignore), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err = Scan(context.Background(), repo, Options{History: true, Specs: []string{"openapi.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[1:], results(run)); diff != "" {
		t.Errorf("with .gitleaksignore (-want +got):\n%s", diff)
	}
}

func TestScanSpecOutsideRoot(t *testing.T) {
	s := fakeSecrets()
	root, elsewhere := t.TempDir(), t.TempDir()
	spec := filepath.Join(elsewhere, "api.json")
	content := "{\n  \"components\": {\"securitySchemes\": {\"k\": {\"type\": \"apiKey\", \"in\": \"header\", \"name\": \"X-Key\"}}},\n" +
		"  \"x-samples\": [{\"name\": \"X-Key\", \"in\": \"header\", \"example\": \"" + s["API_KEY"] + "\"}],\n" +
		"  \"x-token\": \"" + s["GH_TOKEN"] + "\"\n}\n"
	if err := os.WriteFile(spec, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Scan(context.Background(), root, Options{Specs: []string{spec}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.ToSlash(spec)
	want := []result{
		{Rule: SpecRuleID, File: file, Line: 3, Column: 63},
		{Rule: "gitleaks:github-pat", File: file, Line: 4, Column: 15},
	}
	if diff := cmp.Diff(want, results(run)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	assertNoSecret(t, run, s)
}

// assertNoSecret fails when any fake secret appears anywhere in the run.
func assertNoSecret(t *testing.T, run *escarp.Run, secrets map[string]string) {
	t.Helper()
	b, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range secrets {
		if strings.Contains(string(b), s) {
			t.Errorf("secret %s appears in the run's JSON", name)
		}
		if len(s) > 12 && strings.Contains(string(b), s[4:16]) {
			t.Errorf("part of secret %s appears in the run's JSON", name)
		}
	}
}

func TestScanFixedRepository(t *testing.T) {
	secrets := fakeSecrets()
	repo, _ := buildRepo(t, "fixed", secrets)
	run, err := Scan(context.Background(), repo, Options{History: true, Specs: []string{"openapi.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range run.Findings {
		if f.Severity >= escarp.SeverityMedium {
			t.Errorf("fixed twin: %s at %s:%d (%s)", f.RuleID, f.Location.File, f.Location.Line, f.Message)
		}
	}
	assertNoSecret(t, run, secrets)
	if run.Stats["commits"] != 2 {
		t.Errorf("stats = %v, want 2 commits", run.Stats)
	}

	// Without the .gitleaksignore entry the replay fixture is reported, in
	// the tree: the entry is what silences it.
	if err := os.Remove(filepath.Join(repo, ".gitleaksignore")); err != nil {
		t.Fatal(err)
	}
	run, err = Scan(context.Background(), repo, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []result{{Rule: "gitleaks:github-pat", File: "fixtures/recorded.txt", Line: 2, Column: 1}}
	if diff := cmp.Diff(want, results(run)); diff != "" {
		t.Errorf("without .gitleaksignore (-want +got):\n%s", diff)
	}
}

func TestScanNotARepository(t *testing.T) {
	gitEnv(t)
	dir := t.TempDir()
	secrets := fakeSecrets()
	content := "package main\n\n// deploy token\nvar token = \"" + secrets["GH_TOKEN"] + "\"\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	// A binary file and an oversized one are skipped, not errors.
	if err := os.WriteFile(filepath.Join(dir, "blob.bin"), []byte("\x00\x01"+secrets["GH_TOKEN_3"]), 0o644); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 300) + "\n" + secrets["GH_TOKEN_SPEC"] + "\n"
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Scan(context.Background(), dir, Options{History: true, MaxFileSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	want := []result{{Rule: "gitleaks:github-pat", File: "main.go", Line: 4, Column: 14}}
	if diff := cmp.Diff(want, results(run)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	notes := strings.Join(run.Notes, "\n")
	for _, w := range []string{"not in a git work tree", "big.txt: skipped"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes %q lack %q", notes, w)
		}
	}
	if run.Stats["skippedBinary"] != 1 {
		t.Errorf("stats = %v, want one binary file skipped", run.Stats)
	}
	assertNoSecret(t, run, secrets)
}

func TestScanExclude(t *testing.T) {
	dir := t.TempDir()
	secrets := fakeSecrets()
	line := "token: " + secrets["GH_TOKEN"] + "\n"
	for _, p := range []string{"a/testdata/x.yaml", "b/keep.yaml", "vendor/v.yaml", "node_modules/m/n.yaml", "c/d/e.env"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A root that is a symbolic link is followed.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	run, err := Scan(context.Background(), link, Options{Exclude: []string{"testdata", "c/**/*.env"}})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range run.Findings {
		files = append(files, f.Location.File)
	}
	if diff := cmp.Diff([]string{"b/keep.yaml"}, files); diff != "" {
		t.Errorf("files with findings (-want +got):\n%s", diff)
	}
}

func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Scan(context.Background(), filepath.Join(dir, "missing"), Options{}); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("missing root: err = %v, want Invalid", err)
	}
	if _, err := Scan(context.Background(), dir, Options{Specs: []string{"nope.yaml"}}); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("missing spec: err = %v, want Invalid", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("a: b\n c: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Scan(context.Background(), dir, Options{Specs: []string{"bad.yaml"}})
	var e *escarp.Error
	if escarp.KindOf(err) != escarp.Invalid || !asError(err, &e) || e.Pos.File != "bad.yaml" || e.Pos.Line == 0 {
		t.Errorf("bad spec: err = %v, want Invalid at bad.yaml:line", err)
	}
	if _, err := Scan(context.Background(), dir, Options{Exclude: []string{"["}}); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("bad glob: err = %v, want Invalid", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, dir, Options{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func asError(err error, e **escarp.Error) bool {
	for err != nil {
		if x, ok := err.(*escarp.Error); ok {
			*e = x
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func TestRules(t *testing.T) {
	rules := Rules()
	ids := map[string]bool{}
	for _, r := range rules {
		if ids[r.ID] {
			t.Errorf("duplicate rule %s", r.ID)
		}
		ids[r.ID] = true
		if r.Title == "" || r.Remediation == "" || len(r.CWE) == 0 {
			t.Errorf("rule %s is incomplete: %+v", r.ID, r)
		}
	}
	for _, id := range []string{"gitleaks:aws-access-token", "gitleaks:private-key", "gitleaks:generic-api-key", SpecRuleID} {
		if !ids[id] {
			t.Errorf("rule %s missing", id)
		}
	}
	if len(rules) != 223 {
		t.Errorf("%d rules, want gitleaks' 222 and escarp's one", len(rules))
	}
}

func TestRuleSeverity(t *testing.T) {
	tests := []struct {
		id   string
		want escarp.Severity
	}{
		{"private-key", escarp.SeverityCritical},
		{"aws-access-token", escarp.SeverityCritical},
		{"gcp-api-key", escarp.SeverityCritical},
		{"azure-ad-client-secret", escarp.SeverityCritical},
		{"github-pat", escarp.SeverityHigh},
		{"generic-api-key", escarp.SeverityMedium},
		{"discord-client-id", escarp.SeverityLow},
		{"lob-pub-api-key", escarp.SeverityLow},
	}
	for _, tt := range tests {
		if got, _ := ruleSeverity(tt.id); got != tt.want {
			t.Errorf("ruleSeverity(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestSnippetMasks(t *testing.T) {
	s := fakeSecrets()
	line := "\tkeys := []string{\"" + s["GH_TOKEN"] + "\", \"" + s["AWS_KEY_ID"] + "\"}"
	got := snippet(line, 20, []string{s["GH_TOKEN"], s["AWS_KEY_ID"]})
	if want := `keys := []string{"ghp_****", "AKIA****"}`; got != want {
		t.Errorf("snippet = %q, want %q", got, want)
	}
	long := strings.Repeat("a", 500) + s["GH_TOKEN"] + strings.Repeat("b", 500)
	got = snippet(long, 501, []string{s["GH_TOKEN"]})
	if !strings.Contains(got, "ghp_****") || len([]rune(got)) > maxSnippet+2 {
		t.Errorf("long snippet = %q", got)
	}
}

func TestScanPositions(t *testing.T) {
	gitEnv(t)
	s := fakeSecrets()
	// A PEM key: multi-line, found by its BEGIN line; built from pieces.
	var pem strings.Builder
	pem.WriteString("-----BEGIN RSA " + "PRIVATE KEY-----\n")
	for i := range 6 {
		pem.WriteString(s["API_KEY"] + s["API_KEY"][i:] + s["API_KEY"][:i] + "\n")
	}
	pem.WriteString("-----END RSA " + "PRIVATE KEY-----\n")
	files := map[string]string{
		// The secret is not where gitleaks' match starts (the variable name).
		"a.py": "import os\n\n\nclient = Client(github_token = \"" + s["GH_TOKEN"] + "\")\n",
		// Later lines of a file: gitleaks' column is one off there.
		"b.txt":  "line one\nline two\n  two: " + s["GH_TOKEN"] + " and " + s["GH_TOKEN_3"] + "\n",
		"id_rsa": "# deploy key\n" + pem.String(),
		// Non-ASCII before the secret: columns count characters.
		"c.md": "héllo → " + s["GH_TOKEN"] + "\n",
		// The last line, without a newline: gitleaks' Line is then the whole file.
		"d.env": strings.Repeat("A=1\n", 40) + "SECRET=" + s["GH_TOKEN"],
		// A key store: binary, found by its name.
		"client.p12": "0\x82\x0a\x00\x02\x01\x03",
	}
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run, err := Scan(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []result{
		{Rule: "gitleaks:github-pat", File: "a.py", Line: 4, Column: 33},
		{Rule: "gitleaks:github-pat", File: "b.txt", Line: 3, Column: 8},
		{Rule: "gitleaks:github-pat", File: "b.txt", Line: 3, Column: 53},
		{Rule: "gitleaks:github-pat", File: "c.md", Line: 1, Column: 9},
		{Rule: "gitleaks:pkcs12-file", File: "client.p12", Line: 1, Column: 1},
		{Rule: "gitleaks:github-pat", File: "d.env", Line: 41, Column: 8},
		{Rule: "gitleaks:private-key", File: "id_rsa", Line: 2, Column: 1},
	}
	if diff := cmp.Diff(want, results(run)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range run.Findings {
		if f.RuleID == "gitleaks:private-key" {
			if f.Severity != escarp.SeverityCritical || f.Location.EndLine != 9 || f.Location.Snippet != "----****" {
				t.Errorf("private key: severity %v, end line %d, snippet %q", f.Severity, f.Location.EndLine, f.Location.Snippet)
			}
		}
		if f.Location.File == "b.txt" && f.Location.Snippet != "two: ghp_**** and ghp_****" {
			t.Errorf("b.txt snippet = %q", f.Location.Snippet)
		}
	}
	assertNoSecret(t, run, s)
}

func TestScanHistoryBelowTopLevel(t *testing.T) {
	// A root below the top of its repository sees only its part of the
	// history, with paths relative to itself; a secret that moved within a
	// file is reported once, where it was introduced.
	s := fakeSecrets()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not installed")
	}
	gitEnv(t)
	repo := t.TempDir()
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	runGit(t, repo, when, "init", "-q")
	write := func(rel, content string) {
		p := filepath.Join(repo, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(msg string) string {
		when = when.Add(time.Hour)
		runGit(t, repo, when, "add", "-A")
		runGit(t, repo, when, "commit", "-q", "-m", msg)
		return runGit(t, repo, when, "rev-parse", "--short=7", "HEAD")
	}
	write("svc/app.env", "TOKEN="+s["GH_TOKEN"]+"\n")
	write("other/x.env", "TOKEN="+s["GH_TOKEN_3"]+"\n")
	c1 := commit("add")
	write("svc/app.env", "# moved down\n\nTOKEN="+s["GH_TOKEN"]+"\n")
	commit("move")
	write("svc/app.env", "TOKEN=${TOKEN}\n")
	commit("remove")

	run, err := Scan(context.Background(), filepath.Join(repo, "svc"), Options{History: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []result{{Rule: "gitleaks:github-pat", File: "app.env", Line: 1, Column: 7, Commit: c1, History: true}}
	if diff := cmp.Diff(want, results(run)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	assertNoSecret(t, run, s)

	// MaxCommits bounds the depth: HEAD alone holds no secret.
	run, err = Scan(context.Background(), filepath.Join(repo, "svc"), Options{History: true, MaxCommits: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Findings) != 0 || run.Stats["commits"] != 1 {
		t.Errorf("MaxCommits 1: %d findings, stats %v", len(run.Findings), run.Stats)
	}
}

func TestAllowedInTreeIsAllowedInHistory(t *testing.T) {
	// A value accepted in the working tree with gitleaks:allow, added to
	// its line after the value was first committed, is not reported from
	// the history either; a value without the marker still is.
	s := fakeSecrets()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not installed")
	}
	gitEnv(t)
	repo := t.TempDir()
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	runGit(t, repo, when, "init", "-q")
	write := func(content string) {
		if err := os.WriteFile(filepath.Join(repo, "app.env"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(msg string) string {
		when = when.Add(time.Hour)
		runGit(t, repo, when, "add", "-A")
		runGit(t, repo, when, "commit", "-q", "-m", msg)
		return runGit(t, repo, when, "rev-parse", "--short=7", "HEAD")
	}
	write("TOKEN=" + s["GH_TOKEN"] + "\nOTHER=" + s["GH_TOKEN_3"] + "\n")
	c1 := commit("add")
	write("TOKEN=" + s["GH_TOKEN"] + " # gitleaks:allow fixture\nOTHER=" + s["GH_TOKEN_3"] + "\n")
	commit("allow")

	run, err := Scan(context.Background(), repo, Options{History: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []result{{Rule: "gitleaks:github-pat", File: "app.env", Line: 2, Column: 7, Commit: c1}}
	if diff := cmp.Diff(want, results(run)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	assertNoSecret(t, run, s)
}
