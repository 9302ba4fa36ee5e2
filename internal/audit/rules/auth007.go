package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// insecureHTTPSchemes are IANA-registered HTTP authentication schemes
// that are weak; safeHTTPSchemes the registered ones that are not (basic
// has its own rule).
var (
	insecureHTTPSchemes = map[string]string{
		"digest":      "Digest relies on MD5 and stores recoverable passwords",
		"negotiate":   "Negotiate (SPNEGO) is open to relay and downgrade attacks over HTTP",
		"oauth":       "OAuth 1.0 signatures are obsolete",
		"hoba":        "HOBA is experimental and rarely implemented correctly",
		"scram-sha-1": "SCRAM-SHA-1 relies on SHA-1",
	}
	safeHTTPSchemes = map[string]bool{
		"basic": true, "bearer": true, "dpop": true, "gnap": true, "mutual": true,
		"privatetoken": true, "scram-sha-256": true, "vapid": true, "concealed": true,
	}
)

// InsecureHTTPScheme reports weak or unregistered HTTP authentication
// schemes.
var InsecureHTTPScheme = &audit.Rule{
	ID:       "ESC-AUTH-007",
	Title:    "Insecure or unknown HTTP authentication scheme",
	Severity: escarp.SeverityHigh,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-287"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"owasp:api2:2023-auth-insecure-schemes", "owasp-auth-insecure-schemes"},
	Doc: `An http security scheme uses Digest, Negotiate, OAuth 1.0, HOBA or
SCRAM-SHA-1, or a scheme name that is not in the IANA HTTP Authentication
Scheme Registry. The weak ones have known attacks; an unknown name means
clients and gateways cannot know how the API really authenticates.

How to fix: use bearer tokens (OAuth 2.0 / OpenID Connect) or a registered,
modern scheme.

Before:

    securitySchemes:
      legacy: {type: http, scheme: digest}

After:

    securitySchemes:
      bearer: {type: http, scheme: bearer}`,
	Run: func(p *audit.Pass) error {
		for _, s := range sortedSchemes(p.API) {
			if s.Type != escarp.SchemeHTTP {
				continue
			}
			name := strings.ToLower(strings.TrimSpace(s.Scheme))
			if why, bad := insecureHTTPSchemes[name]; bad {
				p.Reportf(audit.SchemeAt(p.API, s), "security scheme %q uses HTTP %s: %s", s.Name, s.Scheme, why)
			} else if !safeHTTPSchemes[name] {
				p.Reportf(audit.SchemeAt(p.API, s), "security scheme %q uses HTTP scheme %q, which is not in the IANA registry", s.Name, s.Scheme)
			}
		}
		return nil
	},
}
