package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// ServerAudience reports OpenAPI 3 servers without x-internal.
var ServerAudience = &audit.Rule{
	ID:       "ESC-INV-001",
	Title:    "Server does not declare its audience (x-internal)",
	Severity: escarp.SeverityLow,
	OWASP:    "API9:2023",
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeInventory,
	Aliases:  []string{"owasp:api9:2023-inventory-access"},
	Doc: "A server does not say whether it is internal or public\n" +
		"(`x-internal: true|false`). Inventories, gateways and reviewers cannot\n" +
		`tell which deployments are exposed to the internet, which is how
internal APIs end up public without anyone deciding so.

How to fix: mark every server.

Before:

    servers:
      - url: https://api.acme.io

After:

    servers:
      - url: https://api.acme.io
        x-internal: false`,
	Run: func(p *audit.Pass) error {
		if p.Raw == nil || p.API.Format == escarp.FormatSwagger {
			return nil
		}
		for _, s := range p.API.Servers {
			if s == nil || !strings.HasPrefix(s.Pointer, "/servers/") {
				continue
			}
			if v, _, ok := p.Raw.Value(s.Pointer + "/x-internal"); !ok || (v != true && v != false) {
				p.Reportf(audit.ServerAt(p.API, s), "server %s does not declare x-internal: true or false", s.URL)
			}
		}
		return nil
	},
}
