package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// emptySchema reports whether s constrains nothing at all.
func emptySchema(s *escarp.Schema) bool {
	return len(s.Type) == 0 && len(s.Properties) == 0 && s.Items == nil && s.AdditionalProperties == nil &&
		s.AdditionalPropertiesAllowed == nil && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 && s.Not == nil &&
		!enumerated(s) && s.Format == "" && s.Pattern == "" && len(s.Required) == 0 &&
		s.MaxLength == nil && s.MaxItems == nil && s.Minimum == nil && s.Maximum == nil
}

// MissingSchema reports parameters and request bodies without a schema,
// and empty request schemas.
var MissingSchema = &audit.Rule{
	ID:       "ESC-INPUT-008",
	Title:    "Input without a schema",
	Severity: escarp.SeverityHigh,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-20"},
	Theme:    audit.ThemeInput,
	Aliases:  []string{"oas-missing-type"},
	Doc: "A parameter has no schema, a structured request body (JSON, XML, form)\n" +
		"has no schema, or a request schema is empty (`{}`: no type, no\n" +
		`properties, nothing). Such input is not validated at all: any value of
any type reaches the code, and neither gateways nor fuzzers know what is
valid.

How to fix: give every input a schema with a type.

Before:

    - name: limit
      in: query

After:

    - name: limit
      in: query
      schema: {type: integer, format: int32, minimum: 1, maximum: 100}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, prm := range op.Parameters {
				if prm != nil && prm.Schema == nil {
					p.Reportf(audit.ParamAt(op, prm), "%s parameter %q of %s has no schema", prm.In, prm.Name, op.Key())
				}
			}
			if b := op.RequestBody; b != nil {
				for _, m := range b.Content {
					if m != nil && m.Schema == nil && structured(m.MediaType) {
						p.Reportf(audit.MediaAt(audit.BodyAt(op), m), "%s request body of %s has no schema", m.MediaType, op.Key())
					}
				}
			}
		}
		for _, u := range p.Index.Schemas {
			if u.In(audit.InRequest) && emptySchema(u.Schema) {
				p.Reportf(audit.SchemaAt(u), "request schema is empty: any value is accepted")
			}
		}
		return nil
	},
}
