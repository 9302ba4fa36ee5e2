package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// NoSuccessResponse reports operations without responses or without a
// success response.
var NoSuccessResponse = &audit.Rule{
	ID:       "ESC-ERR-004",
	Title:    "No success response",
	Severity: escarp.SeverityLow,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeErrors,
	Aliases:  []string{"operation-success-response"},
	Doc: `The operation declares no responses at all, or no 1xx, 2xx or 3xx
response. What a successful call returns is undefined, so it cannot be
validated or tested, and clients guess.

How to fix: document the success response and its body.

Before:

    responses:
      "400": {description: Invalid}

After:

    responses:
      "200":
        description: OK
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Order"}
      "400": {description: Invalid}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if len(op.Responses) == 0 {
				p.Reportf(responsesAt(op), "%s declares no responses", op.Key())
				continue
			}
			ok := false
			for _, r := range op.Responses {
				if r == nil {
					continue
				}
				if c := statusClass(r.Status); c == '1' || c == '2' || c == '3' {
					ok = true
				}
			}
			if !ok {
				p.Reportf(responsesAt(op), "%s declares no success (1xx, 2xx or 3xx) response", op.Key())
			}
		}
		return nil
	},
}
