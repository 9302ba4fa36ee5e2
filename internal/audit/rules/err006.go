package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// debugFields are error-body property names (squashed) that leak
// internals.
var debugFields = map[string]bool{
	"stack": true, "stacktrace": true, "trace": true, "traceback": true, "exception": true,
	"debug": true, "debuginfo": true, "sql": true, "query": true, "innerexception": true,
}

// ErrorShape reports error responses that expose debugging fields, and
// APIs whose errors have many shapes and none is RFC 9457.
var ErrorShape = &audit.Rule{
	ID:       "ESC-ERR-006",
	Title:    "Error responses leak internals or lack a common shape",
	Severity: escarp.SeverityInfo,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-209"},
	Theme:    audit.ThemeErrors,
	Doc: `An error response (4xx, 5xx, default) has a property such as stack,
trace, exception or sql, which promises internals to every caller; or the
API's error responses use several different schemas and none is RFC 9457
problem details (application/problem+json), so clients and monitoring
cannot handle errors uniformly and one-off error bodies leak details.

How to fix: use one error schema everywhere, preferably RFC 9457, with
no debugging fields.

Before:

    Error:
      properties:
        message: {type: string}
        stack: {type: string}

After:

    "400":
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}`,
	Run: func(p *audit.Pass) error {
		shapes := make(map[*escarp.Schema]bool)
		problemJSON := false
		reported := make(map[*escarp.Schema]bool)
		for _, op := range p.API.Operations {
			for _, r := range op.Responses {
				if r == nil {
					continue
				}
				if c := statusClass(r.Status); c != '4' && c != '5' && r.Status != "default" {
					continue
				}
				for _, m := range r.Content {
					if m == nil || m.Schema == nil {
						continue
					}
					if strings.Contains(strings.ToLower(m.MediaType), "problem+") {
						problemJSON = true
					}
					shapes[m.Schema] = true
					tops := append([]*escarp.Schema{m.Schema}, m.Schema.AllOf...)
					for _, s := range tops {
						u := p.Index.Use(s)
						if u == nil || reported[s] {
							continue
						}
						reported[s] = true
						for _, name := range s.SortedPropertyNames() {
							if debugFields[squash(name)] {
								p.Reportf(audit.PropertyAt(u, name), "error body property %q exposes internals", name)
							}
						}
					}
				}
			}
		}
		if len(shapes) > 1 && !problemJSON {
			p.Reportf(p.Root("/paths"), "error responses use %d different schemas and none is RFC 9457 problem details", len(shapes))
		}
		return nil
	},
}
