package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// GitLab security report formats, one per report type GitLab reads
// (artifacts:reports:dast, sast, dependency_scanning, secret_detection).
const (
	FormatGitLabDAST               = "gitlab-dast"
	FormatGitLabSAST               = "gitlab-sast"
	FormatGitLabDependencyScanning = "gitlab-dependency-scanning"
	FormatGitLabSecretDetection    = "gitlab-secret-detection" // #nosec G101 -- a format name, not a credential
)

// GitLabSchemaVersion is the version of GitLab's security report schemas
// the gitlab-* formats follow (the 15.x series GitLab currently
// publishes).
const GitLabSchemaVersion = "15.2.1"

// gitlabTime is the timestamp layout GitLab's schemas require
// (no zone; UTC).
const gitlabTime = "2006-01-02T15:04:05"

type glReport struct {
	Version         string   `json:"version"`
	Scan            glScan   `json:"scan"`
	Vulnerabilities []glVuln `json:"vulnerabilities"`
	Remediations    []any    `json:"remediations"`
}

type glVendor struct {
	Name string `json:"name"`
}

type glTool struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	URL     string   `json:"url,omitempty"`
	Version string   `json:"version"`
	Vendor  glVendor `json:"vendor"`
}

type glScan struct {
	Analyzer         glTool        `json:"analyzer"`
	Scanner          glTool        `json:"scanner"`
	Type             string        `json:"type"`
	StartTime        string        `json:"start_time"`
	EndTime          string        `json:"end_time"`
	Status           string        `json:"status"`
	ScannedResources []glResource  `json:"scanned_resources,omitempty"`
	Messages         []glScanNotes `json:"messages,omitempty"`
}

type glScanNotes struct {
	Level string `json:"level"`
	Value string `json:"value"`
}

type glResource struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Type   string `json:"type"`
}

type glIdentifier struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
	URL   string `json:"url,omitempty"`
}

type glVuln struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Severity    string         `json:"severity"`
	Solution    string         `json:"solution,omitempty"`
	Identifiers []glIdentifier `json:"identifiers"`
	Links       []glLink       `json:"links,omitempty"`
	Location    map[string]any `json:"location"`
	Evidence    *glEvidence    `json:"evidence,omitempty"`
	Flags       []glFlag       `json:"flags,omitempty"`
}

type glLink struct {
	URL string `json:"url"`
}

type glFlag struct {
	Type        string `json:"type"`
	Origin      string `json:"origin"`
	Description string `json:"description"`
}

type glHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type glMessage struct {
	Headers      []glHeader `json:"headers"`
	Method       string     `json:"method,omitempty"`
	URL          string     `json:"url,omitempty"`
	Body         string     `json:"body,omitempty"`
	StatusCode   int        `json:"status_code,omitempty"`
	ReasonPhrase string     `json:"reason_phrase,omitempty"`
}

type glEvidence struct {
	Summary  string     `json:"summary,omitempty"`
	Request  *glMessage `json:"request,omitempty"`
	Response *glMessage `json:"response,omitempty"`
}

// gitlabKinds says which findings each GitLab report type carries. The SAST
// report carries audit findings too: they are static findings in a file
// (the API description) at a line.
var gitlabKinds = map[string][]escarp.Kind{
	"dast":                {escarp.KindDAST},
	"sast":                {escarp.KindSAST, escarp.KindAudit},
	"dependency_scanning": {escarp.KindSCA},
	"secret_detection":    {escarp.KindSecret},
}

// gitlabFormat returns the Format writing a GitLab security report of
// type typ ("dast", "sast", "dependency_scanning", "secret_detection").
func gitlabFormat(typ string) func(Options) Format {
	return func(o Options) Format {
		return func(w io.Writer, r *escarp.Report) error {
			return writeGitLab(w, Prepare(r), typ, o)
		}
	}
}

