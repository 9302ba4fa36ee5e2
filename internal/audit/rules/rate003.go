package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// RetryAfter reports 429 responses without Retry-After.
var RetryAfter = &audit.Rule{
	ID:       "ESC-RATE-003",
	Title:    "429 response without Retry-After",
	Severity: escarp.SeverityLow,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-770"},
	Theme:    audit.ThemeRateLimiting,
	Aliases:  []string{"owasp:api4:2023-rate-limit-retry-after", "owasp-rate-limit-retry-after"},
	Doc: `A 429 response does not declare the Retry-After header. Clients do not
know when to come back, so they retry at once and in lockstep, turning a
limit into a self-inflicted denial of service.

How to fix: send and document Retry-After on 429.

Before:

    "429": {description: Too many requests}

After:

    "429":
      description: Too many requests
      headers:
        Retry-After: {schema: {type: integer, minimum: 1, maximum: 3600}}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, r := range op.Responses {
				if r != nil && r.Status == "429" && header(r, "Retry-After") == nil {
					p.Reportf(audit.ResponseAt(op, r), "429 response of %s does not declare Retry-After", op.Key())
				}
			}
		}
		return nil
	},
}
