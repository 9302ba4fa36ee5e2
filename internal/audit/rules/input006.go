package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// AdditionalProperties reports request objects that accept undeclared
// properties.
var AdditionalProperties = &audit.Rule{
	ID:       "ESC-INPUT-006",
	Title:    "Request object accepts undeclared properties",
	Severity: escarp.SeverityMedium,
	OWASP:    "API3:2023",
	CWE:      []string{"CWE-915"},
	Theme:    audit.ThemeInput,
	Aliases: []string{"owasp:api3:2023-no-additionalProperties", "owasp:api3:2023-constrained-additionalProperties",
		"owasp-no-additionalProperties", "owasp-constrained-additionalProperties",
		"owasp:api3:2023-no-unevaluatedProperties", "owasp:api3:2023-constrained-unevaluatedProperties"},
	Doc: "An object in a request sets `additionalProperties: true` (or, in\n" +
		"OpenAPI 3.1, `unevaluatedProperties: true`), or a schema for additional\n" +
		`or unevaluated properties without maxProperties. Undeclared fields then
pass validation and reach the code, which is how mass assignment happens
(a client sets "role": "admin" or "price": 0), and an unbounded map is a
resource-exhaustion lever.

How to fix: set additionalProperties: false, or bound the map with
maxProperties.

Before:

    UserUpdate:
      type: object
      additionalProperties: true

After:

    UserUpdate:
      type: object
      additionalProperties: false`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			s := u.Schema
			if !u.In(audit.InRequest) {
				continue
			}
			switch {
			case s.AdditionalPropertiesAllowed != nil && *s.AdditionalPropertiesAllowed:
				p.Reportf(audit.SchemaAt(u), "request object allows any additional property (additionalProperties: true)")
			case s.AdditionalProperties != nil && s.MaxProperties == nil:
				p.Reportf(audit.SchemaAt(u), "request object allows additional properties without maxProperties")
			default:
				// unevaluatedProperties is not in the model: read it raw.
				if p.Raw == nil || (u.Pos.File != "" && u.Pos.File != p.API.Location) {
					continue
				}
				switch v, _, ok := p.Raw.Value(u.Pointer + "/unevaluatedProperties"); {
				case !ok:
				case v == true:
					p.Reportf(audit.SchemaAt(u), "request object allows any unevaluated property (unevaluatedProperties: true)")
				case s.MaxProperties == nil && v != false:
					if _, isMap := v.(map[string]any); isMap {
						p.Reportf(audit.SchemaAt(u), "request object allows unevaluated properties without maxProperties")
					}
				}
			}
		}
		return nil
	},
}
