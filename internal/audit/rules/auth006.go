package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// HTTPBasic reports HTTP Basic authentication schemes.
var HTTPBasic = &audit.Rule{
	ID:       "ESC-AUTH-006",
	Title:    "HTTP Basic authentication",
	Severity: escarp.SeverityHigh,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-522"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"owasp:api2:2023-no-http-basic", "owasp-no-http-basic"},
	Doc: `The API accepts HTTP Basic authentication: a reusable password sent,
base64-encoded, with every request. It cannot expire or be scoped, is
exposed by every log or proxy that records headers, and invites
credential stuffing.

How to fix: use short-lived tokens (OAuth 2.0, OpenID Connect, or bearer
tokens issued by a login endpoint).

Before:

    securitySchemes:
      basic: {type: http, scheme: basic}

After:

    securitySchemes:
      bearer: {type: http, scheme: bearer, bearerFormat: JWT}`,
	Run: func(p *audit.Pass) error {
		for _, s := range sortedSchemes(p.API) {
			if s.Type == escarp.SchemeHTTP && strings.EqualFold(s.Scheme, "basic") {
				p.Reportf(audit.SchemeAt(p.API, s), "security scheme %q uses HTTP Basic authentication", s.Name)
			}
		}
		return nil
	},
}
