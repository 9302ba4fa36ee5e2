package sast

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/securego/gosec/v2/analyzers"
	"github.com/securego/gosec/v2/rules"

	"github.com/escarp/escarp"
)

// key identifies a finding in the expected sets. Source is the file:line of
// the first step of the flow (taint findings only).
type key struct {
	Rule       string
	File       string
	Line       int
	Source     string
	Suppressed bool
}

func keys(run *escarp.Run) []key {
	var out []key
	for _, f := range run.Findings {
		k := key{Rule: f.RuleID, File: f.Location.File, Line: f.Location.Line, Suppressed: f.Suppressed != nil}
		if len(f.Flows) > 0 && len(f.Flows[0]) > 0 {
			k.Source = fmt.Sprintf("%s:%d", f.Flows[0][0].File, f.Flows[0][0].Line)
		}
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

func scan(t testing.TB, dir string) *escarp.Run {
	t.Helper()
	run, err := Scan(context.Background(), dir, Options{})
	if err != nil {
		t.Fatalf("Scan(%s) = %v", dir, err)
	}
	return run
}

func TestScanVulnAPI(t *testing.T) {
	run := scan(t, filepath.Join("testdata", "vulnapi"))
	want := []key{
		{"ESC-SAST-CMDI-001", "internal/shell/shell.go", 12, "internal/handlers/nethttp.go:24", false},  // net/http FormValue
		{"ESC-SAST-CMDI-001", "internal/shell/shell.go", 21, "internal/handlers/mux.go:16", false},      // gorilla/mux Vars
		{"ESC-SAST-PATH-001", "internal/files/files.go", 17, "internal/handlers/chi.go:11", false},      // chi URLParam
		{"ESC-SAST-PATH-001", "internal/files/files.go", 26, "internal/handlers/nethttp.go:48", false},  // net/http Cookie
		{"ESC-SAST-REDIRECT-001", "internal/handlers/gin.go", 37, "internal/handlers/gin.go:37", false}, // gin Query
		{"ESC-SAST-REDIRECT-001", "internal/handlers/nethttp.go", 43, "internal/handlers/nethttp.go:42", false},
		{"ESC-SAST-SQLI-001", "internal/store/search.go", 17, "internal/handlers/gin.go:19", false},        // gin ShouldBindJSON, struct fields
		{"ESC-SAST-SQLI-001", "internal/store/store.go", 23, "internal/handlers/nethttp.go:13", false},     // r.URL.Query()
		{"ESC-SAST-SSRF-001", "internal/fetch/fetch.go", 18, "internal/handlers/echo.go:13", false},        // echo QueryParam
		{"ESC-SAST-SSRF-001", "internal/fetch/fetch.go", 28, "internal/handlers/fiber.go:14", false},       // fiber BodyParser
		{"ESC-SAST-XSS-001", "internal/handlers/mux.go", 28, "internal/handlers/mux.go:27", false},         // template.HTML
		{"ESC-SAST-XSS-001", "internal/handlers/nethttp.go", 37, "internal/handlers/nethttp.go:35", false}, // PathValue
		{"gosec:G404", "internal/store/token.go", 13, "", false},
		{"gosec:G404", "internal/store/token.go", 20, "", true}, // #nosec
	}
	sort.Slice(want, func(i, j int) bool { return fmt.Sprint(want[i]) < fmt.Sprint(want[j]) })
	if diff := cmp.Diff(want, keys(run)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	also := map[string]string{}
	for _, f := range run.Findings {
		loc := fmt.Sprintf("%s:%d", f.Location.File, f.Location.Line)
		also[loc] = f.Properties["also"]
		if f.Fingerprint == "" || f.Hash == "" || f.Title == "" || f.Message == "" || f.Remediation == "" || len(f.CWE) == 0 {
			t.Errorf("%s %s: incomplete finding %+v", f.RuleID, loc, f)
		}
		if f.Kind != escarp.KindSAST || f.Location.Snippet == "" || f.Location.Column == 0 {
			t.Errorf("%s %s: kind %q, snippet %q, column %d", f.RuleID, loc, f.Kind, f.Location.Snippet, f.Location.Column)
		}
		if !strings.HasPrefix(f.RuleID, "ESC-") {
			continue
		}
		if len(f.Flows) != 1 || len(f.Flows[0]) < 2 {
			t.Errorf("%s %s: flows %v, want one path of at least source and sink", f.RuleID, loc, f.Flows)
			continue
		}
		flow := f.Flows[0]
		if !strings.HasSuffix(flow[0].Message, "(source)") || !strings.HasSuffix(flow[len(flow)-1].Message, "(sink)") {
			t.Errorf("%s %s: flow from %q to %q", f.RuleID, loc, flow[0].Message, flow[len(flow)-1].Message)
		}
		if last := flow[len(flow)-1]; last.File != f.Location.File || last.Line != f.Location.Line {
			t.Errorf("%s %s: flow ends at %s:%d", f.RuleID, loc, last.File, last.Line)
		}
	}
	// One finding per flaw: gosec's reports of the same flaws are folded in.
	for loc, w := range map[string]string{
		"internal/store/store.go:23":      "gosec:G202",
		"internal/shell/shell.go:12":      "gosec:G204,gosec:G702",
		"internal/files/files.go:17":      "gosec:G304,gosec:G703",
		"internal/handlers/nethttp.go:43": "gosec:G710",
		"internal/handlers/mux.go:28":     "gosec:G203",
	} {
		if also[loc] != w {
			t.Errorf("%s: also = %q, want %q", loc, also[loc], w)
		}
	}
}

// TestFlowSteps checks the path through helpers, files, packages and
// struct fields of one flow.
func TestFlowSteps(t *testing.T) {
	run := scan(t, filepath.Join("testdata", "vulnapi"))
	got := map[string][]string{}
	for _, f := range run.Findings {
		if f.RuleID == "ESC-SAST-SQLI-001" {
			for _, l := range f.Flows[0] {
				got[f.Location.File] = append(got[f.Location.File], fmt.Sprintf("%s:%d %s", l.File, l.Line, l.Message))
			}
		}
	}
	want := map[string][]string{
		"internal/store/store.go": {
			`internal/handlers/nethttp.go:13 r.URL.Query().Get("name") (source)`,
			`internal/handlers/nethttp.go:13 stored in field lookup.Name`,
			`internal/handlers/nethttp.go:14 passed to store.Store.FindUser`,
			`internal/store/store.go:23 s.DB.QueryRow (sink)`,
		},
		"internal/store/search.go": {
			`internal/handlers/gin.go:19 c.ShouldBindJSON(&req) (source)`,
			`internal/handlers/gin.go:23 passed to handlers.toFilter`,
			`internal/handlers/gin.go:32 stored in field Filter.Sort`,
			`internal/handlers/gin.go:32 returned from handlers.toFilter`,
			`internal/handlers/gin.go:23 passed to store.Store.Search`,
			`internal/store/search.go:16 passed to store.buildSearch`,
			`internal/store/search.go:34 returned from store.buildSearch`,
			`internal/store/search.go:17 s.DB.QueryContext (sink)`,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
}

func TestScanFixedAPI(t *testing.T) {
	run := scan(t, filepath.Join("testdata", "fixedapi"))
	suppressed := 0
	for _, f := range run.Findings {
		if f.Suppressed != nil {
			suppressed++
			if f.Suppressed.Kind != "inline" || f.Suppressed.Reason == "" {
				t.Errorf("%s %s:%d: suppression %+v", f.RuleID, f.Location.File, f.Location.Line, f.Suppressed)
			}
			continue
		}
		if f.Severity >= escarp.SeverityMedium {
			t.Errorf("fixed twin: %s %s at %s:%d: %s", f.Severity, f.RuleID, f.Location.File, f.Location.Line, f.Message)
		}
	}
	if suppressed != 2 {
		t.Errorf("suppressed findings = %d, want 2 (the two #nosec lines)", suppressed)
	}
}

// caseModule holds one flagged and one sanitized variant of each sink and
// sanitizer; "// want RULE" marks the lines that must be reported.
var caseModule = map[string]string{
	"go.mod": "module example.com/cases\n\ngo 1.22\n",
	"main.go": `package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

var db *sql.DB

var page = template.Must(template.New("p").Parse("<p>{{.}}</p>"))

var allowedCols = map[string]bool{"name": true, "id": true}

func sqlConcat(w http.ResponseWriter, r *http.Request) {
	db.Query("SELECT * FROM t WHERE a = '" + r.FormValue("a") + "'") // want ESC-SAST-SQLI-001
}

func sqlParam(w http.ResponseWriter, r *http.Request) {
	db.Query("SELECT * FROM t WHERE a = ?", r.FormValue("a"))
}

func sqlAtoi(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.FormValue("id"))
	if err != nil {
		return
	}
	db.Query(fmt.Sprintf("SELECT * FROM t WHERE id = %d", id))
}

func sqlCompare(w http.ResponseWriter, r *http.Request) {
	col := r.FormValue("sort")
	if col != "name" && col != "id" {
		return
	}
	db.Query("SELECT * FROM t ORDER BY " + col)
}

func sqlMapCheck(w http.ResponseWriter, r *http.Request) {
	col := r.FormValue("sort")
	if !allowedCols[col] {
		return
	}
	db.Query("SELECT * FROM t ORDER BY " + col)
}

func sqlPresenceOnly(w http.ResponseWriter, r *http.Request) {
	col := r.FormValue("sort")
	if col == "" {
		return
	}
	db.Exec("DELETE FROM t ORDER BY " + col) // want ESC-SAST-SQLI-001
}

func pathCleanOnly(w http.ResponseWriter, r *http.Request) {
	os.Open(filepath.Clean(r.FormValue("f"))) // want ESC-SAST-PATH-001
}

func pathContained(w http.ResponseWriter, r *http.Request) {
	p := filepath.Clean(filepath.Join("/srv", r.FormValue("f")))
	if !strings.HasPrefix(p, "/srv/") {
		return
	}
	os.Open(p)
}

func pathRel(w http.ResponseWriter, r *http.Request) {
	rel, err := filepath.Rel("/srv", filepath.Join("/srv", r.FormValue("f")))
	if err != nil || strings.HasPrefix(rel, "..") {
		return
	}
	os.ReadFile(filepath.Join("/srv", rel))
}

func ssrfUnchecked(w http.ResponseWriter, r *http.Request) {
	u, _ := url.Parse(r.FormValue("u"))
	http.Get(u.String()) // want ESC-SAST-SSRF-001
}

func ssrfHostChecked(w http.ResponseWriter, r *http.Request) {
	u, err := url.Parse(r.FormValue("u"))
	if err != nil || u.Host != "api.example.com" {
		return
	}
	http.Get(u.String())
}

func ssrfClient(w http.ResponseWriter, r *http.Request) {
	http.DefaultClient.Get("http://" + r.Header.Get("X-Host") + "/x") // want ESC-SAST-SSRF-001
}

func xssRaw(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, r.FormValue("q")) // want ESC-SAST-XSS-001
}

func xssWrite(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("<p>" + r.Referer())) // want ESC-SAST-XSS-001
}

func xssEscaped(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, html.EscapeString(r.FormValue("q")))
}

func xssTemplate(w http.ResponseWriter, r *http.Request) {
	page.Execute(w, r.FormValue("q"))
}

func xssJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, r.FormValue("q"))
}

func redirectEscaped(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/search?q="+url.QueryEscape(r.FormValue("q")), http.StatusFound)
}

func cmdDecoded(w http.ResponseWriter, r *http.Request) {
	var in struct{ Cmd string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return
	}
	exec.Command(in.Cmd) // want ESC-SAST-CMDI-001
}

// Runner runs commands.
type Runner interface{ Run(string) }

type shellRunner struct{}

func (shellRunner) Run(c string) {
	exec.Command("sh", "-c", c) // want ESC-SAST-CMDI-001
}

func cmdInterface(w http.ResponseWriter, r *http.Request) {
	var s Runner = shellRunner{}
	s.Run(r.Header.Get("X-Cmd"))
}

func cmdClosure(w http.ResponseWriter, r *http.Request) {
	v := r.PostFormValue("c")
	f := func() {
		exec.Command(v) // want ESC-SAST-CMDI-001
	}
	f()
}

func checkHost(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host != "api.example.com" {
		return fmt.Errorf("host not allowed")
	}
	return nil
}

func ssrfValidator(w http.ResponseWriter, r *http.Request) {
	var in struct{ URL string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return
	}
	if err := checkHost(in.URL); err != nil {
		return
	}
	http.Get(in.URL)
}

func ssrfSchemeOnly(w http.ResponseWriter, r *http.Request) {
	u, err := url.Parse(r.FormValue("u"))
	if err != nil || u.Scheme != "https" {
		return
	}
	http.Get(u.String()) // want ESC-SAST-SSRF-001
}

func allowed(s string) bool { return s == "a" || s == "b" }

func cmdFieldPredicate(w http.ResponseWriter, r *http.Request) {
	var in struct{ Arg string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return
	}
	if !allowed(in.Arg) {
		return
	}
	exec.Command("echo", in.Arg)
}

// proxy forwards a request this program builds: its URL is no request data.
func proxy(base string) {
	req, err := http.NewRequest(http.MethodGet, base+"/x", nil)
	if err != nil {
		return
	}
	send(req)
}

func send(req *http.Request) {
	os.ReadFile(req.URL.Path)
}

type query struct {
	Term  string
	Order string
}

func orderBy(q query) string { return "SELECT * FROM t WHERE a LIKE ? ORDER BY " + q.Order }

func sqlFieldSensitive(w http.ResponseWriter, r *http.Request) {
	q := query{Term: r.FormValue("term"), Order: "id"}
	db.Query(orderBy(q), q.Term)
}

func sqlFieldTainted(w http.ResponseWriter, r *http.Request) {
	q := query{Term: "x", Order: r.FormValue("order")}
	db.Query(orderBy(q), q.Term) // want ESC-SAST-SQLI-001
}

func pathVetted(w http.ResponseWriter, r *http.Request) {
	os.Remove("/tmp/" + r.FormValue("f")) // want ESC-SAST-PATH-001 suppressed #nosec G703 -- vetted by the caller
}

func main() { proxy("http://127.0.0.1") }
`,
}

func writeModule(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var wantRE = regexp.MustCompile(`// want (ESC-SAST-[A-Z]+-\d{3})`)

// TestSourcesSinksSanitizers checks each sanitizer next to the flagged
// variant of the same flow.
func TestSourcesSinksSanitizers(t *testing.T) {
	dir := writeModule(t, caseModule)
	run := scan(t, dir)
	var want, got []string
	for name, body := range caseModule {
		for i, line := range strings.Split(body, "\n") {
			if m := wantRE.FindStringSubmatch(line); m != nil {
				want = append(want, fmt.Sprintf("%s %s:%d", m[1], name, i+1))
			}
		}
	}
	for _, f := range run.Findings {
		if !strings.HasPrefix(f.RuleID, "ESC-") {
			continue
		}
		got = append(got, fmt.Sprintf("%s %s:%d", f.RuleID, f.Location.File, f.Location.Line))
		wantSup := strings.Contains(f.Location.Snippet, "suppressed #nosec")
		if wantSup != (f.Suppressed != nil) {
			t.Errorf("%s line %d: suppressed %+v, want %v", f.RuleID, f.Location.Line, f.Suppressed, wantSup)
		}
		if wantSup && (f.Suppressed.Kind != "inline" || f.Suppressed.Reason != "vetted by the caller" || f.Properties["also"] != "gosec:G703") {
			t.Errorf("%s line %d: suppression %+v, also %q", f.RuleID, f.Location.Line, f.Suppressed, f.Properties["also"])
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("taint findings (-want +got):\n%s", diff)
	}
}

// TestBrokenPackage: a package that does not type-check is a note; the
// rest of the module is still analysed.
func TestBrokenPackage(t *testing.T) {
	dir := writeModule(t, map[string]string{
		"go.mod":        "module example.com/broken\n\ngo 1.22\n",
		"bad/bad.go":    "package bad\n\nfunc F() int { return \"not an int\" }\n",
		"uses/uses.go":  "package uses\n\nimport \"example.com/broken/bad\"\n\n// G calls F.\nfunc G() int { return bad.F() }\n",
		"syntax/s.go":   "package syntax\n\nfunc (\n",
		"good/good.go":  "package good\n\nimport (\n\t\"net/http\"\n\t\"os/exec\"\n)\n\n// H runs a command.\nfunc H(w http.ResponseWriter, r *http.Request) {\n\t_ = exec.Command(r.FormValue(\"c\")).Run()\n}\n",
		"good/other.go": "package good\n",
	})
	run := scan(t, dir)
	var rules []string
	for _, f := range run.Findings {
		if strings.HasPrefix(f.RuleID, "ESC-") {
			rules = append(rules, f.RuleID+" "+f.Location.File)
		}
	}
	if diff := cmp.Diff([]string{"ESC-SAST-CMDI-001 good/good.go"}, rules); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	notes := strings.Join(run.Notes, "\n")
	for _, w := range []string{"example.com/broken/bad skipped", "example.com/broken/uses skipped", "example.com/broken/syntax skipped"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
}

func TestScanNoGo(t *testing.T) {
	dir := writeModule(t, map[string]string{"app.js": "console.log(1)\n"})
	run := scan(t, dir)
	if len(run.Findings) != 0 || len(run.Notes) != 1 || run.Engine != escarp.EngineCode || run.Target != dir {
		t.Errorf("run = %+v, want no findings and one note", run)
	}
}

func TestScanInvalidRoot(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file.go")
	if err := os.WriteFile(f, []byte("package x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{filepath.Join(t.TempDir(), "missing"), f} {
		_, err := Scan(context.Background(), root, Options{})
		var e *escarp.Error
		if !errors.As(err, &e) || e.Kind != escarp.Invalid || e.Pos.File != root {
			t.Errorf("Scan(%s) = %v, want an Invalid error at the root", root, err)
		}
	}
}

func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, filepath.Join("testdata", "vulnapi"), Options{}); escarp.KindOf(err) != escarp.Unavailable {
		t.Errorf("Scan(cancelled) = %v, want Unavailable", err)
	}
}

func TestExclude(t *testing.T) {
	run, err := Scan(context.Background(), filepath.Join("testdata", "vulnapi"), Options{Exclude: []string{"internal/shell", "internal/store/*.go"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range run.Findings {
		if strings.HasPrefix(f.Location.File, "internal/shell/") || strings.HasPrefix(f.Location.File, "internal/store/") {
			t.Errorf("excluded file reported: %s %s", f.RuleID, f.Location.File)
		}
	}
	if len(run.Findings) == 0 {
		t.Error("no findings left outside the excluded paths")
	}
}

func TestRules(t *testing.T) {
	all := Rules()
	ids := map[string]bool{}
	for _, r := range all {
		if ids[r.ID] {
			t.Errorf("duplicate rule %s", r.ID)
		}
		ids[r.ID] = true
		if r.Title == "" || r.Remediation == "" || r.Description == "" {
			t.Errorf("%s: title %q, remediation %q, description %q", r.ID, r.Title, r.Remediation, r.Description)
		}
	}
	var want []string
	for _, r := range taintRules {
		want = append(want, r.info.ID)
	}
	for id := range rules.Generate(false).Rules {
		want = append(want, "gosec:"+id)
	}
	for id := range analyzers.Generate(false).Analyzers {
		want = append(want, "gosec:"+id)
	}
	for _, id := range want {
		if !ids[id] {
			t.Errorf("Rules() lacks %s", id)
		}
		if strings.HasPrefix(id, "gosec:") {
			if _, ok := gosecTable[strings.TrimPrefix(id, "gosec:")]; !ok {
				t.Errorf("%s has no escarp metadata", id)
			}
		}
	}
	if len(all) != len(ids) || len(ids) < 60 {
		t.Errorf("%d rules, %d distinct", len(all), len(ids))
	}
	for _, r := range taintRules {
		if len(r.info.CWE) != 1 || r.info.HelpURI == "" {
			t.Errorf("%s: CWE %v", r.info.ID, r.info.CWE)
		}
	}
	if ruleSSRF.info.OWASP != "API7:2023" {
		t.Errorf("SSRF OWASP = %q", ruleSSRF.info.OWASP)
	}
}

// TestTestsAndTags: _test.go files and files behind build tags are scanned
// only when asked for.
func TestTestsAndTags(t *testing.T) {
	handler := func(tag, pkg string) string {
		return tag + "package " + pkg + "\n\nimport (\n\t\"net/http\"\n\t\"os/exec\"\n)\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\t_ = exec.Command(r.FormValue(\"c\")).Run()\n}\n"
	}
	dir := writeModule(t, map[string]string{
		"go.mod":          "module example.com/tt\n\ngo 1.22\n",
		"app/app.go":      "package app\n\n// V is a value.\nvar V = 1\n",
		"app/app_test.go": handler("", "app"),
		"app/extra.go":    handler("//go:build extra\n\n", "app"),
	})
	for _, tc := range []struct {
		opt  Options
		want []string
	}{
		{Options{}, nil},
		{Options{Tests: true}, []string{"app/app_test.go"}},
		{Options{Tags: []string{"extra"}}, []string{"app/extra.go"}},
	} {
		run, err := Scan(context.Background(), dir, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range run.Findings {
			if f.RuleID == ruleCMDI.info.ID {
				got = append(got, f.Location.File)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%+v: files (-want +got):\n%s", tc.opt, diff)
		}
	}
}

// TestScanInsideModule: a directory inside a module is scanned with the
// module's go.mod; files are relative to the directory given.
func TestScanInsideModule(t *testing.T) {
	run := scan(t, filepath.Join("testdata", "vulnapi", "internal", "shell"))
	var got []string
	for _, f := range run.Findings {
		got = append(got, fmt.Sprintf("%s %s:%d", f.RuleID, f.Location.File, f.Location.Line))
	}
	want := []string{"gosec:G204 shell.go:12", "gosec:G204 shell.go:21"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
