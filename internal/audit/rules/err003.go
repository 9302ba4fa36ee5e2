package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// NoDefaultResponse reports operations without a default response.
var NoDefaultResponse = &audit.Rule{
	ID:       "ESC-ERR-003",
	Title:    "No default response",
	Severity: escarp.SeverityInfo,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-755"},
	Theme:    audit.ThemeErrors,
	Doc: `The operation has no default response, so any status it does not list
(a 405 from the router, a 502 from a proxy) has an undefined body.

How to fix: add a default response with the shared error schema.

Before:

    responses:
      "200": {description: OK}

After:

    responses:
      "200": {description: OK}
      default:
        description: Error
        content:
          application/problem+json:
            schema: {$ref: "#/components/schemas/Problem"}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if len(op.Responses) > 0 && !hasStatus(op, "default") {
				p.Reportf(responsesAt(op), "%s has no default response", op.Key())
			}
		}
		return nil
	},
}
