package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// CORSOrigin reports APIs that document no CORS policy, and wildcard
// origins on authenticated operations.
var CORSOrigin = &audit.Rule{
	ID:       "ESC-DATA-006",
	Title:    "CORS origin undocumented or wildcard",
	Severity: escarp.SeverityLow,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-942"},
	Theme:    audit.ThemeDataExposure,
	Aliases:  []string{"owasp:api8:2023-define-cors-origin"},
	Doc: "No response documents `Access-Control-Allow-Origin`, so the CORS policy\n" +
		`(which browser origins may read responses) is unknown and untested; or
an authenticated operation allows the wildcard origin "*", letting any web
site read what it returns to a signed-in user's browser.

How to fix: document the allowed origins, and never combine "*" with
credentials.

Before:

    "200": {description: OK}

After:

    "200":
      description: OK
      headers:
        Access-Control-Allow-Origin:
          schema: {type: string, enum: ["https://app.acme.io"]}`,
	Run: func(p *audit.Pass) error {
		api := p.API
		if hasResponses(api) && !anyResponseHeader(api, "Access-Control-Allow-Origin") {
			p.Reportf(p.Root("/paths"), "no response declares Access-Control-Allow-Origin")
			return nil
		}
		for _, op := range api.Operations {
			if !authenticated(op) {
				continue
			}
			for _, r := range op.Responses {
				if r == nil {
					continue
				}
				h := header(r, "Access-Control-Allow-Origin")
				if h == nil || h.Schema == nil {
					continue
				}
				s := h.Schema
				vals := append([]any{s.Default, s.Example, s.Const, h.Example}, s.Enum...)
				for _, v := range vals {
					if v == "*" {
						l := audit.ParamAt(op, h)
						l.Param = "header:" + h.Name
						if h.Pointer == "" {
							l.Pointer = audit.ResponseAt(op, r).Pointer + "/headers/Access-Control-Allow-Origin"
						}
						p.Reportf(l, "authenticated operation %s allows any origin (*)", op.Key())
						break
					}
				}
			}
		}
		return nil
	},
}
