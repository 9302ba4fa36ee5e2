package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// NoHSTS reports APIs whose responses never declare
// Strict-Transport-Security.
var NoHSTS = &audit.Rule{
	ID:       "ESC-TLS-005",
	Title:    "Responses do not declare Strict-Transport-Security",
	Severity: escarp.SeverityInfo,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-319"},
	Theme:    audit.ThemeTransport,
	Doc: `No response of the API documents the Strict-Transport-Security header.
HSTS tells browsers never to use plain HTTP for the host, which closes the
first-request downgrade window (SSL stripping) for browser clients.

How to fix: send HSTS on every response and document it (a shared
response header component keeps this short).

Before:

    responses:
      "200": {description: OK}

After:

    responses:
      "200":
        description: OK
        headers:
          Strict-Transport-Security:
            schema: {type: string, example: max-age=31536000; includeSubDomains}`,
	Run: func(p *audit.Pass) error {
		if hasResponses(p.API) && !anyResponseHeader(p.API, "Strict-Transport-Security") {
			p.Reportf(p.Root("/paths"), "no response declares Strict-Transport-Security")
		}
		return nil
	},
}
