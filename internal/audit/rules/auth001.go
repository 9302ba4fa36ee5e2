package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// NoSecuritySchemes reports an API with operations but no security scheme.
var NoSecuritySchemes = &audit.Rule{
	ID:       "ESC-AUTH-001",
	Title:    "No security schemes defined",
	Severity: escarp.SeverityHigh,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-306"},
	Theme:    audit.ThemeAuthentication,
	Doc: `The document defines operations but no security scheme at all
(components.securitySchemes in OpenAPI 3, securityDefinitions in Swagger 2).
Either the API really is unauthenticated, or the authentication it uses is
undocumented, so neither clients, gateways nor scanners can enforce or test it.

How to fix: declare how clients authenticate and require it globally.

Before:

    openapi: 3.1.0
    paths: {...}

After:

    openapi: 3.1.0
    components:
      securitySchemes:
        bearer: {type: http, scheme: bearer, bearerFormat: JWT}
    security:
      - bearer: []`,
	Run: func(p *audit.Pass) error {
		if len(p.API.SecuritySchemes) > 0 || len(p.API.Operations) == 0 {
			return nil
		}
		ptr := "/components/securitySchemes"
		if p.API.Format == escarp.FormatSwagger {
			ptr = "/securityDefinitions"
		}
		p.Reportf(p.Root(ptr), "the API has %d operations and no security scheme", len(p.API.Operations))
		return nil
	},
}
