// Package report renders an [escarp.Report] in every output format escarp
// writes: the canonical JSON, SARIF 2.1.0, JUnit XML, Markdown, HTML and
// human text.
//
// Every format goes through [Prepare] first, which sorts findings into a
// stable order and passes evidence, reproducers, URLs and snippets through
// internal/redact, so that no format can leak a secret an engine forgot to
// redact.
//
// The set of formats is closed: [Lookup] names them. Output specifications
// as given to -o (a path whose extension names the format, or FORMAT:PATH)
// are parsed by [ParseOutput].
package report

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
)

// A Format writes a complete report to w.
type Format func(w io.Writer, r *escarp.Report) error

// Options tune how formats render. The zero value is valid.
type Options struct {
	// Color enables ANSI colours in the text format.
	Color bool
	// BaseDir is the directory file URIs are made relative to (the
	// repository root); SARIF locations under it get uriBaseId %SRCROOT%.
	BaseDir string
	// WorkDir is the directory relative file names in findings are
	// relative to; empty means BaseDir.
	WorkDir string
	// ConfigFile is the configuration file used, if any: findings with
	// no element and no local spec file point at its first line.
	ConfigFile string
	// MaxResults bounds the SARIF results per run; zero means
	// [MaxSARIFResults].
	MaxResults int
	// Status, when set, receives "wrote FILE" for every file
	// [Options.WriteOutputs] writes, FILE relative to StatusDir when
	// under it.
	Status    io.Writer
	StatusDir string
}

// The format names.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatSARIF    = "sarif"
	FormatJUnit    = "junit"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

// formats is the explicit list of formats, by name.
var formats = map[string]func(Options) Format{
	FormatText:     func(o Options) Format { return checklistOr(textFormat(o), writeChecklistText) },
	FormatJSON:     func(Options) Format { return writeJSON },
	FormatSARIF:    sarifFormat,
	FormatJUnit:    func(Options) Format { return writeJUnit },
	FormatMarkdown: func(Options) Format { return checklistOr(writeMarkdown, writeChecklistMarkdown) },
	FormatHTML:     func(Options) Format { return checklistOr(writeHTML, writeChecklistHTML) },

	FormatGitLabDAST:               gitlabFormat("dast"),
	FormatGitLabSAST:               gitlabFormat("sast"),
	FormatGitLabDependencyScanning: gitlabFormat("dependency_scanning"),
	FormatGitLabSecretDetection:    gitlabFormat("secret_detection"),
}

// Names returns the names of the formats, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(formats))
}

// Lookup returns the named format with default options, or an error of
// kind Invalid listing the valid names.
func Lookup(name string) (Format, error) { return Options{}.Lookup(name) }

// Lookup returns the named format rendering with o, or an error of kind
// Invalid listing the valid names.
func (o Options) Lookup(name string) (Format, error) {
	mk, ok := formats[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, &escarp.Error{Op: "report.Lookup", Kind: escarp.Invalid,
			Message: fmt.Sprintf("unknown format %q (want %s)", name, strings.Join(Names(), ", "))}
	}
	return mk(o), nil
}

// Prepare returns a copy of r ready to render: schema version set, findings
// of each run in a stable order (severity descending, then rule, then
// location), fingerprints filled in, and every piece of evidence,
// reproducer, URL, snippet, message and note, and the target and spec
// URLs, passed through internal/redact. r is
// not modified. Every format calls it; callers need not.
func Prepare(r *escarp.Report) *escarp.Report {
	if r == nil {
		r = &escarp.Report{}
	}
	out := *r
	if out.SchemaVersion == "" {
		out.SchemaVersion = escarp.ReportSchemaVersion
	}
	if out.Tool.Name == "" {
		out.Tool.Name = "escarp"
	}
	out.Runs = make([]*escarp.Run, 0, len(r.Runs))
	for _, run := range r.Runs {
		if run == nil {
			continue
		}
		cp := *run
		cp.Target = redactTarget(run.Target)
		cp.Spec = redactTarget(run.Spec)
		if run.Notes != nil {
			cp.Notes = make([]string, len(run.Notes))
			for i, n := range run.Notes {
				cp.Notes[i] = redact.String(n)
			}
		}
		cp.Findings = make([]escarp.Finding, len(run.Findings))
		for i := range run.Findings {
			cp.Findings[i] = redactFinding(run.Findings[i])
			cp.Findings[i].SetFingerprint()
		}
		SortFindings(cp.Findings)
		if cp.Rules == nil {
			cp.Rules = []escarp.RuleInfo{}
		}
		out.Runs = append(out.Runs, &cp)
	}
	return &out
}

