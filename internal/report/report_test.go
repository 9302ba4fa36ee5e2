package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/escarp/escarp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenOptions are the options of the golden files: a fixed repository root.
var goldenOptions = Options{BaseDir: "/src/shop", WorkDir: "/src/shop"}

// render writes r in the named format with o.
func render(t *testing.T, o Options, name string, r *escarp.Report) []byte {
	t.Helper()
	f, err := o.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f(&buf, r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	files := map[string]string{
		FormatJSON:     "report.json",
		FormatText:     "report.txt",
		FormatSARIF:    "report.sarif",
		FormatJUnit:    "report.junit.xml",
		FormatMarkdown: "report.md",
		FormatHTML:     "report.html",

		FormatGitLabDAST:               "report.gitlab-dast.json",
		FormatGitLabSAST:               "report.gitlab-sast.json",
		FormatGitLabDependencyScanning: "report.gitlab-dependency-scanning.json",
		FormatGitLabSecretDetection:    "report.gitlab-secret-detection.json",
	}
	for _, name := range Names() {
		file, ok := files[name]
		if !ok {
			t.Errorf("format %s has no golden file", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			got := render(t, goldenOptions, name, fixture())
			path := filepath.Join("testdata", file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs from %s (-want +got; go test -update rewrites it):\n%s", name, path, diff)
			}
		})
	}
}

// TestDeterministic renders every format twice, once from a shuffled copy,
// and wants the same bytes.
func TestDeterministic(t *testing.T) {
	shuffled := fixture()
	for _, run := range shuffled.Runs {
		fs := run.Findings
		for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
			fs[i], fs[j] = fs[j], fs[i]
		}
	}
	for _, name := range Names() {
		a := render(t, goldenOptions, name, fixture())
		b := render(t, goldenOptions, name, shuffled)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: output depends on the input order of findings", name)
		}
	}
}

