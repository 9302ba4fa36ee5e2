package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// NumberLimit reports numeric inputs without minimum and maximum.
var NumberLimit = &audit.Rule{
	ID:       "ESC-INPUT-003",
	Title:    "Numeric input without minimum and maximum",
	Severity: escarp.SeverityMedium,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-1284"},
	Theme:    audit.ThemeInput,
	Aliases:  []string{"owasp:api4:2023-integer-limit", "owasp:api4:2023-integer-limit-legacy", "owasp-integer-limit"},
	Doc: `An integer or number in a parameter or request body lacks a minimum or a
maximum (or their exclusive forms). Negative quantities, huge page sizes
and overflowing values are classic business-logic and resource-exhaustion
bugs.

How to fix: bound every numeric input.

Before:

    quantity:
      type: integer
      format: int32

After:

    quantity:
      type: integer
      format: int32
      minimum: 1
      maximum: 100`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			s := u.Schema
			if !u.In(audit.InRequest) || !isNumeric(s) || enumerated(s) {
				continue
			}
			noMin := s.Minimum == nil && s.ExclusiveMinimum == nil
			noMax := s.Maximum == nil && s.ExclusiveMaximum == nil
			switch {
			case noMin && noMax:
				p.Reportf(audit.SchemaAt(u), "numeric input has neither minimum nor maximum")
			case noMin:
				p.Reportf(audit.SchemaAt(u), "numeric input has no minimum")
			case noMax:
				p.Reportf(audit.SchemaAt(u), "numeric input has no maximum")
			}
		}
		return nil
	},
}
