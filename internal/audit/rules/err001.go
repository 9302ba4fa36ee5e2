package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// NoValidationError reports operations without a 400, 422 or 4XX
// response.
var NoValidationError = &audit.Rule{
	ID:       "ESC-ERR-001",
	Title:    "No validation error response",
	Severity: escarp.SeverityLow,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-755"},
	Theme:    audit.ThemeErrors,
	Aliases:  []string{"owasp:api8:2023-define-error-validation", "owasp-define-error-validation", "operation-4xx-response"},
	Doc: `The operation documents no 400, 422 or 4XX response: how it rejects
invalid input is undefined. Undocumented error paths are where stack
traces and internal messages leak, and clients cannot tell bad input from
server failure.

How to fix: document the validation error with a uniform error schema.

Before:

    responses:
      "201": {description: Created}

After:

    responses:
      "201": {description: Created}
      "400":
        description: Invalid request
        content:
          application/problem+json:
            schema: {$ref: "#/components/schemas/Problem"}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if len(op.Responses) > 0 && !hasStatus(op, "400", "422", "4XX") {
				p.Reportf(responsesAt(op), "%s documents no 400, 422 or 4XX response", op.Key())
			}
		}
		return nil
	},
}
