package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// ReadUnprotected reports GET and HEAD operations without any security
// requirement.
var ReadUnprotected = &audit.Rule{
	ID:       "ESC-AUTH-003",
	Title:    "Read operation is not protected by a security scheme",
	Severity: escarp.SeverityMedium,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-306"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"owasp:api2:2023-read-restricted", "owasp-protection-global-safe"},
	Doc: `A GET or HEAD operation has no security requirement, so its data is
readable by anyone. Public catalogues and health checks are fine; say so
explicitly (an empty requirement with x-escarp-public: true, or
x-escarp-ignore with a reason) so the intent is reviewed.

How to fix: require authentication, or mark the operation public on purpose.

Before:

    /users/{id}:
      get:
        responses: {...}

After:

    /users/{id}:
      get:
        security:
          - bearer: []
        responses: {...}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if isRead(op.Method) && op.Anonymous() && !explicitlyAnonymous(p.API, op) && !public(p.API, op) {
				p.Reportf(audit.OpAt(op), "%s can be called without credentials: no security requirement applies", op.Key())
			}
		}
		return nil
	},
}