func TestPrepareDoesNotModify(t *testing.T) {
	r := fixture()
	r.Runs[1].Findings[1].Evidence.Request.Header["Authorization"] = []string{"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl"}
	before := fixture()
	before.Runs[1].Findings[1].Evidence.Request.Header["Authorization"] = []string{"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl"}
	for _, name := range Names() {
		render(t, Options{}, name, r)
	}
	if diff := cmp.Diff(before, r); diff != "" {
		t.Errorf("rendering modified the report (-before +after):\n%s", diff)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	first := render(t, Options{}, FormatJSON, fixture())
	rep, err := Read(bytes.NewReader(first))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if diff := cmp.Diff(Prepare(fixture()), rep); diff != "" {
		t.Errorf("Read(json(r)) != Prepare(r) (-want +got):\n%s", diff)
	}
	second := render(t, Options{}, FormatJSON, rep)
	if diff := cmp.Diff(string(first), string(second)); diff != "" {
		t.Errorf("JSON changed after a round trip:\n%s", diff)
	}
}

func TestJSONEmptyRunHasArrays(t *testing.T) {
	r := &escarp.Report{Runs: []*escarp.Run{{Engine: escarp.EngineAudit}}}
	out := string(render(t, Options{}, FormatJSON, r))
	for _, want := range []string{`"schemaVersion": "1.1"`, `"rules": []`, `"findings": []`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON of an empty run lacks %s:\n%s", want, out)
		}
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, in string
		pos      escarp.Position
		msg      string
	}{
		{"empty", "  \n", escarp.Position{}, "empty input"},
		{"syntax", "{\n  \"schemaVersion\": \"1.0\",\n  \"runs\": [,]\n}", escarp.Position{Line: 3, Column: 12}, "invalid JSON"},
		{"truncated", `{"schemaVersion": "1.0", "runs": [`, escarp.Position{Line: 1, Column: 35}, "JSON"},
		{"bad last byte", "{\"schemaVersion\": \"1.0\",\n\"runs\": [}", escarp.Position{Line: 2, Column: 10}, "invalid JSON: invalid character '}'"},
		{"no version", `{"runs": []}`, escarp.Position{Line: 1, Column: 1}, "no schemaVersion"},
		{"future major", "{\n\"schemaVersion\": \"2.0\"}", escarp.Position{Line: 2, Column: 1}, `unsupported schemaVersion "2.0"`},
		{"type", "{\"schemaVersion\": \"1.0\",\n\"runs\": [{\"engine\": 7}]}", escarp.Position{Line: 2, Column: 22}, "runs.engine: want string"},
		{"not an object", `[1, 2]`, escarp.Position{Line: 1, Column: 2}, "want"},
		{"bad severity", "{\"schemaVersion\": \"1.0\", \"runs\": [{\"engine\": \"audit\",\n \"findings\": [{\"severity\": \"urgent\"}]}]}", escarp.Position{Line: 2, Column: 28}, `unknown severity "urgent"`},
		{"bad confidence", "{\"schemaVersion\": \"1.0\", \"runs\": [{\"findings\": [{\"severity\": \"low\", \"confidence\":\"sure\"}]}]}", escarp.Position{Line: 1, Column: 82}, `unknown confidence "sure"`},
		{"null run", `{"schemaVersion": "1.0", "runs": [null]}`, escarp.Position{}, "runs[0] is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("Read succeeded, want an error")
			}
			if k := escarp.KindOf(err); k != escarp.Invalid {
				t.Errorf("kind = %v, want invalid (err %v)", k, err)
			}
			var e *escarp.Error
			if !asError(err, &e) {
				t.Fatalf("error %T is not an *escarp.Error", err)
			}
			if e.Pos != tt.pos {
				t.Errorf("Pos = %+v, want %+v (err %v)", e.Pos, tt.pos, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func asError(err error, target **escarp.Error) bool {
	e, ok := err.(*escarp.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestReadMinorVersion(t *testing.T) {
	in := `{"schemaVersion": "1.7", "tool": {"name": "escarp", "version": "9"}, "futureField": true, "runs": [{"engine": "scan", "newThing": 1, "findings": []}]}`
	rep, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Read of a newer minor version: %v", err)
	}
	if len(rep.Runs) != 1 || rep.Runs[0].Engine != "scan" {
		t.Errorf("Read = %+v", rep)
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"text", "json", "sarif", "junit", "markdown", "html", "SARIF"} {
		if _, err := Lookup(name); err != nil {
			t.Errorf("Lookup(%q): %v", name, err)
		}
	}
	_, err := Lookup("pdf")
	if escarp.KindOf(err) != escarp.Invalid {
		t.Fatalf("Lookup(pdf) = %v, want an invalid error", err)
	}
	for _, name := range Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("Lookup error %q does not list %s", err, name)
		}
	}
}

func TestParseOutput(t *testing.T) {
	tests := []struct {
		spec string
		want Output
		err  string
	}{
		{"out.sarif", Output{FormatSARIF, "out.sarif"}, ""},
		{"reports/scan.json", Output{FormatJSON, "reports/scan.json"}, ""},
		{"junit.XML", Output{FormatJUnit, "junit.XML"}, ""},
		{"summary.md", Output{FormatMarkdown, "summary.md"}, ""},
		{"r.html", Output{FormatHTML, "r.html"}, ""},
		{"r.htm", Output{FormatHTML, "r.htm"}, ""},
		{"out.txt", Output{FormatText, "out.txt"}, ""},
		{"sarif:results.json", Output{FormatSARIF, "results.json"}, ""},
		{"SARIF:results.json", Output{FormatSARIF, "results.json"}, ""},
		{"json:/tmp/x/report", Output{FormatJSON, "/tmp/x/report"}, ""},
		{`C:\reports\out.sarif`, Output{FormatSARIF, `C:\reports\out.sarif`}, ""},
		{"./odd:name.json", Output{FormatJSON, "./odd:name.json"}, ""},
		{"gitlab-dast:gl-dast.json", Output{FormatGitLabDAST, "gl-dast.json"}, ""},
		{"pdf:out.pdf", Output{}, `unknown format "pdf"`},
		{"out.pdf", Output{}, "cannot tell the format"},
		{"noext", Output{}, "cannot tell the format"},
		{"sarif:", Output{}, "no path"},
		{"", Output{}, "empty output"},
	}
	for _, tt := range tests {
		got, err := ParseOutput(tt.spec)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || escarp.KindOf(err) != escarp.Invalid {
				t.Errorf("ParseOutput(%q) = %v, %v; want an invalid error containing %q", tt.spec, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseOutput(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
		}
	}
}

func TestWriteOutputs(t *testing.T) {
	dir := t.TempDir()
	outs, err := ParseOutputs([]string{filepath.Join(dir, "a/b/report.sarif"), "json:" + filepath.Join(dir, "c/report.out")})
	if err != nil {
		t.Fatal(err)
	}
	if err := (Options{}).WriteOutputs(fixture(), outs); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a/b/report.sarif", "c/report.out"} {
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(data) {
			t.Errorf("%s is not JSON", p)
		}
	}
	// A directory where a file should be: the error names the path.
	if err := os.MkdirAll(filepath.Join(dir, "taken.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = (Options{}).WriteOutputs(fixture(), []Output{{FormatJSON, filepath.Join(dir, "taken.json")}})
	if err == nil || !strings.Contains(err.Error(), "taken.json") {
		t.Errorf("writing over a directory: %v", err)
	}
}

func TestRelativeURI(t *testing.T) {
	o := Options{BaseDir: "/src/shop", WorkDir: "/src/shop/api"}
	tests := []struct {
		file, uri string
		rel       bool
	}{
		{"openapi.yaml", "api/openapi.yaml", true}, // relative to WorkDir
		{"/src/shop/internal/x.go", "internal/x.go", true},
		{"/src/shop/my file.go", "my%20file.go", true},
		{"/elsewhere/spec.yaml", "file:///elsewhere/spec.yaml", false},
		{"../../etc/passwd", "file:///src/etc/passwd", false},
		{"https://api.example.com/openapi.json?api_key=s3cr3t", "https://api.example.com/openapi.json?api_key=REDACTED", false},
	}
	for _, tt := range tests {
		uri, rel := o.RelativeURI(tt.file)
		if uri != tt.uri || rel != tt.rel {
			t.Errorf("RelativeURI(%q) = %q, %v; want %q, %v", tt.file, uri, rel, tt.uri, tt.rel)
		}
	}
	if uri, rel := (Options{}).RelativeURI("./api/../api/openapi.yaml"); uri != "api/openapi.yaml" || !rel {
		t.Errorf("RelativeURI without a base = %q, %v", uri, rel)
	}
}

// sarifSchema compiles ../shared/schemas/sarif-schema-2.1.0.json, or skips.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(sharedDir(t), "schemas", "sarif-schema-2.1.0.json")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("SARIF schema not found (%v): skipping validation", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// sharedDir returns ../shared relative to the repository root.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared")
		}
		dir = filepath.Dir(dir)
	}
	t.Skip("repository root (go.mod) not found: skipping")
	return ""
}

// manyFindings returns a scan report with n findings of mixed severities.
func manyFindings(n int) *escarp.Report {
	run := &escarp.Run{Engine: escarp.EngineScan, Target: "http://127.0.0.1:9", Spec: "openapi.yaml", StartedAt: t0, FinishedAt: t0.Add(time.Minute),
		Rules: []escarp.RuleInfo{{ID: "ESC-DAST-X-001", Title: "X", Severity: escarp.SeverityMedium}}}
	run.Findings = make([]escarp.Finding, n)
	for i := range run.Findings {
		run.Findings[i] = escarp.Finding{RuleID: "ESC-DAST-X-001", Kind: escarp.KindDAST, Severity: escarp.Severity(i % 5),
			Message:  fmt.Sprintf("finding %d", i),
			Location: escarp.Location{File: "openapi.yaml", Line: 1 + i%400, Method: "GET", Path: fmt.Sprintf("/items/%d", i)}}
	}
	return &escarp.Report{Tool: escarp.Tool{Name: "escarp", Version: "dev"}, Runs: []*escarp.Run{run}}
}

func TestSARIFValidates(t *testing.T) {
	sch := sarifSchema(t)
	audit := fixture()
	audit.Runs = audit.Runs[:1]
	scan := fixture()
	scan.Runs = scan.Runs[1:2]
	code := fixture()
	code.Runs = code.Runs[2:]
	urlSpec := fixture()
	urlSpec.Runs = urlSpec.Runs[1:2]
	urlSpec.Runs[0].Spec = "https://api.example.com/openapi.json"
	tests := []struct {
		name string
		r    *escarp.Report
		o    Options
	}{
		{"full", fixture(), goldenOptions},
		{"audit", audit, Options{}},
		{"scan with evidence", scan, goldenOptions},
		{"code with flows", code, Options{BaseDir: "/src", WorkDir: "/src/shop"}},
		{"spec from a URL", urlSpec, Options{}},
		{"config fallback", urlSpec, Options{BaseDir: "/src/shop", ConfigFile: "/src/shop/escarp.yaml"}},
		{"empty report", &escarp.Report{}, Options{}},
		{"empty run", &escarp.Report{Runs: []*escarp.Run{{Engine: escarp.EngineAudit}}}, Options{}},
		{"over the limit", manyFindings(MaxSARIFResults + 7), Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, tt.o, FormatSARIF, tt.r)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("SARIF does not validate: %v", err)
			}
			if tt.name != "over the limit" {
				return
			}
			log := decodeSARIF(t, out)
			if got := len(log.Runs[0].Results); got != MaxSARIFResults {
				t.Errorf("%d results, want %d", got, MaxSARIFResults)
			}
			if got := log.Runs[0].Properties["dropped"]; got != float64(7) {
				t.Errorf("dropped = %v, want 7", got)
			}
		})
	}
}

