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
		{"ESC-SAST-PATH-001", "internal/files/files.go", 17, "internal/handlers/chi.go:12", false},      // chi URLParam
		{"ESC-SAST-PATH-001", "internal/files/files.go", 31, "internal/handlers/chi.go:25", false},      // chi URLParam, to os.Open
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
		// gosec alone: file content written to the response; escarp's XSS
		// rule skips responses with a non-HTML Content-Type.
		{"gosec:G705", "internal/handlers/chi.go", 18, "", false},
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
	for _, f := range run.Findings {
		if f.Suppressed != nil && (f.Suppressed.Kind != "inline" || f.Suppressed.Reason != "jitter, not a secret") {
			t.Errorf("%s %s:%d: suppression %+v", f.RuleID, f.Location.File, f.Location.Line, f.Suppressed)
		}
	}
	// One finding per flaw: gosec's reports of the same flaws are folded in.
	for loc, w := range map[string]string{
		"internal/store/store.go:23":      "gosec:G202",
		"internal/shell/shell.go:12":      "gosec:G204",
		"internal/files/files.go:17":      "gosec:G304",
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
	// Not vacuous: every package loaded and analysed.
	if run.Stats["packages"] != 6 || len(run.Notes) > 0 {
		t.Fatalf("packages = %d, notes %v", run.Stats["packages"], run.Notes)
	}
	for _, f := range run.Findings {
		if f.Severity >= escarp.SeverityMedium {
			t.Errorf("fixed twin: %s %s at %s:%d (suppressed %v): %s", f.Severity, f.RuleID, f.Location.File, f.Location.Line, f.Suppressed != nil, f.Message)
		}
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

func cmdThroughMap(w http.ResponseWriter, r *http.Request) {
	m := map[string]string{}
	m["c"] = r.FormValue("c")
	exec.Command(m["c"]) // want ESC-SAST-CMDI-001
}

func cmdThroughChannel(w http.ResponseWriter, r *http.Request) {
	ch := make(chan string, 1)
	ch <- r.FormValue("c")
	exec.Command(<-ch) // want ESC-SAST-CMDI-001
}

func cmdThroughAppend(w http.ResponseWriter, r *http.Request) {
	args := append([]string{"-c"}, r.FormValue("c"))
	exec.Command("sh", args...) // want ESC-SAST-CMDI-001
}

type settings struct{ Dir string }

var current = &settings{}

func setDir(w http.ResponseWriter, r *http.Request) { current.Dir = r.FormValue("d") }

func listDir(w http.ResponseWriter, r *http.Request) {
	os.ReadDir(current.Dir) // want ESC-SAST-PATH-001 medium confidence (through a shared object's field)
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
		wantConf := escarp.ConfidenceHigh
		if strings.Contains(f.Location.Snippet, "medium confidence") {
			wantConf = escarp.ConfidenceMedium
		}
		if f.Confidence != wantConf {
			t.Errorf("%s line %d: confidence %s, want %s", f.RuleID, f.Location.Line, f.Confidence, wantConf)
		}
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
	for _, w := range []string{"example.com/broken/bad skipped: bad/bad.go:3:", "example.com/broken/uses skipped", "example.com/broken/syntax skipped"} {
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
	if _, err := Scan(context.Background(), filepath.Join("testdata", "vulnapi"), Options{Exclude: []string{"a/[b"}}); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("Scan with a bad glob = %v, want Invalid", err)
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

// Handler parameters of the generated framework modules.
const (
	std   = "w http.ResponseWriter, r *http.Request"
	ginC  = "c *gin.Context"
	echoC = "c echo.Context"
	fibC  = "c *fiber.Ctx"
)

// stubbedGoMod returns a go.mod requiring the framework stubs.
func stubbedGoMod(t *testing.T) string {
	t.Helper()
	stubs, err := filepath.Abs(filepath.Join("testdata", "stubs"))
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module example.com/fw\n\ngo 1.22\n\nrequire (\n"
	var replace string
	for _, m := range [][3]string{{"github.com/gin-gonic/gin", "gin", "v1.10.0"}, {"github.com/go-chi/chi/v5", "chi", "v5.1.0"},
		{"github.com/gofiber/fiber/v2", "fiber", "v2.52.5"}, {"github.com/gorilla/mux", "mux", "v1.8.1"}, {"github.com/labstack/echo/v4", "echo", "v4.12.0"}} {
		gomod += "\t" + m[0] + " " + m[2] + "\n"
		replace += "replace " + m[0] + " => " + filepath.ToSlash(filepath.Join(stubs, m[1])) + "\n"
	}
	gomod += ")\n\n" + replace
	return gomod
}

// frameworkImports is the import block of generated framework modules.
const frameworkImports = "package main\n\nimport (\n\t\"database/sql\"\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"html/template\"\n\t\"io\"\n\t\"net/http\"\n\t\"os\"\n\t\"os/exec\"\n\n" +
	"\t\"github.com/gin-gonic/gin\"\n\t\"github.com/go-chi/chi/v5\"\n\t\"github.com/gofiber/fiber/v2\"\n" +
	"\t\"github.com/gorilla/mux\"\n\t\"github.com/labstack/echo/v4\"\n)\n\n" +
	"var (\n\t_ = json.Valid\n\t_ = io.EOF\n\t_ = chi.URLParam\n\t_ = mux.Vars\n\t_ = fmt.Sprint\n\t_ = os.Open\n\t_ = exec.Command\n\t_ = template.HTMLEscapeString\n\t_ *sql.DB\n\t_ *gin.Context\n\t_ echo.Context\n\t_ *fiber.Ctx\n)\n\n" +
	"var (\n\tdb   *sql.DB\n\ttx   *sql.Tx\n\tconn *sql.Conn\n\tpage = template.Must(template.New(\"p\").Parse(\"{{.}}\"))\n)\n\n"

// TestFrameworkSources checks every request-data source of every framework
// against a command sink, in a module using the framework stubs.
func TestFrameworkSources(t *testing.T) {
	type source struct {
		sig  string // handler parameters
		body string // statements leaving the request data in v
	}
	cases := []source{
		{std, `v := r.URL.Query().Get("a")`},
		{std, `v := r.FormValue("a")`},
		{std, `v := r.PostFormValue("a")`},
		{std, `v := r.PathValue("a")`},
		{std, `v := r.Header.Get("X-A")`},
		{std, `ck, _ := r.Cookie("a"); v := ck.Value`},
		{std, `b, _ := io.ReadAll(r.Body); v := string(b)`},
		{std, `var in struct{ A string }; _ = json.NewDecoder(r.Body).Decode(&in); v := in.A`},
		{std, `v := r.Referer()`},
		{std, `v := r.UserAgent()`},
		{std, `_ = r.ParseForm(); v := r.Form.Get("a")`},
		{std, `v := r.URL.Path`},
		{std, `v := r.Host`},
		{std, `v := chi.URLParam(r, "a")`},
		{std, `v := mux.Vars(r)["a"]`},
		{ginC, `v := c.Query("a")`},
		{ginC, `v := c.DefaultQuery("a", "b")`},
		{ginC, `v := c.Param("a")`},
		{ginC, `v := c.PostForm("a")`},
		{ginC, `v := c.GetHeader("a")`},
		{ginC, `v, _ := c.Cookie("a")`},
		{ginC, `var in struct{ A string }; _ = c.ShouldBindJSON(&in); v := in.A`},
		{ginC, `var in struct{ A string }; _ = c.BindJSON(&in); v := in.A`},
		{ginC, `var in struct{ A string }; _ = c.ShouldBind(&in); v := in.A`},
		{ginC, `v := c.Request.URL.Query().Get("a")`},
		{echoC, `v := c.QueryParam("a")`},
		{echoC, `v := c.Param("a")`},
		{echoC, `v := c.FormValue("a")`},
		{echoC, `var in struct{ A string }; _ = c.Bind(&in); v := in.A`},
		{fibC, `v := c.Query("a")`},
		{fibC, `v := c.Params("a")`},
		{fibC, `v := c.Get("X-A")`},
		{fibC, `v := c.Cookies("a")`},
		{fibC, `var in struct{ A string }; _ = c.BodyParser(&in); v := in.A`},
	}
	var src strings.Builder
	src.WriteString(frameworkImports)
	line := strings.Count(src.String(), "\n") + 1
	want := map[int]string{}
	for i, c := range cases {
		fmt.Fprintf(&src, "func h%d(%s) {\n\t%s\n\t_ = exec.Command(v).Run()\n}\n\n", i, c.sig, strings.ReplaceAll(c.body, "; ", "\n\t"))
		line += 1 + strings.Count(c.body, "; ") + 1
		want[line] = c.body
		line += 3
	}
	src.WriteString("func main() {}\n")
	dir := writeModule(t, map[string]string{"go.mod": stubbedGoMod(t), "main.go": src.String()})
	run := scan(t, dir)
	got := map[int]bool{}
	for _, f := range run.Findings {
		if f.RuleID == ruleCMDI.info.ID {
			got[f.Location.Line] = true
		}
	}
	for l, body := range want {
		if !got[l] {
			t.Errorf("source not found (line %d): %s", l, body)
		}
		delete(got, l)
	}
	for l := range got {
		t.Errorf("unexpected finding at line %d", l)
	}
	if len(run.Notes) > 0 {
		t.Errorf("notes: %v", run.Notes)
	}
}

// TestSinks checks every sink with request data reaching it.
func TestSinks(t *testing.T) {
	type sink struct {
		sig, src, stmt string
		rule           *taintRule
	}
	const fv = `v := r.FormValue("a")`
	cases := []sink{
		{std, fv, `db.Query(v)`, ruleSQLI},
		{std, fv, `db.QueryRow("SELECT " + v)`, ruleSQLI},
		{std, fv, `db.Exec(v)`, ruleSQLI},
		{std, fv, `db.QueryContext(r.Context(), v)`, ruleSQLI},
		{std, fv, `db.QueryRowContext(r.Context(), v)`, ruleSQLI},
		{std, fv, `db.ExecContext(r.Context(), v)`, ruleSQLI},
		{std, fv, `db.Prepare(v)`, ruleSQLI},
		{std, fv, `tx.Query(v)`, ruleSQLI},
		{std, fv, `conn.ExecContext(r.Context(), v)`, ruleSQLI},
		{std, fv, `exec.Command(v)`, ruleCMDI},
		{std, fv, `exec.Command("sh", "-c", v)`, ruleCMDI},
		{std, fv, `exec.CommandContext(r.Context(), "git", v)`, ruleCMDI},
		{std, fv, `os.Open(v)`, rulePATH},
		{std, fv, `os.OpenFile(v, os.O_RDONLY, 0)`, rulePATH},
		{std, fv, `os.ReadFile(v)`, rulePATH},
		{std, fv, `os.WriteFile("/srv/"+v, nil, 0o600)`, rulePATH},
		{std, fv, `os.Create(v)`, rulePATH},
		{std, fv, `os.Remove(v)`, rulePATH},
		{std, fv, `http.ServeFile(w, r, v)`, rulePATH},
		{std, fv, `http.Get(v)`, ruleSSRF},
		{std, fv, `http.Post(v, "text/plain", nil)`, ruleSSRF},
		{std, fv, `http.NewRequest("GET", v, nil)`, ruleSSRF},
		{std, fv, `http.NewRequestWithContext(r.Context(), "GET", v, nil)`, ruleSSRF},
		{std, fv, `http.DefaultClient.Get(v)`, ruleSSRF},
		{std, `u, _ := url.Parse(r.FormValue("a")); v := &http.Request{Method: "GET", URL: u}`, `http.DefaultClient.Do(v)`, ruleSSRF},
		{std, fv, `fmt.Fprintf(w, "<p>%s</p>", v)`, ruleXSS},
		{std, fv, `fmt.Fprint(w, v)`, ruleXSS},
		{std, fv, `fmt.Fprintln(w, v)`, ruleXSS},
		{std, fv, `io.WriteString(w, v)`, ruleXSS},
		{std, fv, `w.Write([]byte(v))`, ruleXSS},
		{std, fv, `page.Execute(w, template.HTML(v))`, ruleXSS},
		{std, fv, `http.Redirect(w, r, v, http.StatusFound)`, ruleREDIRECT},
		{ginC, `v := c.Query("a")`, `c.Redirect(http.StatusFound, v)`, ruleREDIRECT},
		{echoC, `v := c.QueryParam("a")`, `c.Redirect(http.StatusFound, v)`, ruleREDIRECT},
		{fibC, `v := c.Query("a")`, `c.Redirect(v)`, ruleREDIRECT},
	}
	var src strings.Builder
	src.WriteString(strings.Replace(frameworkImports, "\t\"net/http\"\n", "\t\"net/http\"\n\t\"net/url\"\n", 1))
	line := strings.Count(src.String(), "\n") + 1
	want := map[int]string{}
	for i, c := range cases {
		fmt.Fprintf(&src, "func h%d(%s) {\n\t%s\n\t%s\n}\n\n", i, c.sig, strings.ReplaceAll(c.src, "; ", "\n\t"), c.stmt)
		line += 1 + strings.Count(c.src, "; ") + 1
		want[line] = c.rule.info.ID + " " + c.stmt
		line += 3
	}
	src.WriteString("var _ = url.Parse\n\nfunc main() {}\n")
	dir := writeModule(t, map[string]string{"go.mod": stubbedGoMod(t), "main.go": src.String()})
	run := scan(t, dir)
	got := map[int]string{}
	for _, f := range run.Findings {
		if strings.HasPrefix(f.RuleID, "ESC-") {
			got[f.Location.Line] = f.RuleID
		}
	}
	for l, w := range want {
		if id := got[l]; !strings.HasPrefix(w, id+" ") || id == "" {
			t.Errorf("line %d: got %q, want %s", l, id, w)
		}
		delete(got, l)
	}
	for l, id := range got {
		t.Errorf("unexpected %s at line %d", id, l)
	}
	if len(run.Notes) > 0 {
		t.Errorf("notes: %v", run.Notes)
	}
}

// TestVendoredModule: a module with a vendor directory builds from it,
// offline.
func TestVendoredModule(t *testing.T) {
	dir := writeModule(t, map[string]string{
		"go.mod":                        "module example.com/v\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n",
		"vendor/modules.txt":            "# example.com/dep v1.0.0\n## explicit; go 1.22\nexample.com/dep\n",
		"vendor/example.com/dep/dep.go": "// Package dep joins strings.\npackage dep\n\n// Join joins a and b.\nfunc Join(a, b string) string { return a + b }\n",
		"main.go": "package main\n\nimport (\n\t\"net/http\"\n\t\"os/exec\"\n\n\t\"example.com/dep\"\n)\n\n" +
			"func h(w http.ResponseWriter, r *http.Request) {\n\t_ = exec.Command(\"sh\", \"-c\", dep.Join(\"ls \", r.FormValue(\"d\"))).Run()\n}\n\nfunc main() {}\n",
	})
	run := scan(t, dir)
	var got []string
	for _, f := range run.Findings {
		if strings.HasPrefix(f.RuleID, "ESC-") {
			got = append(got, fmt.Sprintf("%s %s:%d", f.RuleID, f.Location.File, f.Location.Line))
		}
	}
	if diff := cmp.Diff([]string{"ESC-SAST-CMDI-001 main.go:11"}, got); diff != "" || len(run.Notes) > 0 {
		t.Errorf("findings (-want +got):\n%s\nnotes: %v", diff, run.Notes)
	}
}

// TestOddCode: generics, iterators, method values, recursion, embedding
// and goroutines neither crash a pass nor hide a plain flow.
func TestOddCode(t *testing.T) {
	dir := writeModule(t, map[string]string{
		"go.mod": "module example.com/odd\n\ngo 1.23\n",
		"odd.go": `package main

import (
	"iter"
	"net/http"
	"os/exec"
	"strings"
)

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

func first[T any](xs []T) T { return xs[0] }

func seq(parts []string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, p := range parts {
			if !yield(p) {
				return
			}
		}
	}
}

type base struct{ name string }

func (b *base) Name() string { return b.name }

type wrapped struct {
	*base
	n int
}

func rec(s string, n int) string {
	if n == 0 {
		return s
	}
	return rec(s+"x", n-1)
}

func h(w http.ResponseWriter, r *http.Request) {
	p := Pair[string, int]{Key: r.FormValue("k"), Val: 1}
	_ = first([]string{p.Key})
	var b strings.Builder
	for s := range seq([]string{"a", "b"}) {
		b.WriteString(s)
	}
	wr := wrapped{base: &base{name: "n"}}
	f := wr.Name
	_ = f()
	done := make(chan struct{})
	go func() { defer close(done); _ = rec("y", 3) }()
	select {
	case <-done:
	}
loop:
	for i := 0; i < 3; i++ {
		if i == 1 {
			break loop
		}
	}
	_ = exec.Command(rec(r.FormValue("c"), 2)).Run()
}

func main() { http.HandleFunc("/", h) }
`,
	})
	run := scan(t, dir)
	var got []string
	for _, f := range run.Findings {
		if strings.HasPrefix(f.RuleID, "ESC-") {
			got = append(got, fmt.Sprintf("%s %s:%d", f.RuleID, f.Location.File, f.Location.Line))
		}
	}
	if diff := cmp.Diff([]string{"ESC-SAST-CMDI-001 odd.go:64"}, got); diff != "" || len(run.Notes) > 0 {
		t.Errorf("findings (-want +got):\n%s\nnotes: %v", diff, run.Notes)
	}
}

// TestSQLLibrarySinks checks the query text of pgx, sqlx and gorm as SQL
// injection sinks, each next to its parameterized twin, which stays silent.
func TestSQLLibrarySinks(t *testing.T) {
	stubs, err := filepath.Abs(filepath.Join("testdata", "stubs"))
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module example.com/sqllibs\n\ngo 1.22\n\nrequire (\n\tgithub.com/jackc/pgx/v5 v5.0.0\n\tgithub.com/jmoiron/sqlx v1.4.0\n\tgorm.io/gorm v1.25.0\n)\n\n" +
		"replace github.com/jackc/pgx/v5 => " + filepath.ToSlash(filepath.Join(stubs, "pgx")) + "\n" +
		"replace github.com/jmoiron/sqlx => " + filepath.ToSlash(filepath.Join(stubs, "sqlx")) + "\n" +
		"replace gorm.io/gorm => " + filepath.ToSlash(filepath.Join(stubs, "gorm")) + "\n"
	// Each case is one statement with v holding request data; the bool says
	// whether it is an injection.
	cases := []struct {
		stmt string
		vuln bool
	}{
		{`_, _ = conn.Query(r.Context(), "SELECT * FROM boats WHERE name = '"+v+"'")`, true},
		{`_, _ = conn.Query(r.Context(), "SELECT * FROM boats WHERE name = $1", v)`, false},
		{`_ = conn.QueryRow(r.Context(), "SELECT 1 WHERE "+v)`, true},
		{`_, _ = pool.Exec(r.Context(), "DELETE FROM boats WHERE id = "+v)`, true},
		{`_, _ = pool.Exec(r.Context(), "DELETE FROM boats WHERE id = $1", v)`, false},
		{`_ = xdb.Select(&out, "SELECT * FROM boats ORDER BY "+v)`, true},
		{`_ = xdb.Select(&out, "SELECT * FROM boats WHERE name = ?", v)`, false},
		{`_ = xdb.GetContext(r.Context(), &out, "SELECT * FROM boats WHERE name = '"+v+"'")`, true},
		{`_, _ = xdb.Queryx("SELECT * FROM boats WHERE name = '" + v + "'")`, true},
		{`_ = gdb.Raw("SELECT * FROM boats WHERE name = '" + v + "'").Scan(&out)`, true},
		{`_ = gdb.Raw("SELECT * FROM boats WHERE name = ?", v).Scan(&out)`, false},
		{`_ = gdb.Where("name = '" + v + "'").Find(&out)`, true},
		{`_ = gdb.Where("name = ?", v).Find(&out)`, false},
		{`_ = gdb.Where(&boat{Name: v}).Find(&out)`, false},
		{`_ = gdb.Order(v).Find(&out)`, true},
	}
	var src strings.Builder
	src.WriteString("package main\n\nimport (\n\t\"net/http\"\n\n\t\"github.com/jackc/pgx/v5\"\n\t\"github.com/jackc/pgx/v5/pgxpool\"\n\t\"github.com/jmoiron/sqlx\"\n\t\"gorm.io/gorm\"\n)\n\n" +
		"type boat struct{ Name string }\n\nvar (\n\tconn *pgx.Conn\n\tpool *pgxpool.Pool\n\txdb  *sqlx.DB\n\tgdb  *gorm.DB\n\tout  []boat\n)\n\n")
	line := strings.Count(src.String(), "\n") + 1
	want := map[int]bool{}
	for i, c := range cases {
		fmt.Fprintf(&src, "func h%d(w http.ResponseWriter, r *http.Request) {\n\tv := r.FormValue(\"a\")\n\t%s\n}\n\n", i, c.stmt)
		if c.vuln {
			want[line+2] = true
		}
		line += 5
	}
	src.WriteString("func main() {}\n")
	run := scan(t, writeModule(t, map[string]string{"go.mod": gomod, "main.go": src.String()}))
	got := map[int]bool{}
	for _, f := range run.Findings {
		if f.RuleID == ruleSQLI.info.ID {
			got[f.Location.Line] = true
		}
	}
	lines := strings.Split(src.String(), "\n")
	for l := range want {
		if !got[l] {
			t.Errorf("line %d not reported: %s", l, strings.TrimSpace(lines[l-1]))
		}
	}
	for l := range got {
		if !want[l] {
			t.Errorf("line %d reported, but it is parameterized: %s", l, strings.TrimSpace(lines[l-1]))
		}
	}
	if len(run.Notes) > 0 {
		t.Errorf("notes: %v", run.Notes)
	}
}
