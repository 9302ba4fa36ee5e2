package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// ArrayLimit reports request arrays without maxItems.
var ArrayLimit = &audit.Rule{
	ID:       "ESC-INPUT-005",
	Title:    "Array input without maxItems",
	Severity: escarp.SeverityMedium,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-770"},
	Theme:    audit.ThemeInput,
	Aliases:  []string{"owasp:api4:2023-array-limit", "owasp-array-limit"},
	Doc: `An array in a parameter or request body has no maxItems. A client can
send millions of elements in one request: batch endpoints become a
denial-of-service lever and a way around per-request rate limits.

How to fix: bound every array input.

Before:

    ids:
      type: array
      items: {type: string, format: uuid}

After:

    ids:
      type: array
      maxItems: 100
      items: {type: string, format: uuid}`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			if u.In(audit.InRequest) && isArray(u.Schema) && u.Schema.MaxItems == nil {
				p.Reportf(audit.SchemaAt(u), "array input has no maxItems")
			}
		}
		return nil
	},
}
