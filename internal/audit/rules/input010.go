package rules

import (
	"mime"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// RequestContentType reports request media types that are malformed or
// wildcards.
var RequestContentType = &audit.Rule{
	ID:       "ESC-INPUT-010",
	Title:    "Request content type is invalid or a wildcard",
	Severity: escarp.SeverityMedium,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-20"},
	Theme:    audit.ThemeInput,
	Doc: "A request body accepts a wildcard media type (`*/*`, `application/*`)\n" +
		`or a string that is not a media type. The server then parses whatever
the client labels the body as: parser differentials, XML external entities
where JSON was expected, and validation that never runs because the schema
is keyed by a type nobody sends.

How to fix: list the exact media types the operation accepts.

Before:

    requestBody:
      content:
        "*/*":
          schema: {$ref: "#/components/schemas/Order"}

After:

    requestBody:
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Order"}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			b := op.RequestBody
			if b == nil {
				continue
			}
			for _, m := range b.Content {
				if m == nil {
					continue
				}
				mt, _, err := mime.ParseMediaType(m.MediaType)
				switch {
				case err != nil || !strings.Contains(mt, "/"):
					p.Reportf(audit.MediaAt(audit.BodyAt(op), m), "request media type %q of %s is not a valid media type", m.MediaType, op.Key())
				case strings.Contains(mt, "*"):
					p.Reportf(audit.MediaAt(audit.BodyAt(op), m), "request media type %q of %s is a wildcard", m.MediaType, op.Key())
				}
			}
		}
		return nil
	},
}