// SortFindings sorts fs in the canonical order: severity descending, then
// rule id, then location (file, line, column, operation, parameter,
// pointer), then fingerprint and message, so that equal inputs always give
// equal outputs.
func SortFindings(fs []escarp.Finding) {
	slices.SortStableFunc(fs, compareFindings)
}

func compareFindings(a, b escarp.Finding) int {
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	la, lb := a.Location, b.Location
	return cmp.Or(
		cmp.Compare(a.RuleID, b.RuleID),
		cmp.Compare(la.File, lb.File),
		cmp.Compare(la.Line, lb.Line),
		cmp.Compare(la.Column, lb.Column),
		cmp.Compare(la.Path, lb.Path),
		cmp.Compare(la.Method, lb.Method),
		cmp.Compare(la.Param, lb.Param),
		cmp.Compare(la.Pointer, lb.Pointer),
		cmp.Compare(la.Service, lb.Service),
		cmp.Compare(a.Fingerprint, b.Fingerprint),
		cmp.Compare(a.Message, b.Message),
	)
}

// ruleTable returns the rules of run by id, adding a description for
// every rule a finding names that run.Rules lacks, in run.Rules order then
// by id.
func ruleTable(run *escarp.Run) []escarp.RuleInfo {
	rules := slices.Clone(run.Rules)
	seen := make(map[string]bool, len(rules))
	for _, r := range rules {
		seen[r.ID] = true
	}
	var extra []escarp.RuleInfo
	for i := range run.Findings {
		f := &run.Findings[i]
		if seen[f.RuleID] {
			continue
		}
		seen[f.RuleID] = true
		extra = append(extra, escarp.RuleInfo{ID: f.RuleID, Title: f.Title, Severity: f.Severity,
			OWASP: f.OWASP, CWE: f.CWE, Remediation: f.Remediation})
	}
	slices.SortFunc(extra, func(a, b escarp.RuleInfo) int { return cmp.Compare(a.ID, b.ID) })
	return append(rules, extra...)
}

// group is the findings of one rule.
type group struct {
	Rule     escarp.RuleInfo
	Findings []escarp.Finding
	// Severity is the highest severity among the unsuppressed findings,
	// or among all when every one is suppressed.
	Severity escarp.Severity
	// Open counts the unsuppressed findings.
	Open int
}

// groupByRule groups the findings of run by rule: groups with unsuppressed
// findings first, then by severity, most severe first, then by rule id.
// Rules without findings are left out.
func groupByRule(run *escarp.Run) []group {
	rules := ruleTable(run)
	idx := make(map[string]int)
	var gs []group
	for i := range run.Findings {
		f := run.Findings[i]
		j, ok := idx[f.RuleID]
		if !ok {
			j = len(gs)
			idx[f.RuleID] = j
			var ri escarp.RuleInfo
			for _, r := range rules {
				if r.ID == f.RuleID {
					ri = r
					break
				}
			}
			gs = append(gs, group{Rule: ri, Severity: f.Severity})
		}
		g := &gs[j]
		g.Findings = append(g.Findings, f)
		switch {
		case f.Suppressed != nil:
			if g.Open == 0 {
				g.Severity = max(g.Severity, f.Severity)
			}
		case g.Open == 0:
			g.Severity = f.Severity
			g.Open++
		default:
			g.Severity = max(g.Severity, f.Severity)
			g.Open++
		}
	}
	slices.SortStableFunc(gs, func(a, b group) int {
		return cmp.Or(cmp.Compare(min(b.Open, 1), min(a.Open, 1)), cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Rule.ID, b.Rule.ID))
	})
	return gs
}

// where describes a finding's location in one line for humans:
// "GET /users/{id} (openapi.yaml:42)", "main.go:12:3", ...
func where(l escarp.Location) string {
	var parts []string
	if op := l.Operation(); op != "" {
		if l.Service != "" {
			op = l.Service + ": " + op
		}
		if l.Param != "" {
			op += " [" + l.Param + "]"
		}
		parts = append(parts, op)
	}
	if l.File != "" {
		p := escarp.Position{File: l.File, Line: l.Line, Column: l.Column}.String()
		if len(parts) > 0 {
			p = "(" + p + ")"
		}
		parts = append(parts, p)
	} else if l.Pointer != "" {
		parts = append(parts, "#"+l.Pointer)
	} else if l.URL != "" && len(parts) == 0 {
		parts = append(parts, l.URL)
	}
	return strings.Join(parts, " ")
}