// sarifLog is the part of SARIF the shape tests read.
type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		AutomationDetails struct{ ID string } `json:"automationDetails"`
		Tool              struct {
			Driver struct {
				Name  string
				Rules []struct {
					ID, Name             string
					ShortDescription     struct{ Text string } `json:"shortDescription"`
					FullDescription      struct{ Text string } `json:"fullDescription"`
					Help                 struct{ Text, Markdown string }
					DefaultConfiguration struct{ Level string } `json:"defaultConfiguration"`
					Properties           map[string]any
				}
			}
		}
		Invocations []struct {
			ToolExecutionNotifications []struct{ Message struct{ Text string } } `json:"toolExecutionNotifications"`
		}
		Properties map[string]any
		Results    []sarifResultJSON
	}
}

type sarifResultJSON struct {
	RuleID    string `json:"ruleId"`
	RuleIndex int    `json:"ruleIndex"`
	Level     string
	Message   struct{ Text string }
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI       string `json:"uri"`
				URIBaseID string `json:"uriBaseId"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine, StartColumn int
			}
		} `json:"physicalLocation"`
		LogicalLocations []struct {
			FullyQualifiedName string `json:"fullyQualifiedName"`
		} `json:"logicalLocations"`
	}
	WebRequest *struct {
		Method, Target string
		Headers        map[string]string
	} `json:"webRequest"`
	WebResponse *struct {
		StatusCode int `json:"statusCode"`
		Body       struct{ Text string }
	} `json:"webResponse"`
	CodeFlows []struct {
		ThreadFlows []struct {
			Locations []struct {
				Location struct{ Message struct{ Text string } }
			}
		} `json:"threadFlows"`
	} `json:"codeFlows"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any
	Suppressions        []struct{ Kind, Justification, Status string }
}

