package rules

import (
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

var activeMarkdown = regexp.MustCompile(`(?i)<\s*script|javascript\s*:|\beval\s*\(|\bon(error|load|click|mouseover)\s*=|<\s*iframe`)

// mayBeActive is a cheap filter before the regular expression: every
// match contains "script", "eval", "iframe" or "=" (case aside).
func mayBeActive(text string) bool {
	if strings.IndexByte(text, '=') >= 0 {
		return true
	}
	l := strings.ToLower(text)
	return strings.Contains(l, "script") || strings.Contains(l, "eval") || strings.Contains(l, "iframe")
}

// ScriptInMarkdown reports descriptions with scripts or eval.
var ScriptInMarkdown = &audit.Rule{
	ID:       "ESC-INPUT-014",
	Title:    "Script or eval in Markdown descriptions",
	Severity: escarp.SeverityLow,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-79"},
	Theme:    audit.ThemeInput,
	Aliases:  []string{"no-eval-in-markdown", "no-script-tags-in-markdown"},
	Doc: `A description or summary contains a script tag, an inline event
handler, a javascript: URL or eval(. Documentation portals render these
descriptions as HTML: a spec from an untrusted or compromised source then
runs script in the browsers of everyone who reads the docs (stored XSS).

How to fix: remove active content from descriptions; link instead.

Before:

    description: Lists orders. <script>track()</script>

After:

    description: Lists orders.`,
	Run: func(p *audit.Pass) error {
		check := func(text string, l escarp.Location, what string) {
			if text == "" || !mayBeActive(text) {
				return
			}
			if activeMarkdown.MatchString(text) {
				p.Reportf(l, "the %s contains active content (%s)", what, activeMarkdown.FindString(text))
			}
		}
		api := p.API
		check(api.Description, p.Root("/info/description"), "API description")
		for i, t := range api.Tags {
			if t != nil {
				l := p.Root("/tags/" + itoa(i) + "/description")
				if t.Pos.Line != 0 {
					l = l.At(t.Pos)
				}
				check(t.Description, l, "description of tag "+t.Name)
			}
		}
		for _, s := range api.Servers {
			if s != nil {
				l := audit.ServerAt(api, s)
				l.Pointer += "/description"
				check(s.Description, l, "description of server "+s.URL)
			}
		}
		for _, s := range sortedSchemes(api) {
			l := audit.SchemeAt(api, s)
			l.Pointer += "/description"
			check(s.Description, l, "description of scheme "+s.Name)
		}
		for _, op := range p.Index.Ops {
			l := audit.OpAt(op)
			l.Pointer = op.Pointer + "/description"
			check(op.Description, l, "description of "+op.Key())
			l.Pointer = op.Pointer + "/summary"
			check(op.Summary, l, "summary of "+op.Key())
			for _, prm := range op.Parameters {
				if prm != nil {
					l := audit.ParamAt(op, prm)
					l.Pointer += "/description"
					check(prm.Description, l, "description of parameter "+prm.Name)
				}
			}
			if b := op.RequestBody; b != nil {
				l := audit.BodyAt(op)
				l.Pointer += "/description"
				check(b.Description, l, "description of the request body of "+op.Key())
			}
			for _, r := range op.Responses {
				if r != nil {
					l := audit.ResponseAt(op, r)
					l.Pointer += "/description"
					check(r.Description, l, "description of response "+r.Status+" of "+op.Key())
				}
			}
		}
		for _, u := range p.Index.Schemas {
			l := audit.SchemaAt(u)
			l.Pointer += "/description"
			check(u.Schema.Description, l, "schema description")
		}
		return nil
	},
}
