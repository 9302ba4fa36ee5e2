package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// JWTBestPractices reports token-based schemes that do not reference the
// JWT best current practices.
var JWTBestPractices = &audit.Rule{
	ID:       "ESC-AUTH-013",
	Title:    "JWT or OAuth 2.0 scheme does not reference RFC 8725",
	Severity: escarp.SeverityInfo,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-287"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"owasp:api2:2023-jwt-best-practices", "owasp-jwt-best-practices"},
	Doc: `An OAuth 2.0 scheme, or a bearer scheme whose bearerFormat is JWT, does
not say that its tokens follow RFC 8725 (JSON Web Token Best Current
Practices: explicit algorithms, no "none", audience and issuer checks,
key handling). Saying so documents a commitment that can be tested.

How to fix: validate tokens per RFC 8725 and say so in the description.

Before:

    bearer: {type: http, scheme: bearer, bearerFormat: JWT}

After:

    bearer:
      type: http
      scheme: bearer
      bearerFormat: JWT
      description: Tokens are validated as RFC8725 requires (RS256 only, aud and iss checked).`,
	Run: func(p *audit.Pass) error {
		for _, s := range sortedSchemes(p.API) {
			jwt := s.Type == escarp.SchemeOAuth2 ||
				(s.Type == escarp.SchemeHTTP && strings.Contains(strings.ToLower(s.BearerFormat), "jwt"))
			if !jwt {
				continue
			}
			d := strings.ReplaceAll(strings.ToUpper(s.Description), " ", "")
			if !strings.Contains(d, "RFC8725") {
				p.Reportf(audit.SchemeAt(p.API, s), "security scheme %q does not state that its tokens follow RFC 8725", s.Name)
			}
		}
		return nil
	},
}
