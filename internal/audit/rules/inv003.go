package rules

import (
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

var (
	semverish   = regexp.MustCompile(`^v?\d+(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?$`)
	dateVersion = regexp.MustCompile(`^\d{4}-\d{2}(-\d{2})?([-.][0-9A-Za-z.]+)?$`)
	majorOf     = regexp.MustCompile(`^v?(\d+)`)
	urlMajor    = regexp.MustCompile(`(?i)/v(\d+)(/|$)`)
)

// Versioning reports a missing or unusual info.version and versions that
// disagree with the servers and paths.
var Versioning = &audit.Rule{
	ID:       "ESC-INV-003",
	Title:    "API version missing, not semantic, or inconsistent",
	Severity: escarp.SeverityLow,
	OWASP:    "API9:2023",
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeInventory,
	Doc: `info.version is missing, is not a semantic (1.4.2) or date (2024-06-01)
version, or its major version disagrees with the /vN in the servers or
paths. Without a reliable version, inventories cannot tell which
deployment runs which contract, and old versions linger (API9).

How to fix: use semantic versions and keep the major version in sync with
the URL.

Before:

    info: {title: Orders, version: latest}
    servers: [{url: "https://api.acme.io/v2"}]

After:

    info: {title: Orders, version: 2.3.0}
    servers: [{url: "https://api.acme.io/v2"}]`,
	Run: func(p *audit.Pass) error {
		api := p.API
		v := strings.TrimSpace(api.Version)
		l := p.Root("/info/version")
		switch {
		case v == "":
			p.Reportf(l, "info.version is missing")
			return nil
		case !semverish.MatchString(v) && !dateVersion.MatchString(v):
			p.Reportf(l, "info.version %q is neither a semantic nor a date version", v)
			return nil
		}
		m := majorOf.FindStringSubmatch(v)
		if m == nil || dateVersion.MatchString(v) {
			return nil
		}
		var urls []string
		for _, s := range api.Servers {
			if s != nil {
				urls = append(urls, s.URL)
			}
		}
		for _, op := range api.Operations {
			urls = append(urls, op.Path)
		}
		for _, u := range urls {
			if um := urlMajor.FindStringSubmatch(u); um != nil && strings.TrimLeft(um[1], "0") != strings.TrimLeft(m[1], "0") {
				p.Reportf(l, "info.version %s is major version %s but %s says v%s", v, m[1], u, um[1])
				return nil
			}
		}
		return nil
	},
}
