package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// WriteUnprotected reports state-changing operations without any security
// requirement.
var WriteUnprotected = &audit.Rule{
	ID:       "ESC-AUTH-002",
	Title:    "Write operation is not protected by a security scheme",
	Severity: escarp.SeverityCritical,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-306"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"owasp:api2:2023-write-restricted", "owasp-protection-global-unsafe", "owasp-protection-global-unsafe-strict"},
	Doc: `A POST, PUT, PATCH or DELETE operation has no security requirement: neither
its own security nor a document-level one applies. Anyone who can reach the
API can change its data.

Operations that are public on purpose should say so with an explicit empty
requirement and x-escarp-public: true (see ESC-AUTH-004), or be suppressed
with x-escarp-ignore and a reason.

How to fix: add a security requirement globally or on the operation.

Before:

    paths:
      /orders:
        post:
          responses: {...}

After:

    security:
      - bearer: []
    paths:
      /orders:
        post:
          responses: {...}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if isWrite(op.Method) && op.Anonymous() && !explicitlyAnonymous(p.API, op) && !public(p.API, op) {
				p.Reportf(audit.OpAt(op), "%s can be called without credentials: no security requirement applies", op.Key())
			}
		}
		return nil
	},
}
