package rules

import (
	"sort"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// UnusedComponent reports named schemas that no operation, webhook or
// callback reaches.
var UnusedComponent = &audit.Rule{
	ID:       "ESC-INV-006",
	Title:    "Unused component schema",
	Severity: escarp.SeverityInfo,
	OWASP:    "API9:2023",
	CWE:      []string{"CWE-1164"},
	Theme:    audit.ThemeInventory,
	Aliases:  []string{"oas3-unused-component"},
	Doc: `A schema under components/schemas (definitions in Swagger 2) is not
reachable from any operation, webhook or callback. Stale components hide
the real surface of the API, drift out of date, and are often leftovers of
removed (or undocumented but still deployed) endpoints.

How to fix: delete the component, or document the operation that uses it.

Before:

    components:
      schemas:
        LegacyUser: {...}   # referenced nowhere

After:

    components:
      schemas: {}`,
	Run: func(p *audit.Pass) error {
		names := make([]string, 0, len(p.API.Schemas))
		for n := range p.API.Schemas {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			s := p.API.Schemas[n]
			if s == nil || p.Index.Use(s) != nil {
				continue
			}
			ptr := s.Pointer
			if ptr == "" {
				ptr = "/components/schemas/" + audit.EscapeToken(n)
			}
			l := p.Root(ptr)
			if s.Pos.Line != 0 {
				l = l.At(s.Pos)
			}
			p.Reportf(l, "component schema %q is not used by any operation", n)
		}
		return nil
	},
}
