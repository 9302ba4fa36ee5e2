package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// rateLimitHeaders are the headers that advertise a rate limit (IETF
// RateLimit draft and the common X- forms).
var rateLimitHeaders = []string{"RateLimit", "RateLimit-Limit", "RateLimit-Policy", "X-RateLimit-Limit", "X-Rate-Limit-Limit", "X-RateLimit"}

// RateLimitHeaders reports operations whose 2xx and 4xx responses declare
// no rate-limit header.
var RateLimitHeaders = &audit.Rule{
	ID:       "ESC-RATE-001",
	Title:    "Responses do not declare rate-limit headers",
	Severity: escarp.SeverityMedium,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-770"},
	Theme:    audit.ThemeRateLimiting,
	Aliases:  []string{"owasp:api4:2023-rate-limit", "owasp-rate-limit"},
	Doc: `None of the operation's 2xx or 4xx responses declares a rate-limit header
(RateLimit, RateLimit-Limit/-Policy, X-RateLimit-Limit). Either the
operation is not rate limited, which invites brute force, scraping and
resource exhaustion, or its limits are invisible to clients, which then
cannot back off.

How to fix: rate-limit every operation and advertise the limit.

Before:

    "200": {description: OK}

After:

    "200":
      description: OK
      headers:
        RateLimit: {schema: {type: string}, description: "limit=100, remaining=42, reset=30"}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if len(op.Responses) == 0 {
				continue
			}
			found := false
			for _, r := range op.Responses {
				if r == nil {
					continue
				}
				if c := statusClass(r.Status); c != '2' && c != '4' {
					continue
				}
				for _, h := range rateLimitHeaders {
					if header(r, h) != nil {
						found = true
					}
				}
			}
			if !found {
				p.Reportf(responsesAt(op), "no 2xx or 4xx response of %s declares a rate-limit header", op.Key())
			}
		}
		return nil
	},
}
