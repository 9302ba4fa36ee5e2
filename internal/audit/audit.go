// Package audit is escarp's static security audit of API descriptions: the
// contract between audit rules and the engine that runs them.
//
// A [Rule] is a value, in the style of go/analysis: static metadata (ID,
// Title, Doc, Severity, OWASP, CWE, Theme, Aliases) plus one Run function
// that reads the normalized API through a [Pass] and reports findings with
// [Pass.Reportf]. Rules are pure functions of the spec; they never print,
// never touch the network and never decide severities or suppressions,
// which the engine owns.
//
// The engine never imports rules: the built-ins live in
// internal/audit/rules (one file per rule, rules.All the ordered list) and
// cmd/escarp hands that list to [Run]. [Validate] checks a set of rules at
// start-up, [Lookup] finds one by id or alias (Spectral OWASP ids such as
// "owasp:api2:2023-write-restricted" are accepted wherever a rule id is).
//
// # Findings
//
// Every finding points at the offending element: file, line and column
// (through $refs, into the file that holds the element) and a JSON
// pointer. Its fingerprint is [escarp.Fingerprint] of rule and pointer.
//
// # Suppression
//
// An x-escarp-ignore extension on the document root, an operation, a
// parameter, a security scheme or a schema suppresses the listed rules
// for that element and everything under it:
//
//	x-escarp-ignore:
//	  - rule: ESC-AUTH-002
//	    reason: public health check
//
// Suppressed findings are still reported, with Suppressed set (Kind
// "inline"); they do not count towards the score or the failure threshold.
//
// # Score
//
// [ScoreFormula] documents how the 0–100 score and the per-theme subscores
// are computed.
package audit

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
)

// A Rule is one audit check: metadata as data and behaviour as one Run.
// Rules are declared as package-level variables and listed explicitly.
type Rule struct {
	// ID is stable and never reused: "ESC-AUTH-002".
	ID    string
	Title string
	// Doc is Markdown: what the rule checks and why it matters, then a
	// paragraph starting "How to fix:" with a before/after snippet. The
	// part before "How to fix:" is the description, the rest the
	// remediation.
	Doc      string
	Severity escarp.Severity
	OWASP    string   // "API2:2023", or empty
	CWE      []string // {"CWE-306"}
	Theme    Theme
	// Aliases are other tools' ids for the same check (Spectral OWASP,
	// vacuum), accepted wherever a rule id is.
	Aliases []string
	// Heuristic rules guess from names and shapes; their findings have
	// medium confidence instead of high.
	Heuristic bool
	// Run reports the rule's findings through p. An error means the rule
	// could not run, never that it found something.
	Run func(p *Pass) error
}

// String returns the rule's id.
func (r *Rule) String() string { return r.ID }

// remediationMarker separates the description of a Doc from its
// remediation.
const remediationMarker = "How to fix:"

// Description returns the part of Doc before "How to fix:".
func (r *Rule) Description() string {
	if i := strings.Index(r.Doc, remediationMarker); i >= 0 {
		return strings.TrimSpace(r.Doc[:i])
	}
	return strings.TrimSpace(r.Doc)
}

// Remediation returns the part of Doc after "How to fix:", or "".
func (r *Rule) Remediation() string {
	if i := strings.Index(r.Doc, remediationMarker); i >= 0 {
		rem := strings.TrimSpace(r.Doc[i+len(remediationMarker):])
		if rem != "" {
			rem = strings.ToUpper(rem[:1]) + rem[1:]
		}
		return rem
	}
	return ""
}

// Info returns the rule's metadata as reports and `escarp explain` show it.
func (r *Rule) Info() escarp.RuleInfo {
	tags := []string{"security", "audit", string(r.Theme)}
	if r.OWASP != "" {
		tags = append(tags, r.OWASP)
	}
	tags = append(tags, r.CWE...)
	return escarp.RuleInfo{
		ID:          r.ID,
		Title:       r.Title,
		Description: r.Description(),
		Remediation: r.Remediation(),
		Severity:    r.Severity,
		OWASP:       r.OWASP,
		CWE:         r.CWE,
		HelpURI:     "https://github.com/escarp/escarp/blob/main/docs/audit.md#" + strings.ToLower(r.ID),
		Tags:        tags,
	}
}

var cweRE = regexp.MustCompile(`^CWE-[0-9]+$`)

// Validate checks a set of rules before they run: unique ids and aliases
// (case-insensitively), a title, a Doc, a Run function, a valid severity,
// theme, OWASP API Top 10 2023 id and CWE ids.
func Validate(rules []*Rule) error {
	seen := make(map[string]string)
	for i, r := range rules {
		if r == nil {
			return fmt.Errorf("audit: rule %d is nil", i)
		}
		switch {
		case r.ID == "":
			return fmt.Errorf("audit: rule %d has no id", i)
		case r.Title == "":
			return fmt.Errorf("audit: rule %s: no title", r.ID)
		case strings.TrimSpace(r.Doc) == "":
			return fmt.Errorf("audit: rule %s: no Doc", r.ID)
		case r.Run == nil:
			return fmt.Errorf("audit: rule %s: nil Run", r.ID)
		case r.Severity < escarp.SeverityInfo || r.Severity > escarp.SeverityCritical:
			return fmt.Errorf("audit: rule %s: invalid severity %d", r.ID, int(r.Severity))
		case r.OWASP != "" && escarp.OWASPTop10[r.OWASP] == "":
			return fmt.Errorf("audit: rule %s: unknown OWASP API Top 10 2023 id %q", r.ID, r.OWASP)
		case themeByName(r.Theme) == nil:
			return fmt.Errorf("audit: rule %s: unknown theme %q", r.ID, r.Theme)
		}
		for _, c := range r.CWE {
			if !cweRE.MatchString(c) {
				return fmt.Errorf("audit: rule %s: malformed CWE id %q", r.ID, c)
			}
		}
		for _, name := range append([]string{r.ID}, r.Aliases...) {
			k := strings.ToLower(name)
			if other, dup := seen[k]; dup {
				return fmt.Errorf("audit: rule %s: id or alias %q already used by %s", r.ID, name, other)
			}
			seen[k] = r.ID
		}
	}
	return nil
}

