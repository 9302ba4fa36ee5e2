package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// OAuthNoRefresh reports user-facing OAuth 2.0 flows without a refresh
// URL.
var OAuthNoRefresh = &audit.Rule{
	ID:       "ESC-AUTH-012",
	Title:    "OAuth 2.0 flow without refreshUrl",
	Severity: escarp.SeverityLow,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-613"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"owasp:api2:2023-short-lived-access-tokens"},
	Doc: `An OAuth 2.0 flow other than client credentials declares no refreshUrl.
Without refresh tokens, access tokens tend to be made long-lived so users
are not asked to log in again, and a stolen token stays useful for long.

How to fix: issue short-lived access tokens and document the refresh
endpoint.

Before:

    authorizationCode:
      authorizationUrl: https://auth.example.com/authorize
      tokenUrl: https://auth.example.com/token

After:

    authorizationCode:
      authorizationUrl: https://auth.example.com/authorize
      tokenUrl: https://auth.example.com/token
      refreshUrl: https://auth.example.com/token`,
	Run: func(p *audit.Pass) error {
		for _, s := range sortedSchemes(p.API) {
			if s.Type != escarp.SchemeOAuth2 {
				continue
			}
			for _, f := range s.Flows {
				if f != nil && !strings.EqualFold(f.Type, "clientCredentials") && f.RefreshURL == "" {
					p.Reportf(flowAt(p.API, s, f), "OAuth 2.0 %s flow of scheme %q has no refreshUrl", f.Type, s.Name)
				}
			}
		}
		return nil
	},
}
