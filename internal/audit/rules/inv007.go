package rules

import (
	"net/url"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// debugSegments are path segments of debug, test and internal endpoints.
var debugSegments = map[string]bool{
	"debug": true, "_debug": true, "internal": true, "_internal": true, "test": true, "tests": true,
	"testing": true, "actuator": true, "v0": true, "pprof": true, "heapdump": true, "phpinfo": true,
	"console": true, ".git": true, ".env": true, "__debug__": true, "trace": true, "dump": true,
}

// DebugPath reports debug, test and internal paths on public servers.
var DebugPath = &audit.Rule{
	ID:        "ESC-INV-007",
	Title:     "Debug, test or internal path on a public server",
	Severity:  escarp.SeverityHigh,
	OWASP:     "API9:2023",
	CWE:       []string{"CWE-489"},
	Theme:     audit.ThemeInventory,
	Heuristic: true,
	Doc: `An operation's path has a segment such as debug, internal, test,
actuator, pprof, heapdump or v0, and the API is served from a public host.
Debug and test endpoints skip the controls of production code (auth, rate
limits, input checks) and expose internals; internal endpoints should not
be routable from the internet at all.

How to fix: remove such endpoints from public deployments (or serve them
on an internal listener), and mark internal operations x-internal: true.

Before:

    /debug/config:
      get: {...}

After:

    # removed from the public spec; served on the admin listener only`,
	Run: func(p *audit.Pass) error {
		public := false
		for _, s := range p.API.Servers {
			if s == nil {
				continue
			}
			u, err := url.Parse(s.URL)
			if err == nil && u.Host != "" && !strings.Contains(u.Host, "{") && !private(u.Hostname()) {
				public = true
			}
		}
		if !public {
			return nil
		}
		for _, op := range p.API.Operations {
			if extTrue(op.Extensions, "x-internal") {
				continue
			}
			for _, seg := range pathSegments(op.Path) {
				if debugSegments[seg] {
					p.Reportf(audit.OpAt(op), "%s is a %s endpoint on a public server", op.Key(), seg)
					break
				}
			}
		}
		return nil
	},
}
