package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// ResponseAdditionalProperties reports response objects that allow
// undeclared properties.
var ResponseAdditionalProperties = &audit.Rule{
	ID:       "ESC-DATA-003",
	Title:    "Response object allows undeclared properties",
	Severity: escarp.SeverityLow,
	OWASP:    "API3:2023",
	CWE:      []string{"CWE-213"},
	Theme:    audit.ThemeDataExposure,
	Doc: "A response object sets `additionalProperties: true` or a schema for\n" +
		`additional properties (or unevaluatedProperties other than false).
Whatever the server adds to the object (internal flags, other users'
data, secrets) then passes response validation unnoticed: the contract no
longer limits what is exposed.

How to fix: set additionalProperties: false on response objects, or model
maps explicitly with a bounded value schema.

Before:

    UserView:
      type: object
      additionalProperties: true

After:

    UserView:
      type: object
      additionalProperties: false`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			s := u.Schema
			if !u.In(audit.InResponse) {
				continue
			}
			if (s.AdditionalPropertiesAllowed != nil && *s.AdditionalPropertiesAllowed) || s.AdditionalProperties != nil {
				p.Reportf(audit.SchemaAt(u), "response object allows undeclared properties")
				continue
			}
			// unevaluatedProperties (OpenAPI 3.1) is not in the model: read it raw.
			if p.Raw == nil || (u.Pos.File != "" && u.Pos.File != p.API.Location) {
				continue
			}
			if v, _, ok := p.Raw.Value(u.Pointer + "/unevaluatedProperties"); ok && v != false {
				p.Reportf(audit.SchemaAt(u), "response object allows unevaluated properties")
			}
		}
		return nil
	},
}
