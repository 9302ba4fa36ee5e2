package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// ResponseUnbounded reports response strings and arrays without limits.
var ResponseUnbounded = &audit.Rule{
	ID:       "ESC-DATA-002",
	Title:    "Response schema unbounded",
	Severity: escarp.SeverityLow,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-770"},
	Theme:    audit.ThemeDataExposure,
	Doc: `A string in a response has no maxLength (nor enum or bounded format), or
an array has no maxItems. Unbounded responses make pagination optional
(the server may return everything) and let stored oversized values flow to
every client; response validation cannot catch either.

How to fix: bound response strings and arrays as you bound inputs, and
paginate collections.

Before:

    items:
      type: array
      items: {$ref: "#/components/schemas/Order"}

After:

    items:
      type: array
      maxItems: 100
      items: {$ref: "#/components/schemas/Order"}`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			if !u.In(audit.InResponse) {
				continue
			}
			switch s := u.Schema; {
			case unboundedString(s):
				p.Reportf(audit.SchemaAt(u), "response string has no maxLength")
			case isArray(s) && s.MaxItems == nil:
				p.Reportf(audit.SchemaAt(u), "response array has no maxItems")
			}
		}
		return nil
	},
}