func decodeSARIF(t *testing.T, data []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	return log
}

func TestSARIFShape(t *testing.T) {
	log := decodeSARIF(t, render(t, goldenOptions, FormatSARIF, fixture()))
	if log.Version != "2.1.0" || len(log.Runs) != 3 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	for i, engine := range []string{"audit", "scan", "code"} {
		if got := log.Runs[i].AutomationDetails.ID; got != "escarp/"+engine+"/" {
			t.Errorf("run %d automationDetails.id = %q", i, got)
		}
	}
	scan := log.Runs[1]
	rule := scan.Tool.Driver.Rules[0]
	if rule.ID != "ESC-DAST-BOLA-001" || rule.Name != "BrokenObjectLevelAuthorization" || rule.ShortDescription.Text == "" ||
		rule.FullDescription.Text == "" || rule.Help.Text == "" || rule.Help.Markdown == "" || rule.DefaultConfiguration.Level != "error" {
		t.Errorf("rule = %+v", rule)
	}
	if got, want := rule.Properties["tags"], []any{"security", "API1:2023", "CWE-639"}; !cmp.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	if got := rule.Properties["security-severity"]; got != "9.5" {
		t.Errorf("security-severity = %#v, want \"9.5\"", got)
	}

	byRule := map[string]sarifResultJSON{}
	for _, r := range scan.Results {
		byRule[r.RuleID] = r
		if scan.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s has ruleIndex %d naming %s", r.RuleID, r.RuleIndex, scan.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		if len(r.PartialFingerprints["escarp/v1"]) != 32 {
			t.Errorf("result %s: partialFingerprints = %v", r.RuleID, r.PartialFingerprints)
		}
		if r.Properties["confidence"] == nil {
			t.Errorf("result %s has no confidence", r.RuleID)
		}
	}
	bola := byRule["ESC-DAST-BOLA-001"]
	loc := bola.Locations[0]
	if loc.PhysicalLocation.ArtifactLocation.URI != "api/openapi.yaml" || loc.PhysicalLocation.ArtifactLocation.URIBaseID != "%SRCROOT%" ||
		loc.PhysicalLocation.Region.StartLine != 30 || loc.LogicalLocations[0].FullyQualifiedName != "GET /users/{id}" {
		t.Errorf("BOLA location = %+v", loc)
	}
	if bola.Level != "error" || bola.WebRequest == nil || bola.WebRequest.Method != "GET" ||
		bola.WebRequest.Headers["Authorization"] != "Bearer REDACTED" || bola.WebResponse == nil || bola.WebResponse.StatusCode != 200 {
		t.Errorf("BOLA evidence = %+v %+v", bola.WebRequest, bola.WebResponse)
	}
	if r, _ := bola.Properties["reproducer"].(string); !strings.Contains(r, "$BOB_TOKEN") {
		t.Errorf("reproducer = %q", r)
	}
	// No element: line 1 of the spec.
	inv := byRule["ESC-DAST-INV-001"].Locations[0].PhysicalLocation
	if inv.ArtifactLocation.URI != "api/openapi.yaml" || inv.Region.StartLine != 1 {
		t.Errorf("undocumented endpoint location = %+v", inv)
	}
	hdr := byRule["ESC-DAST-HDR-001"]
	if len(hdr.Suppressions) != 1 || hdr.Suppressions[0].Kind != "external" || !strings.Contains(hdr.Suppressions[0].Justification, "accepted risk") {
		t.Errorf("suppressions = %+v", hdr.Suppressions)
	}
	code := log.Runs[2]
	var sqli sarifResultJSON
	for _, r := range code.Results {
		if r.RuleID == "ESC-SAST-SQLI-001" {
			sqli = r
		}
		if r.RuleID == "gitleaks:aws-access-token" && (len(r.Suppressions) != 1 || r.Suppressions[0].Kind != "inSource") {
			t.Errorf("inline suppression = %+v", r.Suppressions)
		}
	}
	if len(sqli.CodeFlows) != 1 || len(sqli.CodeFlows[0].ThreadFlows[0].Locations) != 3 {
		t.Errorf("codeFlows = %+v", sqli.CodeFlows)
	}
}

func TestSARIFLimit(t *testing.T) {
	const n = 60
	log := decodeSARIF(t, render(t, Options{MaxResults: 25}, FormatSARIF, manyFindings(n)))
	run := log.Runs[0]
	if len(run.Results) != 25 {
		t.Fatalf("%d results, want 25", len(run.Results))
	}
	// 60 findings, severities i%5: 12 of each; the 25 kept are the 12
	// critical, the 12 high and one medium.
	levels := map[string]int{}
	for _, r := range run.Results {
		levels[r.Level]++
	}
	if levels["error"] != 24 || levels["warning"] != 1 {
		t.Errorf("kept levels %v, want 24 error and 1 warning", levels)
	}
	if got := run.Properties["dropped"]; got != float64(n-25) {
		t.Errorf("properties.dropped = %v, want %d", got, n-25)
	}
	notes := run.Invocations[0].ToolExecutionNotifications
	if len(notes) == 0 || !strings.Contains(notes[0].Message.Text, "35 results dropped") {
		t.Errorf("notifications = %+v", notes)
	}
}
