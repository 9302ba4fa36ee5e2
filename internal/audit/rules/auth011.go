package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// OAuthInsecureFlow reports the OAuth 2.0 implicit and resource owner
// password credentials flows.
var OAuthInsecureFlow = &audit.Rule{
	ID:       "ESC-AUTH-011",
	Title:    "OAuth 2.0 implicit or password flow",
	Severity: escarp.SeverityHigh,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-287"},
	Theme:    audit.ThemeAuthentication,
	Doc: `An OAuth 2.0 scheme offers the implicit flow (tokens returned in the URL
fragment, exposed to the browser and open to injection) or the resource
owner password credentials flow (the client sees the user's password).
The OAuth 2.0 Security Best Current Practice (RFC 9700) forbids both.

How to fix: use the authorization code flow with PKCE (and client
credentials for machine-to-machine).

Before:

    flows:
      implicit:
        authorizationUrl: https://auth.example.com/authorize

After:

    flows:
      authorizationCode:
        authorizationUrl: https://auth.example.com/authorize
        tokenUrl: https://auth.example.com/token`,
	Run: func(p *audit.Pass) error {
		for _, s := range sortedSchemes(p.API) {
			if s.Type != escarp.SchemeOAuth2 {
				continue
			}
			for _, f := range s.Flows {
				if f == nil {
					continue
				}
				switch strings.ToLower(f.Type) {
				case "implicit":
					p.Reportf(flowAt(p.API, s, f), "OAuth 2.0 scheme %q offers the implicit flow", s.Name)
				case "password":
					p.Reportf(flowAt(p.API, s, f), "OAuth 2.0 scheme %q offers the resource owner password flow", s.Name)
				}
			}
		}
		return nil
	},
}
