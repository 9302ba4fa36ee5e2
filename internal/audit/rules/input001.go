package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// StringLimit reports request strings without a maximum length.
var StringLimit = &audit.Rule{
	ID:       "ESC-INPUT-001",
	Title:    "String input without maxLength",
	Severity: escarp.SeverityMedium,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-770"},
	Theme:    audit.ThemeInput,
	Aliases:  []string{"owasp:api4:2023-string-limit", "owasp-string-limit"},
	Doc: `A string in a parameter or request body has no maxLength (nor enum,
const or a format of bounded length such as uuid or date-time). Unbounded
input lets a client send megabytes where a name is expected: memory and
CPU exhaustion, oversized log lines, and payloads long enough to bypass
filters.

How to fix: give every string input a realistic maxLength.

Before:

    name:
      type: string

After:

    name:
      type: string
      maxLength: 100`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			if u.In(audit.InRequest) && unboundedString(u.Schema) {
				p.Reportf(audit.SchemaAt(u), "string input has no maxLength")
			}
		}
		return nil
	},
}