func writeGitLab(w io.Writer, r *escarp.Report, typ string, o Options) error {
	version := r.Tool.Version
	if version == "" {
		version = "dev"
	}
	tool := glTool{ID: "escarp", Name: "escarp", URL: r.Tool.URI, Version: version, Vendor: glVendor{Name: "escarp"}}
	start, end := r.StartedAt, r.FinishedAt
	out := glReport{
		Version: GitLabSchemaVersion,
		Scan: glScan{Analyzer: tool, Scanner: tool, Type: typ, Status: "success",
			StartTime: glTimestamp(start), EndTime: glTimestamp(end)},
		Vulnerabilities: []glVuln{},
		Remediations:    []any{},
	}
	kinds := gitlabKinds[typ]
	resources := map[glResource]bool{}
	for _, run := range r.Runs {
		if start.IsZero() || (!run.StartedAt.IsZero() && run.StartedAt.Before(start)) {
			start = run.StartedAt
		}
		if run.FinishedAt.After(end) {
			end = run.FinishedAt
		}
		for i := range run.Findings {
			f := &run.Findings[i]
			if !slices.Contains(kinds, f.Kind) || (f.Suppressed != nil && f.Suppressed.Kind != "baseline") {
				continue
			}
			v := gitlabVuln(f, typ, run, o)
			out.Vulnerabilities = append(out.Vulnerabilities, v)
			if typ == "dast" {
				if u := findingURL(f, run); u != "" {
					resources[glResource{Method: methodOr(f.Location.Method), URL: u, Type: "url"}] = true
				}
			}
		}
	}
	out.Scan.StartTime, out.Scan.EndTime = glTimestamp(start), glTimestamp(end)
	if typ == "dast" {
		out.Scan.ScannedResources = []glResource{}
		for res := range resources {
			out.Scan.ScannedResources = append(out.Scan.ScannedResources, res)
		}
		slices.SortFunc(out.Scan.ScannedResources, func(a, b glResource) int {
			return strings.Compare(a.URL+" "+a.Method, b.URL+" "+b.Method)
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func glTimestamp(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(gitlabTime)
}

// gitlabSeverity maps an escarp severity to GitLab's capitalised names.
func gitlabSeverity(s escarp.Severity) string {
	switch s {
	case escarp.SeverityCritical:
		return "Critical"
	case escarp.SeverityHigh:
		return "High"
	case escarp.SeverityMedium:
		return "Medium"
	case escarp.SeverityLow:
		return "Low"
	case escarp.SeverityInfo:
		return "Info"
	}
	return "Unknown"
}

// uuidShape formats a 32-hex fingerprint as a UUID, which GitLab expects
// for vulnerability ids; it stays stable across runs.
func uuidShape(fp string) string {
	if len(fp) != 32 {
		return fp
	}
	return fp[0:8] + "-" + fp[8:12] + "-" + fp[12:16] + "-" + fp[16:20] + "-" + fp[20:32]
}

func gitlabVuln(f *escarp.Finding, typ string, run *escarp.Run, o Options) glVuln {
	v := glVuln{
		ID:          uuidShape(f.Fingerprint),
		Name:        cmpOr(f.Title, f.RuleID),
		Description: f.Message,
		Severity:    gitlabSeverity(f.Severity),
		Solution:    f.Remediation,
		Identifiers: []glIdentifier{{Type: "escarp_rule_id", Name: f.RuleID, Value: f.RuleID}},
	}
	if f.OWASP != "" {
		v.Identifiers = append(v.Identifiers, glIdentifier{Type: "owasp", Name: f.OWASP + " " + escarp.OWASPTop10[f.OWASP], Value: f.OWASP,
			URL: "https://owasp.org/API-Security/editions/2023/en/0x11-t10/"})
	}
	for _, c := range f.CWE {
		n := strings.TrimPrefix(c, "CWE-")
		v.Identifiers = append(v.Identifiers, glIdentifier{Type: "cwe", Name: c, Value: n,
			URL: "https://cwe.mitre.org/data/definitions/" + n + ".html"})
	}
	if f.Package != nil && strings.Contains(f.RuleID, "-") {
		v.Identifiers = append(v.Identifiers, glIdentifier{Type: advisoryType(f.RuleID), Name: f.RuleID, Value: f.RuleID})
	}
	for _, ref := range f.References {
		if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
			v.Links = append(v.Links, glLink{URL: ref})
		}
	}
	if f.Suppressed != nil {
		v.Flags = append(v.Flags, glFlag{Type: "flagged-as-likely-false-positive", Origin: "escarp",
			Description: "accepted in the escarp baseline"})
	}
	l := f.Location
	file := relFile(l.File, o)
	switch typ {
	case "dast":
		u := findingURL(f, run)
		host, path := "", l.Path
		if pu, err := url.Parse(u); err == nil && pu.Host != "" {
			host = pu.Scheme + "://" + pu.Host
			if path == "" {
				path = pu.Path
			}
		}
		v.Location = map[string]any{"hostname": host, "method": methodOr(l.Method), "path": path}
		if l.Param != "" {
			v.Location["param"] = l.Param
		}
		if f.Evidence != nil {
			v.Evidence = &glEvidence{Summary: f.Evidence.Note, Request: glMsg(f.Evidence.Request), Response: glMsg(f.Evidence.Response)}
			if v.Evidence.Summary == "" {
				v.Evidence.Summary = f.Message
			}
		}
	case "sast":
		v.Location = map[string]any{"file": file}
		if l.Line > 0 {
			v.Location["start_line"] = l.Line
		}
		if l.EndLine > 0 {
			v.Location["end_line"] = l.EndLine
		}
		if op := l.Operation(); op != "" {
			v.Location["method"] = op
		}
	case "dependency_scanning":
		v.Location = map[string]any{"file": file}
		if f.Package != nil {
			v.Location["dependency"] = map[string]any{"package": map[string]any{"name": f.Package.Name}, "version": f.Package.Version}
			if f.Package.FixedIn != "" && v.Solution == "" {
				v.Solution = "Upgrade " + f.Package.Name + " to " + f.Package.FixedIn
			}
		}
	case "secret_detection":
		// The schema requires a commit; escarp scans the working tree.
		sha := f.Properties["commit"]
		if sha == "" {
			sha = "0000000"
		}
		v.Location = map[string]any{"file": file, "commit": map[string]any{"sha": sha}}
		if l.Line > 0 {
			v.Location["start_line"] = l.Line
		}
	}
	return v
}

func advisoryType(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "cve"
	case strings.HasPrefix(id, "GHSA-"):
		return "ghsa"
	case strings.HasPrefix(id, "GO-"):
		return "go"
	}
	return "osv"
}

func glMsg(m *escarp.HTTPMessage) *glMessage {
	if m == nil {
		return nil
	}
	out := &glMessage{Headers: []glHeader{}, Method: m.Method, URL: m.URL, Body: m.Body, StatusCode: m.Status}
	if m.Status > 0 {
		out.ReasonPhrase = http.StatusText(m.Status)
	}
	names := make([]string, 0, len(m.Header))
	for k := range m.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, val := range m.Header[k] {
			out.Headers = append(out.Headers, glHeader{Name: k, Value: val})
		}
	}
	return out
}

// findingURL is the URL a DAST finding concerns: its location URL, the
// request of its evidence, or the run's target joined with the path.
func findingURL(f *escarp.Finding, run *escarp.Run) string {
	if f.Location.URL != "" {
		return f.Location.URL
	}
	if f.Evidence != nil && f.Evidence.Request != nil && f.Evidence.Request.URL != "" {
		return f.Evidence.Request.URL
	}
	if run.Target != "" {
		return strings.TrimSuffix(run.Target, "/") + f.Location.Path
	}
	return ""
}

func methodOr(m string) string {
	if m == "" {
		return "GET"
	}
	return m
}

// relFile makes a file name repository-relative when it lies under
// o.BaseDir.
func relFile(file string, o Options) string {
	if file == "" || o.BaseDir == "" || !strings.HasPrefix(file, "/") {
		return file
	}
	base := strings.TrimSuffix(o.BaseDir, "/") + "/"
	if strings.HasPrefix(file, base) {
		return strings.TrimPrefix(file, base)
	}
	return file
}

// ValidateGitLab checks the structure of a decoded GitLab security report
// of type typ against what the 15.x schemas require: version, scan
// (analyzer, scanner, type, times, status; scanned_resources for DAST) and
// each vulnerability's id, severity, identifiers and type-specific
// location. It returns one message per problem.
func ValidateGitLab(doc map[string]any, typ string) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	str := func(m map[string]any, key, where string) string {
		s, ok := m[key].(string)
		if !ok || s == "" {
			bad("%s.%s: missing or not a string", where, key)
		}
		return s
	}
	if v, _ := doc["version"].(string); !strings.HasPrefix(v, "15.") {
		bad("version %q: want 15.x", doc["version"])
	}
	scanObj, ok := doc["scan"].(map[string]any)
	if !ok {
		return append(errs, "scan: missing")
	}
	for _, k := range []string{"analyzer", "scanner"} {
		tool, ok := scanObj[k].(map[string]any)
		if !ok {
			bad("scan.%s: missing", k)
			continue
		}
		str(tool, "id", "scan."+k)
		str(tool, "name", "scan."+k)
		str(tool, "version", "scan."+k)
		if v, ok := tool["vendor"].(map[string]any); !ok || v["name"] == "" {
			bad("scan.%s.vendor.name: missing", k)
		}
	}
	if got := str(scanObj, "type", "scan"); got != typ {
		bad("scan.type %q, want %q", got, typ)
	}
	for _, k := range []string{"start_time", "end_time"} {
		if _, err := time.Parse(gitlabTime, str(scanObj, k, "scan")); err != nil {
			bad("scan.%s: want YYYY-MM-DDTHH:MM:SS", k)
		}
	}
	if s := str(scanObj, "status", "scan"); s != "success" && s != "failure" {
		bad("scan.status %q", s)
	}
	if typ == "dast" {
		if _, ok := scanObj["scanned_resources"].([]any); !ok {
			bad("scan.scanned_resources: missing")
		}
	}
	vulns, ok := doc["vulnerabilities"].([]any)
	if !ok {
		return append(errs, "vulnerabilities: missing")
	}
	sevs := []string{"Critical", "High", "Medium", "Low", "Info", "Unknown"}
	for i, x := range vulns {
		v, ok := x.(map[string]any)
		where := fmt.Sprintf("vulnerabilities[%d]", i)
		if !ok {
			bad("%s: not an object", where)
			continue
		}
		str(v, "id", where)
		str(v, "name", where)
		if !slices.Contains(sevs, str(v, "severity", where)) {
			bad("%s.severity %q", where, v["severity"])
		}
		ids, _ := v["identifiers"].([]any)
		if len(ids) == 0 {
			bad("%s.identifiers: empty", where)
		}
		for j, y := range ids {
			id, _ := y.(map[string]any)
			if id == nil {
				bad("%s.identifiers[%d]: not an object", where, j)
				continue
			}
			for _, k := range []string{"type", "name", "value"} {
				str(id, k, fmt.Sprintf("%s.identifiers[%d]", where, j))
			}
		}
		loc, ok := v["location"].(map[string]any)
		if !ok {
			bad("%s.location: missing", where)
			continue
		}
		switch typ {
		case "dast":
			for _, k := range []string{"hostname", "method", "path"} {
				str(loc, k, where+".location")
			}
		case "sast", "dependency_scanning", "secret_detection":
			str(loc, "file", where+".location")
		}
		if typ == "dependency_scanning" {
			if _, ok := loc["dependency"].(map[string]any); !ok {
				bad("%s.location.dependency: missing", where)
			}
		}
		if typ == "secret_detection" {
			if _, ok := loc["commit"].(map[string]any); !ok {
				bad("%s.location.commit: missing", where)
			}
		}
	}
	return errs
}
