package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// AuthorizationHeaderParam reports Authorization modelled as a header
// parameter.
var AuthorizationHeaderParam = &audit.Rule{
	ID:       "ESC-AUTH-016",
	Title:    "Authorization header modelled as a parameter",
	Severity: escarp.SeverityLow,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-287"},
	Theme:    audit.ThemeAuthentication,
	Doc: "An operation declares the `Authorization` header as an ordinary\n" +
		`parameter instead of using a security scheme. OpenAPI ignores header
parameters named Authorization, so tools do not know the operation is
authenticated: it looks public to gateways, SDKs and scanners.

How to fix: declare a security scheme and a security requirement.

Before:

    parameters:
      - {name: Authorization, in: header, required: true, schema: {type: string}}

After:

    security:
      - bearer: []`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, prm := range op.Parameters {
				if prm != nil && prm.In == "header" && strings.EqualFold(prm.Name, "Authorization") {
					p.Reportf(audit.ParamAt(op, prm), "%s declares Authorization as a header parameter instead of a security scheme", op.Key())
				}
			}
		}
		return nil
	},
}
