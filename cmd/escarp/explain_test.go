package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/learn"
)

// TestExplainEveryRule walks `escarp explain --format json` and requires
// every rule of every engine to have all its parts: what, why, how escarp
// tests it, how to fix it (secure code in Go, Node.js, Python and Java, or
// the rotate/upgrade steps of secrets and dependencies), and references.
func TestExplainEveryRule(t *testing.T) {
	out, _, err := runScanCLI(t, t.TempDir(), nil, "explain", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var all []explained
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		t.Fatal(err)
	}
	if len(all) < 400 {
		t.Fatalf("%d rules, want every engine's (over 400)", len(all))
	}
	engines := map[string]int{}
	for _, r := range all {
		engines[r.Engine]++
		missing := []string{}
		for part, ok := range map[string]bool{
			"title": r.Title != "", "description": r.Description != "", "why": r.Why != "",
			"testing": r.Testing != "", "remediation": r.Remediation != "", "references": len(r.References) > 0,
			"severity": r.Severity >= escarp.SeverityInfo && r.Severity <= escarp.SeverityCritical, "class": r.Class != "",
		} {
			if !ok {
				missing = append(missing, part)
			}
		}
		if len(r.Steps) == 0 {
			var langs []string
			for _, e := range r.Examples {
				langs = append(langs, e.Language)
			}
			for _, l := range learn.Languages {
				if !slices.Contains(langs, l) {
					missing = append(missing, "example in "+l)
				}
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s (%s, CWE %v, %s): missing %v", r.ID, r.Engine, r.CWE, r.OWASP, missing)
		}
	}
	for _, e := range []string{escarp.EngineAudit, escarp.EngineScan, escarp.EngineCode} {
		if engines[e] == 0 {
			t.Errorf("no rules of engine %s", e)
		}
	}
	if _, _, err := runScanCLI(t, t.TempDir(), nil, "explain", "ESC-NOPE-999"); err == nil || escarp.ExitCode(err) != 2 {
		t.Errorf("unknown id: %v, want exit 2", err)
	}
}

// TestWeaknessCatalogue keeps the catalogue whole: every class with code
// has all four languages, and no CWE belongs to two classes.
func TestWeaknessCatalogue(t *testing.T) {
	owner := map[string]string{}
	for _, c := range learn.Classes() {
		if len(c.Steps) == 0 && len(c.Examples) != len(learn.Languages) {
			t.Errorf("class %s has %d examples, want one per language", c.ID, len(c.Examples))
		}
		for _, w := range c.CWE {
			if o, ok := owner[w]; ok {
				t.Errorf("%s is in classes %s and %s", w, o, c.ID)
			}
			owner[w] = c.ID
		}
	}
}

// TestReportsLinkLessons: every format points from a finding's rule to its
// explanation and, when there is one, its lesson.
func TestReportsLinkLessons(t *testing.T) {
	rep := &escarp.Report{Runs: []*escarp.Run{{Engine: escarp.EngineScan,
		Rules: []escarp.RuleInfo{{ID: "ESC-DAST-BOLA-001", Title: "BOLA", Severity: escarp.SeverityHigh, OWASP: "API1:2023", CWE: []string{"CWE-639"}}},
		Findings: []escarp.Finding{{RuleID: "ESC-DAST-BOLA-001", Title: "BOLA", Kind: escarp.KindDAST, Severity: escarp.SeverityHigh,
			Location: escarp.Location{Method: "GET", Path: "/boats/{id}"}}}}}}
	dir := t.TempDir()
	var out strings.Builder
	a := &app{stdout: &out, stderr: &out, wd: dir, getenv: func(string) (string, bool) { return "", false }}
	if err := a.emit(rep, "text", []string{"r.md", "r.sarif", "r.html"}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"stdout":  "Learn: escarp explain ESC-DAST-BOLA-001, lesson: escarp learn show bola",
		"r.md":    "Learn: `escarp explain ESC-DAST-BOLA-001`, lesson `escarp learn show bola`",
		"r.sarif": `"lesson": "escarp learn show bola"`,
		"r.html":  "lesson <code>escarp learn show bola</code>",
	} {
		got := out.String()
		if name != "stdout" {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			got = string(data)
		}
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q", name, want)
		}
	}
}
