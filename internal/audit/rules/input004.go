package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// NumberFormat reports numeric inputs without a format.
var NumberFormat = &audit.Rule{
	ID:       "ESC-INPUT-004",
	Title:    "Numeric input without format",
	Severity: escarp.SeverityLow,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-1284"},
	Theme:    audit.ThemeInput,
	Aliases:  []string{"owasp:api4:2023-integer-format", "owasp-integer-format"},
	Doc: `An integer or number in a parameter or request body has no format
(int32, int64, float, double). Without it, implementations pick different
sizes, and values that overflow one side but not the other slip through
validation.

How to fix: state the size.

Before:

    count: {type: integer, minimum: 0, maximum: 1000}

After:

    count: {type: integer, format: int32, minimum: 0, maximum: 1000}`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			if u.In(audit.InRequest) && isNumeric(u.Schema) && u.Schema.Format == "" && !enumerated(u.Schema) {
				p.Reportf(audit.SchemaAt(u), "%s input has no format", u.Schema.Type[0])
			}
		}
		return nil
	},
}
