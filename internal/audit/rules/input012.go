package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// urlLike reports whether a parameter or property name suggests a URL the
// server will fetch or redirect to.
func urlLike(name string) bool {
	w := words(name)
	if len(w) == 0 {
		return false
	}
	switch w[0] {
	case "callback", "redirect", "webhook", "returnto", "return":
		return true
	}
	switch last := w[len(w)-1]; last {
	case "url", "uri", "href", "webhook", "callback":
		return true
	}
	switch squash(name) {
	case "next", "continue", "dest", "destination", "target", "returnto", "goto", "feed", "link":
		return true
	}
	return false
}

// URLParameter reports inputs that carry URLs, which need SSRF and open
// redirect review.
var URLParameter = &audit.Rule{
	ID:        "ESC-INPUT-012",
	Title:     "URL-valued input (SSRF or open redirect)",
	Severity:  escarp.SeverityInfo,
	OWASP:     "API7:2023",
	CWE:       []string{"CWE-918"},
	Theme:     audit.ThemeInput,
	Aliases:   []string{"owasp:api7:2023-concerning-url-parameter"},
	Heuristic: true,
	Doc: `A parameter or request-body property carries a URL (callback, redirect,
webhook, *_url, format: uri). If the server fetches it, an attacker makes
the server call internal services or cloud metadata (SSRF); if it redirects
to it, the API becomes an open redirect for phishing.

How to fix: allow-list destinations (scheme, host, port), resolve and
check the address before connecting, never follow redirects blindly, and
document the restriction.

Before:

    webhook_url:
      type: string

After:

    webhook_url:
      type: string
      format: uri
      maxLength: 2048
      pattern: "^https://"
      description: HTTPS only; private and link-local addresses are refused.`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, prm := range op.Parameters {
				if prm != nil && prm.In != "header" && urlLike(prm.Name) {
					p.Reportf(audit.ParamAt(op, prm), "%s parameter %q of %s looks like a URL: review for SSRF and open redirect", prm.In, prm.Name, op.Key())
				}
			}
		}
		for _, u := range p.Index.Schemas {
			if !u.In(audit.InRequestBody) {
				continue
			}
			for _, name := range u.Schema.SortedPropertyNames() {
				ps := u.Schema.Properties[name]
				if ps == nil || !(ps.HasType("string") || len(ps.Type) == 0) {
					continue
				}
				f := strings.ToLower(ps.Format)
				if urlLike(name) || f == "uri" || f == "url" || f == "iri" {
					p.Reportf(audit.PropertyAt(u, name), "request property %q looks like a URL: review for SSRF and open redirect", name)
				}
			}
		}
		return nil
	},
}
