package sast

import (
	"context"
	"fmt"
	"io"
	"log"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/securego/gosec/v2"
	"github.com/securego/gosec/v2/analyzers"
	"github.com/securego/gosec/v2/issue"
	"github.com/securego/gosec/v2/rules"

	"github.com/escarp/escarp"
)

// gosecPrefix prefixes gosec's rule ids.
const gosecPrefix = "gosec:"

// newGosec returns a gosec analyzer with every rule and analyzer loaded,
// suppressions tracked (so #nosec issues come back marked, not dropped).
func newGosec(tests bool) *gosec.Analyzer {
	a := gosec.NewAnalyzer(gosec.NewConfig(), tests, false, true, 1, log.New(io.Discard, "", 0))
	rl := rules.Generate(true)
	a.LoadRules(rl.RulesInfo())
	al := analyzers.Generate(true)
	a.LoadAnalyzers(al.AnalyzersInfo())
	return a
}

// runGosec runs gosec's AST rules and SSA analyzers on the loaded packages,
// reusing their syntax and types.
func runGosec(ctx context.Context, l *loaded, src *sources) ([]escarp.Finding, []string) {
	a := newGosec(false)
	var notes []string
	for _, p := range l.pkgs {
		if ctx.Err() != nil {
			return nil, nil
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					notes = append(notes, fmt.Sprintf("gosec failed on package %s: %v", p.PkgPath, r))
				}
			}()
			a.CheckRules(p)
			// gosec's analyzers get the loaded package and build their own
			// SSA of it. Handing them the module's whole-program SSA
			// (CheckAnalyzersWithSSA) works, but then every package's CHA
			// call graph covers the whole program: 3.4 s instead of 1.0 s
			// over escarp's own 52 packages.
			a.CheckAnalyzers(p)
		}()
	}
	issues, _, errs := a.Report()
	files := make([]string, 0, len(errs))
	for f := range errs {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		for _, e := range errs[f] {
			notes = append(notes, fmt.Sprintf("gosec: %s:%d: %s", src.rel(f), e.Line, e.Err))
		}
	}
	out := make([]escarp.Finding, 0, len(issues))
	seen := map[string]bool{}
	for _, iss := range issues {
		f := gosecFinding(iss, src)
		key := f.RuleID + "\x00" + f.Location.File + "\x00" + strconv.Itoa(f.Location.Line) + "\x00" + strconv.Itoa(f.Location.Column)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, f)
	}
	return out, notes
}

// gosecFinding converts a gosec issue.
func gosecFinding(iss *issue.Issue, src *sources) escarp.Finding {
	id := iss.RuleID
	meta := gosecMeta(id)
	line, _ := strconv.Atoi(strings.SplitN(iss.Line, "-", 2)[0])
	col, _ := strconv.Atoi(iss.Col)
	file := iss.File
	if !filepath.IsAbs(file) {
		file = filepath.Join(src.root, file)
	}
	snippet := src.line(file, line)
	f := escarp.Finding{
		RuleID:      gosecPrefix + id,
		Title:       meta.title,
		Kind:        escarp.KindSAST,
		Severity:    gosecScore(iss.Severity),
		Confidence:  gosecConfidence(iss.Confidence),
		OWASP:       meta.owasp,
		Message:     iss.What,
		Location:    escarp.Location{File: src.rel(file), Line: line, Column: col, Snippet: snippet},
		Remediation: meta.remediation,
		References:  []string{"https://github.com/securego/gosec/blob/master/RULES.md"},
		Hash:        snippetHash(snippet),
	}
	if iss.Cwe != nil && iss.Cwe.ID != "" {
		f.CWE = []string{"CWE-" + iss.Cwe.ID}
		f.References = append(f.References, iss.Cwe.SprintURL())
	} else if w := issue.GetCweByRule(id); w != nil {
		f.CWE = []string{"CWE-" + w.ID}
	} else if c, ok := gosecCWE[id]; ok {
		f.CWE = []string{c}
	}
	if len(iss.Suppressions) > 0 || iss.NoSec {
		s := &escarp.Suppression{Kind: "inline"}
		var why []string
		for _, sup := range iss.Suppressions {
			if sup.Justification != "" {
				why = append(why, sup.Justification)
			}
		}
		s.Reason = strings.Join(why, "; ")
		f.Suppressed = s
	}
	f.SetFingerprint()
	return f
}

func gosecScore(s issue.Score) escarp.Severity {
	switch s {
	case issue.High:
		return escarp.SeverityHigh
	case issue.Medium:
		return escarp.SeverityMedium
	default:
		return escarp.SeverityLow
	}
}

func gosecConfidence(s issue.Score) escarp.Confidence {
	switch s {
	case issue.High:
		return escarp.ConfidenceHigh
	case issue.Medium:
		return escarp.ConfidenceMedium
	default:
		return escarp.ConfidenceLow
	}
}

// gosecRuleInfos describes every gosec rule and analyzer that Scan runs.
func gosecRuleInfos() []escarp.RuleInfo {
	ids := map[string]string{}
	for id, def := range rules.Generate(false).Rules {
		ids[id] = def.Description
	}
	for id, def := range analyzers.Generate(false).Analyzers {
		ids[id] = def.Description
	}
	keys := make([]string, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	sort.Strings(keys)
	out := make([]escarp.RuleInfo, 0, len(keys))
	for _, id := range keys {
		m := gosecMeta(id)
		title := m.title
		if title == "" {
			title = ids[id]
		}
		ri := escarp.RuleInfo{
			ID:          gosecPrefix + id,
			Title:       title,
			Description: ids[id] + " (gosec " + id + ").",
			Remediation: m.remediation,
			Severity:    m.severity,
			OWASP:       m.owasp,
			HelpURI:     "https://github.com/securego/gosec/blob/master/RULES.md",
			Tags:        []string{"security", "go", "gosec"},
		}
		if w := issue.GetCweByRule(id); w != nil {
			ri.CWE = []string{"CWE-" + w.ID}
		} else if c, ok := gosecCWE[id]; ok {
			ri.CWE = []string{c}
		}
		out = append(out, ri)
	}
	return out
}
