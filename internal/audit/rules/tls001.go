package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// ServerHTTP reports OpenAPI 3 servers with http:// URLs.
var ServerHTTP = &audit.Rule{
	ID:       "ESC-TLS-001",
	Title:    "Server URL uses cleartext HTTP",
	Severity: escarp.SeverityHigh,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-319"},
	Theme:    audit.ThemeTransport,
	Aliases:  []string{"owasp:api8:2023-no-server-http", "owasp-security-hosts-https-oas3"},
	Doc: `A server in servers[] has an http:// or ws:// URL (loopback addresses
excepted). Everything sent to it, credentials and personal data included,
can be read and changed in transit.

How to fix: serve the API over HTTPS only, and redirect or refuse HTTP.

Before:

    servers:
      - url: http://api.example.com/v1

After:

    servers:
      - url: https://api.example.com/v1`,
	Run: func(p *audit.Pass) error {
		if p.API.Format == escarp.FormatSwagger {
			return nil // ESC-TLS-002
		}
		for _, s := range p.API.Servers {
			if s != nil && cleartext(s.URL) {
				p.Reportf(audit.ServerAt(p.API, s), "server %s uses cleartext HTTP", s.URL)
			}
		}
		return nil
	},
}
