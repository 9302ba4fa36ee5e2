package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// APIKeyInURL reports API keys passed in the query string or path (and,
// less severely, in cookies).
var APIKeyInURL = &audit.Rule{
	ID:       "ESC-AUTH-008",
	Title:    "API key passed in the URL",
	Severity: escarp.SeverityHigh,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-598"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"owasp:api2:2023-no-api-keys-in-url", "owasp-no-api-keys-in-url"},
	Doc: `An apiKey security scheme is sent in the query string or the path. URLs
end up in server and proxy logs, browser history, Referer headers and
monitoring tools, so the key leaks. A key in a cookie (reported as medium)
is sent automatically by browsers and needs CSRF protection.

How to fix: send the key in a header.

Before:

    securitySchemes:
      key: {type: apiKey, in: query, name: api_key}

After:

    securitySchemes:
      key: {type: apiKey, in: header, name: X-API-Key}`,
	Run: func(p *audit.Pass) error {
		for _, s := range sortedSchemes(p.API) {
			if s.Type != escarp.SchemeAPIKey {
				continue
			}
			switch strings.ToLower(s.In) {
			case "query", "path":
				p.Reportf(audit.SchemeAt(p.API, s), "API key %q of scheme %q is sent in the %s", s.ParamName, s.Name, strings.ToLower(s.In))
			case "cookie":
				p.ReportSeverityf(escarp.SeverityMedium, audit.SchemeAt(p.API, s),
					"API key %q of scheme %q is sent in a cookie: browsers send it automatically (CSRF)", s.ParamName, s.Name)
			}
		}
		return nil
	},
}
