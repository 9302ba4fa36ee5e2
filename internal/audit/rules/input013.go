package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// BinaryUnbounded reports file uploads without a size limit.
var BinaryUnbounded = &audit.Rule{
	ID:       "ESC-INPUT-013",
	Title:    "File upload without a size limit",
	Severity: escarp.SeverityMedium,
	OWASP:    "API4:2023",
	CWE:      []string{"CWE-400"},
	Theme:    audit.ThemeInput,
	Doc: "A request accepts binary content (a string with `format: binary` or\n" +
		"`byte`, or a non-structured media type such as application/octet-stream\n" +
		`or image/*) without maxLength. Uploads of any size fill disks, memory
and queues, and are slow to scan.

How to fix: state the maximum size (maxLength in bytes) and enforce it
before reading the body.

Before:

    multipart/form-data:
      schema:
        properties:
          file: {type: string, format: binary}

After:

    multipart/form-data:
      schema:
        properties:
          file: {type: string, format: binary, maxLength: 10485760}`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			s := u.Schema
			f := strings.ToLower(s.Format)
			if u.In(audit.InRequest) && isString(s) && (f == "binary" || f == "byte" || f == "base64") && s.MaxLength == nil {
				p.Reportf(audit.SchemaAt(u), "binary input (format %s) has no maxLength", s.Format)
			}
		}
		for _, op := range p.API.Operations {
			b := op.RequestBody
			if b == nil {
				continue
			}
			for _, m := range b.Content {
				if m == nil || structured(m.MediaType) || strings.HasPrefix(strings.ToLower(m.MediaType), "text/") {
					continue
				}
				if m.Schema == nil || (m.Schema.MaxLength == nil && !isObject(m.Schema)) {
					if m.Schema != nil && p.Index.Use(m.Schema) != nil && isString(m.Schema) &&
						(m.Schema.Format == "binary" || m.Schema.Format == "byte") {
						continue // reported above at the schema
					}
					p.Reportf(audit.MediaAt(audit.BodyAt(op), m), "%s upload of %s has no size limit", m.MediaType, op.Key())
				}
			}
		}
		return nil
	},
}
