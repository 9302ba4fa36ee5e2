package rules

import (
	"regexp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

var validStatus = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]XX|[1-5]xx|default)$`)

// InvalidStatusCode reports response keys that are not HTTP status codes.
var InvalidStatusCode = &audit.Rule{
	ID:       "ESC-ERR-005",
	Title:    "Invalid response status code",
	Severity: escarp.SeverityLow,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeErrors,
	Doc: `A response is keyed by something that is not an HTTP status code
(100-599), a range (1XX-5XX) or default: a typo such as "20O", "2xx0" or
"600". The response never matches, so the real behaviour is undocumented.

How to fix: use a valid status code.

Before:

    responses:
      "20O": {description: OK}

After:

    responses:
      "200": {description: OK}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, r := range op.Responses {
				if r != nil && !validStatus.MatchString(r.Status) {
					p.Reportf(audit.ResponseAt(op, r), "response key %q of %s is not an HTTP status code", r.Status, op.Key())
				}
			}
		}
		return nil
	},
}