// Lookup returns the rule whose id or alias is id (case-insensitively),
// or nil.
func Lookup(rules []*Rule, id string) *Rule {
	id = strings.TrimSpace(id)
	for _, r := range rules {
		if strings.EqualFold(r.ID, id) {
			return r
		}
		for _, a := range r.Aliases {
			if strings.EqualFold(a, id) {
				return r
			}
		}
	}
	return nil
}

// match returns the rules a pattern names: an id or alias, or an id
// pattern ending in "*" ("ESC-INPUT-*").
func match(rules []*Rule, pattern string) []*Rule {
	pattern = strings.TrimSpace(pattern)
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		var out []*Rule
		for _, r := range rules {
			if strings.HasPrefix(strings.ToUpper(r.ID), strings.ToUpper(prefix)) {
				out = append(out, r)
			}
		}
		return out
	}
	if r := Lookup(rules, pattern); r != nil {
		return []*Rule{r}
	}
	return nil
}

// Pass is one rule's view of one API. The engine owns reporting.
type Pass struct {
	API *escarp.API
	// Rule is the rule running.
	Rule *Rule
	// Index holds views of the API shared by every rule (each schema with
	// the contexts it is used in), computed once per audit.
	Index *Index
	// Problems are the loader's reports of where the document breaks the
	// OpenAPI schema or has unresolvable references (ESC-SPEC-*).
	Problems []Problem
	// Previous is the previous version of the API, when the audit compares
	// against one (ESC-INV-005); nil otherwise.
	Previous *escarp.API
	// Raw reads the document beyond the model (server extensions, path
	// items); nil when the API did not come from a document.
	Raw Raw
	// Report records a finding; the engine fills in the rule's metadata,
	// the fingerprint and suppressions. Findings set their Severity
	// (Reportf uses the rule's).
	Report func(escarp.Finding)
}

// Reportf reports a finding of the running rule at loc, with its default
// severity.
func (p *Pass) Reportf(loc escarp.Location, format string, args ...any) {
	p.Report(escarp.Finding{Severity: p.Rule.Severity, Location: loc, Message: fmt.Sprintf(format, args...)})
}

// ReportSeverityf reports a finding at loc with a severity other than the
// rule's default (an API key in a cookie is less bad than one in a URL).
// A severity set in the configuration still wins.
func (p *Pass) ReportSeverityf(sev escarp.Severity, loc escarp.Location, format string, args ...any) {
	p.Report(escarp.Finding{Severity: sev, Location: loc, Message: fmt.Sprintf(format, args...)})
}

// ProblemKind says what a loader [Problem] is.
type ProblemKind string

// The problem kinds.
const (
	// ProblemSchema: the document breaks the OpenAPI schema.
	ProblemSchema ProblemKind = "schema"
	// ProblemRef: a $ref cannot be resolved.
	ProblemRef ProblemKind = "ref"
)

// Problem is a place where a document that parsed breaks the OpenAPI
// specification, as the loader reports it.
type Problem struct {
	Kind    ProblemKind
	Pos     escarp.Position
	Pointer string
	Message string
	// Extension is set when the problem lies inside an x- extension, which
	// tools other than documentation renderers ignore.
	Extension bool
}

// Raw gives rules read access to the source document beyond the normalized
// model, by JSON pointer into the root document.
type Raw interface {
	// Pos returns the position of the node at pointer (its key for a map
	// entry); ok is false when the pointer does not resolve.
	Pos(pointer string) (pos escarp.Position, ok bool)
	// Value returns the decoded value at pointer (string, bool, float64,
	// int, []any, map[string]any) and its position; ok is false when
	// the pointer does not resolve.
	Value(pointer string) (v any, pos escarp.Position, ok bool)
	// Keys returns the keys of the mapping at pointer in document order,
	// each with its position.
	Keys(pointer string) []Key
}

// Key is a mapping key of the raw document.
type Key struct {
	Name string
	Pos  escarp.Position
}

// Root returns the location of the element at pointer ptr of the root
// document: its own line when the raw document has it, else that of its
// nearest existing ancestor, else line 1.
func (p *Pass) Root(ptr string) escarp.Location {
	return p.Locate(Root(p.API, ptr))
}

// Locate moves l to the exact position of its pointer in the root
// document, or of the pointer's nearest existing ancestor, when the raw
// document is available and l is in the root document.
func (p *Pass) Locate(l escarp.Location) escarp.Location {
	if p.Raw == nil || (l.File != "" && l.File != p.API.Location && l.File != p.API.Pos.File) {
		return l
	}
	ptr := l.Pointer
	for {
		if pos, ok := p.Raw.Pos(ptr); ok && pos.Line > 0 {
			return l.At(pos)
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return l
		}
		ptr = ptr[:i]
	}
}
