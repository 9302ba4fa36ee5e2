package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// No429 reports operations without a 429 response.
var No429 = &audit.Rule{
	ID:       "ESC-RATE-002",
	Title:    "Operation does not define a 429 response",
	Severity: escarp.SeverityLow,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-770"},
	Theme:    audit.ThemeRateLimiting,
	Aliases:  []string{"owasp:api4:2023-rate-limit-responses-429", "owasp-define-error-responses-429"},
	Doc: `The operation does not document 429 Too Many Requests. Either it is not
rate limited, or clients are not told how limiting looks and will treat it
as an error to retry immediately.

How to fix: rate-limit the operation and document the 429.

Before:

    responses:
      "200": {description: OK}

After:

    responses:
      "200": {description: OK}
      "429":
        description: Too many requests
        headers:
          Retry-After: {schema: {type: integer, minimum: 1, maximum: 3600}}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if len(op.Responses) > 0 && !hasStatus(op, "429") {
				p.Reportf(responsesAt(op), "%s does not define a 429 response", op.Key())
			}
		}
		return nil
	},
}
