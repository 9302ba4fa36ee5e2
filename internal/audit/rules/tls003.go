package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// OperationServerHTTP reports path- and operation-level server overrides
// that use http.
var OperationServerHTTP = &audit.Rule{
	ID:       "ESC-TLS-003",
	Title:    "Operation or path server uses cleartext HTTP",
	Severity: escarp.SeverityHigh,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-319"},
	Theme:    audit.ThemeTransport,
	Doc: `A path item or operation overrides the servers with an http:// URL (or,
in Swagger 2.0, its own schemes include http). Even when the rest of the
API is HTTPS, this operation's traffic travels in clear text.

How to fix: use https in the override, or remove the override.

Before:

    /upload:
      servers:
        - url: http://files.example.com

After:

    /upload:
      servers:
        - url: https://files.example.com`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, s := range ownServers(p.API, op) {
				if cleartext(s.URL) {
					l := audit.ServerAt(p.API, s)
					l.Method, l.Path = op.Method, op.Path
					if s.Pointer == "" {
						l.Pointer = op.Pointer + "/servers"
					}
					p.Reportf(l, "%s is served over cleartext %s", op.Key(), s.URL)
				}
			}
		}
		return nil
	},
}
