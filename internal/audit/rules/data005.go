package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// NoSecurityHeaders reports APIs whose responses never declare
// Cache-Control or X-Content-Type-Options.
var NoSecurityHeaders = &audit.Rule{
	ID:       "ESC-DATA-005",
	Title:    "Responses do not declare Cache-Control or X-Content-Type-Options",
	Severity: escarp.SeverityInfo,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-524"},
	Theme:    audit.ThemeDataExposure,
	Doc: "No response of the API documents `Cache-Control` (so personal data may\n" +
		"be kept by shared caches and browsers) or `X-Content-Type-Options:\n" +
		`nosniff` + "`" + ` (so browsers may sniff a JSON body as HTML and run it).

How to fix: send Cache-Control: no-store on authenticated responses and
X-Content-Type-Options: nosniff everywhere, and document both.

Before:

    "200": {description: OK}

After:

    "200":
      description: OK
      headers:
        Cache-Control: {schema: {type: string, enum: [no-store]}}
        X-Content-Type-Options: {schema: {type: string, enum: [nosniff]}}`,
	Run: func(p *audit.Pass) error {
		if !hasResponses(p.API) {
			return nil
		}
		var missing []string
		for _, h := range []string{"Cache-Control", "X-Content-Type-Options"} {
			if !anyResponseHeader(p.API, h) {
				missing = append(missing, h)
			}
		}
		if len(missing) > 0 {
			p.Reportf(p.Root("/paths"), "no response declares %s", strings.Join(missing, " or "))
		}
		return nil
	},
}
