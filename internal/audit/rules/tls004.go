package rules

import (
	"net/url"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// ServerURL reports missing servers, relative server URLs and example
// hosts.
var ServerURL = &audit.Rule{
	ID:       "ESC-TLS-004",
	Title:    "No servers, relative server URL or example host",
	Severity: escarp.SeverityLow,
	OWASP:    "API9:2023",
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeTransport,
	Aliases:  []string{"oas3-api-servers", "oas3-host-not-example"},
	Doc: `The document declares no server, a relative server URL, or a host under
example.com/.net/.org. Clients and scanners then guess where the API lives
(often plain HTTP, or the host that served the document), and nobody can
tell from the spec whether transport is secure.

How to fix: declare the absolute https URL of every environment.

Before:

    servers:
      - url: /v1

After:

    servers:
      - url: https://api.acme.io/v1
        description: production`,
	Run: func(p *audit.Pass) error {
		api := p.API
		if len(api.Servers) == 0 {
			if len(api.Operations) == 0 {
				return nil
			}
			ptr := "/servers"
			if api.Format == escarp.FormatSwagger {
				ptr = "/host"
			}
			p.Reportf(p.Root(ptr), "the document declares no server")
			return nil
		}
		for _, s := range api.Servers {
			if s == nil || strings.Contains(s.URL, "{") {
				continue // templated: the variables decide
			}
			u, err := url.Parse(s.URL)
			switch {
			case err != nil:
				p.Reportf(audit.ServerAt(api, s), "server URL %q is not a URL: %v", s.URL, err)
			case u.Scheme == "" || u.Host == "":
				p.Reportf(audit.ServerAt(api, s), "server URL %q is relative: clients resolve it against wherever they found the document", s.URL)
			default:
				h := strings.ToLower(u.Hostname())
				for _, ex := range []string{"example.com", "example.net", "example.org"} {
					if h == ex || strings.HasSuffix(h, "."+ex) {
						p.Reportf(audit.ServerAt(api, s), "server URL %q uses an example host", s.URL)
						break
					}
				}
			}
		}
		return nil
	},
}
