package rules

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// debugSegments are path segments of debug endpoints wherever they
// appear; leadingSegments only as the first segment after an optional
// "api" and version prefix ("/internal/jobs", "/api/v1/test/reset"), since
// deeper down they usually name a feature ("/marketing/test/send_email").
var (
	debugSegments = map[string]bool{
		"debug": true, "_debug": true, "__debug__": true, "actuator": true, "pprof": true, "heapdump": true,
		"phpinfo": true, ".git": true, ".env": true, "_internal": true,
	}
	leadingSegments = map[string]bool{
		"internal": true, "test": true, "tests": true, "testing": true, "v0": true, "console": true,
		"dump": true, "dev": true,
	}
	prefixSegment = regexp.MustCompile(`^(api|rest|v[0-9]+(\.[0-9]+)*|[0-9]{4}-[0-9]{2}-[0-9]{2})$`)
)

// debugSegment returns the debug or internal segment of path, or "".
func debugSegment(path string) string {
	segs := pathSegments(path)
	for _, s := range segs {
		if debugSegments[s] {
			return s
		}
	}
	for _, s := range segs {
		if s == "v0" || !prefixSegment.MatchString(s) {
			if leadingSegments[s] {
				return s
			}
			break
		}
	}
	return ""
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
			if seg := debugSegment(op.Path); seg != "" {
				p.Reportf(audit.OpAt(op), "%s is a %s endpoint on a public server", op.Key(), seg)
			}
		}
		return nil
	},
}
