package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// No401 reports authenticated operations that declare no 401 response.
var No401 = &audit.Rule{
	ID:       "ESC-AUTH-017",
	Title:    "Secured operation does not define a 401 response",
	Severity: escarp.SeverityLow,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-755"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"owasp:api8:2023-define-error-responses-401", "owasp-define-error-responses-401"},
	Doc: `An operation that requires credentials does not document what happens
without them (401, or a 4XX range). Undocumented failures lead clients to
retry blindly and hide whether the server really rejects missing or bad
credentials; DAST uses the declared 401 to confirm authentication works.

How to fix: document the 401 response (and 403 for authorization).

Before:

    responses:
      "200": {...}

After:

    responses:
      "200": {...}
      "401":
        description: Missing or invalid credentials
        content:
          application/problem+json:
            schema: {$ref: "#/components/schemas/Problem"}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if authenticated(op) && len(op.Responses) > 0 && !hasStatus(op, "401", "4XX") {
				p.Reportf(responsesAt(op), "%s requires credentials but declares no 401 response", op.Key())
			}
		}
		return nil
	},
}
