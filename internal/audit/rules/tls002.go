package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// SchemeHTTP reports Swagger 2.0 documents whose schemes include http or
// ws.
var SchemeHTTP = &audit.Rule{
	ID:       "ESC-TLS-002",
	Title:    "Swagger schemes include http",
	Severity: escarp.SeverityHigh,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-319"},
	Theme:    audit.ThemeTransport,
	Aliases:  []string{"owasp:api8:2023-no-scheme-http"},
	Doc: "A Swagger 2.0 document lists `http` (or `ws`) in `schemes`, so the API\n" +
		`is offered without TLS. Everything sent, credentials included, can be
read and changed in transit.

How to fix: list only https (and wss).

Before:

    schemes: [http, https]

After:

    schemes: [https]`,
	Run: func(p *audit.Pass) error {
		if p.API.Format != escarp.FormatSwagger {
			return nil
		}
		for _, s := range p.API.Servers {
			if s != nil && cleartext(s.URL) {
				l := p.Root("/schemes")
				l.URL = s.URL
				p.Reportf(l, "the API is offered over cleartext: %s", s.URL)
			}
		}
		return nil
	},
}
