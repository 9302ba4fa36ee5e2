package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// BodyOnNoContent reports 204, 304 and HEAD responses that define a body.
var BodyOnNoContent = &audit.Rule{
	ID:       "ESC-DATA-007",
	Title:    "Body defined for a response that has none",
	Severity: escarp.SeverityInfo,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-1068"},
	Theme:    audit.ThemeDataExposure,
	Doc: `A 204 or 304 response, or a response of a HEAD operation, defines a body
schema. HTTP forbids a body there, so either the documentation is wrong or
the server sends data that clients and proxies silently drop or
mis-parse (response splitting, desynchronised connections).

How to fix: remove the content, or use 200 if a body is returned.

Before:

    "204":
      description: Deleted
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Order"}

After:

    "204":
      description: Deleted`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, r := range op.Responses {
				if r == nil || len(r.Content) == 0 {
					continue
				}
				if r.Status == "204" || r.Status == "304" || op.Method == "HEAD" {
					for _, m := range r.Content {
						if m != nil && m.Schema != nil {
							p.Reportf(audit.ResponseAt(op, r), "response %s of %s defines a body, which HTTP does not allow", r.Status, op.Key())
							break
						}
					}
				}
			}
		}
		return nil
	},
}
