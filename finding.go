package escarp

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Kind says which engine produced a finding.
type Kind string

// The finding kinds.
const (
	KindAudit   Kind = "audit"   // static audit of an API description
	KindDAST    Kind = "dast"    // dynamic test of a running API
	KindSAST    Kind = "sast"    // static analysis of source code
	KindSCA     Kind = "sca"     // vulnerable dependency
	KindSecret  Kind = "secret"  // secret in a repository or spec
	KindAnomaly Kind = "anomaly" // anomaly in live traffic
	KindPolicy  Kind = "policy"  // policy-as-code violation
	KindThreat  Kind = "threat"  // threat of a derived threat model
)

// Finding is one problem found by any engine. Nothing downstream cares which
// engine produced it.
type Finding struct {
	RuleID     string     `json:"ruleId"`
	Title      string     `json:"title"`
	Kind       Kind       `json:"kind"`
	Severity   Severity   `json:"severity"`
	Confidence Confidence `json:"confidence"`
	// OWASP is the OWASP API Security Top 10 2023 id ("API1:2023"), if any.
	OWASP string   `json:"owasp,omitempty"`
	CWE   []string `json:"cwe,omitempty"` // "CWE-639"
	// Message says what is wrong in this instance.
	Message  string   `json:"message"`
	Location Location `json:"location"`
	// Evidence is the redacted proof (DAST, anomalies).
	Evidence *Evidence `json:"evidence,omitempty"`
	// Reproducer is a command that reproduces the finding, with secrets
	// replaced by $VARIABLES.
	Reproducer  string   `json:"reproducer,omitempty"`
	Remediation string   `json:"remediation,omitempty"` // Markdown
	References  []string `json:"references,omitempty"`
	// Flows are taint paths for code findings, each from source to sink.
	Flows [][]Location `json:"flows,omitempty"`
	// Package is the vulnerable dependency of an SCA finding.
	Package *Package `json:"package,omitempty"`
	// Hash identifies the offending element independent of where it is: a
	// hash of a normalized code snippet or of a secret. Never the secret.
	Hash string `json:"hash,omitempty"`
	// Fingerprint is stable across runs and machines; see [Fingerprint].
	Fingerprint string `json:"fingerprint"`
	// Suppressed, when set, says why the finding does not count.
	Suppressed *Suppression      `json:"suppressed,omitempty"`
	Properties map[string]string `json:"properties,omitempty"`
}

// Location says where a finding is: in a file, in an API operation, or both.
type Location struct {
	// File is repository-relative when possible; Line and Column are 1-based.
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	EndLine   int    `json:"endLine,omitempty"`
	EndColumn int    `json:"endColumn,omitempty"`
	// Pointer is a JSON pointer into the API description ("/paths/~1users/get").
	Pointer string `json:"pointer,omitempty"`
	// Method and Path name the operation ("GET", "/users/{id}").
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// Param is a parameter name ("query:id") or a body pointer ("body:/role").
	Param   string `json:"param,omitempty"`
	Service string `json:"service,omitempty"`
	URL     string `json:"url,omitempty"`
	// Snippet is the offending source line(s), redacted.
	Snippet string `json:"snippet,omitempty"`
	// Message annotates one step of a code flow.
	Message string `json:"message,omitempty"`
}

// Operation returns "METHOD /path" for API findings, or "".
func (l Location) Operation() string {
	if l.Method == "" && l.Path == "" {
		return ""
	}
	return strings.TrimSpace(l.Method + " " + l.Path)
}

// At sets the file position of l from p.
func (l Location) At(p Position) Location {
	l.File, l.Line, l.Column = p.File, p.Line, p.Column
	return l
}

// Evidence is the redacted request and response that prove a finding.
type Evidence struct {
	Request  *HTTPMessage `json:"request,omitempty"`
	Response *HTTPMessage `json:"response,omitempty"`
	// Note explains what the evidence shows ("response time 3.1s vs 0.02s baseline").
	Note string `json:"note,omitempty"`
}

// HTTPMessage is a redacted HTTP request or response.
type HTTPMessage struct {
	Method    string              `json:"method,omitempty"`
	URL       string              `json:"url,omitempty"`
	Status    int                 `json:"status,omitempty"`
	Header    map[string][]string `json:"header,omitempty"`
	Body      string              `json:"body,omitempty"`
	Truncated bool                `json:"truncated,omitempty"`
}

// Package is a dependency at a version.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	FixedIn   string `json:"fixedIn,omitempty"`
}

// Suppression records why a finding is not counted.
type Suppression struct {
	Kind    string `json:"kind"` // "inline", "baseline", "file"
	Reason  string `json:"reason,omitempty"`
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD
}

// Fingerprint computes the stable identity of f from the parts
// ARCHITECTURE.md names, never from volatile values:
//   - API findings (DAST, anomalies, audit findings on an operation without a
//     pointer): rule, method, path template and parameter or body pointer;
//   - spec findings: rule and JSON pointer;
//   - code findings: rule, file and Hash (of the normalized snippet);
//   - SCA: package, version and advisory;
//   - secrets: rule, file and Hash (of the secret).
//
// The result is 32 hex digits.
func Fingerprint(f *Finding) string {
	parts := []string{"v1", string(f.Kind), f.RuleID}
	l := f.Location
	switch {
	case f.Kind == KindSCA && f.Package != nil:
		parts = append(parts, f.Package.Ecosystem, f.Package.Name, f.Package.Version)
	case f.Kind == KindSAST || f.Kind == KindSecret:
		parts = append(parts, l.File, f.Hash)
	case l.Pointer != "":
		parts = append(parts, l.Pointer)
	default:
		parts = append(parts, l.Service, l.Method, l.Path, l.Param)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// SetFingerprint fills f.Fingerprint when it is empty and returns it.
func (f *Finding) SetFingerprint() string {
	if f.Fingerprint == "" {
		f.Fingerprint = Fingerprint(f)
	}
	return f.Fingerprint
}

// SortFindings orders findings by file, line, column, rule and
// fingerprint: the order code engines report in, stable across runs.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Location.File, b.Location.File),
			cmp.Compare(a.Location.Line, b.Location.Line),
			cmp.Compare(a.Location.Column, b.Location.Column),
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
}

// OWASP API Security Top 10 2023 categories.
var OWASPTop10 = map[string]string{
	"API1:2023":  "Broken Object Level Authorization",
	"API2:2023":  "Broken Authentication",
	"API3:2023":  "Broken Object Property Level Authorization",
	"API4:2023":  "Unrestricted Resource Consumption",
	"API5:2023":  "Broken Function Level Authorization",
	"API6:2023":  "Unrestricted Access to Sensitive Business Flows",
	"API7:2023":  "Server Side Request Forgery",
	"API8:2023":  "Security Misconfiguration",
	"API9:2023":  "Improper Inventory Management",
	"API10:2023": "Unsafe Consumption of APIs",
}
