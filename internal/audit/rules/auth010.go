package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// CleartextCredentials reports credentials accepted over plain HTTP.
var CleartextCredentials = &audit.Rule{
	ID:       "ESC-AUTH-010",
	Title:    "Credentials accepted over cleartext HTTP",
	Severity: escarp.SeverityCritical,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-319"},
	Theme:    audit.ThemeAuthentication,
	Doc: `An operation that takes credentials (any security requirement) is served
from an http:// (or ws://) server other than the local machine. Passwords,
API keys and tokens cross the network in clear text and can be read or
replayed by anyone on the path.

How to fix: serve the API over HTTPS only.

Before:

    servers:
      - url: http://api.example.com
    security:
      - bearer: []

After:

    servers:
      - url: https://api.example.com`,
	Run: func(p *audit.Pass) error {
		api := p.API
		global := false
		for _, op := range api.Operations {
			if !authenticated(op) {
				continue
			}
			var url string
			for _, s := range effectiveServers(api, op) {
				if s != nil && cleartext(s.URL) {
					url = s.URL
					break
				}
			}
			if url == "" {
				continue
			}
			if op.SecurityDeclared || len(ownServers(api, op)) > 0 {
				l := audit.OpAt(op)
				l.Pointer = op.Pointer + "/security"
				p.Reportf(l, "%s takes credentials and is served over cleartext %s", op.Key(), url)
			} else {
				global = true
			}
		}
		if global {
			var url string
			for _, s := range api.Servers {
				if cleartext(s.URL) {
					url = s.URL
					break
				}
			}
			p.Reportf(p.Root("/security"), "the document-level security requirement sends credentials to cleartext server %s", url)
		}
		return nil
	},
}
