package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// FreeFormObject reports request objects that declare no properties.
var FreeFormObject = &audit.Rule{
	ID:       "ESC-INPUT-007",
	Title:    "Request object without properties",
	Severity: escarp.SeverityLow,
	OWASP:    "API3:2023",
	CWE:      []string{"CWE-20"},
	Theme:    audit.ThemeInput,
	Doc: `An object in a request has neither properties nor a composition
(allOf/anyOf/oneOf), additional-properties schema or maxProperties: it is a
free-form bag. Nothing about its content is validated, so the code receives
whatever the client sends.

How to fix: declare the properties the operation accepts.

Before:

    settings:
      type: object

After:

    settings:
      type: object
      additionalProperties: false
      properties:
        theme: {type: string, enum: [light, dark]}`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			s := u.Schema
			if !u.In(audit.InRequest) || !isObject(s) {
				continue
			}
			if len(s.Properties) == 0 && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 &&
				s.AdditionalProperties == nil && s.MaxProperties == nil && !enumerated(s) &&
				(s.AdditionalPropertiesAllowed == nil || *s.AdditionalPropertiesAllowed) {
				p.Reportf(audit.SchemaAt(u), "request object declares no properties: its content is not validated")
			}
		}
		return nil
	},
}
