package rules

import (
	"net/url"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// OAuthURLNotHTTPS reports OAuth and OpenID Connect endpoints that are
// not HTTPS.
var OAuthURLNotHTTPS = &audit.Rule{
	ID:       "ESC-AUTH-015",
	Title:    "OAuth or OpenID Connect URL is not HTTPS",
	Severity: escarp.SeverityMedium,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-319"},
	Theme:    audit.ThemeAuthentication,
	Doc: `An authorizationUrl, tokenUrl, refreshUrl or openIdConnectUrl uses a
scheme other than https (or is not a URL). Authorization codes, client
secrets and tokens sent to it can be intercepted or tampered with.

How to fix: use absolute https URLs for every OAuth and OpenID Connect
endpoint.

Before:

    tokenUrl: http://auth.example.com/token

After:

    tokenUrl: https://auth.example.com/token`,
	Run: func(p *audit.Pass) error {
		bad := func(raw string) bool {
			if raw == "" {
				return false
			}
			u, err := url.Parse(strings.TrimSpace(raw))
			if err != nil {
				return true
			}
			if u.Scheme == "" {
				return false // relative to the server, allowed by OpenAPI 3.1
			}
			return !strings.EqualFold(u.Scheme, "https") && !loopback(u.Hostname())
		}
		for _, s := range sortedSchemes(p.API) {
			switch s.Type {
			case escarp.SchemeOAuth2:
				for _, f := range s.Flows {
					if f == nil {
						continue
					}
					for _, u := range []struct{ key, v string }{
						{"authorizationUrl", f.AuthorizationURL}, {"tokenUrl", f.TokenURL}, {"refreshUrl", f.RefreshURL},
					} {
						if bad(u.v) {
							l := flowAt(p.API, s, f)
							l.Pointer += "/" + u.key
							p.Reportf(l, "%s %q of scheme %q is not an https URL", u.key, u.v, s.Name)
						}
					}
				}
			case escarp.SchemeOpenIDConnect:
				if bad(s.OpenIDConnectURL) {
					l := audit.SchemeAt(p.API, s)
					l.Pointer += "/openIdConnectUrl"
					p.Reportf(l, "openIdConnectUrl %q of scheme %q is not an https URL", s.OpenIDConnectURL, s.Name)
				}
			}
		}
		return nil
	},
}
