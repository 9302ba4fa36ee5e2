package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// RequestBodyUnbounded reports request bodies with no size limit
// anywhere in their schema.
var RequestBodyUnbounded = &audit.Rule{
	ID:       "ESC-RATE-005",
	Title:    "Request body size not bounded",
	Severity: escarp.SeverityMedium,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-770"},
	Theme:    audit.ThemeRateLimiting,
	Doc: `A structured request body's schema has no size limit anywhere: no
maxLength, maxItems, maxProperties, enum or const in the whole tree.
Nothing then bounds how large a valid request is, so body size is limited
only by whatever the server happens to enforce.

How to fix: bound the strings, arrays and maps of the body (see
ESC-INPUT-001 and ESC-INPUT-005), and cap the body size in the server.

Before:

    Comment:
      type: object
      properties:
        text: {type: string}

After:

    Comment:
      type: object
      properties:
        text: {type: string, maxLength: 2000}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			b := op.RequestBody
			if b == nil {
				continue
			}
			for _, m := range b.Content {
				if m != nil && m.Schema != nil && structured(m.MediaType) && !p.Index.Bounded(m.Schema) {
					p.Reportf(audit.MediaAt(audit.BodyAt(op), m), "%s request body of %s has no size limit anywhere in its schema", m.MediaType, op.Key())
				}
			}
		}
		return nil
	},
}
