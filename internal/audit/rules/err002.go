package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// No500 reports operations without a documented 500 response.
var No500 = &audit.Rule{
	ID:       "ESC-ERR-002",
	Title:    "No 500 response with content",
	Severity: escarp.SeverityLow,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-209"},
	Theme:    audit.ThemeErrors,
	Aliases:  []string{"owasp:api8:2023-define-error-responses-500", "owasp-define-error-responses-500"},
	Doc: `The operation does not document a 500 (or 5XX) response with a body.
Server errors then return whatever the framework produces by default,
often a stack trace, SQL error or internal path.

How to fix: document a generic 500 with the shared error schema, and make
the server return only that.

Before:

    responses:
      "200": {description: OK}

After:

    responses:
      "200": {description: OK}
      "500":
        description: Internal error
        content:
          application/problem+json:
            schema: {$ref: "#/components/schemas/Problem"}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if len(op.Responses) == 0 {
				continue
			}
			ok := false
			for _, r := range op.Responses {
				if r != nil && (r.Status == "500" || r.Status == "5XX" || r.Status == "5xx") && len(r.Content) > 0 {
					ok = true
				}
			}
			if !ok {
				p.Reportf(responsesAt(op), "%s documents no 500 response with content", op.Key())
			}
		}
		return nil
	},
}
