package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// authFlowSegments are path segments of endpoints that must be callable
// without credentials (they issue or end them).
var authFlowSegments = map[string]bool{
	"login": true, "logout": true, "signin": true, "signout": true, "signup": true, "register": true,
	"token": true, "tokens": true, "oauth": true, "oauth2": true, "authorize": true, "refresh": true,
	"password-reset": true, "forgot-password": true, "reset-password": true, "verify": true, "callback": true,
	".well-known": true, "jwks": true, "jwks.json": true,
}

// authFlow reports whether op issues or ends credentials.
func authFlow(op *escarp.Operation) bool {
	for _, s := range pathSegments(op.Path) {
		if authFlowSegments[s] {
			return true
		}
	}
	return false
}

// EmptySecurity reports security requirements that explicitly switch
// authentication off.
var EmptySecurity = &audit.Rule{
	ID:       "ESC-AUTH-004",
	Title:    "Empty security requirement disables authentication",
	Severity: escarp.SeverityHigh,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-306"},
	Theme:    audit.ThemeAuthentication,
	Doc: "`security: []` on an operation (or the document), or an empty `{}` among\n" +
		`the alternatives of a requirement, makes authentication optional or turns
it off, overriding the global requirement. This is easy to copy by accident
and hard to see in review.

Keep it only where the operation is public by design, and mark it with
x-escarp-public: true so the intent is explicit. Severity follows the
risk: high on the document and on write operations, low on read
operations (a public catalogue is common, but should be confirmed), and
nothing on endpoints that must be anonymous because they issue or end
credentials (login, logout, token, register, OAuth endpoints).

How to fix: remove the empty requirement, or mark the operation public.

Before:

    /orders/{id}:
      delete:
        security: []

After:

    /status:
      get:
        security: []
        x-escarp-public: true`,
	Run: func(p *audit.Pass) error {
		api := p.API
		if api.Security != nil && !extTrue(api.Extensions, "x-escarp-public") {
			empty := len(api.Security) == 0
			for _, r := range api.Security {
				empty = empty || len(r) == 0
			}
			if empty {
				p.Reportf(p.Root("/security"), "the document-level security requirement is empty: every operation that does not declare its own is anonymous")
			}
		}
		for _, op := range api.Operations {
			if !op.SecurityDeclared || !explicitlyAnonymous(api, op) || extTrue(op.Extensions, "x-escarp-public") || authFlow(op) {
				continue
			}
			l := audit.OpAt(op)
			l.Pointer = op.Pointer + "/security"
			if isWrite(op.Method) {
				p.Reportf(p.Locate(l), "%s declares an empty security requirement: it can be called without credentials", op.Key())
			} else {
				p.ReportSeverityf(escarp.SeverityLow, p.Locate(l), "%s is public (empty security requirement): confirm with x-escarp-public: true", op.Key())
			}
		}
		return nil
	},
}
