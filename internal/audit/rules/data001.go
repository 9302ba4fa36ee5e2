package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// ResponseSchemaUndefined reports responses whose body is not described.
var ResponseSchemaUndefined = &audit.Rule{
	ID:       "ESC-DATA-001",
	Title:    "Response body without a schema",
	Severity: escarp.SeverityMedium,
	OWASP:    "API3:2023",
	CWE:      []string{"CWE-213"},
	Theme:    audit.ThemeDataExposure,
	Doc: `A structured response (JSON, XML) has no schema, or a GET returns 200 or
206 without describing any body. What the API returns is then undefined:
nobody can check that it returns only what it should (excessive data
exposure), and response validation in gateways or tests cannot run.

How to fix: describe every response body with a schema listing exactly the
fields returned.

Before:

    "200":
      description: The user
      content:
        application/json: {}

After:

    "200":
      description: The user
      content:
        application/json:
          schema: {$ref: "#/components/schemas/UserView"}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, r := range op.Responses {
				if r == nil {
					continue
				}
				if len(r.Content) == 0 {
					if op.Method == "GET" && (r.Status == "200" || r.Status == "206") {
						p.Reportf(audit.ResponseAt(op, r), "response %s of %s describes no body", r.Status, op.Key())
					}
					continue
				}
				for _, m := range r.Content {
					if m != nil && m.Schema == nil && structured(m.MediaType) && op.Method != "HEAD" {
						p.Reportf(audit.MediaAt(audit.ResponseAt(op, r), m), "%s response %s of %s has no schema", m.MediaType, r.Status, op.Key())
					}
				}
			}
		}
		return nil
	},
}
